"""The FaceDataset result type and the load report."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facedata import CLASSES, FaceDataset, LoadReport
from facedata.dataset import from_uint8


def make(n_subjects=2, clips_per_class=3, frames=2, size=4, seed=0):
    rng = np.random.default_rng(seed)
    rows = [
        (f"S{s}", f"S{s}-{c}-{k}", c, f)
        for s in range(n_subjects)
        for c in range(len(CLASSES))
        for k in range(clips_per_class)
        for f in range(frames)
    ]
    subjects, clips, labels, frame_ids = zip(*rows, strict=True)
    pixels = rng.integers(0, 256, (len(rows), size, size, 3)).astype(np.uint8)
    return FaceDataset(
        from_uint8(pixels),
        labels,
        subjects,
        clips,
        frame_ids,
        [f"/data/{c}.mp4" for c in clips],
        name="toy",
    )


def test_rows_and_views():
    d = make()
    assert len(d) == 2 * 6 * 3 * 2 and d.image_size == 4
    assert d.subject_ids() == ["S0", "S1"]
    assert len(d.for_subject("S1")) == len(d) // 2
    assert d.class_counts() == {name: 12 for name in CLASSES}
    assert len(d[d.labels == 2]) == 12 and len(d[3]) == 1 and len(d[:5]) == 5
    assert d[:5].name == "toy"


def test_bad_construction_is_refused():
    d = make()
    with pytest.raises(ValueError, match="subjects has 3 rows but labels has"):
        FaceDataset(d.images, d.labels, d.subjects[:3], d.clips, d.frames, d.paths)
    with pytest.raises(ValueError, match="class ids"):
        FaceDataset(d.images, d.labels + 6, d.subjects, d.clips, d.frames, d.paths)
    with pytest.raises(ValueError, match="images must be"):
        FaceDataset(d.images[..., 0], d.labels, d.subjects, d.clips, d.frames, d.paths)
    assert len(FaceDataset.empty(32)) == 0 and FaceDataset.empty(32).images.shape[1:] == (32, 32, 3)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.floats(0.1, 0.9), st.integers(0, 1000))
def test_split_by_clip_keeps_clips_whole(n_subjects, clips_per_class, fraction, seed):
    d = make(n_subjects, clips_per_class)
    train, test = d.split_by_clip(fraction, seed=seed)
    assert len(train) + len(test) == len(d)
    assert not set(train.clips) & set(test.clips)
    for s in d.subject_ids():
        for c in range(len(CLASSES)):
            n_test = len(set(test.clips[(test.subjects == s) & (test.labels == c)]))
            n_train = len(set(train.clips[(train.subjects == s) & (train.labels == c)]))
            assert n_train >= 1  # every subject keeps every class for training
            if clips_per_class >= 2:
                assert n_test >= 1
            else:
                assert n_test == 0
    again = d.split_by_clip(fraction, seed=seed)[1]
    np.testing.assert_array_equal(again.clips, test.clips)


def test_split_rejects_bad_fraction():
    with pytest.raises(ValueError, match="test_fraction"):
        make().split_by_clip(1.0)


def test_save_load_round_trip(tmp_path):
    d = make()
    d.save(tmp_path / "d.npz")
    back = FaceDataset.load(tmp_path / "d.npz")
    for field in ("images", "labels", "subjects", "clips", "frames", "paths"):
        np.testing.assert_array_equal(getattr(back, field), getattr(d, field))
    assert back.name == "toy"
    with np.load(tmp_path / "d.npz") as raw:
        assert raw["images"].dtype == np.uint8  # 8-bit crops are stored as bytes
    other = FaceDataset(d.images * 0.5 + 0.001, d.labels, d.subjects, d.clips, d.frames, d.paths)
    other.save(tmp_path / "f.npz")
    np.testing.assert_array_equal(FaceDataset.load(tmp_path / "f.npz").images, other.images)


def test_concatenate():
    a, b = make(1), make(1, seed=1)
    both = FaceDataset.concatenate([a, FaceDataset.empty(4), b])
    assert len(both) == len(a) + len(b)
    with pytest.raises(ValueError, match="different sizes"):
        FaceDataset.concatenate([a, make(1, size=8)])


def test_report_counts_warns_and_prints():
    report = LoadReport("ravdess", "/data")
    with pytest.warns(UserWarning, match="skipped /data/x.mp4: unreadable video"):
        report.skip("/data/x.mp4", "unreadable video", "no frames")
    quiet = LoadReport("ravdess", "/data", warn=False)
    quiet.skip("/data/y.mp4", "no face")
    quiet.skip("/data/z.mp4", "no face")
    report.merge([quiet])
    report.frames_loaded, report.clips_loaded, report.subjects_loaded = 10, 4, 1
    assert report.n_skipped == 3 and report.skipped["no face"] == 2
    text = str(report)
    assert "10 face crops from 4 clips of 1 subjects" in text
    assert "skipped 3:" in text and "no face" in text
