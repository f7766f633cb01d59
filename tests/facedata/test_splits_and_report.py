"""FaceDataset's optional splits, and the load report's tables, conversions and storage."""

from __future__ import annotations

import json

import numpy as np
import pytest

from facedata import CLASSES, FaceDataset, LoadReport
from facedata.dataset import SPLITS, from_uint8, to_uint8


def make(n: int = 6, splits=None, size: int = 4) -> FaceDataset:
    pixels = np.random.default_rng(n).integers(0, 256, (n, size, size, 3)).astype(np.uint8)
    return FaceDataset(
        from_uint8(pixels),
        np.arange(n) % 6,
        [f"s{i % 2}" for i in range(n)],
        [f"c{i}" for i in range(n)],
        np.full(n, -1),
        ["x.png"] * n,
        "toy",
        splits=splits,
    )


def test_splits_default_to_none_and_travel_with_the_rows(tmp_path):
    plain = make()
    assert plain.splits.tolist() == [""] * 6 and plain.split_names() == []
    data = make(splits=["train", "test", "train", "validation", "test", "train"])
    assert data.split_names() == list(SPLITS)
    assert data[1:3].splits.tolist() == ["test", "train"]
    assert data.for_split("test").clips.tolist() == ["c1", "c4"]
    assert len(data.for_split("train", "validation")) == 4
    both = FaceDataset.concatenate([plain, data])
    assert both.splits.tolist() == [""] * 6 + data.splits.tolist()
    data.save(tmp_path / "d.npz")
    np.testing.assert_array_equal(FaceDataset.load(tmp_path / "d.npz").splits, data.splits)


def test_bad_splits_are_refused():
    with pytest.raises(ValueError, match="splits must be train, validation, test or empty"):
        make(splits=["train", "dev", "", "", "", ""])
    with pytest.raises(ValueError, match="splits has 2 rows but labels has 6"):
        make(splits=["train", "test"])
    with pytest.raises(ValueError, match="split names are"):
        make().for_split("PublicTest")


def test_a_file_saved_before_splits_loads(tmp_path):
    data = make()
    with open(tmp_path / "old.npz", "wb") as f:  # the format as it was: no splits array
        np.savez(
            f,
            name=np.array("toy"),
            images=to_uint8(data.images),
            labels=data.labels,
            subjects=data.subjects,
            clips=data.clips,
            frames=data.frames,
            paths=data.paths,
        )
    old = FaceDataset.load(tmp_path / "old.npz")
    assert old.splits.tolist() == [""] * 6
    np.testing.assert_array_equal(old.images, data.images)


def test_bytes_round_trip_in_chunks(monkeypatch):
    monkeypatch.setattr("facedata.dataset._SAVE_CHUNK", 4)  # several chunks for 10 images
    pixels = np.random.default_rng(0).integers(0, 256, (10, 3, 3, 3)).astype(np.uint8)
    np.testing.assert_array_equal(to_uint8(from_uint8(pixels)), pixels)
    images = from_uint8(pixels)
    images[7, 0, 0, 0] += 1e-3  # one value in a later chunk that no byte makes
    assert to_uint8(images) is None
    assert to_uint8(np.full((2, 2, 2, 3), 2.0, np.float32)) is None  # out of range


def full_report() -> LoadReport:
    report = LoadReport("own", "/data/own", warn=False)
    data = FaceDataset(
        np.zeros((5, 4, 4, 3)),
        [0, 1, 1, 5, 0],
        ["ann", "ann", "bob", "bob", "bob"],
        ["a", "a", "b", "c", "c"],
        [0, 1, -1, 0, 1],
        ["p"] * 5,
    )
    report.count(data)
    for i in range(5):
        report.skip(f"/data/own/bob/fear/f{i}.png", "no face found")
    report.skip("/elsewhere/x.mp4", "unreadable video", "moov atom not found")
    report.convert("/data/own/ann/happy/a.png", "grey image -> RGB")
    return report


def test_report_tables_conversions_and_examples():
    report = full_report()
    assert (report.frames_loaded, report.clips_loaded, report.subjects_loaded) == (5, 3, 2)
    assert report.per_subject == {
        "ann": {"neutral": 1, "happy": 1, "surprise": 0, "anger": 0, "fear": 0, "sad": 0},
        "bob": {"neutral": 1, "happy": 1, "surprise": 0, "anger": 0, "fear": 0, "sad": 1},
    }
    assert report.per_split == {}
    lines = str(report).splitlines()
    assert lines[0] == "own at /data/own: 5 face crops from 3 clips of 2 subjects"
    assert lines[1] == "crops per subject and class:"
    assert lines[2].split() == ["subject", *CLASSES, "total"]
    assert lines[3].split() == ["ann", "1", "1", "-", "-", "-", "-", "2"]
    assert lines[5].split() == ["total", "2", "2", "-", "-", "-", "1", "5"]
    text = "\n".join(lines)
    assert "converted to be used 1:" in text and "e.g. ann/happy/a.png" in text
    assert "skipped 6:" in text
    assert "e.g. bob/fear/f0.png, bob/fear/f1.png, bob/fear/f2.png (and 2 more)" in text
    assert "e.g. /elsewhere/x.mp4" in text  # a path outside the root stays whole
    assert report.examples("no face found", 1) == ["/data/own/bob/fear/f0.png"]


def test_report_of_a_dataset_without_persons():
    report = LoadReport("fer2013", "/data/fer", persons=False)
    data = make(splits=["train", "train", "validation", "test", "test", "train"])
    report.count(data)
    assert report.per_subject == {} and list(report.per_split) == ["train", "validation", "test"]
    assert report.per_split["test"]["anger"] == 1 and report.per_split["test"]["fear"] == 1
    text = str(report)
    assert "6 face crops (no persons: each image is its own subject)" in text
    assert "crops per split and class:" in text and "crops per subject" not in text


def test_report_storage_round_trip_and_merge():
    report = full_report()
    stored = json.loads(json.dumps(report.to_dict()))
    back = LoadReport.from_dict(stored)
    assert back.skipped == report.skipped and back.converted == report.converted
    assert back.details == report.details and back.conversions == report.conversions
    assert back.per_subject == report.per_subject and str(back) == str(report)
    old = {
        k: stored[k]
        for k in (
            "dataset",
            "root",
            "clips_loaded",
            "frames_loaded",
            "subjects_loaded",
            "warn",
            "skipped",
            "details",
        )
    }
    assert LoadReport.from_dict(old).skipped == report.skipped  # a report stored before the tables
    merged = full_report().merge([full_report()])
    assert merged.per_subject["bob"]["sad"] == 2 and merged.converted["grey image -> RGB"] == 2
    assert merged.n_skipped == 12 and merged.n_converted == 2
