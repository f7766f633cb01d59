"""Identity networks for the CAAE's identity loss L_ID (docs/algorithms.md, Imagination).

An *identity network* is a frozen :class:`keras.Model` that maps images in [-1, 1]
of shape ``(n, H, W, 3)`` to a **list** of feature maps, the last activations of
its first conv blocks. The CAAE uses

    L_ID = sum over the maps of mean |f(x) - f(G(E(x), y))|

so that a translated face keeps the features that tell people apart. Three
sources, chosen through :func:`identity_network`:

- **VGG-Face** (the paper's choice) from the MatConvNet ``vgg-face.mat`` file, read
  with :func:`scipy.io.loadmat` (:func:`load_vgg_face`). No weights can be
  downloaded here, so the file is given by path.
- **A network trained here** on the subject labels of the pre-training data
  (:func:`build_identity_network`, :func:`train_identity_network`), saved as a
  ``.keras`` feature extractor and loaded back in safe mode.
- **Off** (``None``): no identity loss.

The MatConvNet file
-------------------
MatConvNet's SimpleNN models (``vgg-face.mat`` from the MatConvNet model page) hold
two variables: ``layers``, a 1 x N cell array of structs, and ``meta``, a struct
with ``classes`` and ``normalization`` (``averageImage``, the mean RGB colour on
the 0..255 scale, 1 x 1 x 3 for VGG-Face; ``imageSize``, 224 x 224 x 3). Each
layer struct has ``name`` and ``type``; a ``conv`` layer has ``weights`` (a 1 x 2
cell: filters H x W x Cin x Cout and biases), ``stride`` and ``pad`` ([top bottom
left right]); a ``pool`` layer has ``method``, ``pool``, ``stride`` and ``pad``.
Older files (the VGG site's ``vgg_face.mat``) wrap everything in one struct ``net``
and may keep ``normalization`` at its top level and the weights as separate
``filters`` and ``biases`` fields; both layouts are read.

MatConvNet's ``vl_nnconv`` computes y(i, j, k) = b(k) + sum f(u, v, c, k)
x(i + u - 1, j + v - 1, c): a cross-correlation with the first filter index
running over image rows, exactly what :class:`keras.layers.Conv2D` computes with
a kernel of shape (rows, cols, Cin, Cout). :func:`scipy.io.loadmat` keeps
MATLAB's index order, so the filters are used as they are: no transpose, no flip.
The tests check this against a plain numpy implementation of that formula.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

VGG16_BLOCKS: tuple[int, ...] = (2, 2, 3, 3, 3)
"""Convolutions per block of VGG-16 (and VGG-Face): conv1_1..conv1_2, ..., conv5_1..conv5_3."""

_CONV_NAME = re.compile(r"^conv(\d+)_(\d+)$")


class MatConvNetError(ValueError):
    """A file that is not a (usable) MatConvNet network."""


# -- reading MatConvNet structs ---------------------------------------------------------
def _one(value: Any) -> Any:
    """The single element of a 1 x 1 MATLAB wrapper (cell or struct array), else the value.

    ``scipy.io.loadmat`` (default options) returns every MATLAB value as an at least
    2-d array; a struct field holds a 1 x 1 object array around the real content.
    """
    while isinstance(value, np.ndarray) and value.dtype == object and value.size == 1:
        value = value.flat[0]
    return value


def _is_struct(value: Any) -> bool:
    """Whether ``value`` is a loaded MATLAB struct (a record array with field names)."""
    value = _one(value)
    return isinstance(value, np.ndarray | np.void) and value.dtype.names is not None


def _field(struct: Any, name: str, default: Any = None) -> Any:
    """Field ``name`` of a 1 x 1 MATLAB struct, unwrapped; ``default`` if it has none."""
    struct = _one(struct)
    if not _is_struct(struct) or name not in struct.dtype.names:
        return default
    if isinstance(struct, np.ndarray):
        if struct.size != 1:
            raise MatConvNetError(f"expected a 1 x 1 struct, got a struct array {struct.shape}")
        struct = struct.flat[0]
    return _one(struct[name])


def _string(value: Any) -> str:
    """A MATLAB char array as a Python string ("" for an empty one)."""
    value = _one(value)
    if isinstance(value, np.ndarray):
        return "".join(str(v) for v in value.ravel(order="F")) if value.size else ""
    return str(value)


def _cell(value: Any) -> list[Any]:
    """The elements of a MATLAB cell array (or of a struct array), in MATLAB order."""
    if isinstance(value, np.ndarray) and (value.dtype == object or value.dtype.names):
        return list(value.ravel(order="F"))
    return [value]


def _ints(value: Any, n: int, what: str) -> tuple[int, ...]:
    """A numeric MATLAB field as ``n`` ints: a scalar is repeated (MatConvNet's rule)."""
    arr = np.asarray(_one(value), dtype=float).ravel()
    if arr.size == 1:
        arr = np.repeat(arr, n)
    if arr.size != n:
        raise MatConvNetError(f"{what}: expected 1 or {n} values, got {arr.size}")
    return tuple(int(v) for v in arr)


def _read_mat(path: Path) -> dict[str, Any]:
    """``loadmat`` with clear errors for a file MATLAB/scipy cannot read."""
    from scipy.io import loadmat

    try:
        return loadmat(str(path))
    except NotImplementedError as exc:  # MATLAB v7.3 files are HDF5
        raise MatConvNetError(
            f"{path}: a MATLAB v7.3 (HDF5) file; save it with -v7 or use vgg-face.mat"
            " from the MatConvNet model page"
        ) from exc
    except Exception as exc:  # scipy raises ValueError/TypeError/... on foreign bytes
        raise MatConvNetError(f"{path} is not a MATLAB .mat file ({exc})") from exc


def _network_parts(data: dict[str, Any], path: Path) -> tuple[list[Any], Any]:
    """The layer structs and the ``normalization`` struct of a loaded MatConvNet file."""
    root: Any = data
    if "layers" not in data and "net" in data and _is_struct(data["net"]):
        root = _one(data["net"])

    def get(name: str) -> Any:
        return data.get(name) if root is data else _field(root, name)

    layers = get("layers")
    if layers is None:
        raise MatConvNetError(
            f"{path} is not a MatConvNet network: it has no 'layers' (or 'net.layers');"
            f" variables: {sorted(k for k in data if not k.startswith('__'))}"
        )
    normalization = get("normalization")
    if normalization is None:
        normalization = _field(get("meta"), "normalization")
    if normalization is None or not _is_struct(normalization):
        raise MatConvNetError(
            f"{path}: no 'meta.normalization' (or 'normalization') struct with the average image"
        )
    return [_one(layer) for layer in _cell(layers)], normalization


def _average_colour(normalization: Any, path: Path) -> np.ndarray:
    """The mean RGB colour (0..255) the network subtracts: the file's ``averageImage``
    as it is when it is a colour, its spatial mean when it is a whole image."""
    average = _field(normalization, "averageImage")
    if average is None:
        raise MatConvNetError(f"{path}: normalization has no 'averageImage'")
    average = np.asarray(average, dtype=np.float64)
    if average.size == 3:
        return average.reshape(3)
    if average.ndim == 3 and average.shape[-1] == 3:
        return average.reshape(-1, 3).mean(axis=0)
    raise MatConvNetError(f"{path}: averageImage of shape {average.shape} is not RGB")


def _conv_weights(layer: Any, name: str, c_in: int) -> tuple[np.ndarray, np.ndarray]:
    """Filters (H, W, Cin, Cout) float32 and biases (Cout,) of a conv layer struct."""
    weights = _field(layer, "weights")
    if weights is not None:
        parts = _cell(weights)
        if len(parts) != 2:
            raise MatConvNetError(f"layer {name}: 'weights' should hold filters and biases")
        filters, biases = parts
    else:  # older MatConvNet files
        filters, biases = _field(layer, "filters"), _field(layer, "biases")
        if filters is None:
            raise MatConvNetError(f"layer {name}: no 'weights' (or 'filters') field")
    filters = np.asarray(filters, dtype=np.float32)
    if filters.ndim > 4 or filters.ndim < 2:
        raise MatConvNetError(f"layer {name}: filters of shape {filters.shape}")
    filters = filters.reshape(filters.shape + (1,) * (4 - filters.ndim))  # MATLAB drops
    if filters.shape[2] != c_in:  # trailing singleton dimensions
        raise MatConvNetError(
            f"layer {name}: filters {filters.shape} expect {filters.shape[2]} input channels,"
            f" the layer gets {c_in}"
        )
    biases = np.asarray(biases, dtype=np.float32).ravel()
    if biases.size == 0:
        biases = np.zeros(filters.shape[3], np.float32)
    if biases.size != filters.shape[3]:
        raise MatConvNetError(f"layer {name}: {biases.size} biases for {filters.shape[3]} filters")
    return filters, biases


# -- VGG-Face ---------------------------------------------------------------------------
def _padded(x: Any, pad: tuple[int, ...], name: str) -> Any:
    """``x`` zero-padded by MatConvNet's [top bottom left right]."""
    if not any(pad):
        return x
    return keras.layers.ZeroPadding2D(((pad[0], pad[1]), (pad[2], pad[3])), name=f"{name}_pad")(x)


def _conv_layer(x: Any, layer: Any, name: str) -> Any:
    """A MatConvNet conv layer as Keras layers, its weights set from the file."""
    filters, biases = _conv_weights(layer, name, int(x.shape[-1]))
    stride = _ints(_field(layer, "stride", 1), 2, f"{name}.stride")
    pad = _ints(_field(layer, "pad", 0), 4, f"{name}.pad")
    dilate = _ints(_field(layer, "dilate", 1), 2, f"{name}.dilate")
    if dilate != (1, 1):
        raise MatConvNetError(f"layer {name}: dilated convolutions are not supported")
    kh, kw = filters.shape[:2]
    same = stride == (1, 1) and pad == ((kh - 1) // 2, kh // 2, (kw - 1) // 2, kw // 2)
    if not same:
        x = _padded(x, pad, name)
    conv = keras.layers.Conv2D(
        filters.shape[3], (kh, kw), strides=stride, padding="same" if same else "valid", name=name
    )
    y = conv(x)
    conv.set_weights([filters, biases])
    return y


def _pool_layer(x: Any, layer: Any, name: str) -> Any:
    """A MatConvNet pooling layer (max or average) as Keras layers."""
    method = _string(_field(layer, "method", "max")) or "max"
    size = _ints(_field(layer, "pool", 2), 2, f"{name}.pool")
    stride = _ints(_field(layer, "stride", 1), 2, f"{name}.stride")
    pad = _ints(_field(layer, "pad", 0), 4, f"{name}.pad")
    if method == "max":
        # zero padding equals MatConvNet's -inf padding after a ReLU (VGG pads none)
        return keras.layers.MaxPooling2D(size, stride, name=name)(_padded(x, pad, name))
    if method in ("avg", "average") and not any(pad):
        return keras.layers.AveragePooling2D(size, stride, name=name)(x)
    raise MatConvNetError(f"layer {name}: pooling {method!r} with pad {pad} is not supported")


def _check_vgg_names(convs: Sequence[str], n_blocks: int, path: Path) -> None:
    """Raise unless the convolutions read are exactly VGG-16's of the first ``n_blocks``."""
    expected = [f"conv{b + 1}_{k + 1}" for b in range(n_blocks) for k in range(VGG16_BLOCKS[b])]
    if list(convs) != expected:
        missing = [n for n in expected if n not in convs]
        extra = [n for n in convs if n not in expected]
        raise MatConvNetError(
            f"{path}: not the VGG-16 conv trunk expected of VGG-Face; missing layers"
            f" {missing or 'none'}, unexpected {extra or 'none'}, read in order {list(convs)}"
        )


def load_vgg_face(path: str | Path, image_size: int = 96, n_blocks: int = 5) -> keras.Model:
    """VGG-Face's conv trunk from MatConvNet's ``vgg-face.mat``, as a frozen identity network.

    The model takes images in [-1, 1], RGB, (n, image_size, image_size, 3), maps them
    to what VGG-Face was trained on (0..255 RGB minus the file's average colour) and
    returns a list of ``n_blocks`` maps: the ReLU outputs of conv1_2, conv2_2,
    conv3_3, conv4_3, conv5_3 (block b at image_size / 2**(b-1)). The trunk is fully
    convolutional, so it runs at the CAAE's size rather than VGG-Face's 224: cheaper,
    and the L1 distances between features still compare the same filters' responses.

    Raises FileNotFoundError for a missing file and :class:`MatConvNetError` (a
    ValueError) for a file that is not a MatConvNet network or lacks VGG-16's layers.
    """
    path = Path(path)
    if not 1 <= n_blocks <= len(VGG16_BLOCKS):
        raise ValueError(f"n_blocks must be 1..{len(VGG16_BLOCKS)}, got {n_blocks}")
    if image_size < 2**n_blocks:
        raise ValueError(f"image_size {image_size} is too small for {n_blocks} pooled blocks")
    if not path.is_file():
        raise FileNotFoundError(f"no VGG-Face file at {path} (vgg-face.mat from MatConvNet)")
    layers, normalization = _network_parts(_read_mat(path), path)
    mean = _average_colour(normalization, path)

    inputs = keras.Input((image_size, image_size, 3), name="image")
    x = keras.layers.Rescaling(127.5, offset=[float(127.5 - m) for m in mean], name="to_vgg")(
        inputs
    )
    outputs: list[Any] = []
    convs: list[str] = []
    for index, layer in enumerate(layers):
        if len(outputs) == n_blocks:
            break
        kind = _string(_field(layer, "type"))
        name = _string(_field(layer, "name")) or f"layer{index + 1}"
        if kind == "conv":
            if not _CONV_NAME.match(name):  # fc6.. are convs too: the trunk ended early
                break
            convs.append(name)
            x = _conv_layer(x, layer, name)
        elif kind == "relu":
            x = keras.layers.ReLU(name=name)(x)
        elif kind == "pool":
            outputs.append(x)  # a block's last activation is what enters its pooling
            if len(outputs) < n_blocks:
                x = _pool_layer(x, layer, name)
        elif kind in ("dropout",):
            continue  # identity at inference
        else:
            raise MatConvNetError(f"{path}: layer {name} of type {kind!r} is not supported")
    if len(outputs) < n_blocks and convs and len(outputs) == n_blocks - 1:
        outputs.append(x)  # a file that ends with the last block's ReLU
    _check_vgg_names(convs, n_blocks, path)
    if len(outputs) != n_blocks:
        raise MatConvNetError(f"{path}: found {len(outputs)} pooled blocks, need {n_blocks}")
    model = keras.Model(inputs, outputs, name="vgg_face_identity")
    model.trainable = False
    return model


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


def _as_images(images: Any) -> np.ndarray:
    """Images as float32 in [-1, 1] (uint8 0..255 converted), with clear errors."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be (n, H, W, 3), got {images.shape}")
    if images.dtype == np.uint8:
        return images.astype(np.float32) * np.float32(2 / 255) - 1
    images = images.astype(np.float32)
    if not np.isfinite(images).all():
        raise ValueError("images contain NaN or infinite values")
    if images.size and (images.min() < -1.001 or images.max() > 1.001):
        raise ValueError("float images must lie in [-1, 1] (uint8 images are converted)")
    return images


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
    x = _as_images(images)
    subjects = np.asarray(subjects).astype(str)
    if len(subjects) != len(x):
        raise ValueError(f"{len(x)} images but {len(subjects)} subject labels")
    names, y = np.unique(subjects, return_inverse=True)
    if image_size is not None and image_size != x.shape[1]:
        x = keras.ops.convert_to_numpy(
            keras.ops.image.resize(x, (image_size, image_size), antialias=True)
        )
    size = int(x.shape[1])
    held = _split(subjects, None if groups is None else np.asarray(groups).astype(str),
                  validation_split, seed)  # fmt: skip
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
        raise ValueError(f"{source}: takes images {shape}, the CAAE gives ({image_size}, "
                         f"{image_size}, 3)")  # fmt: skip
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
