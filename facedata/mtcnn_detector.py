"""MTCNN face detection with five landmarks: the default detector for real photos and videos.

MTCNN (Zhang et al., *Joint Face Detection and Alignment using Multi-task Cascaded
Convolutional Networks*, 2016) finds faces with a cascade of three small
networks (PNet proposes, RNet and ONet refine and score) and gives five landmarks
per face: the two eye centres, the nose tip and the mouth corners; the eyes drive
the crop's alignment (:mod:`facedata.align`). On in-the-wild photos it finds the
faces OpenCV's Haar cascade misses (profile-ish heads, uneven light, small faces;
figures in docs/datasets.md, "Face detection").

The networks and their weights are those of the ``mtcnn`` package (its wheel
ships the weights; it runs on TensorFlow, which the project already uses);
nothing is downloaded. This module runs them with three changes to the
package's own pipeline (mtcnn 1.0), each for a measured reason:

* **the image pyramid** starts at the smallest face wanted (``min_size_fraction``
  of the image's smaller side, at least 20 pixels) and ends before a level gets
  smaller than PNet's 12-pixel window. The package counts its levels as if the
  smallest face were always 20 pixels, so with a larger ``min_face_size`` its
  last levels are below the window, PNet fails on them and the package reports
  the failure as "no face": the astronaut photo at ``min_face_size=40`` has no face.
  Starting at a tenth of the image also spares the large levels a 20-pixel
  start costs on a large image.
* **each network runs as one compiled TensorFlow function** (traced once per
  process and network; inputs of any size): Keras 3's eager layer calls cost
  about three times the arithmetic (a 240x240 image: 124 ms eager, 31 ms
  compiled, 2 cores).
* **the weights are read from the package's own folder by absolute path**: the
  package looks in the working directory first, where a file named
  ``pnet.lz4`` would be unpickled in their place.

The networks are built once per process (:func:`networks`: TensorFlow's import,
about 6 s on 2 cores when nothing imported it before, then about a second to
build and trace the networks) and shared by every :class:`MTCNNFaceDetector`.
TensorFlow 2.21 writes its C++ start-up notices (oneDNN, no CUDA driver, a failed
``cuInit``) to the process's stderr whatever ``TF_CPP_MIN_LOG_LEVEL`` says; while
this module imports TensorFlow and builds the networks those lines are dropped,
and anything else written to stderr meanwhile is written back
(:mod:`facedata._quiet`, as every command line does; not after ``--verbose``).
"""

from __future__ import annotations

import functools
import importlib.resources
import math
import os

import cv2
import numpy as np

from ._quiet import quiet_tensorflow, quiet_wanted, start_up_lines_dropped
from .faces import Box, Face

DEFAULT_MIN_SIZE_FRACTION = 0.1
DEFAULT_MIN_CONFIDENCE = 0.9
PNET_WINDOW = 12
SMALLEST_FACE = 20  # pixels: MTCNN's usual floor; smaller faces give unreliable landmarks


class MTCNNFaceDetector:
    """MTCNN on the networks of the ``mtcnn`` package; see the module's docstring.

    ``min_size_fraction`` is the smallest face side looked for, as a fraction of
    the image's smaller side (never below 20 pixels): 0.1 finds a face a tenth of
    the picture, as small as portraits and video calls need, at a small cost.
    ``thresholds`` are the three networks' score thresholds (the package's
    defaults) and ``min_confidence`` the final score a face needs (ONet's): 0.9
    keeps false faces on non-face photos under the project's 1% target (see
    docs/datasets.md). ``scale_factor`` is the pyramid's step.
    ``landmarks=False`` reports boxes only, so crops are not aligned.
    """

    def __init__(
        self,
        min_size_fraction: float = DEFAULT_MIN_SIZE_FRACTION,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        thresholds: tuple[float, float, float] = (0.6, 0.7, 0.8),
        scale_factor: float = 0.709,
        landmarks: bool = True,
    ) -> None:
        if not 0.0 <= min_size_fraction <= 1.0:
            raise ValueError(f"min_size_fraction must be in [0, 1], got {min_size_fraction}")
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be in [0, 1], got {min_confidence}")
        thresholds = tuple(float(t) for t in thresholds)
        if len(thresholds) != 3 or not all(0.0 <= t <= 1.0 for t in thresholds):
            raise ValueError(f"thresholds must be three values in [0, 1], got {thresholds}")
        if not 0.1 <= scale_factor < 1.0:
            raise ValueError(f"scale_factor must be in [0.1, 1), got {scale_factor}")
        self.min_size_fraction = float(min_size_fraction)
        self.min_confidence = float(min_confidence)
        self.thresholds = thresholds
        self.scale_factor = float(scale_factor)
        self.landmarks = bool(landmarks)

    def __repr__(self) -> str:
        return (
            f"MTCNNFaceDetector(min_size_fraction={self.min_size_fraction}, min_confidence="
            f"{self.min_confidence}, thresholds={self.thresholds}, scale_factor="
            f"{self.scale_factor}, landmarks={self.landmarks})"
        )

    def detect(self, image_bgr: np.ndarray) -> list[Box]:
        """Face boxes in a BGR (or grey) uint8 image, best score first; empty when none."""
        return [face.box for face in self.detect_faces(image_bgr)]

    def detect_faces(self, image_bgr: np.ndarray) -> list[Face]:
        """The faces of a BGR (or grey) uint8 image, best score first: boxes (in the
        image, ints), scores and, unless ``landmarks=False``, the five landmarks."""
        if image_bgr.dtype != np.uint8 or image_bgr.ndim not in (2, 3):
            raise ValueError(
                f"need a uint8 grey or BGR image, got {image_bgr.dtype} of shape {image_bgr.shape}"
            )
        if image_bgr.ndim == 2:
            rgb = cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2RGB)
        else:
            rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        height, width = rgb.shape[:2]
        min_face = max(SMALLEST_FACE, self.min_size_fraction * min(height, width))
        if min(height, width) < min_face:
            return []
        rows = networks().detect(rgb, min_face, self.scale_factor, self.thresholds)
        faces = []
        for row in rows[np.argsort(-rows[:, 5], kind="stable")]:
            if row[5] < self.min_confidence:
                continue
            x0, y0 = max(0, round(row[1])), max(0, round(row[2]))
            x1, y1 = min(width, round(row[3])), min(height, round(row[4]))
            if x1 <= x0 or y1 <= y0:
                continue
            points = None
            if self.landmarks:
                points = tuple(
                    (float(x), float(y)) for x, y in zip(row[6:11], row[11:16], strict=True)
                )
            faces.append(Face((x0, y0, x1 - x0, y1 - y0), float(row[5]), points))
        return faces


class _Networks:
    """The three MTCNN stages of the ``mtcnn`` package, compiled, and the pipeline
    around them (the package's own, with the pyramid of :func:`pyramid`)."""

    def __init__(self) -> None:
        if quiet_wanted():  # TF_CPP_MIN_LOG_LEVEL=2 unless set (not after --verbose)
            quiet_tensorflow()
        with start_up_lines_dropped():
            self._build()
            self.detect(
                np.zeros((PNET_WINDOW * 4, PNET_WINDOW * 4, 3), np.uint8),
                SMALLEST_FACE,
                0.709,
                (0.6, 0.7, 0.8),
            )  # traces the three networks

    def _build(self) -> None:
        import tensorflow as tf
        from mtcnn.stages import StageONet, StagePNet, StageRNet
        from mtcnn.utils.bboxes import (
            fix_bboxes_offsets,
            generate_bounding_box,
            limit_bboxes,
            resize_to_square,
            smart_nms_from_bboxes,
            upscale_bboxes,
        )
        from mtcnn.utils.images import scale_images, standarize_batch

        self._tf = tf
        self._utils = {
            "fix_offsets": fix_bboxes_offsets,
            "generate": generate_bounding_box,
            "limit": limit_bboxes,
            "square": resize_to_square,
            "nms": smart_nms_from_bboxes,
            "upscale": upscale_bboxes,
            "scale": scale_images,
            "standardise": standarize_batch,
        }
        weights = importlib.resources.files("mtcnn.assets.weights")
        stages = []
        for stage, name, side in (
            (StagePNet, "pnet", None),
            (StageRNet, "rnet", 24),
            (StageONet, "onet", 48),
        ):
            built = stage(weights=os.fspath(weights / f"{name}.lz4"))
            signature = tf.TensorSpec([None, side, side, 3], tf.float32)
            built._model = tf.function(built.model, input_signature=[signature])
            stages.append(built)
        self.pnet, self.rnet, self.onet = stages

    def detect(
        self,
        rgb: np.ndarray,
        min_face: float,
        scale_factor: float,
        thresholds: tuple[float, float, float],
    ) -> np.ndarray:
        """The rows ``[image, x1, y1, x2, y2, score, 5 landmark x, 5 landmark y]`` of
        the faces of one RGB uint8 image (all scores above the thresholds)."""
        u = self._utils
        images, shapes, padding = u["standardise"]([rgb], normalize=True)
        empty = np.empty((0, 16))
        try:
            boxes = self._proposals(images, shapes, min_face, scale_factor, thresholds[0])
            if len(boxes) == 0:
                return empty
            boxes = self.rnet(
                bboxes_batch=boxes, images_normalized=images, threshold_rnet=thresholds[1]
            )
            if len(boxes) == 0:
                return empty
            boxes = self.onet(
                bboxes_batch=boxes, images_normalized=images, threshold_onet=thresholds[2]
            )
        except self._tf.errors.InvalidArgumentError:  # the package's way of saying "none"
            return empty
        if len(boxes) == 0:
            return empty
        boxes = u["fix_offsets"](boxes, padding)
        return u["limit"](boxes, images_shapes=shapes, limit_landmarks=False)

    def _proposals(self, images, shapes, min_face, scale_factor, threshold) -> np.ndarray:
        """PNet over the pyramid: candidate squares, after non-maximum suppression
        per level and across levels (the package's StagePNet, with its pyramid fixed)."""
        u = self._utils
        height, width = int(shapes[0][0]), int(shapes[0][1])
        found = []
        for scale in pyramid(min(height, width), min_face, scale_factor):
            result = self.pnet.model(u["scale"](images, scale))
            boxes = u["generate"](result[0], result[1], threshold)
            boxes = u["upscale"](boxes, np.asarray([scale]))
            found.append(u["nms"](boxes, threshold=0.5, method="union", initial_sort=False))
        boxes = np.concatenate(found, axis=0) if found else np.empty((0, 6))
        boxes = u["nms"](boxes, threshold=0.7, method="union", initial_sort=True)
        return u["square"](boxes)


def pyramid(min_side: int, min_face: float, scale_factor: float) -> list[float]:
    """The scales at which PNet looks: the first maps a ``min_face``-pixel face onto
    its 12-pixel window, each next one is ``scale_factor`` times the last, and the
    last still leaves the image's smaller side at least 12 pixels."""
    first = PNET_WINDOW / min_face
    if min_side * first < PNET_WINDOW:
        return []
    # a level that would come out at exactly 12 pixels is left out: rounding could make it 11
    steps = math.log(PNET_WINDOW / (min_side * first)) / math.log(scale_factor)
    count = math.floor(steps - 1e-9) + 1
    return [first * scale_factor**k for k in range(count)]


@functools.cache
def networks() -> _Networks:
    """The MTCNN networks, built once per process (TensorFlow is imported here)."""
    return _Networks()
