"""Following a face through a stream of frames: detect now and then, track in between.

A detector on every frame is the slow part of live use (MTCNN: about 25 ms for
a 320x240 copy on 2 cores, against a 33 ms budget per frame at 30 frames/s for
everything). :class:`FaceTracker` runs the detector on a scaled copy every
``every`` frames, and whenever the face it follows is lost; in between it moves
the face with the frame's own motion, using only what base OpenCV has
(``opencv-python-headless`` has no contrib trackers):

1. corner points inside the face box (``goodFeaturesToTrack``) on the previous
   scaled grey frame;
2. their motion by pyramidal Lucas-Kanade optical flow, forwards and backwards:
   a point is kept when it comes back to within ``max_error`` pixels of where
   it started (the forward-backward check rejects points that slid along an
   edge or onto something else);
3. the similarity transform (shift, rotation, scale) that fits the kept points,
   by RANSAC (``estimateAffinePartial2D``): it moves the box and the landmarks,
   so that an aligned crop follows the head's roll too.

The face is *lost*, and detection runs at once on the same frame, when fewer
than ``min_points`` points survive the check or fit the transform, or when the
box leaves the frame. A face that vanishes (a cut, a flat frame) loses its
points; one that moves behind a still textured background cannot fool the
tracker for more than ``every`` frames.
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from .faces import Face, FaceDetector, find_faces, largest, resolve_detector

DEFAULT_EVERY = 10
"""Detect every 10th frame (a third of a second at 30 frames/s): see docs/benchmarks.md."""


@dataclasses.dataclass
class _State:
    face: Face  # in the scaled copy's coordinates
    grey: np.ndarray  # the scaled grey frame it was found or tracked on
    points: np.ndarray  # (n, 1, 2) float32 corner points inside it
    age: int  # frames since the last detection


class FaceTracker:
    """The largest face of a stream of frames, detected every ``every`` frames on a
    copy whose smaller side is at most ``detect_side`` pixels, and tracked between.

    ``update(frame)`` takes the next BGR frame and returns its :class:`Face` in the
    frame's coordinates (box, score of the last detection, landmarks moved with
    it), or None when there is no face. ``detections`` counts the detector's runs,
    ``tracked`` the frames answered by tracking. ``every=1`` detects on every frame.
    """

    def __init__(
        self,
        detector: FaceDetector | str | None = None,
        every: int = DEFAULT_EVERY,
        detect_side: int = 240,
        min_points: int = 8,
        max_error: float = 1.0,
    ) -> None:
        if every < 1 or detect_side < 16 or min_points < 3 or not max_error > 0:
            raise ValueError(
                f"need every >= 1, detect_side >= 16, min_points >= 3 and "
                f"max_error > 0, got {every}, {detect_side}, {min_points}, "
                f"{max_error}"
            )
        self.detector = resolve_detector(detector)
        self.every = int(every)
        self.detect_side = int(detect_side)
        self.min_points = int(min_points)
        self.max_error = float(max_error)
        self.detections = 0
        self.tracked = 0
        self._state: _State | None = None

    def reset(self) -> None:
        """Forget the face: the next frame is detected afresh."""
        self._state = None

    def update(self, image_bgr: np.ndarray) -> Face | None:
        """The face in the next frame of the stream (see the class docstring)."""
        scale = min(1.0, self.detect_side / min(image_bgr.shape[:2]))
        small = (
            image_bgr
            if scale == 1.0
            else cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        grey = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        state = self._state
        face = None
        if state is not None and state.age + 1 < self.every:
            face = self._track(state, grey)
        if face is None:
            face = self._detect(small, grey)
        else:
            self.tracked += 1
        return None if face is None else _scaled(face, 1.0 / scale)

    def _detect(self, small: np.ndarray, grey: np.ndarray) -> Face | None:
        self.detections += 1
        face = largest(find_faces(small, self.detector))
        self._state = None if face is None else _State(face, grey, self._corners(grey, face), 0)
        return face

    def _track(self, state: _State, grey: np.ndarray) -> Face | None:
        """The face moved from the last frame to ``grey``, or None when it is lost."""
        if len(state.points) < self.min_points:
            return None
        flow = dict(
            winSize=(15, 15),
            maxLevel=3,
            criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03),
        )
        moved, ok, _ = cv2.calcOpticalFlowPyrLK(state.grey, grey, state.points, None, **flow)
        back, ok_back, _ = cv2.calcOpticalFlowPyrLK(grey, state.grey, moved, None, **flow)
        error = np.linalg.norm((back - state.points).reshape(-1, 2), axis=1)
        keep = (ok.ravel() == 1) & (ok_back.ravel() == 1) & (error < self.max_error)
        if keep.sum() < self.min_points:
            return None
        matrix, inliers = cv2.estimateAffinePartial2D(
            state.points[keep], moved[keep], method=cv2.RANSAC, ransacReprojThreshold=2.0
        )
        if matrix is None or int(inliers.sum()) < self.min_points:
            return None
        face = _moved(state.face, matrix)
        x, y, w, h = face.box
        height, width = grey.shape[:2]
        if not (0 <= x + w / 2 < width and 0 <= y + h / 2 < height):
            return None
        self._state = _State(face, grey, self._corners(grey, face), state.age + 1)
        return face

    def _corners(self, grey: np.ndarray, face: Face) -> np.ndarray:
        """Corner points inside the face box (its middle 80%: the box's edges are
        background as often as face)."""
        x, y, w, h = face.box
        mask = np.zeros(grey.shape[:2], np.uint8)
        mask[
            max(0, round(y + 0.1 * h)) : round(y + 0.9 * h),
            max(0, round(x + 0.1 * w)) : round(x + 0.9 * w),
        ] = 255
        spacing = max(2.0, min(w, h) / 15)
        points = cv2.goodFeaturesToTrack(
            grey, maxCorners=60, qualityLevel=0.01, minDistance=spacing, mask=mask
        )
        return np.empty((0, 1, 2), np.float32) if points is None else points.astype(np.float32)


def _moved(face: Face, matrix: np.ndarray) -> Face:
    """``face`` moved by a 2x3 similarity: its box's centre and size (the box stays
    upright), its landmarks point by point."""
    x, y, w, h = face.box
    scale = math.sqrt(abs(np.linalg.det(matrix[:, :2])))
    cx, cy = matrix @ np.array([x + w / 2, y + h / 2, 1.0])
    w2, h2 = max(1.0, w * scale), max(1.0, h * scale)
    box = (round(cx - w2 / 2), round(cy - h2 / 2), max(1, round(w2)), max(1, round(h2)))
    landmarks = None
    if face.landmarks is not None:
        points = np.asarray(face.landmarks, np.float64)
        moved = points @ matrix[:, :2].T + matrix[:, 2]
        landmarks = tuple((float(px), float(py)) for px, py in moved)
    return Face(box, face.confidence, landmarks)


def _scaled(face: Face, factor: float) -> Face:
    """``face`` in coordinates ``factor`` times larger (from the scaled copy to the frame)."""
    if factor == 1.0:
        return face
    box = tuple(round(v * factor) for v in face.box)
    box = (box[0], box[1], max(1, box[2]), max(1, box[3]))
    landmarks = (
        None
        if face.landmarks is None
        else tuple((px * factor, py * factor) for px, py in face.landmarks)
    )
    return Face(box, face.confidence, landmarks)
