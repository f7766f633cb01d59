"""VGG-Face as an identity network: the MatConvNet ``vgg-face.mat`` file read into Keras.

:func:`load_vgg_face` gives VGG-Face's conv trunk (the paper's identity network
for the identity loss L_ID; docs/algorithms.md, Imagination) as a frozen
:class:`keras.Model` that maps images in [-1, 1] to a list of feature maps. The
file is read with :func:`scipy.io.loadmat`; no weights can be downloaded here, so
it is given by path. :func:`imagination.identity_network.identity_network` chooses
between this and the other sources.

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


# -- VGG-Face as Keras layers ---------------------------------------------------------
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
