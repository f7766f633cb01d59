"""Identity networks for the CAAE's identity loss L_ID (docs/algorithms.md, Imagination).

An *identity network* is a frozen :class:`keras.Model` that maps images in [-1, 1]
of shape ``(n, H, W, 3)`` to a **list** of feature maps, the last activations of
its first conv blocks. The CAAE uses

    L_ID = sum over the maps of mean |f(x) - f(G(E(x), y))|

so that a translated face keeps the features that tell people apart. Three
sources, chosen through :func:`identity_network`:

- **VGG-Face** (the paper's choice) from the MatConvNet ``vgg-face.mat`` file
  (:func:`imagination.vgg_face.load_vgg_face`).
- **A network trained here** on the subject labels of the pre-training data
  (:func:`build_identity_network`, :func:`train_identity_network`), saved as a
  ``.keras`` feature extractor and loaded back in safe mode.
- **Off** (``None``): no identity loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from .inputs import check_images
from .vgg_face import load_vgg_face


# -- the identity network trained here --------------------------------------------------
def _block_filters(width: float, n_blocks: int) -> list[int]:
    """Filters per block: 16, 32, 64, 128, 128 times ``width`` (at least 4)."""
    return [max(4, round(width * min(16 * 2**b, 128))) for b in range(n_blocks)]


def build_identity_network(
    image_size: int, n_subjects: int, width: float = 1.0, n_blocks: int = 5
) -> tuple[keras.Model, keras.Model]:
    """A small VGG-like subject classifier and its feature extractor (shared layers).

    Blocks of conv3x3-ReLU, conv3x3-ReLU, 2x2 max pooling (filters
    :func:`_block_filters`); the head averages the last block spatially, then a
    softmax over ``n_subjects``. Returns ``(classifier, extractor)``: train the
    first, hand the second (images in [-1, 1] -> list of the blocks' last ReLU
    maps, block b at image_size / 2**(b-1)) to the CAAE.
    """
    if n_subjects < 2:
        raise ValueError("an identity network needs at least 2 subjects")
    if not 1 <= n_blocks <= 5 or image_size < 2 ** (n_blocks - 1):
        raise ValueError(f"n_blocks must be 1..5 and fit image_size {image_size}")
    inputs = keras.Input((image_size, image_size, 3), name="image")
    x, maps = inputs, []
    for b, filters in enumerate(_block_filters(width, n_blocks)):
        if b:
            x = keras.layers.MaxPooling2D(2, name=f"pool{b}")(x)
        for k in (1, 2):
            x = keras.layers.Conv2D(
                filters, 3, padding="same", activation="relu", name=f"conv{b + 1}_{k}"
            )(x)
        maps.append(x)
    pooled = keras.layers.GlobalAveragePooling2D(name="pool_features")(x)
    probs = keras.layers.Dense(n_subjects, activation="softmax", name="subject")(pooled)
    classifier = keras.Model(inputs, probs, name="identity_classifier")
    extractor = keras.Model(inputs, maps, name="identity_features")
    return classifier, extractor


def _split(
    subjects: np.ndarray, groups: np.ndarray | None, fraction: float, seed: int
) -> np.ndarray:
    """A boolean held-out mask: ``fraction`` of each subject's groups (clips) when given,
    else of its frames, at least one and never all."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(subjects), bool)
    units = groups if groups is not None else np.arange(len(subjects)).astype(str)
    for subject in np.unique(subjects):
        own = np.unique(units[subjects == subject])
        if len(own) < 2:
            continue
        k = min(len(own) - 1, max(1, round(fraction * len(own))))
        chosen = rng.choice(own, k, replace=False)
        held |= (subjects == subject) & np.isin(units, chosen)
    return held


def train_identity_network(
    images: Any,
    subjects: Sequence[Any] | np.ndarray,
    image_size: int | None = None,
    epochs: int = 20,
    batch_size: int = 64,
    seed: int = 0,
    width: float = 1.0,
    validation_split: float = 0.2,
    *,
    n_blocks: int = 5,
    groups: Sequence[Any] | np.ndarray | None = None,
    learning_rate: float = 1e-3,
    verbose: int = 0,
) -> keras.Model:
    """Train :func:`build_identity_network` to name the subjects; return its frozen extractor.

    ``images``: (n, H, W, 3) in [-1, 1] (or uint8), resized to ``image_size`` when that
    is given and differs; ``subjects``: one id per image. ``validation_split`` of
    each subject's frames is held out (whole clips when ``groups``, e.g. the
    dataset's clip ids, are given: frames of one clip are near-duplicates). The
    extractor's ``training_report`` attribute (a dict) holds the held-out subject
    accuracy (``accuracy``), ``chance`` (1 / number of subjects), ``subjects`` and
    the training accuracy; deterministic for a ``seed``.
    """
    x = check_images(images, name="images")
    subjects = np.asarray(subjects).astype(str)
    if len(subjects) != len(x):
        raise ValueError(f"{len(x)} images but {len(subjects)} subject labels")
    names, y = np.unique(subjects, return_inverse=True)
    if image_size is not None and image_size != x.shape[1]:
        x = keras.ops.convert_to_numpy(
            keras.ops.image.resize(x, (image_size, image_size), antialias=True)
        )
    size = int(x.shape[1])
    held = _split(
        subjects, None if groups is None else np.asarray(groups).astype(str), validation_split, seed
    )
    keras.utils.set_random_seed(seed)
    classifier, extractor = build_identity_network(size, len(names), width, n_blocks)
    classifier.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,  # XLA is ~14x slower on these CPUs
    )
    history = classifier.fit(
        x[~held], y[~held], batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose
    )
    accuracy = float("nan")
    if held.any():
        predicted = classifier.predict(x[held], batch_size=256, verbose=0).argmax(axis=1)
        accuracy = float((predicted == y[held]).mean())
    extractor.trainable = False
    extractor.training_report = {
        "accuracy": accuracy,
        "chance": 1.0 / len(names),
        "train_accuracy": float(history.history["accuracy"][-1]),
        "n_held_out": int(held.sum()),
        "subjects": [str(n) for n in names],
        "epochs": epochs,
    }
    return extractor


# -- the entry point --------------------------------------------------------------------
def _checked(model: keras.Model, image_size: int, source: str) -> keras.Model:
    """``model`` frozen, after checking it is an identity network for ``image_size``."""
    shape = tuple(model.inputs[0].shape[1:]) if model.inputs else None
    if shape is None or shape[-1] != 3 or any(d not in (None, image_size) for d in shape[:2]):
        raise ValueError(
            f"{source}: takes images {shape}, the CAAE gives ({image_size}, {image_size}, 3)"
        )
    if not isinstance(model.outputs, list) or not all(len(o.shape) == 4 for o in model.outputs):
        raise ValueError(f"{source}: an identity network must output a list of feature maps")
    model.trainable = False
    return model


def identity_network(spec: Any, image_size: int, **kw: Any) -> keras.Model | None:
    """The identity network the CAAE's L_ID uses, from a spec; None turns L_ID off.

    ``spec``: None or ``"off"`` -> None; a path to a ``.mat`` -> :func:`load_vgg_face`
    (``kw`` such as ``n_blocks`` go to it); a path to a ``.keras`` feature extractor
    (e.g. a saved :func:`train_identity_network` result) -> loaded in safe mode; a
    :class:`keras.Model` -> used as is. The result is frozen and checked to take
    (image_size, image_size, 3) images and give a list of maps.
    """
    if spec is None or (isinstance(spec, str) and spec.strip().lower() in ("off", "none", "")):
        return None
    if isinstance(spec, keras.Model):
        return _checked(spec, image_size, "identity model")
    if not isinstance(spec, str | Path):
        raise TypeError(f"identity spec must be None, 'off', a path or a keras.Model: {spec!r}")
    path = Path(spec)
    suffix = path.suffix.lower()
    if suffix not in (".mat", ".keras"):
        raise ValueError(
            f"identity spec {str(spec)!r}: use None/'off', a MatConvNet .mat file (VGG-Face)"
            " or a .keras feature extractor (train one with train_identity_network)"
        )
    if not path.is_file():
        raise FileNotFoundError(f"no identity network file at {path}")
    if suffix == ".mat":
        return _checked(load_vgg_face(path, image_size, **kw), image_size, str(path))
    if kw:
        raise TypeError(f"options {sorted(kw)} apply to .mat files only")
    try:
        model = keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:
        raise ValueError(f"{path} is not a loadable .keras model ({exc})") from exc
    return _checked(model, image_size, str(path))
