"""Reading frames from good and broken videos, and the paper's frame selection."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from facedata.video import (
    VideoError,
    VideoInfo,
    chunked_frame_indices,
    middle_frame_indices,
    probe,
    read_frames,
)

N_FRAMES = 45
WIDTH, HEIGHT = 160, 120
BITS = 6  # the frame index is drawn as 6 black/white blocks, which survive compression
BLOCK = 16


def coded_frame(index: int) -> np.ndarray:
    """A grey frame whose top row of blocks spells ``index`` in binary."""
    frame = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    for bit in range(BITS):
        value = 255 if index >> bit & 1 else 0
        frame[:BLOCK, bit * BLOCK : (bit + 1) * BLOCK] = value
    return frame


def frame_code(frame: np.ndarray) -> int:
    """The index that :func:`coded_frame` drew into ``frame``."""
    blocks = [frame[4 : BLOCK - 4, b * BLOCK + 4 : (b + 1) * BLOCK - 4].mean() for b in range(BITS)]
    return sum(1 << bit for bit, mean in enumerate(blocks) if mean > 128)


def write_video(path, frames, fourcc: str, fps: float = 30.0) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (WIDTH, HEIGHT))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """Good and broken videos of ``N_FRAMES`` coded frames."""
    folder = tmp_path_factory.mktemp("videos")
    frames = [coded_frame(i) for i in range(N_FRAMES)]
    paths = {"mp4": folder / "good.mp4", "avi": folder / "good.avi"}
    write_video(paths["mp4"], frames, "mp4v")
    write_video(paths["avi"], frames, "MJPG")
    mp4, avi = paths["mp4"].read_bytes(), paths["avi"].read_bytes()

    paths["empty"] = folder / "empty.mp4"
    paths["empty"].write_bytes(b"")
    paths["random"] = folder / "random.mp4"
    paths["random"].write_bytes(np.random.default_rng(0).bytes(20_000))
    paths["cut_mp4"] = folder / "cut.mp4"  # the index (moov atom) at the end is lost
    paths["cut_mp4"].write_bytes(mp4[: len(mp4) // 2])
    paths["cut_avi"] = folder / "cut.avi"  # the header still claims every frame
    paths["cut_avi"].write_bytes(avi[: len(avi) // 2])
    data = bytearray(mp4)  # the index is intact, the second half of the frame data zeroed
    start, end = data.find(b"mdat"), data.find(b"moov")
    middle = (start + end) // 2
    data[middle : end - 8] = bytes(end - 8 - middle)
    paths["zeroed_mp4"] = folder / "zeroed.mp4"
    paths["zeroed_mp4"].write_bytes(bytes(data))
    for fourcc, suffix in (("mp4v", "mp4"), ("MJPG", "avi")):
        paths[f"no_frames_{suffix}"] = folder / f"no_frames.{suffix}"
        write_video(paths[f"no_frames_{suffix}"], [], fourcc)
    return paths


# -- probe --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mp4", "avi"])
def test_probe_good_video(videos, kind):
    info = probe(videos[kind])
    assert info == VideoInfo(N_FRAMES, 30.0, WIDTH, HEIGHT)
    assert probe(videos[kind], exact=True) == info
    assert math.isclose(info.duration, 1.5)


@pytest.mark.parametrize("kind", ["empty", "random", "cut_mp4", "no_frames_mp4", "no_frames_avi"])
def test_probe_and_read_refuse_unreadable_videos(videos, kind):
    with pytest.raises(VideoError, match=str(videos[kind].name)):
        probe(videos[kind])
    with pytest.raises(VideoError):
        read_frames(videos[kind], [0, 1])


def test_missing_file(tmp_path):
    with pytest.raises(VideoError, match="no such file"):
        probe(tmp_path / "absent.mp4")
    with pytest.raises(VideoError, match="no such file"):
        read_frames(tmp_path, [0])  # a folder is no video either


@pytest.mark.parametrize("kind", ["cut_avi", "zeroed_mp4"])
def test_probe_counts_the_frames_a_broken_video_really_has(videos, kind):
    capture = cv2.VideoCapture(str(videos[kind]))
    claimed = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    capture.release()
    info = probe(videos[kind])
    assert claimed == N_FRAMES  # the header is wrong...
    assert 0 < info.n_frames < N_FRAMES  # ...and probe does not trust it
    frames = read_frames(videos[kind], range(N_FRAMES))
    assert sorted(frames) == list(range(info.n_frames))


# -- read_frames --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mp4", "avi"])
def test_read_frames_returns_the_wanted_frames(videos, kind):
    wanted = [44, 0, 17, 5, 17]  # unsorted, with a repeat
    frames = read_frames(videos[kind], wanted)
    assert list(frames) == [0, 5, 17, 44]
    for index, frame in frames.items():
        assert frame.shape == (HEIGHT, WIDTH, 3) and frame.dtype == np.uint8
        assert frame_code(frame) == index


def test_read_frames_every_frame_in_order(videos):
    frames = read_frames(videos["mp4"], range(N_FRAMES))
    assert [frame_code(f) for f in frames.values()] == list(range(N_FRAMES))


def test_read_frames_past_the_end(videos):
    frames = read_frames(videos["avi"], [3, N_FRAMES, N_FRAMES + 10])
    assert list(frames) == [3]
    with pytest.raises(VideoError, match="none of the 2 wanted frames"):
        read_frames(videos["avi"], [N_FRAMES, N_FRAMES + 10])


def test_read_frames_of_a_truncated_video_gives_what_is_there(videos):
    n = probe(videos["cut_avi"]).n_frames
    frames = read_frames(videos["cut_avi"], [0, n - 1, n, N_FRAMES - 1])
    assert list(frames) == [0, n - 1]
    assert [frame_code(f) for f in frames.values()] == [0, n - 1]


def test_read_frames_arguments(videos):
    assert read_frames(videos["mp4"], []) == {}
    with pytest.raises(ValueError, match=">= 0"):
        read_frames(videos["mp4"], [-1, 2])


# -- chunked_frame_indices ----------------------------------------------------------


@pytest.mark.parametrize(
    ("n_frames", "fps", "kwargs", "expected"),
    [
        (90, 30, {}, [27, 28, 42, 43, 57, 58, 72, 73]),  # chunks 0-14, ..., 75-89
        (104, 30, {}, [27, 28, 42, 43, 57, 58, 72, 73]),  # the partial chunk 90-103 ignored
        (105, 30, {}, [27, 28, 42, 43, 57, 58, 72, 73, 87, 88]),  # 90-104 is full: 75-89 kept
        (45, 30, {}, [27, 28]),
        (44, 30, {}, []),  # two full chunks, both dropped
        (0, 30, {}, []),
        (30, 30, {"drop_first_last": False}, [12, 13, 27, 28]),
        (90, 29.97, {}, [27, 28, 42, 43, 57, 58, 72, 73]),  # RAVDESS's NTSC rate: 15 frames
        (52, 25, {}, [23, 24, 36, 37]),  # 12.5 rounds up to 13 frames a chunk
        (48, 24, {}, [21, 22, 33, 34]),  # 12 frames a chunk
        (60, 30, {"per_chunk": 3}, [26, 27, 28, 41, 42, 43]),
        (90, 30, {"chunk_seconds": 1.0}, [57, 58]),  # 30-frame chunks
        (9, 6, {"drop_first_last": False}, [0, 1, 3, 4, 6, 7]),  # 3-frame chunks
    ],
)
def test_chunked_frame_indices_by_hand(n_frames, fps, kwargs, expected):
    assert chunked_frame_indices(n_frames, fps, **kwargs) == expected


@pytest.mark.parametrize(
    ("n_frames", "fps", "kwargs"),
    [
        (-1, 30, {}),
        (90, 0, {}),
        (90, -30, {}),
        (90, math.nan, {}),
        (90, math.inf, {}),
        (90, 4, {}),
        (90, 30, {"per_chunk": 0}),
        (90, 30, {"chunk_seconds": 0}),
    ],
)
def test_chunked_frame_indices_refuses_bad_arguments(n_frames, fps, kwargs):
    with pytest.raises(ValueError):
        chunked_frame_indices(n_frames, fps, **kwargs)


@given(
    n_frames=st.integers(0, 3000),
    fps=st.floats(6.0, 120.0),
    per_chunk=st.integers(1, 2),
    drop=st.booleans(),
)
def test_chunked_frame_indices_properties(n_frames, fps, per_chunk, drop):
    indices = chunked_frame_indices(n_frames, fps, per_chunk=per_chunk, drop_first_last=drop)
    length = math.floor(fps * 0.5 + 0.5)
    n_chunks = n_frames // length
    kept = list(range(1, n_chunks - 1)) if drop else list(range(n_chunks))
    assert indices == sorted(set(indices))
    assert all(0 <= i < n_frames for i in indices)
    assert len(indices) == per_chunk * len(kept)
    chunks = [i // length for i in indices]
    assert sorted(set(chunks)) == kept
    assert all(chunks.count(c) == per_chunk for c in kept)
    # the frames just before each chunk's last one
    assert all(length - 1 - per_chunk <= i % length < length - 1 for i in indices)


# -- middle_frame_indices -----------------------------------------------------------


@pytest.mark.parametrize(
    ("n_frames", "count", "expected"),
    [
        (5, 3, [1, 2, 3]),
        (4, 3, [0, 1, 2]),
        (3, 3, [0, 1, 2]),
        (2, 3, [0, 1]),
        (0, 3, []),
        (100, 3, [48, 49, 50]),
        (101, 3, [49, 50, 51]),
        (101, 1, [50]),
        (10, 4, [3, 4, 5, 6]),
    ],
)
def test_middle_frame_indices_by_hand(n_frames, count, expected):
    assert middle_frame_indices(n_frames, count) == expected


@given(n_frames=st.integers(0, 5000), count=st.integers(1, 20))
def test_middle_frame_indices_properties(n_frames, count):
    indices = middle_frame_indices(n_frames, count)
    assert len(indices) == min(n_frames, count)
    if indices:
        assert indices == list(range(indices[0], indices[0] + len(indices)))
        before, after = indices[0], n_frames - 1 - indices[-1]
        assert 0 <= after - before <= 1  # centred, one frame early for an odd surplus


def test_middle_frame_indices_refuses_bad_arguments():
    with pytest.raises(ValueError):
        middle_frame_indices(10, 0)
    with pytest.raises(ValueError):
        middle_frame_indices(-1)
