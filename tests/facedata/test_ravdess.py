"""The RAVDESS loader on a small corpus in the RAVDESS layout, with broken files."""

from __future__ import annotations

import warnings
from collections import Counter

import cv2
import numpy as np
import pytest
from corpora import write_bytes, write_clip

from facedata import _pipeline as P
from facedata.dataset import CLASS_IDS
from facedata.faces import default_detector
from facedata.loaders import DATASETS, load
from facedata.ravdess import RavdessName, load_ravdess, parse_name
from facedata.synthetic import write_ravdess_corpus
from facedata.video import chunked_frame_indices, read_frames

pytestmark = pytest.mark.filterwarnings("ignore:ravdess. skipped:UserWarning")

# 24 frames at 8 fps: 4-frame chunks, 1..4 kept, their 2nd and 3rd frames
CHUNKED = [5, 6, 9, 10, 13, 14, 17, 18]

# file stem -> (subject, class, frames) of every clip that loads
EXPECTED = {
    "02-01-01-01-01-01-01": ("Actor_01", "neutral", CHUNKED),
    "02-01-03-02-01-01-01": ("Actor_01", "happy", [5, 6, 10, 14, 17, 18]),  # no face in 9, 13
    "02-02-05-01-01-01-01": ("Actor_01", "anger", CHUNKED),  # song
    "02-01-06-02-02-02-02": ("Actor_02", "fear", CHUNKED),
    "02-01-08-02-01-02-02": ("Actor_02", "surprise", [5, 6]),  # 12 frames: one chunk kept
}
SKIPPED = {
    P.unused_class("calm"): 1,
    P.unused_class("disgust"): 1,
    "modality not selected (audio-video)": 1,
    "audio only (no faces)": 1,
    "actor field disagrees with the folder": 1,
    P.BAD_NAME: 2,
    P.UNREADABLE_VIDEO: 2,
    P.NO_FACE: 2,
    P.NO_FRAMES: 1,
}
QUIET = 4  # the dropped classes, the unselected modality and the audio-only file


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("ravdess")
    a1, a2 = root / "Actor_01", root / "Actor_02"
    write_clip(a1 / "02-01-01-01-01-01-01.mp4", 0, CLASS_IDS["neutral"])
    write_clip(a1 / "02-01-03-02-01-01-01.mp4", 0, CLASS_IDS["happy"], without=(9, 13))
    write_clip(a1 / "02-02-05-01-01-01-01.mp4", 0, CLASS_IDS["anger"])
    write_clip(a1 / "02-01-02-01-01-01-01.mp4", 0, CLASS_IDS["neutral"])  # calm
    write_bytes(a1 / "02-01-07-01-01-01-01.mp4")  # disgust: never opened
    write_clip(a1 / "01-01-04-01-01-01-01.mp4", 0, CLASS_IDS["sad"])  # audio-video
    write_bytes(a1 / "03-01-04-01-01-01-01.wav", b"RIFF")
    write_bytes(a1 / "02-01-06-01-01-01-02.mp4")  # actor 02 in Actor_01
    write_bytes(a1 / "clip.mp4")
    write_bytes(a1 / "02-01-09-01-01-01-01.mp4")  # emotion 09
    write_bytes(a1 / "02-01-08-01-01-01-01.mp4")  # empty
    write_bytes(a1 / "02-01-04-02-01-01-01.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(300))
    write_bytes(a1 / "README.txt", b"not a clip")
    write_clip(a2 / "02-01-06-02-02-02-02.mp4", 1, CLASS_IDS["fear"])
    write_clip(a2 / "02-01-08-02-01-02-02.mp4", 1, CLASS_IDS["surprise"], n_frames=12)
    write_clip(a2 / "02-01-08-01-01-01-02.mp4", 1, CLASS_IDS["surprise"], n_frames=6)
    return root


def rows_by_clip(dataset):
    """clip -> (subject, class name, frame list), from a loaded dataset."""
    out = {}
    for clip in dict.fromkeys(dataset.clips.tolist()):
        rows = dataset.clips == clip
        assert len(set(dataset.labels[rows].tolist())) == 1
        assert len(set(dataset.subjects[rows].tolist())) == 1
        name = ("neutral", "happy", "surprise", "anger", "fear", "sad")[dataset.labels[rows][0]]
        out[clip] = (dataset.subjects[rows][0], name, dataset.frames[rows].tolist())
    return out


def test_labels_subjects_frames_and_report(corpus):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data, report = load_ravdess(corpus, cache=False, progress=False)
    assert rows_by_clip(data) == EXPECTED
    assert dict(report.skipped) == SKIPPED
    assert (report.clips_loaded, report.frames_loaded, report.subjects_loaded) == (5, 32, 2)
    assert len([w for w in caught if issubclass(w.category, UserWarning)]) == (
        sum(SKIPPED.values()) - QUIET
    )
    assert data.images.shape == (32, 96, 96, 3) and data.images.dtype == np.float32
    assert -1.0 <= data.images.min() and data.images.max() <= 1.0
    assert set(data.paths.tolist()) == {
        str(p) for p in corpus.glob("Actor_*/*.mp4") if p.stem in EXPECTED
    }
    assert data.name == "ravdess"


def test_frame_selection_is_the_paper_rule():
    assert chunked_frame_indices(24, 8) == CHUNKED
    assert chunked_frame_indices(90, 30) == [27, 28, 42, 43, 57, 58, 72, 73]


def test_options_choose_channels_and_modalities(corpus):
    speech, report = load_ravdess(corpus, cache=False, progress=False, vocal_channels=["speech"])
    assert "02-02-05-01-01-01-01" not in set(speech.clips.tolist())
    assert report.skipped["vocal channel not selected (song)"] == 1
    both, report = load_ravdess(
        corpus, cache=False, progress=False, modalities=("video-only", "audio-video")
    )
    assert rows_by_clip(both)["01-01-04-01-01-01-01"] == ("Actor_01", "sad", CHUNKED)
    assert "modality not selected (audio-video)" not in report.skipped
    with pytest.raises(ValueError, match="audio-only"):
        load_ravdess(corpus, cache=False, modalities=["audio-only"])
    with pytest.raises(ValueError, match="unknown value"):
        load_ravdess(corpus, cache=False, vocal_channels=["choir"])


def test_recorded_only_skips_clips_without_boxes(tmp_path):
    write_clip(tmp_path / "Actor_03" / "02-01-03-01-01-01-03.mp4", 2, CLASS_IDS["happy"])
    write_clip(tmp_path / "Actor_03" / "02-01-04-01-01-01-03.mp4", 2, CLASS_IDS["sad"], boxes=False)
    data, report = load_ravdess(tmp_path, faces="recorded", cache=False, progress=False)
    assert data.clips.tolist() == ["02-01-03-01-01-01-03"] * 8
    assert dict(report.skipped) == {P.NO_RECORDED_FACES: 1}


def test_haar_path_crops_the_frames_where_the_cascade_finds_a_face(corpus):
    data, report = load_ravdess(corpus, faces="detect", cache=False, progress=False)
    found, missed = [], 0
    for stem, (_, _, _) in EXPECTED.items():
        path = next(corpus.glob(f"Actor_*/{stem}.mp4"))
        n = 12 if stem == "02-01-08-02-01-02-02" else 24
        for i, frame in sorted(read_frames(path, chunked_frame_indices(n, 8)).items()):
            if default_detector().detect(frame):
                found.append((stem, i))
            else:
                missed += 1
    assert found, "the cascade finds no synthetic face at all"
    assert list(zip(data.clips.tolist(), data.frames.tolist(), strict=True)) == found
    assert report.skipped[P.NO_FACE] == missed


def test_cache_returns_the_same_crops(corpus, tmp_path):
    first, report1 = load_ravdess(corpus, cache=tmp_path, progress=False)
    second, report2 = load_ravdess(corpus, cache=tmp_path, progress=False)
    assert not report1.from_cache and report2.from_cache
    assert np.array_equal(first.images, second.images)
    assert report2.skipped == report1.skipped
    speech, report3 = load_ravdess(
        corpus, cache=tmp_path, progress=False, vocal_channels=["speech"]
    )
    assert not report3.from_cache and len(speech) < len(first)


def test_nested_zip_folders_and_the_registry(tmp_path):
    write_clip(
        tmp_path / "Video_Song_Actor_05" / "Actor_05" / "02-02-04-01-01-01-05.mp4",
        4,
        CLASS_IDS["sad"],
    )
    data, report = load("ravdess", tmp_path, cache=False, progress=False)
    assert data.subjects.tolist() == ["Actor_05"] * 8 and report.n_skipped == 0
    assert "Actor_" in DATASETS["ravdess"].layout


def test_missing_root_names_the_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match="MM-VV-EE-II-SS-RR-AA"):
        load_ravdess(tmp_path / "nowhere", cache=False)
    with pytest.raises(FileNotFoundError, match="Actor_XX"):
        load_ravdess(tmp_path, cache=False)
    with pytest.raises(ValueError, match="unknown dataset"):
        load("ravdes", tmp_path)


def test_the_synthetic_corpus_goes_through_the_loader(tmp_path):
    paths = write_ravdess_corpus(
        tmp_path,
        1,
        fps=8,
        seconds=3.0,
        frame_size=(64, 56),
        statements=1,
        repetitions=1,
        progress=False,
    )
    data, report = load_ravdess(tmp_path, cache=False, progress=False)
    assert report.n_skipped == 0 and report.clips_loaded == len(paths) == 11
    assert len(data) == 8 * len(paths)
    expected = Counter({name: 8 * (1 if name == "neutral" else 2) for name in CLASS_IDS})
    assert Counter(data.class_counts()) == expected
    for path in paths:
        rows = data.clips == path.stem
        assert data.labels[rows][0] == parse_name(path.stem).class_id


@pytest.mark.parametrize(
    "stem, fields",
    [
        ("02-01-06-01-02-01-12", RavdessName(2, 1, 6, 1, 2, 1, 12)),
        ("01-02-08-02-01-02-24", RavdessName(1, 2, 8, 2, 1, 2, 24)),
    ],
)
def test_parse_name(stem, fields):
    assert parse_name(stem) == fields


@pytest.mark.parametrize(
    "stem",
    [
        "02-01-06-01-02-01",
        "02-01-06-01-02-01-12-01",
        "2-1-6-1-2-1-12",
        "04-01-06-01-02-01-12",
        "02-03-06-01-02-01-12",
        "02-01-09-01-02-01-12",
        "02-01-06-03-02-01-12",
        "02-01-06-01-02-01-00",
        "02_01_06_01_02_01_12",
        "ab-01-06-01-02-01-12",
    ],
)
def test_names_that_do_not_parse(stem):
    with pytest.raises(ValueError):
        parse_name(stem)


def test_class_mapping():
    names = {code: parse_name(f"02-01-{code:02d}-01-01-01-01").class_id for code in range(1, 9)}
    assert names == {1: 0, 2: None, 3: 1, 4: 5, 5: 3, 6: 4, 7: None, 8: 2}


def test_image_size_and_margin_reach_the_crops(corpus):
    data, _ = load_ravdess(corpus, image_size=48, margin=0.0, cache=False, progress=False)
    assert data.images.shape[1:] == (48, 48, 3)
    assert cv2.__version__.startswith("4.")
