"""clifer.live's FaceFinder: the face detected every k frames and tracked in between, crops
aligned on the eyes; ``python -m clifer.personal``'s --detector and --detect-every."""

import numpy as np
import pytest

pytest.importorskip("mtcnn")

from clifer.live import FaceFinder
from clifer.personal import main
from facedata.faces import crop_of, detector_named, face_crop, largest
from facedata.synthetic import render_clip, sample_persons, write_video


def clip(n: int = 30, seed: int = 4, expression: int = 1):
    """BGR frames of a synthetic person (320x240, the face swaying) and its recorded boxes."""
    images, boxes = render_clip(
        sample_persons(1, 3)[0], expression, n, frame_size=(320, 240), face_size=150, seed=seed
    )
    return [np.ascontiguousarray(i[..., ::-1]) for i in images], boxes


def test_the_face_is_detected_every_k_frames_and_tracked_between():
    frames, recorded = clip()
    finder = FaceFinder(64, every=10)
    mtcnn = detector_named("mtcnn")
    for i, frame in enumerate(frames):
        box, crop = finder.crop(frame)
        assert box is not None and crop.shape == (64, 64, 3), i
        rx, ry, rw, rh = recorded[i]
        x, y, w, h = box  # the aligned face box, near the recorded one
        assert abs(x + w / 2 - (rx + rw / 2)) < 0.15 * rw and abs(w / rw - 1) < 0.25, i
        assert abs(y + h / 2 - (ry + rh / 2)) < 0.15 * rh, i
        if i % 10 == 0:  # a detection: the crop is the detector's aligned crop
            np.testing.assert_array_equal(crop, face_crop(frame, mtcnn, 64))
    assert finder.tracker.detections == 3 and finder.tracker.tracked == 27


def test_every_frame_detected_gives_the_detector_s_crops():
    frames, _ = clip(4)
    finder = FaceFinder(48, every=1)
    mtcnn = detector_named("mtcnn")
    for frame in frames:
        box, crop = finder.crop(frame)
        face = largest(mtcnn.detect_faces(frame))
        assert box == face.crop_box()
        np.testing.assert_array_equal(crop, crop_of(frame, face, 48))
    assert finder.tracker.detections == 4


def test_the_haar_finder_gives_unaligned_crops():
    frames, _ = clip(3)
    finder = FaceFinder(48, detector="haar", every=1)
    box, crop = finder.crop(frames[0])
    haar_box = detector_named("haar").detect(frames[0])[0]
    assert box == haar_box
    np.testing.assert_array_equal(crop, face_crop(frames[0], "haar", 48))
    assert finder.detector is detector_named("haar")


@pytest.mark.slow
def test_the_command_line_takes_a_detector_and_k(tmp_path, capsys):
    video = tmp_path / "happy.mp4"
    frames, _ = clip(15)
    write_video(video, np.stack([f[..., ::-1] for f in frames]), 15)
    store = tmp_path / "persons"
    assert (
        main(
            [
                "learn",
                "--person",
                "ada",
                "--label",
                "happy",
                "--video",
                str(video),
                "--store",
                str(store),
                "--detector",
                "haar",
                "--detect-every",
                "5",
            ]
        )
        == 0
    )
    assert "ada: learnt happy from 15 frames (0 without a face)" in capsys.readouterr().out
    for option, value, message in (
        ("--detect-every", "0", "must be a whole number"),
        ("--detector", "dlib", "invalid choice"),
    ):
        with pytest.raises(SystemExit):
            main(
                [
                    "predict",
                    "--person",
                    "ada",
                    "--video",
                    str(video),
                    "--store",
                    str(store),
                    option,
                    value,
                ]
            )
        assert message in capsys.readouterr().err
