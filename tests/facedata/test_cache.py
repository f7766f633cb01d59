"""The on-disk cache of face crops: keys, hits, speed, and damaged entries."""

from __future__ import annotations

import json
import time
import warnings
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from facedata import cache as cache_module
from facedata.cache import (
    CacheWarning,
    cache_dir,
    cache_key,
    cached_load,
    clear_entry,
    entry_paths,
)
from facedata.dataset import FaceDataset, LoadReport
from facedata.faces import video_face_crops
from facedata.video import chunked_frame_indices, probe

WIDTH, HEIGHT, N_FRAMES, N_VIDEOS = 320, 240, 90, 4


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A few small videos of a face (the astronaut's) moving about, one per subject."""
    root = tmp_path_factory.mktemp("corpus")
    astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    face = cv2.resize(astronaut[35:205, 138:308], (120, 120), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(0)
    for v in range(N_VIDEOS):
        path = root / f"S{v:03d}" / "clip.mp4"
        path.parent.mkdir()
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (WIDTH, HEIGHT))
        for i in range(N_FRAMES):
            frame = np.full((HEIGHT, WIDTH, 3), 60 + 30 * v, np.uint8)
            x, y = 40 + i % 30 * 4 + int(rng.integers(0, 5)), 50 + int(rng.integers(0, 10))
            frame[y : y + 120, x : x + 120] = face
            writer.write(frame)
        writer.release()
    return root


def build_corpus(root: Path, calls: list | None = None) -> tuple[FaceDataset, LoadReport]:
    """A realistic load: probe, choose frames, decode, detect and crop each video."""
    if calls is not None:
        calls.append(root)
    report = LoadReport("toy", str(root), warn=False)
    parts = []
    for path in sorted(root.glob("S*/*.mp4")):
        info = probe(path)
        result = video_face_crops(path, chunked_frame_indices(info.n_frames, info.fps))
        for i in result.no_face:
            report.skip(f"{path}#{i}", "no face found")
        frames = sorted(result.crops)
        n = len(frames)
        images = np.stack([result.crops[i] for i in frames])
        subject = path.parent.name
        parts.append(
            FaceDataset(
                images, np.full(n, 1), [subject] * n, [subject] * n, frames, [str(path)] * n
            )
        )
        report.clips_loaded += 1
        report.frames_loaded += n
    report.subjects_loaded = len(parts)
    return FaceDataset.concatenate(parts, name="toy"), report


def assert_same(a: FaceDataset, b: FaceDataset) -> None:
    for field in ("images", "labels", "subjects", "clips", "frames", "paths"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert a.name == b.name


def small_build(calls: list, rows: int = 3):
    """A quick build with skips in its report, counting its calls."""

    def build() -> tuple[FaceDataset, LoadReport]:
        calls.append(1)
        rng = np.random.default_rng(len(calls))
        data = FaceDataset(
            rng.uniform(-1, 1, (rows, 8, 8, 3)),
            np.arange(rows) % 6,
            ["a"] * rows,
            [f"c{i}" for i in range(rows)],
            np.arange(rows),
            ["x.mp4"] * rows,
            "toy",
        )
        report = LoadReport("toy", "/data", clips_loaded=rows, frames_loaded=rows, warn=False)
        report.skip("bad.mp4", "unreadable video", "moov atom not found")
        report.skip("x.mp4#3", "no face found")
        return data, report

    return build


# -- hits and speed -----------------------------------------------------------------


def test_second_load_is_at_least_20_times_faster(corpus, tmp_path):
    calls = []
    start = time.perf_counter()
    first, first_report = cached_load(
        "toy", corpus, {"size": 96}, lambda: build_corpus(corpus, calls), cache=tmp_path
    )
    build_seconds = time.perf_counter() - start
    assert len(first) == N_VIDEOS * 8 and not first_report.from_cache  # 4 chunks kept of 6
    hit_seconds = []
    for _ in range(3):
        start = time.perf_counter()
        second, second_report = cached_load(
            "toy", corpus, {"size": 96}, lambda: build_corpus(corpus, calls), cache=tmp_path
        )
        hit_seconds.append(time.perf_counter() - start)
    assert len(calls) == 1
    assert second_report.from_cache
    assert_same(first, second)
    assert build_seconds / min(hit_seconds) >= 20, (build_seconds, hit_seconds)


def test_the_report_comes_back_from_the_cache(tmp_path):
    calls = []
    data, report = cached_load("toy", "/data", {}, small_build(calls), cache=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a hit warns of nothing, not even the old skips
        again, cached = cached_load("toy", "/data", {}, small_build(calls), cache=tmp_path)
    assert calls == [1]
    assert_same(data, again)
    assert cached.from_cache and not report.from_cache
    for field in ("dataset", "root", "clips_loaded", "frames_loaded", "subjects_loaded", "warn"):
        assert getattr(cached, field) == getattr(report, field)
    assert cached.skipped == report.skipped == Counter({"unreadable video": 1, "no face found": 1})
    assert cached.details == report.details
    assert "(from the cache)" in str(cached)


def test_no_cache_just_builds(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIFER_CACHE_DIR", str(tmp_path))
    calls = []
    for _ in range(2):
        _, report = cached_load("toy", "/data", {}, small_build(calls), cache=False)
        assert not report.from_cache
    assert len(calls) == 2 and list(tmp_path.iterdir()) == []


def test_the_default_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIFER_CACHE_DIR", str(tmp_path / "here"))
    assert cache_dir() == tmp_path / "here"
    calls = []
    cached_load("toy", "/data", {}, small_build(calls))
    cached_load("toy", "/data", {}, small_build(calls), cache=True)
    assert calls == [1] and len(list((tmp_path / "here").glob("toy-*.npz"))) == 1
    monkeypatch.delenv("CLIFER_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "clifer"


# -- keys ---------------------------------------------------------------------------


def test_cache_key(tmp_path, monkeypatch):
    key = cache_key("ravdess", tmp_path, {"size": 96, "speech": True})
    assert len(key) == 24 and int(key, 16) >= 0
    assert key == cache_key("ravdess", tmp_path / "sub" / "..", {"speech": True, "size": 96})
    assert key == cache_key("ravdess", str(tmp_path), {"size": 96, "speech": True})
    assert key != cache_key("baum1s", tmp_path, {"size": 96, "speech": True})
    assert key != cache_key("ravdess", tmp_path / "other", {"size": 96, "speech": True})
    assert key != cache_key("ravdess", tmp_path, {"size": 64, "speech": True})
    monkeypatch.setattr(cache_module, "CODE_VERSION", cache_module.CODE_VERSION + "+1")
    assert key != cache_key("ravdess", tmp_path, {"size": 96, "speech": True})


def test_cache_key_follows_the_files_under_the_root(tmp_path):
    root = tmp_path / "data"
    (root / "Actor_01").mkdir(parents=True)
    clip = root / "Actor_01" / "clip.mp4"
    clip.write_bytes(b"12345")
    key = cache_key("ravdess", root, {})
    assert key == cache_key("ravdess", root, {})
    clip.write_bytes(b"123456")  # replaced by a file of another size
    changed = cache_key("ravdess", root, {})
    assert changed != key
    (root / "Actor_01" / "new.mp4").write_bytes(b"")  # one more file
    assert cache_key("ravdess", root, {}) != changed


def test_cache_key_options(tmp_path):
    with_path = cache_key("mmi", tmp_path, {"sheet": tmp_path / "a.csv"})
    assert with_path == cache_key("mmi", tmp_path, {"sheet": str(tmp_path / "a.csv")})
    with pytest.raises(TypeError, match="JSON"):
        cache_key("mmi", tmp_path, {"detector": object()})


def test_other_options_other_entries(tmp_path):
    calls = []
    for options in ({"size": 96}, {"size": 64}, {"size": 96}):
        cached_load("toy", "/data", options, small_build(calls), cache=tmp_path)
    assert len(calls) == 2 and len(list(tmp_path.glob("toy-*.npz"))) == 2


def test_clear_entry(tmp_path):
    calls = []
    cached_load("toy", "/data", {}, small_build(calls), cache=tmp_path)
    assert clear_entry("toy", "/data", {}, cache=tmp_path)
    assert not clear_entry("toy", "/data", {}, cache=tmp_path)
    cached_load("toy", "/data", {}, small_build(calls), cache=tmp_path)
    assert len(calls) == 2


# -- damaged entries ----------------------------------------------------------------


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def other_key(path: Path) -> None:
    meta = json.loads(path.read_text())
    meta["key"] = "0" * 24
    path.write_text(json.dumps(meta))


@pytest.mark.parametrize(
    ("which", "damage", "message"),
    [
        (0, truncate, "bytes, expected"),
        (0, flip_a_byte, "checksum"),
        (0, Path.unlink, "No such file"),
        (0, lambda p: p.write_bytes(b""), "bytes, expected"),
        (1, Path.unlink, "No such file"),
        (1, truncate, "JSONDecodeError"),
        (1, lambda p: p.write_text("{}"), "another key"),
        (1, other_key, "another key"),
        (1, lambda p: p.write_text('{"format": 1}'), "another key"),
    ],
    ids=[
        "npz-cut",
        "npz-flipped",
        "npz-gone",
        "npz-empty",
        "json-gone",
        "json-cut",
        "json-empty",
        "json-other-key",
        "json-partial",
    ],
)
def test_a_damaged_entry_is_detected_and_rebuilt(tmp_path, which, damage, message):
    calls = []
    cached_load("toy", "/data", {}, small_build(calls), cache=tmp_path)
    damage(entry_paths("toy", "/data", {}, tmp_path)[which])
    with pytest.warns(CacheWarning, match=message):
        rebuilt, report = cached_load("toy", "/data", {}, small_build(calls), cache=tmp_path)
    assert len(calls) == 2 and not report.from_cache
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mended, report = cached_load("toy", "/data", {}, small_build(calls), cache=tmp_path)
    assert len(calls) == 2 and report.from_cache  # the rebuilt entry is whole again
    assert_same(rebuilt, mended)


def test_a_matching_checksum_over_a_bad_file_is_still_caught(tmp_path):
    calls = []
    cached_load("toy", "/data", {}, small_build(calls), cache=tmp_path)
    npz, meta_path = entry_paths("toy", "/data", {}, tmp_path)
    npz.write_bytes(b"not a zip file at all")
    meta = json.loads(meta_path.read_text())
    meta["npz_size"] = npz.stat().st_size
    meta["npz_sha256"] = cache_module._sha256(npz)
    meta_path.write_text(json.dumps(meta))
    with pytest.warns(CacheWarning, match="damaged"):
        cached_load("toy", "/data", {}, small_build(calls), cache=tmp_path)
    assert len(calls) == 2


# -- writing --------------------------------------------------------------------------


def test_writes_leave_no_temporary_files(tmp_path):
    calls = []
    for rows in (3, 5):
        cached_load("toy", "/data", {"rows": rows}, small_build(calls, rows), cache=tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 4 and all(not n.startswith(".") for n in names)


def test_a_failed_write_leaves_no_entry(tmp_path, monkeypatch):
    def broken_save(self, path):
        Path(path).write_bytes(b"half an npz")
        raise OSError("disk full")

    monkeypatch.setattr(FaceDataset, "save", broken_save)
    calls = []
    with pytest.warns(CacheWarning, match="disk full"):
        data, _ = cached_load("toy", "/data", {}, small_build(calls), cache=tmp_path)
    assert len(data) == 3 and list(tmp_path.iterdir()) == []


def test_an_unusable_cache_directory_only_warns(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    calls = []
    with pytest.warns(CacheWarning, match="cannot store"):
        data, report = cached_load("toy", "/data", {}, small_build(calls), cache=blocker)
    assert len(data) == 3 and not report.from_cache
