"""Faces from a video file or a camera, as they come: what :mod:`clifer.personal` learns
from and recognises.

:func:`frames` reads a video file or a camera frame by frame (OpenCV VideoCapture);
:class:`FaceFinder` follows the largest face of a stream of frames and crops it at
the imagination model's size, aligned on the eyes (MTCNN, by default, on a copy
scaled down to ``detect_side`` pixels every ``every`` frames, optical-flow
tracking in between: :class:`facedata.tracking.FaceTracker`; the whole loop runs
above 30 frames/s on 2 cores, docs/benchmarks.md); :func:`recognise` runs a
:class:`PersonalModel` over a stream in batches.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from facedata.faces import Box, FaceDetector, crop_of
from facedata.tracking import DEFAULT_EVERY, FaceTracker
from facedata.video import VideoError


@dataclass(frozen=True)
class Frame:
    index: int
    seconds: float
    image: np.ndarray  # BGR uint8


def frames(
    video: str | os.PathLike | None = None,
    camera: int | None = None,
    max_seconds: float | None = None,
    every: int = 1,
) -> Iterator[Frame]:
    """The frames of a video file or of camera ``camera`` (one of the two), every
    ``every``-th, up to ``max_seconds`` (a camera needs it or runs until stopped).
    A file that cannot be read or a camera that does not open: VideoError."""
    if (video is None) == (camera is None):
        raise ValueError("give a video file or a camera, not both or neither")
    if every < 1:
        raise ValueError(f"every must be at least 1, got {every}")
    if video is not None:
        from facedata.video import open_video

        capture = open_video(video)
        fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    else:
        capture = cv2.VideoCapture(int(camera))
        if not capture.isOpened():
            capture.release()
            raise VideoError(f"camera {camera} cannot be opened")
        fps = None
    start = time.monotonic()
    try:
        index = 0
        while True:
            ok, image = capture.read()
            if not ok or image is None:
                return
            seconds = index / fps if fps else time.monotonic() - start
            if max_seconds is not None and seconds > max_seconds:
                return
            if index % every == 0:
                yield Frame(index, seconds, image)
            index += 1
    finally:
        capture.release()


class FaceFinder:
    """The largest face of each frame of a stream, cropped square at ``size`` (RGB
    floats in [-1, 1]), aligned on the eyes when the detector gives them.

    ``detector`` is a name (``"mtcnn"``, the default, or ``"haar"``) or a detector
    object. It runs on a copy whose smaller side is at most ``detect_side``
    pixels, every ``every`` frames and whenever the face is lost; in between the
    face is tracked (:class:`facedata.tracking.FaceTracker`; ``every=1`` detects
    on every frame). Boxes and crops are at the full frame's scale. Frames must
    come in order: one finder per stream.
    """

    def __init__(
        self,
        size: int,
        detect_side: int = 240,
        detector: FaceDetector | str | None = None,
        margin: float = 0.2,
        every: int = DEFAULT_EVERY,
    ):
        self.size = size
        self.margin = margin
        self.tracker = FaceTracker(detector, every=every, detect_side=detect_side)

    @property
    def detector(self) -> FaceDetector:
        return self.tracker.detector

    def crop(self, image: np.ndarray) -> tuple[Box | None, np.ndarray | None]:
        """The next frame's face (call it once per frame, in order): the box its crop
        frames (the upright face box of the eyes when aligned, else the detector's
        box) and the crop; (None, None) without a face."""
        face = self.tracker.update(image)
        if face is None:
            return None, None
        return face.crop_box(), crop_of(image, face, self.size, self.margin)


@dataclass(frozen=True)
class Recognised:
    """One frame's answer: its face box (None: no face), class (-1 without a face) and
    confidence."""

    index: int
    seconds: float
    box: Box | None
    label: int
    confidence: float


def faces_of(stream: Iterable[Frame], finder: FaceFinder) -> tuple[np.ndarray, int]:
    """The face crops of a stream's frames, and how many frames had no face."""
    crops, missed = [], 0
    for frame in stream:
        _, crop = finder.crop(frame.image)
        if crop is None:
            missed += 1
        else:
            crops.append(crop)
    empty = np.zeros((0, finder.size, finder.size, 3), np.float32)
    return (np.stack(crops) if crops else empty), missed


def recognise(
    model, stream: Iterable[Frame], finder: FaceFinder, batch: int = 15, memory: str = "episodic"
) -> Iterator[tuple[Frame, Recognised]]:
    """Each frame of ``stream`` with ``model``'s answer, computed ``batch`` frames at a
    time (the encoder is faster on batches; a camera's answers lag by a batch)."""
    pending: list[tuple[Frame, Box | None, np.ndarray | None]] = []

    def flush():
        crops = [c for _, _, c in pending if c is not None]
        labels, confidence = (
            model.predict(np.stack(crops), memory) if crops else (np.zeros(0, int), np.zeros(0))
        )
        k = 0
        for frame, box, crop in pending:
            if crop is None:
                yield frame, Recognised(frame.index, frame.seconds, None, -1, 0.0)
            else:
                yield (
                    frame,
                    Recognised(
                        frame.index, frame.seconds, box, int(labels[k]), float(confidence[k])
                    ),
                )
                k += 1
        pending.clear()

    for frame in stream:
        box, crop = finder.crop(frame.image)
        pending.append((frame, box, crop))
        if len(pending) >= batch:
            yield from flush()
    yield from flush()
