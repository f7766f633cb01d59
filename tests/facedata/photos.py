"""Real photos that ship inside installed packages, for the face-detection tests.

Faces: scikit-image's ``astronaut`` (Eileen Collins) and ``camera`` (the
cameraman, a three-quarter view), matplotlib's ``grace_hopper`` sample, and the
first 100 images of scikit-image's ``lfw_subset`` (25x25 grey LFW faces). Non-faces:
the last 100 images of ``lfw_subset`` and the scikit-image photos below. The
landmarks were read by hand off a grid drawn on each photo.
"""

from __future__ import annotations

import cv2
import matplotlib.cbook
import matplotlib.image
import numpy as np
import skimage.data

# eye centres (image-left first) and the middle of the mouth, (x, y) in pixels
ASTRONAUT = {"eyes": [(203, 100), (245, 102)], "mouth": (222, 145)}
GRACE_HOPPER = {"eyes": [(225, 187), (305, 185)], "mouth": (265, 277)}
CAMERA = {"eyes": [(232, 147)], "mouth": (236, 182)}  # one eye shows, one is behind the camera


def astronaut_bgr() -> np.ndarray:
    return cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)


def grace_hopper_bgr() -> np.ndarray:
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        return cv2.cvtColor(matplotlib.image.imread(f), cv2.COLOR_RGB2BGR)


def camera_bgr() -> np.ndarray:
    return cv2.cvtColor(skimage.data.camera(), cv2.COLOR_GRAY2BGR)


FACE_PHOTOS = {
    "astronaut": (astronaut_bgr, ASTRONAUT),
    "grace_hopper": (grace_hopper_bgr, GRACE_HOPPER),
    "camera": (camera_bgr, CAMERA),
}


def _bgr(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8:
        image = np.clip(image.astype(np.float64) * (255.0 / max(float(image.max()), 1e-9)), 0, 255)
        image = image.astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2BGR)


NON_FACE_PHOTOS = (
    "coffee",
    "chelsea",
    "rocket",
    "brick",
    "clock",
    "coins",
    "horse",
    "immunohistochemistry",
    "logo",
    "moon",
    "page",
    "text",
    "gravel",
    "grass",
    "colorwheel",
    "cell",
    "shepp_logan_phantom",
    "hubble_deep_field",
)
"""scikit-image photos without a human face (Chelsea is a cat: an animal face is not one)."""


def non_face_bgr(name: str) -> np.ndarray:
    return _bgr(getattr(skimage.data, name)())


def lfw_subset(enlarge: int = 4, border: int = 30) -> list[np.ndarray]:
    """scikit-image's LFW subset as grey uint8 images: 100 faces, then 100 non-faces.

    The 25x25 crops are cut tight at the chin and the hairline; detectors want
    more context and more pixels, so each is enlarged ``enlarge`` times (cubic)
    and given a replicated border of ``border`` pixels: the face then spans
    ``border .. border + 25 * enlarge`` on both axes.
    """
    side = 25 * enlarge
    return [
        cv2.copyMakeBorder(
            cv2.resize((image * 255).astype(np.uint8), (side, side), interpolation=cv2.INTER_CUBIC),
            border,
            border,
            border,
            border,
            cv2.BORDER_REPLICATE,
        )
        for image in skimage.data.lfw_subset()
    ]


def face_centre(landmarks) -> np.ndarray:
    """Midway between the eyes' midpoint and the mouth."""
    eyes = np.mean(landmarks["eyes"], axis=0)
    return (eyes + np.asarray(landmarks["mouth"])) / 2


def inside(point, box, slack: float = 0.0) -> bool:
    """Whether ``point`` lies in ``box`` shrunk by ``slack`` of its size on each side."""
    x, y, w, h = box
    px, py = point
    return x + slack * w <= px <= x + (1 - slack) * w and y + slack * h <= py <= y + (1 - slack) * h


def rotated(image: np.ndarray, degrees: float) -> np.ndarray:
    """``image`` turned ``degrees`` counter-clockwise about its centre, border repeated."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)


def iou(a, b) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)
