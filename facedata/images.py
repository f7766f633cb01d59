"""Reading still images into the 8-bit BGR frames the face pipeline takes.

Researchers' images come in every form a camera, a scanner or an export tool
writes: grey, grey with alpha, RGB, RGBA, 8 or 16 bits, floating point. Each
usable form is converted, and the conversion named so that the load report
can count it, rather than the image dropped:

* grey (one channel) -> the grey repeated in the three channels;
* with alpha (grey+alpha, RGBA) -> composited on mid-grey (128): transparent
  parts become a flat neutral background, not the undefined colours a file
  keeps under alpha 0, and no hard black or white edge is drawn around a
  cut-out face;
* 16 bits -> 8 bits (``round(v / 257)``, so 65535 is 255); floating point ->
  8 bits (values in [0, 1] scaled by 255, others clipped to [0, 255]);
* an image smaller than the crop is used and enlarged; one whose smaller side
  is under :data:`MIN_SIDE` pixels is refused (no detector finds a face that
  small and the crop would be all interpolation).

The file is read as bytes and decoded from memory (paths in any script, on
any platform). JPEG files are decoded with their EXIF orientation applied
(phone photos are often stored sideways); other formats as stored, with their
alpha and depth. A file that does not decode, or is truncated, is an
:class:`ImageError` (the decoder tells: OpenCV 4.14, tested here, refuses a JPEG,
PNG, BMP, TIFF or WebP cut short; an older one may give a JPEG's part before the cut).
"""

from __future__ import annotations

import os

import cv2
import numpy as np

MIN_SIDE = 20
"""The smallest usable image side in pixels (Haar's window is 24, MTCNN's smallest
face about 20; a FER2013 crop is 48)."""

UNREADABLE = "unreadable image"
TOO_SMALL = "image too small"

GREY = "grey image -> RGB"
ALPHA = "image with alpha -> RGB on grey"
DEEP = "16-bit image -> 8-bit"
FLOAT = "floating-point image -> 8-bit"
ENLARGED = "image smaller than the crop (enlarged)"

_BACKGROUND = 128.0


class ImageError(ValueError):
    """An image that cannot be used; ``reason`` is the load report's skip reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


def decode(data: bytes) -> np.ndarray | None:
    """The image in ``data`` as OpenCV decodes it (any depth, alpha kept except for
    JPEG, which gets its EXIF orientation instead), or None when it does not decode."""
    buffer = np.frombuffer(data, np.uint8)
    if not buffer.size:
        return None
    jpeg = data[:3] == b"\xff\xd8\xff"
    flags = cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH if jpeg else cv2.IMREAD_UNCHANGED
    try:
        image = cv2.imdecode(buffer, flags)
    except cv2.error:
        return None
    return image if image is not None and image.size else None


def to_bgr8(image: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """An 8-bit, three-channel BGR copy of a decoded image, and the conversions made.

    Raises :class:`ImageError` for a shape or type that is not an image.
    """
    notes: list[str] = []
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (2, 3, 4)):
        raise ImageError(UNREADABLE, f"not an image: array of shape {image.shape}")
    values: np.ndarray = image
    if image.dtype == np.uint16:
        values = image / 257.0
        notes.append(DEEP)
    elif image.dtype.kind == "f":
        values = np.nan_to_num(image.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
        if values.size and values.max() <= 1.0:
            values = values * 255.0
        notes.append(FLOAT)
    elif image.dtype != np.uint8:
        raise ImageError(UNREADABLE, f"pixels of type {image.dtype} (expected 8 or 16 bits)")
    channels = 1 if values.ndim == 2 else values.shape[2]
    if channels in (2, 4):
        alpha = np.clip(values[:, :, -1:] / 255.0, 0.0, 1.0)
        values = values[:, :, :-1] * alpha + _BACKGROUND * (1.0 - alpha)
        channels -= 1
        notes.append(ALPHA)
    if values.dtype != np.uint8:
        values = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    if channels == 1:
        values = cv2.cvtColor(values.reshape(values.shape[:2]), cv2.COLOR_GRAY2BGR)
        notes.append(GREY)
    return np.ascontiguousarray(values), notes


def read_image(
    path: str | os.PathLike, crop_size: int | None = None
) -> tuple[np.ndarray, list[str]]:
    """The image at ``path`` as 8-bit BGR, and the conversions it needed (see the
    module's text); ``crop_size`` adds :data:`ENLARGED` when the image is smaller.

    Raises :class:`ImageError` (reason :data:`UNREADABLE` or :data:`TOO_SMALL`).
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ImageError(UNREADABLE, f"cannot read the file ({exc.strerror or exc})") from None
    image = decode(data)
    if image is None:
        what = "an empty file" if not data else f"{len(data)} bytes that do not decode"
        raise ImageError(UNREADABLE, f"{what} (damaged, truncated or not an image)")
    image, notes = to_bgr8(image)
    height, width = image.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ImageError(TOO_SMALL, f"{width}x{height} pixels, under {MIN_SIDE} on a side")
    if crop_size is not None and min(height, width) < crop_size:
        notes.append(ENLARGED)
    return image, notes
