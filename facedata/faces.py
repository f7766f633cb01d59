"""From a frame to a face crop: detection, the largest face, a square crop, aligned
when the detector gives the eyes.

The crop path is the same for every source::

    face_crop(image_bgr, detector)   # find_faces -> largest -> crop_of

and the detector is pluggable: anything with ``detect(image_bgr) -> boxes``, and,
when it also has ``detect_faces(image_bgr) -> [Face]`` with landmarks, the crops
are aligned on the eyes (:mod:`facedata.align`). Detectors by name
(:func:`detector_named`, :data:`DETECTORS`):

* ``"mtcnn"`` (the default for real photos and videos, :func:`default_detector`):
  :class:`~facedata.mtcnn_detector.MTCNNFaceDetector`, boxes and five
  landmarks, crops aligned on the eyes;
* ``"haar"``: :class:`HaarFaceDetector`, OpenCV's frontal-face Haar cascade,
  about three times faster (bench/test_detection_speed.py), boxes only, crops
  not aligned.

Boxes known in advance plug into the same path: :class:`RecordedFaces` (read
from a sidecar ``<video stem>.faces.csv``; ``recorded.at(i)`` is the detector for
frame ``i``) and :class:`FixedFaces` (the same boxes for every image); their crops
are not aligned.

:func:`video_face_crops` runs the whole path for a list of frames of one video:
the sidecar's boxes when the video has one, the default detector otherwise.

Crops are RGB float32 in [-1, 1], shape ``(size, size, 3)``, the layout of
:class:`~facedata.dataset.FaceDataset` images.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from .align import aligned_crop, checked_crop_input, face_box
from .video import read_frames

Box = tuple[int, int, int, int]
"""A face box: x, y (top-left corner), width, height, in pixels."""

Point = tuple[float, float]
"""A point of an image, x and y in pixels (continuous: pixel i covers [i, i + 1))."""

SIDECAR_SUFFIX = ".faces.csv"
_CSV_COLUMNS = ("frame", "x", "y", "w", "h")


@dataclasses.dataclass(frozen=True)
class Face:
    """A face a detector found: its box, its score and, from a detector that gives
    them, five landmarks in the image: the eye on the image's left (the person's
    right eye), the other eye, the nose tip, and the mouth corners, left then right."""

    box: Box
    confidence: float = 1.0
    landmarks: tuple[Point, ...] | None = None

    @property
    def eyes(self) -> tuple[Point, Point] | None:
        """The eye centres, image-left first, or None without landmarks."""
        return None if self.landmarks is None else (self.landmarks[0], self.landmarks[1])

    def crop_box(self) -> Box:
        """The box its crop is taken around: the upright face box the eyes define
        (:func:`facedata.align.face_box`) when it has landmarks, else its own box."""
        eyes = self.eyes
        return self.box if eyes is None else face_box(*eyes)


@runtime_checkable
class FaceDetector(Protocol):
    """Anything that finds face boxes in a BGR uint8 image."""

    def detect(self, image_bgr: np.ndarray) -> list[Box]: ...


@runtime_checkable
class LandmarkDetector(Protocol):
    """A detector that also gives each face's score and landmarks (:class:`Face`)."""

    def detect(self, image_bgr: np.ndarray) -> list[Box]: ...

    def detect_faces(self, image_bgr: np.ndarray) -> list[Face]: ...


def find_faces(image_bgr: np.ndarray, detector: FaceDetector) -> list[Face]:
    """The faces ``detector`` finds: its own :class:`Face` objects when it gives
    them, else its boxes as faces without landmarks."""
    if isinstance(detector, LandmarkDetector):
        return list(detector.detect_faces(image_bgr))
    return [Face(_as_box(box)) for box in detector.detect(image_bgr)]


def largest(faces: Iterable[Face]) -> Face | None:
    """The face of largest box area (the first of equals), or None when there is none."""
    best: Face | None = None
    for face in faces:
        if best is None or face.box[2] * face.box[3] > best.box[2] * best.box[3]:
            best = face
    return best


class HaarFaceDetector:
    """OpenCV's Haar-cascade face detector (Viola-Jones).

    The image is turned grey and histogram-equalised (the cascade was trained
    on such images, and it evens out lighting). Global equalisation fails where
    one flat background fills most of the frame: that grey level takes most of
    the output range and the face is left with little contrast (a face on a
    uniform grey of 60 or 90 is missed). So when the equalised image gives no
    face, the plain grey one is tried too (``retry_plain=False`` turns this off);
    it costs a second pass only on frames without a face.

    ``min_size_fraction`` is the smallest face side as a fraction of the
    image's smaller side: 0.2 keeps the detector off small background patterns
    in frames where the subject fills much of the picture, as in all the
    paper's datasets.
    """

    def __init__(
        self,
        scale_factor: float = 1.1,
        min_neighbors: int = 5,
        min_size_fraction: float = 0.2,
        cascade: str | os.PathLike = "haarcascade_frontalface_default.xml",
        retry_plain: bool = True,
    ) -> None:
        if scale_factor <= 1.0 or min_neighbors < 0 or not 0.0 <= min_size_fraction <= 1.0:
            raise ValueError(
                "need scale_factor > 1, min_neighbors >= 0, 0 <= min_size_fraction <= 1"
            )
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size_fraction = min_size_fraction
        self.retry_plain = retry_plain
        self.cascade_path = _cascade_path(cascade)
        self._classifier = cv2.CascadeClassifier(self.cascade_path)
        if self._classifier.empty():
            raise RuntimeError(f"cannot load the Haar cascade {self.cascade_path}")

    def __repr__(self) -> str:
        return (
            f"HaarFaceDetector(scale_factor={self.scale_factor}, min_neighbors="
            f"{self.min_neighbors}, min_size_fraction={self.min_size_fraction}, "
            f"cascade={Path(self.cascade_path).name!r}, retry_plain={self.retry_plain})"
        )

    def detect(self, image_bgr: np.ndarray) -> list[Box]:
        """Face boxes in a BGR (or grey) uint8 image; an empty list when none."""
        grey = image_bgr if image_bgr.ndim == 2 else cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
        boxes = self._detect_grey(cv2.equalizeHist(grey))
        if not boxes and self.retry_plain:
            boxes = self._detect_grey(grey)
        return boxes

    def _detect_grey(self, grey: np.ndarray) -> list[Box]:
        """One cascade pass over a grey image, boxes as tuples of ints."""
        side = max(1, round(self.min_size_fraction * min(grey.shape[:2])))
        found = self._classifier.detectMultiScale(
            grey,
            scaleFactor=self.scale_factor,
            minNeighbors=self.min_neighbors,
            minSize=(side, side),
        )
        return [tuple(int(v) for v in box) for box in found]


def _cascade_path(cascade: str | os.PathLike) -> str:
    """A cascade file: a bare name is looked up in ``cv2.data.haarcascades``."""
    if os.path.dirname(cascade) or os.path.isfile(cascade):
        return os.fspath(cascade)
    data = getattr(cv2, "data", None)
    if data is None:
        raise RuntimeError(
            "this OpenCV ships no Haar cascades (cv2.data is missing; OpenCV 5 dropped them): "
            "install opencv-python-headless<5 or pass the path of a cascade file"
        )
    return os.path.join(data.haarcascades, os.fspath(cascade))


@dataclasses.dataclass(frozen=True)
class FixedFaces:
    """A detector that returns the same boxes for every image."""

    boxes: tuple[Box, ...] = ()

    def detect(self, image_bgr: np.ndarray) -> list[Box]:
        """The fixed boxes, whatever the image."""
        return list(self.boxes)


class RecordedFaces:
    """Face boxes known in advance, per frame of one video.

    For videos whose faces are known (a synthetic corpus can record where it
    drew them) there is no need to detect: ``RecordedFaces.for_video(path)``
    reads the sidecar ``<video stem>.faces.csv`` beside the video (columns
    ``frame,x,y,w,h``, one row per face, several rows for several faces) and
    ``recorded.at(i)`` is a detector for frame ``i`` that plugs into the usual
    crop path: ``face_crop(frame, recorded.at(i))`` (or, equivalently,
    ``crop_face(frame, recorded.box(i))`` when ``box(i)`` is not None). A frame
    without rows has no face, so it is skipped like a frame where the cascade
    finds none. A still image uses frame 0.
    """

    def __init__(self, boxes: Mapping[int, Iterable[Box]]) -> None:
        self._boxes = {
            int(frame): tuple(_as_box(b) for b in frame_boxes)
            for frame, frame_boxes in boxes.items()
        }

    def __len__(self) -> int:
        return len(self._boxes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordedFaces) and self._boxes == other._boxes

    def __repr__(self) -> str:
        return f"RecordedFaces({len(self._boxes)} frames)"

    def frames(self) -> list[int]:
        """The frame indices that have boxes, in order."""
        return sorted(self._boxes)

    def boxes(self, frame: int) -> list[Box]:
        """The boxes of frame ``frame`` (empty when it has none)."""
        return list(self._boxes.get(int(frame), ()))

    def box(self, frame: int) -> Box | None:
        """The largest box of frame ``frame``, or None when it has none."""
        return largest_face(self._boxes.get(int(frame), ()))

    def at(self, frame: int) -> FixedFaces:
        """The detector for frame ``frame``: it returns that frame's boxes."""
        return FixedFaces(tuple(self.boxes(frame)))

    @staticmethod
    def sidecar(video_path: str | os.PathLike) -> Path:
        """Where the boxes of a video are recorded: ``<dir>/<stem>.faces.csv``."""
        video_path = Path(video_path)
        return video_path.with_name(video_path.stem + SIDECAR_SUFFIX)

    @classmethod
    def for_video(cls, video_path: str | os.PathLike) -> RecordedFaces | None:
        """The recorded boxes of a video, or None when it has no sidecar.

        Raises :class:`ValueError` for a malformed sidecar.
        """
        path = cls.sidecar(video_path)
        return cls.from_csv(path) if path.is_file() else None

    @classmethod
    def from_csv(cls, path: str | os.PathLike) -> RecordedFaces:
        """Boxes from a CSV with header ``frame,x,y,w,h``; ValueError when malformed."""
        boxes: dict[int, list[Box]] = {}
        with open(path, newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None or tuple(h.strip() for h in header) != _CSV_COLUMNS:
                raise ValueError(f"{path}: the header must be {','.join(_CSV_COLUMNS)}")
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                try:
                    frame, *box = (int(v) for v in row)
                    if len(box) != 4 or frame < 0:
                        raise ValueError("need 5 values and frame >= 0")
                    boxes.setdefault(frame, []).append(_as_box(box))
                except ValueError as err:
                    raise ValueError(f"{path}, line {line}: {row}: {err}") from None
        return cls(boxes)

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write the boxes in the sidecar format (see :meth:`from_csv`)."""
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(_CSV_COLUMNS)
            for frame in self.frames():
                writer.writerows((frame, *box) for box in self._boxes[frame])


def _as_box(values: Sequence[int]) -> Box:
    """A box of four ints with positive width and height."""
    x, y, w, h = (int(v) for v in values)
    if w <= 0 or h <= 0:
        raise ValueError(f"a box needs a positive width and height, got {(x, y, w, h)}")
    return x, y, w, h


def largest_face(boxes: Iterable[Box]) -> Box | None:
    """The box of largest area (the first of equals), or None when there is none."""
    best: Box | None = None
    for box in boxes:
        if best is None or box[2] * box[3] > best[2] * best[3]:
            best = box
    return best


def crop_face(image_bgr: np.ndarray, box: Box, size: int = 96, margin: float = 0.2) -> np.ndarray:
    """A square face crop, RGB float32 in [-1, 1], shape ``(size, size, 3)``.

    The square is centred on the box, of side ``max(w, h) * (1 + 2 * margin)``
    (the margin keeps chin, brows and some hair, which detectors cut tight);
    where it leaves the image the border pixels are repeated rather than
    padded black, so that no artificial edge enters the crop. It is resized
    with area interpolation (the right filter for shrinking).
    """
    image_bgr = checked_crop_input(image_bgr, size, margin)
    x, y, w, h = _as_box(box)
    side = max(1, round(max(w, h) * (1 + 2 * margin)))
    left = round(x + w / 2 - side / 2)
    top = round(y + h / 2 - side / 2)
    height, width = image_bgr.shape[:2]
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + side, width), min(top + side, height)
    if x0 >= x1 or y0 >= y1:
        raise ValueError(f"box {box} lies outside the {width}x{height} image")
    square = cv2.copyMakeBorder(
        image_bgr[y0:y1, x0:x1],
        y0 - top,
        top + side - y1,
        x0 - left,
        left + side - x1,
        cv2.BORDER_REPLICATE,
    )
    resized = cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB)
    return rgb.astype(np.float32) / np.float32(127.5) - np.float32(1.0)


def crop_of(image_bgr: np.ndarray, face: Face, size: int = 96, margin: float = 0.2) -> np.ndarray:
    """The crop of one face: aligned on its eyes when it has landmarks
    (:func:`facedata.align.aligned_crop`), else the square around its box
    (:func:`crop_face`); ``margin`` is added around the face box either way."""
    eyes = face.eyes
    if eyes is None:
        return crop_face(image_bgr, face.box, size, margin)
    return aligned_crop(image_bgr, *eyes, size=size, margin=margin)


def face_crop(
    image_bgr: np.ndarray, detector: FaceDetector | str, size: int = 96, margin: float = 0.2
) -> np.ndarray | None:
    """Detect, take the largest face, crop it (:func:`crop_of`); None when no face.

    ``detector`` is a detector or a name of :data:`DETECTORS`."""
    face = largest(find_faces(image_bgr, resolve_detector(detector)))
    return None if face is None else crop_of(image_bgr, face, size, margin)


@dataclasses.dataclass
class VideoCrops:
    """The face crops of one video, and the frames that gave none.

    ``crops`` maps frame index to crop, in frame order; ``unreadable`` lists the
    wanted frames the video could not deliver (past the end, or after a break
    in a truncated file) and ``no_face`` those where no face was found.
    """

    crops: dict[int, np.ndarray]
    unreadable: list[int]
    no_face: list[int]


def video_face_crops(
    path: str | os.PathLike,
    indices: Iterable[int],
    detector: FaceDetector | str | None = None,
    size: int = 96,
    margin: float = 0.2,
) -> VideoCrops:
    """Face crops of the given frames of one video.

    With no ``detector``, a sidecar ``<stem>.faces.csv`` beside the video gives
    the boxes (:class:`RecordedFaces`) and otherwise the default detector
    (:func:`default_detector`, MTCNN) finds them; ``detector`` may be a name of
    :data:`DETECTORS`. Raises
    :class:`~facedata.video.VideoError` when no wanted frame can be read
    and ValueError for a malformed sidecar.
    """
    wanted = sorted({int(i) for i in indices})
    recorded = RecordedFaces.for_video(path) if detector is None else None
    if recorded is None:
        detector = resolve_detector(detector)
    frames = read_frames(path, wanted)
    crops: dict[int, np.ndarray] = {}
    no_face: list[int] = []
    for i, frame in frames.items():
        frame_detector = detector if recorded is None else recorded.at(i)
        crop = face_crop(frame, frame_detector, size, margin)
        if crop is None:
            no_face.append(i)
        else:
            crops[i] = crop
    return VideoCrops(crops, [i for i in wanted if i not in frames], no_face)


DETECTORS = ("mtcnn", "haar")
"""The detectors by name; the first is the default."""


@functools.cache
def detector_named(name: str) -> FaceDetector:
    """The shared detector called ``name`` (one of :data:`DETECTORS`), with its
    default settings, made once per process: ``"mtcnn"``
    (:class:`~facedata.mtcnn_detector.MTCNNFaceDetector`; its networks are built
    on its first image) or ``"haar"`` (:class:`HaarFaceDetector`; share it within
    a thread: OpenCV's cascade is not documented thread-safe)."""
    if name == "mtcnn":
        from .mtcnn_detector import MTCNNFaceDetector

        return MTCNNFaceDetector()
    if name == "haar":
        return HaarFaceDetector()
    raise ValueError(f"unknown face detector {name!r}; choose from {', '.join(DETECTORS)}")


def resolve_detector(detector: FaceDetector | str | None) -> FaceDetector:
    """A detector from a name of :data:`DETECTORS` (any case), None (the default,
    MTCNN) or a detector object (anything with ``detect``), which is returned as is."""
    if detector is None:
        return default_detector()
    if isinstance(detector, str):
        return detector_named(detector.strip().lower())
    if not callable(getattr(detector, "detect", None)):
        raise TypeError(f"a face detector needs a detect(image_bgr) method, got {detector!r}")
    return detector


def default_detector() -> FaceDetector:
    """The default detector for real photos and videos: the shared MTCNN."""
    return detector_named(DETECTORS[0])
