"""The MMI loader on small session folders in MMI's layout, with broken sessions."""

from __future__ import annotations

import numpy as np
import pytest
from corpora import (
    truncate,
    write_bytes,
    write_image,
    write_label_xml,
    write_mmi_session,
    write_session_xml,
)

from facedata import _pipeline as P
from facedata import mmi
from facedata.dataset import CLASS_IDS
from facedata.loaders import load
from facedata.mmi import load_mmi, read_emotion, read_view
from facedata.video import VideoInfo, middle_frame_indices, probe, read_frames

pytestmark = pytest.mark.filterwarnings("ignore:mmi. skipped:UserWarning")

N, H, A, S, F, SAD = (
    CLASS_IDS[c] for c in ("neutral", "happy", "anger", "surprise", "fear", "sad")
)
SKIPPED = {
    P.unused_class("disgust"): 1,
    mmi.PROFILE_ONLY: 1,
    mmi.NO_EMOTION: 1,
    P.MALFORMED_LABELS: 2,
    P.MISSING_LABELS: 1,
    mmi.BAD_SESSION_XML: 2,
    mmi.NO_VIDEO: 1,
    P.UNREADABLE_VIDEO: 1,
    P.BAD_NAME: 1,
    P.SHORT_VIDEO: 1,  # S002-006, cut at 60%: counted, its frames before the break used
}


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    root = tmp_path_factory.mktemp("mmi")
    s = root / "Sessions"
    write_mmi_session(s, 1, "S001-001", 0, H, 4)
    write_mmi_session(s, 2, "S001-002", 0, A, 1, view=2, face_half="right")
    write_mmi_session(s, 3, "S001-003", 0, N, 2)  # disgust
    write_mmi_session(s, 4, "S001-004", 0, S, 6, view=1)  # profile only
    write_mmi_session(s, 5, "S002-001", 1, F, 3)
    write_mmi_session(s, 6, "S002-002", 1, H, None)  # action units only
    write_mmi_session(s, 7, "S002-003", 1, H, 4)
    (s / "7" / "S002-003.xml").write_text("<Session><Metatag Name='Emotion' Value='4'>")
    write_mmi_session(s, 8, "S002-004", 1, H, 4)
    (s / "8" / "S002-004.xml").unlink()
    write_mmi_session(s, 9, "S002-005", 1, H, 9)  # no such code
    write_mmi_session(s, 10, "S002-008", 1, H, 4)
    (s / "10" / "session.xml").unlink()
    write_mmi_session(s, 11, "S002-009", 1, H, 4, view=7)
    write_image(s / "12" / "S002-010.jpg", 1, H)  # a still-image session
    write_session_xml(s / "12", 0)
    truncate(write_mmi_session(s, 13, "S002-006", 1, SAD, 5), 0.6)
    write_mmi_session(s, 14, "S002-007", 1, H, 4)
    write_bytes(s / "14" / "S002-007.avi")
    write_mmi_session(s, 15, "S002-011", 1, H, 4)
    (s / "15" / "S002-011.avi").rename(s / "15" / "clip one.avi")
    write_label_xml(s / "1" / "S001-001-oao_aucs.xml", None)  # action-unit file: not a label
    return root


def expected_rows(root):
    """(clip, frame, class) of every crop the loader should return."""
    peak = [10, 11, 12]  # 24 frames: the middle three
    n = probe(root / "Sessions" / "13" / "S002-006.avi").n_frames
    rows = [("S001-001", 0, N), *[("S001-001", i, H) for i in peak]]
    rows += [("S001-002", 0, N), *[("S001-002", i, A) for i in peak]]
    rows += [("S002-001", 0, N), *[("S002-001", i, F) for i in peak]]
    rows += [("S002-006", 0, N), *[("S002-006", i, SAD) for i in middle_frame_indices(n, 3)]]
    return rows, n


def test_labels_frames_and_report(sessions):
    data, report = load_mmi(sessions, cache=False, progress=False)
    rows, n_truncated = expected_rows(sessions)
    assert 0 < n_truncated < 24
    got = list(zip(data.clips.tolist(), data.frames.tolist(), data.labels.tolist(), strict=True))
    assert got == rows
    subjects = {clip: clip[:4] for clip, _, _ in rows}
    assert data.subjects.tolist() == [subjects[c] for c in data.clips.tolist()]
    assert dict(report.skipped) == SKIPPED
    assert (report.clips_loaded, report.frames_loaded, report.subjects_loaded) == (4, 16, 2)


def test_root_may_be_the_sessions_folder_and_the_registry(sessions):
    data, _ = load("mmi", sessions / "Sessions", cache=False, progress=False)
    assert len(data) == 16


def test_options(sessions):
    data, _ = load_mmi(
        sessions, cache=False, progress=False, peak_frames=1, neutral_first_frame=False
    )
    assert data.frames.tolist()[:3] == [11, 11, 11] and N not in data.labels.tolist()
    with pytest.raises(ValueError, match="dual_view_half"):
        load_mmi(sessions, dual_view_half="top")


class Spy:
    """A detector that keeps the images it is shown and finds one face in each."""

    def __init__(self):
        self.images = []

    def detect(self, image):
        self.images.append(image)
        return [(0, 0, image.shape[1], image.shape[0])]


@pytest.mark.parametrize("half", ["left", "right"])
def test_dual_view_detection_looks_in_one_half(tmp_path, half):
    video = write_mmi_session(
        tmp_path / "Sessions", 1, "S005-001", 2, A, 1, view=2, face_half=half, boxes=False
    )
    spy = Spy()
    load_mmi(tmp_path, detector=spy, dual_view_half=half, cache=False, progress=False)
    frames = read_frames(video, [0, 10, 11, 12])
    width = frames[0].shape[1] // 2
    assert len(spy.images) == 4
    for seen, (_, frame) in zip(spy.images, sorted(frames.items()), strict=True):
        assert np.array_equal(seen, frame[:, :width] if half == "left" else frame[:, width:])


def test_auto_half_takes_the_half_with_the_larger_face():
    image = np.zeros((10, 20, 3), np.uint8)
    image[:, 10:] = 200

    class Bright:
        def detect(self, part):
            return [(0, 0, 5, 5)] if part.mean() > 100 else []

    assert P._region(image, "auto", Bright()).mean() == 200
    assert P._region(image, "left", Bright()).mean() == 0
    assert P._region(image, "full", Bright()).shape == image.shape


def test_view_and_emotion_parsing(tmp_path):
    assert read_view(write_session_xml(tmp_path / "a", 2)) == 2
    with pytest.raises(ValueError, match="no <track view"):
        read_view(write_session_xml(tmp_path / "b", None))
    with pytest.raises(ValueError, match="not a number"):
        read_view(write_session_xml(tmp_path / "c", "frontal"))
    assert read_emotion(write_label_xml(tmp_path / "x.xml", 6)) == 6
    assert read_emotion(write_label_xml(tmp_path / "y.xml", None)) is None
    (tmp_path / "z.xml").write_text(
        '<Session><Metatag Name="Emotion" Value="1"/><Metatag Name="Emotion" Value="4"/></Session>'
    )
    with pytest.raises(mmi.P.LabelFileError, match="emotions"):
        read_emotion(tmp_path / "z.xml")


def test_frame_selection():
    info = VideoInfo(n_frames=24, fps=24.0, width=720, height=576)
    assert mmi.select_frames(H, info) == [(0, N), (10, H), (11, H), (12, H)]
    assert mmi.select_frames(H, VideoInfo(3, 24.0, 8, 8)) == [(0, N), (1, H), (2, H)]


def test_missing_root_names_the_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"session\.xml"):
        load_mmi(tmp_path / "nowhere", cache=False)
    with pytest.raises(FileNotFoundError, match="Sessions"):
        load_mmi(tmp_path, cache=False)
