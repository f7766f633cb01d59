"""What happens to a face before it reaches a model: the preset's colour handling.

A model whose config says ``grey`` sees every face as its luminance repeated in
the three channels (ITU-R BT.601 weights, as OpenCV's ``COLOR_RGB2GRAY``), in
training and in use alike, so that a colour webcam frame reaches an encoder
trained on grey FER2013 faces the way those faces did.
"""

from __future__ import annotations

import numpy as np

#: Luminance weights of R, G and B (ITU-R BT.601).
LUMA = (0.299, 0.587, 0.114)


def to_grey(images: np.ndarray) -> np.ndarray:
    """(n, H, W, 3) float images as their luminance repeated in three channels (float32)."""
    images = np.asarray(images, np.float32)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected (n, H, W, 3) RGB images, got shape {images.shape}")
    luma = images @ np.asarray(LUMA, np.float32)
    return np.repeat(luma[..., None], 3, axis=-1)


def to_grey_tensor(images):
    """:func:`to_grey` inside a TensorFlow graph (a training step)."""
    import tensorflow as tf

    luma = tf.tensordot(images, tf.constant(LUMA, images.dtype), axes=[[3], [0]])
    return tf.repeat(luma[..., None], 3, axis=-1)


def prepare(images: np.ndarray, config) -> np.ndarray:
    """Checked images (float32 in [-1, 1], the model's size) as the model with
    ``config`` sees them: grey when ``config.grey``, as they are otherwise."""
    return to_grey(images) if config.grey else images
