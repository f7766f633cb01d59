"""Checks of what reaches an imagination model: face images, class labels and codes.

Each check returns its input in the form the model computes with, or raises an
error that says what was expected and what came:

- :func:`check_images`: face images as float32 (n, S, S, 3) RGB in [-1, 1]. uint8
  images are converted by ``x / 127.5 - 1`` (0 -> -1, 255 -> 1); other integer
  types, values outside [-1, 1] (0..255 floats), NaN or infinity, the wrong size
  or channel count are errors. The one check of face arrays in the project: the
  CAAE's inputs, the identity network's training images and a person's face
  crops (:class:`clifer.personal_model.PersonalModel`) all go through it.
- :func:`check_labels`: integer class ids, one per image.
- :func:`check_latent`: codes z of the encoder's size.

A wrong dtype raises :class:`InputTypeError`, a TypeError that is also a
ValueError, so that a caller who treats every bad input as a ValueError catches it
too; anything else raises ValueError.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: How far outside [-1, 1] float images may stray (round-off) before it is an error.
RANGE_TOLERANCE = 1e-3


class InputTypeError(TypeError, ValueError):
    """An input of the wrong type (a string array, integers that are not uint8 images, ...)."""


def check_images(
    images: Any, size: int | None = None, name: str = "images", *, single: bool = False
) -> np.ndarray:
    """``images`` as float32 (n, S, S, 3) in [-1, 1], or a clear error.

    ``size``: the side S the images must have (a model's ``config.image_size``), or
    None for square images of any side. ``single``: one image (S, S, 3) is a batch
    of one; otherwise it is an error that says to add the batch axis. uint8 images
    are converted by ``x / 127.5 - 1``; other integer or boolean types raise
    :class:`InputTypeError`; a wrong shape, no images, NaN / infinity or values
    outside [-1, 1] (by more than :data:`RANGE_TOLERANCE`) raise ValueError.
    """
    arr = np.asarray(images)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)):
        raise InputTypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if size is None:
        expected = "(n, S, S, 3): a batch of square RGB face crops of any side S"
    else:
        expected = f"(n, {size}, {size}, 3): a batch of RGB images of side {size}"
    if arr.ndim == 3 and single:
        arr = arr[None]
    elif arr.ndim == 3 and arr.shape[0] == arr.shape[1] and arr.shape[2] == 3:
        if size in (None, arr.shape[0]):
            raise ValueError(
                f"{name} must have shape {expected}; got one image {arr.shape}: use {name}[None]"
            )
    side = size if size is not None else (arr.shape[1] if arr.ndim == 4 else -1)
    if arr.ndim != 4 or arr.shape[1:] != (side, side, 3):
        hint = ""
        if arr.ndim == 4 and arr.shape[1] in (1, 3) and arr.shape[-1] not in (1, 3):
            hint = " (channels first? transpose to (n, H, W, 3))"
        elif arr.ndim == 4 and arr.shape[1:3] == (side, side):
            hint = f" ({arr.shape[-1]} channels; RGB has 3)"
        elif arr.ndim == 4 and size is None:
            hint = f" (images of {arr.shape[1]}x{arr.shape[2]}: not square)"
        elif arr.ndim == 4:
            hint = f" (images of {arr.shape[1]}x{arr.shape[2]}; this model takes {size}x{size})"
        raise ValueError(f"{name} must have shape {expected}; got {arr.shape}{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"no {name} given: an empty batch of shape {arr.shape}")
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
    if not np.issubdtype(arr.dtype, np.floating):
        raise InputTypeError(
            f"{name} must be floats in [-1, 1] or uint8 in 0..255, got dtype {arr.dtype}"
        )
    arr = arr.astype(np.float32, copy=False)
    finite = np.isfinite(arr)
    if not finite.all():
        bad = int(arr.size - np.count_nonzero(finite))
        raise ValueError(f"{name} contain {bad} NaN or infinite values; expected floats in [-1, 1]")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < -1 - RANGE_TOLERANCE or hi > 1 + RANGE_TOLERANCE:
        raise ValueError(
            f"{name} must be floats in [-1, 1] (or uint8 0..255, converted by x / 127.5 - 1);"
            f" got values in [{lo:g}, {hi:g}]"
            + (": for 0..255 floats use x / 127.5 - 1" if hi > 2 else "")
        )
    return np.clip(arr, -1.0, 1.0)


def check_labels(labels: Any, n: int, n_classes: int, name: str = "labels") -> np.ndarray:
    """``labels`` as int32 (n,) class ids in 0..n_classes-1, or a clear error.

    A single int is repeated n times; floats must hold whole numbers.
    """
    arr = np.asarray(labels)
    if arr.dtype == object or arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise InputTypeError(f"{name} must be integer class ids, got dtype {arr.dtype}")
    if arr.ndim == 0:
        arr = np.full(n, arr)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of {n} class ids; got shape {arr.shape}")
    if len(arr) != n:
        raise ValueError(f"got {len(arr)} {name} for {n} images; expected one per image")
    if not np.issubdtype(arr.dtype, np.integer):
        if not (np.isfinite(arr).all() and (arr == np.round(arr)).all()):
            raise InputTypeError(f"{name} must be integer class ids, got non-integer values")
    if n and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(
            f"{name} must be class ids in 0..{n_classes - 1}; got values in "
            f"[{arr.min()}, {arr.max()}]"
        )
    return arr.astype(np.int32)


def check_latent(z: Any, latent_dim: int) -> np.ndarray:
    """``z`` as float32 (n, latent_dim) finite codes, or a clear error (a 1-D z is one code)."""
    arr = np.asarray(z)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise InputTypeError(f"z must be a numeric array, got dtype {arr.dtype}")
    arr = arr.astype(np.float32)
    if arr.ndim == 1 and arr.shape[0] == latent_dim:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != latent_dim or arr.shape[0] == 0:
        raise ValueError(f"z must have shape (n, {latent_dim}); got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("z contains NaN or infinite values")
    return arr
