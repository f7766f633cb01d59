"""Pictures of imagined faces: each input beside its six translations (the paper's Fig. 2)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from facedata import CLASSES

_HEADER = 14  # pixels of the class-name row


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Images in [-1, 1] as 8-bit RGB."""
    return np.clip(np.rint((np.asarray(images) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def imagination_grid(inputs: np.ndarray, imagined: np.ndarray, *, gap: int = 2) -> np.ndarray:
    """One row per input: the input, a gap, then its translation to each class.

    ``inputs``: (n, H, W, 3) in [-1, 1]; ``imagined``: (n, n_classes, H, W, 3).
    Returns an 8-bit RGB picture with the class names on top.
    """
    n, n_classes = imagined.shape[:2]
    h, w = inputs.shape[1:3]
    width = (n_classes + 1) * w + (n_classes + 1) * gap
    sheet = np.full((_HEADER + n * (h + gap), width, 3), 255, np.uint8)
    names = ["input", *CLASSES[:n_classes]]
    for col, name in enumerate(names):
        x0 = col * (w + gap) + (gap if col else 0)
        cv2.putText(
            sheet,
            name[: max(1, w // 6)],
            (x0 + 1, _HEADER - 4),
            cv2.FONT_HERSHEY_PLAIN,
            0.7,
            (0, 0, 0),
            1,
            cv2.LINE_AA,
        )
    for row in range(n):
        y0 = _HEADER + row * (h + gap)
        sheet[y0 : y0 + h, :w] = to_uint8(inputs[row])
        for c in range(n_classes):
            x0 = (c + 1) * (w + gap) + gap
            sheet[y0 : y0 + h, x0 : x0 + w] = to_uint8(imagined[row, c])
    return sheet


def write_grid(path: str | Path, model, inputs: np.ndarray) -> Path:
    """Imagine ``inputs`` under every class with ``model`` and write the grid as PNG."""
    imagined = np.asarray(model.imagine(model.encode(inputs), classes=range(len(CLASSES))))
    sheet = imagination_grid(inputs, imagined)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}")
    return path
