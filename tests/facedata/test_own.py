"""The loader of one's own data: person/expression folders and CSV manifests the tests
write, from synthetic faces with recorded face boxes (no detector needed)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from corpora import FPS, N_FRAMES, truncate, write_bytes, write_clip, write_still

from facedata import _pipeline as P
from facedata import images, own
from facedata.dataset import CLASS_IDS
from facedata.expressions import UNKNOWN_EXPRESSION, canonical, class_id
from facedata.faces import FixedFaces, RecordedFaces
from facedata.loaders import load
from facedata.own import find_layout, load_own
from facedata.video import chunked_frame_indices

pytestmark = pytest.mark.filterwarnings("ignore:own. skipped:UserWarning")

CHUNKS = chunked_frame_indices(N_FRAMES, FPS)  # the default selection of a clip: 8 frames
H, S, N, SAD, SUR, ANG, FEAR = (
    CLASS_IDS[c] for c in ("happy", "sad", "neutral", "sad", "surprise", "anger", "fear")
)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """``<person>/<expression>/`` folders with videos, image clips and every kind of bad file."""
    root = tmp_path_factory.mktemp("own")
    ann, bob = root / "ann", root / "bob"
    write_clip(ann / "happy" / "smile1.mp4", 0, H)
    write_clip(ann / "Sadness" / "down.avi", 0, S)
    for i in (10, 2, 1):  # one clip of three images, in natural name order: 1, 2, 10
        write_still(ann / "SURPRISED" / "take1" / f"img{i}.png", 0, SUR)
    write_still(ann / "joy" / "x.jpg", 0, H)
    # converted, not skipped
    write_still(bob / "neutral" / "a_grey.png", 1, N, form="grey")
    write_still(bob / "neutral" / "b_rgba.png", 1, N, form="rgba")
    write_still(bob / "neutral" / "c_deep.png", 1, N, form="16bit")
    write_still(bob / "Angry" / "small.png", 1, ANG, scale=0.5)  # smaller than the crop
    # skipped and counted
    write_still(bob / "neutral" / "d_tiny.png", 1, N, scale=0.25)  # 16x14: too small
    no_face = write_still(bob / "fear" / "wall.png", 1, FEAR)
    RecordedFaces({}).to_csv(RecordedFaces.sidecar(no_face))  # a photo without a face
    write_bytes(bob / "fear" / "broken.jpg", b"\xff\xd8\xff not really a jpeg")
    truncate(write_still(bob / "fear" / "cut.png", 1, FEAR))
    write_bytes(bob / "sad" / "empty.mp4")
    truncate(write_clip(bob / "sad" / "cut.mp4", 1, S), 0.5)  # its index is at the end: gone
    write_still(bob / "calm" / "c.png", 1, N)
    write_still(bob / "Disgusted" / "d.png", 1, N)
    write_still(bob / "contempt" / "e.png", 1, N)
    write_still(bob / "confused" / "f.png", 1, N)
    write_still(bob / "loose.png", 1, N)  # not in an expression folder
    write_bytes(bob / "happy" / "notes.txt", b"not an image")
    write_bytes(root / "README.md", b"about the recordings")
    return root


def test_folders_clips_frames_and_report(folders):
    data, report = load("own", folders, image_size=48, cache=False, progress=False)
    rows = list(
        zip(
            data.subjects.tolist(),
            data.clips.tolist(),
            data.frames.tolist(),
            data.labels.tolist(),
            strict=True,
        )
    )
    assert [r for r in rows if r[1] == "ann/happy/smile1"] == [
        ("ann", "ann/happy/smile1", f, H) for f in CHUNKS
    ]
    assert [r for r in rows if r[1] == "ann/Sadness/down"] == [
        ("ann", "ann/Sadness/down", f, S) for f in CHUNKS
    ]
    take = [
        (r[2], p)
        for r, p in zip(rows, data.paths.tolist(), strict=True)
        if r[1] == "ann/SURPRISED/take1"
    ]
    assert [(f, p.rsplit("/", 1)[1]) for f, p in take] == [
        (0, "img1.png"),
        (1, "img2.png"),
        (2, "img10.png"),
    ]
    assert ("ann", "ann/joy", 0, H) in rows
    bob = sorted(r for r in rows if r[0] == "bob")
    assert bob == [
        ("bob", "bob/Angry", 0, ANG),
        ("bob", "bob/neutral", 0, N),
        ("bob", "bob/neutral", 1, N),
        ("bob", "bob/neutral", 2, N),
    ]
    assert len(data) == 2 * len(CHUNKS) + 4 + 4 and data.images.shape[1:] == (48, 48, 3)
    assert dict(report.converted) == {
        images.GREY: 1,
        images.ALPHA: 1,
        images.DEEP: 1,
        images.ENLARGED: 1,
    }
    assert dict(report.skipped) == {
        images.TOO_SMALL: 1,
        P.NO_FACE: 1,
        images.UNREADABLE: 2,
        P.UNREADABLE_VIDEO: 2,
        P.unused_class("calm"): 1,
        P.unused_class("disgust"): 1,
        P.unused_class("contempt"): 1,
        UNKNOWN_EXPRESSION: 1,
        own.OUTSIDE: 1,
        own.NOT_MEDIA: 2,
    }
    assert report.persons and report.subjects_loaded == 2
    assert report.per_subject["ann"] == {
        "neutral": 0,
        "happy": len(CHUNKS) + 1,
        "surprise": 3,
        "anger": 0,
        "fear": 0,
        "sad": len(CHUNKS),
    }
    assert report.per_subject["bob"]["neutral"] == 3 and report.per_split == {}
    text = str(report)
    assert "crops per subject and class:" in text and "  ann " in text and "  bob " in text
    assert "e.g. bob/neutral/d_tiny.png" in text and "image too small" in text


def test_every_nth_frame_and_a_truncated_avi(tmp_path):
    write_clip(tmp_path / "cy" / "fear" / "a.mp4", 2, FEAR)
    truncate(write_clip(tmp_path / "cy" / "fear" / "b.avi", 2, FEAR), 0.5)
    data, report = load_own(tmp_path, video_frames=5, image_size=32, cache=False, progress=False)
    whole = data.frames[data.clips == "cy/fear/a"].tolist()
    assert whole == [0, 5, 10, 15, 20]
    cut = data.frames[data.clips == "cy/fear/b"].tolist()
    assert 0 < len(cut) < 5 and cut == [0, 5, 10, 15, 20][: len(cut)]  # the frames before the break
    assert report.skipped == {P.SHORT_VIDEO: 1}  # counted, not silently short
    with pytest.raises(ValueError, match="video_frames must be"):
        load_own(tmp_path, video_frames=0, cache=False)


def test_a_detector_in_place_of_recorded_boxes(folders):
    whole = FixedFaces(((0, 0, 30, 30),))
    data, report = load_own(
        folders, faces="detect", detector=whole, image_size=32, cache=False, progress=False
    )
    assert "bob/fear" in data.clips.tolist()  # the photo without a recorded face now gives one
    assert P.NO_FACE not in report.skipped
    nothing, report = load_own(
        folders, faces="detect", detector=FixedFaces(()), cache=False, progress=False
    )
    assert len(nothing) == 0 and report.skipped[P.NO_FACE] == 2 * len(CHUNKS) + 9


def write_manifest(path, rows, columns=("path", "person", "expression", "clip", "frame")):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    """A manifest over files in its folder and elsewhere, with every kind of bad row."""
    root = tmp_path_factory.mktemp("manifest")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    write_clip(root / "media" / "ann_1.mp4", 0, H)
    write_clip(root / "media" / "ann_2.mp4", 0, S)
    far = write_clip(elsewhere / "bob_1.avi", 1, SUR)
    for i in range(3):
        write_still(root / "stills" / f"b{i}.png", 1, N)
    write_still(root / "stills" / "grey.png", 1, ANG, form="grey")
    write_bytes(root / "notes.txt", b"not media")
    rows = [
        ("media/ann_1.mp4", "ann", "Happiness", "", ""),  # the whole clip
        ("media/ann_2.mp4", "ann", "sad", "", "3"),  # two frames, two classes
        ("media/ann_2.mp4", "ann", "NEUTRAL", "", "20"),
        (str(far), "bob", "surprised", "t1", ""),  # absolute path, own clip id
        ("stills/b2.png", "bob", "neutral", "", ""),  # one clip, in name order
        ("stills/b0.png", "bob", "neutral", "", ""),
        ("stills/b1.png", "bob", "Neutral", "", ""),
        ("stills/grey.png", "bob", "angry", "take9", "4"),  # a place given
        ("media/ann_1.mp4", "ann", "happy", "", ""),  # duplicate of line 2
        ("media/missing.mp4", "ann", "happy", "", ""),  # no such file
        ("stills/b0.png", "bob", "bored", "", ""),  # unknown expression
        ("stills/b1.png", "bob", "disgust", "", ""),  # not a class used
        ("stills/b1.png", "", "happy", "", ""),  # no person
        ("media/ann_1.mp4", "ann", "happy", "", "x"),  # frame not a number
        ("notes.txt", "ann", "happy", "", ""),  # not media
    ]
    path = write_manifest(root / "manifest.csv", rows)
    with open(path, "a") as f:
        f.write("media/ann_1.mp4,ann\n")  # too few cells
    return path


def test_manifest_rows_clips_and_report(manifest):
    root = manifest.parent
    assert find_layout(root) == ("manifest", manifest) == find_layout(manifest)
    data, report = load("own", root, image_size=32, cache=False, progress=False)
    rows = list(
        zip(
            data.subjects.tolist(),
            data.clips.tolist(),
            data.frames.tolist(),
            data.labels.tolist(),
            strict=True,
        )
    )
    assert [r for r in rows if r[1] == "ann/media/ann_1"] == [
        ("ann", "ann/media/ann_1", f, H) for f in CHUNKS
    ]
    assert [r for r in rows if r[1] == "ann/media/ann_2"] == [
        ("ann", "ann/media/ann_2", 3, S),
        ("ann", "ann/media/ann_2", 20, N),
    ]
    assert [r[2] for r in rows if r[1] == "bob/t1"] == CHUNKS
    stills = [
        (r[2], p.rsplit("/", 1)[1])
        for r, p in zip(rows, data.paths.tolist(), strict=True)
        if r[1] == "bob/stills/neutral"
    ]
    assert stills == [(0, "b0.png"), (1, "b1.png"), (2, "b2.png")]
    assert ("bob", "bob/take9", 4, ANG) in rows
    assert dict(report.skipped) == {
        own.DUPLICATE_ROW: 1,
        own.MISSING_FILE: 1,
        UNKNOWN_EXPRESSION: 1,
        P.unused_class("disgust"): 1,
        own.MALFORMED_ROW: 3,
        own.NOT_MEDIA: 1,
    }
    assert report.converted[images.GREY] == 1
    assert "manifest.csv:10" in str(report)  # the duplicate, by its line


def test_manifest_through_the_cache_follows_listed_files(manifest, tmp_path):
    first, _ = load_own(manifest, image_size=32, cache=tmp_path, progress=False)
    again, report = load_own(manifest, image_size=32, cache=tmp_path, progress=False)
    assert report.from_cache and len(again) == len(first)
    np.testing.assert_array_equal(again.images, first.images)
    assert (
        report.per_subject
        == load_own(manifest, image_size=32, cache=False, progress=False)[1].per_subject
    )
    write_still(manifest.parent / "stills" / "b0.png", 2, N)  # a listed file changes
    _, changed = load_own(manifest, image_size=32, cache=tmp_path, progress=False)
    assert not changed.from_cache


def test_roots_that_match_no_layout(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no <person>/<expression>/ folder") as err:
        load("own", tmp_path / "empty", cache=False)
    assert "path,person,expression" in str(err.value) and "<root>/<person>" in str(err.value)
    write_still(tmp_path / "flat" / "a.png", 0, H)  # images, but not in person folders
    with pytest.raises(FileNotFoundError, match="Expected layouts"):
        load("own", tmp_path / "flat", cache=False)
    bad = write_manifest(tmp_path / "list.csv", [("a.png", "ann")], columns=("file", "who"))
    with pytest.raises(FileNotFoundError, match="is not a manifest"):
        load("own", bad, cache=False)
    with pytest.raises(FileNotFoundError, match="no dataset folder"):
        load("own", tmp_path / "nowhere", cache=False)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Happy", "happy"),
        (" JOY ", "happy"),
        ("happiness", "happy"),
        ("Sadness", "sad"),
        ("angry", "anger"),
        ("scared", "fear"),
        ("Fearful", "fear"),
        ("surprised", "surprise"),
        ("calm", "calm"),
        ("disgusted", "disgust"),
        ("Contempt", "contempt"),
        ("bored", None),
    ],
)
def test_expression_names(name, expected):
    assert canonical(name) == expected
    if expected in CLASS_IDS:
        assert class_id(name) == CLASS_IDS[expected]
    elif expected is not None:
        assert class_id(name) is None
    else:
        with pytest.raises(ValueError, match="not an expression name"):
            class_id(name)


def test_pre_cropped_faces_are_taken_whole(tmp_path):
    """faces="whole": images that are face crops already (a pre-cropped set) are taken as
    they are, their centred square resized; no detector runs and no box is needed."""
    import cv2

    rng = np.random.default_rng(5)
    wide = rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8)  # a crop wider than tall
    for person, expression in (("ann", "happy"), ("ann", "sad"), ("bo", "fear")):
        folder = tmp_path / person / expression
        folder.mkdir(parents=True)
        cv2.imwrite(str(folder / "face.png"), wide)
    data, report = load_own(tmp_path, faces="whole", image_size=20, cache=False, progress=False)
    assert len(data) == 3 and not report.skipped
    assert sorted(data.subject_ids()) == ["ann", "bo"]
    square = cv2.resize(wide[:, 10:50], (20, 20), interpolation=cv2.INTER_AREA)
    expected = square[..., ::-1].astype(np.float32) / 127.5 - 1.0
    np.testing.assert_allclose(data.images[0], expected, atol=1 / 127.5)
    key = P.FaceOptions(20, 0.2, "whole").cache_key()
    assert key["detector"] is None and key["alignment"] is None and key["faces"] == "whole"
    with pytest.raises(ValueError, match="faces must be one of"):
        P.FaceOptions(20, 0.2, "guess")
