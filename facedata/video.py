"""Reading frames from video files, and the paper's choice of frames per clip.

Frames come from OpenCV (its FFmpeg backend where the build has one). A file
that cannot be opened or holds no frame raises :class:`VideoError`, so that a
loader can skip it with a warning; a file that breaks off part-way (truncated,
damaged) yields the frames before the break.

Frame selection, as in the CLIFER paper (see docs/datasets.md):

* :func:`chunked_frame_indices` -- RAVDESS and BAUM-1s: 500 ms chunks, the
  two penultimate frames of each, the first and the last chunk dropped;
* :func:`middle_frame_indices` -- MMI: the middle (peak) frames of a
  neutral -> apex -> neutral clip.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np


class VideoError(Exception):
    """A video that cannot be opened, or from which no frame can be read."""


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` found: the number of decodable frames, the frame rate
    (frames per second) and the frame size in pixels."""

    n_frames: int
    fps: float
    width: int
    height: int

    @property
    def duration(self) -> float:
        """Length of the clip in seconds."""
        return self.n_frames / self.fps


def video_backend() -> int:
    """FFmpeg when OpenCV has it: with ``CAP_ANY`` a file name holding ``%``
    could be taken for an image-sequence pattern."""
    if cv2.videoio_registry.hasBackend(cv2.CAP_FFMPEG):
        return cv2.CAP_FFMPEG
    return cv2.CAP_ANY


def open_video(path: str | os.PathLike) -> cv2.VideoCapture:
    """An opened capture, or :class:`VideoError` naming the file."""
    if not os.path.isfile(path):
        raise VideoError(f"{path}: no such file")
    if os.path.getsize(path) == 0:
        raise VideoError(f"{path}: empty file")
    capture = cv2.VideoCapture(os.fspath(path), video_backend())
    if not capture.isOpened():
        capture.release()
        raise VideoError(f"{path}: cannot be opened as a video")
    return capture


def _read_next(capture: cv2.VideoCapture) -> np.ndarray | None:
    """The next frame, or None at the end of the stream or on a decoding error."""
    if not capture.grab():
        return None
    ok, frame = capture.retrieve()
    return frame if ok and frame is not None and frame.size else None


def _count_frames(path: str | os.PathLike) -> int:
    """Frames decodable from the start, one by one (the exact count)."""
    capture = open_video(path)
    try:
        n = 0
        while _read_next(capture) is not None:
            n += 1
        return n
    finally:
        capture.release()


def _header_count_holds(capture: cv2.VideoCapture, claimed: int) -> bool:
    """Whether frame ``claimed - 1`` decodes and is the last one.

    The header's frame count is wrong for truncated or damaged files (an AVI
    cut in half still claims all its frames); one seek checks it cheaply.
    """
    if claimed <= 0 or not capture.set(cv2.CAP_PROP_POS_FRAMES, claimed - 1):
        return False
    return _read_next(capture) is not None and not capture.grab()


def probe(path: str | os.PathLike, *, exact: bool = False) -> VideoInfo:
    """Frame count, frame rate and size of a video.

    The header's frame count is checked by decoding its last frame; when that
    fails (or with ``exact=True``) the frames are counted by decoding them all,
    so ``n_frames`` is the number :func:`read_frames` can deliver.

    Raises :class:`VideoError` for a missing, empty or unreadable file, one
    with no decodable frame, or one without a frame rate.
    """
    capture = open_video(path)
    try:
        claimed = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        header_ok = not exact and _header_count_holds(capture, claimed)
    finally:
        capture.release()
    n_frames = claimed if header_ok else _count_frames(path)
    if n_frames == 0:
        raise VideoError(f"{path}: no decodable frame")
    if not (math.isfinite(fps) and fps > 0):
        raise VideoError(f"{path}: no frame rate in the file (got {fps})")
    return VideoInfo(n_frames, fps, width, height)


def read_frames(path: str | os.PathLike, indices: Iterable[int]) -> dict[int, np.ndarray]:
    """The frames at ``indices`` (0-based), as BGR uint8 arrays keyed by index.

    The file is read once from the start (grab every frame, decode to an image
    only the wanted ones), which is exact where seeking by frame number is not.
    Indices past the end, or after a break in a truncated file, are absent from
    the result. Raises :class:`VideoError` when the file cannot be opened or
    none of the wanted frames can be read; no indices give an empty dict.
    """
    wanted = sorted({int(i) for i in indices})
    if wanted and wanted[0] < 0:
        raise ValueError(f"frame indices must be >= 0, got {wanted[0]}")
    capture = open_video(path)
    frames: dict[int, np.ndarray] = {}
    try:
        want = set(wanted)
        for i in range(wanted[-1] + 1 if wanted else 0):
            if not capture.grab():
                break
            if i in want:
                ok, frame = capture.retrieve()
                if ok and frame is not None and frame.size:
                    frames[i] = frame
    finally:
        capture.release()
    if wanted and not frames:
        raise VideoError(f"{path}: none of the {len(wanted)} wanted frames could be read")
    return frames


def chunked_frame_indices(
    n_frames: int,
    fps: float,
    chunk_seconds: float = 0.5,
    per_chunk: int = 2,
    drop_first_last: bool = True,
) -> list[int]:
    """The paper's frame selection for RAVDESS and BAUM-1s.

    The clip is cut into consecutive chunks of ``chunk_seconds`` (500 ms), each
    ``L = round(fps * chunk_seconds)`` frames long (rounding half up: 15 at
    30 fps, 13 at 25 fps); a final chunk shorter than ``L`` is ignored. The
    first and the last full chunk are dropped (onset and offset of the
    expression; ``drop_first_last=False`` keeps them). "The two penultimate
    frames" of a chunk is read as the ``per_chunk`` frames just before its last
    one: ``chunk[-3]`` and ``chunk[-2]`` for ``per_chunk=2``.

    Example: 90 frames at 30 fps are chunks 0-14, 15-29, ..., 75-89; without the
    first and the last, the frames are [27, 28, 42, 43, 57, 58, 72, 73].

    Returns sorted, distinct indices in ``range(n_frames)``; empty when the
    clip has too few chunks.
    """
    if n_frames < 0:
        raise ValueError(f"n_frames must be >= 0, got {n_frames}")
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number, got {fps}")
    if chunk_seconds <= 0 or per_chunk < 1:
        raise ValueError("chunk_seconds must be > 0 and per_chunk >= 1")
    length = math.floor(fps * chunk_seconds + 0.5)
    if length < per_chunk + 1:
        raise ValueError(
            f"a chunk of {length} frames ({chunk_seconds} s at {fps} fps) has fewer than "
            f"{per_chunk} frames before its last one"
        )
    n_chunks = n_frames // length
    kept = range(1, n_chunks - 1) if drop_first_last else range(n_chunks)
    return [
        c * length + offset for c in kept for offset in range(length - 1 - per_chunk, length - 1)
    ]


def middle_frame_indices(n_frames: int, count: int = 3) -> list[int]:
    """The ``count`` consecutive frames in the middle of a clip.

    For MMI, whose clips go neutral -> apex -> neutral, these are the peak
    frames. The run starts at ``(n_frames - count) // 2`` (for an even surplus
    it sits one frame early: 4 frames, count 3 -> [0, 1, 2]); a clip shorter
    than ``count`` gives all its frames.
    """
    if n_frames < 0 or count < 1:
        raise ValueError(f"need n_frames >= 0 and count >= 1, got {n_frames} and {count}")
    if n_frames <= count:
        return list(range(n_frames))
    start = (n_frames - count) // 2
    return list(range(start, start + count))
