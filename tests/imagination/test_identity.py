"""Identity networks for L_ID: the VGG-Face .mat loader, the trained network, the entry point.

The loader is checked on a tiny file written here in vgg-face.mat's structure
(``layers`` cell array of structs, ``meta.normalization.averageImage``) against a
plain numpy implementation of MatConvNet's formulas, which pins the weights'
orientation (rows, cols, Cin, Cout; correlation, no flip).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io

keras = pytest.importorskip("keras")

from facedata.synthetic import make_dataset  # noqa: E402
from imagination.identity_network import (  # noqa: E402
    build_identity_network,
    identity_network,
    train_identity_network,
)
from imagination.vgg_face import VGG16_BLOCKS, MatConvNetError, load_vgg_face  # noqa: E402

MEAN = np.array([129.1862793, 104.76238251, 93.59396362])  # VGG-Face's average colour
WIDTHS = (3, 4, 5, 4, 3)  # channels per block of the tiny network


# -- a tiny vgg-face.mat ----------------------------------------------------------------
def _cell(items: list) -> np.ndarray:
    """A 1 x n MATLAB cell array for savemat."""
    cell = np.empty((1, len(items)), dtype=object)
    for i, item in enumerate(items):
        cell[0, i] = item
    return cell


def _tiny_layers(rng: np.random.Generator, old_style: bool = False) -> list[dict]:
    """VGG-16's layer list (conv1_1 .. fc8, prob) with few channels and random weights."""
    layers, c_in = [], 3
    for b, n_convs in enumerate(VGG16_BLOCKS):
        for k in range(n_convs):
            c_out = WIDTHS[b]
            # kernels that are not symmetric, so a transpose or flip would show
            f = rng.normal(0, 0.5, (3, 3, c_in, c_out)).astype(np.float32)
            bias = rng.normal(0, 0.1, (1, c_out)).astype(np.float32)
            conv = {
                "name": f"conv{b + 1}_{k + 1}",
                "type": "conv",
                "stride": np.array([[1, 1]]),
                "pad": np.array([[1, 1, 1, 1]]),
                "size": np.array([[3, 3, c_in, c_out]]),
                "dilate": np.array([[1, 1]]),
                "precious": False,
                "opts": _cell([]),
            }
            if old_style:
                conv.update(filters=f, biases=bias)
            else:
                conv["weights"] = _cell([f, bias])
            layers.append(conv)
            layers.append({"name": f"relu{b + 1}_{k + 1}", "type": "relu", "leak": 0.0})
            c_in = c_out
        layers.append(
            {
                "name": f"pool{b + 1}",
                "type": "pool",
                "method": "max",
                "pool": np.array([[2, 2]]),
                "stride": np.array([[2, 2]]),
                "pad": np.array([[0, 0, 0, 0]]),
            }
        )
    fc = rng.normal(0, 0.1, (1, 1, c_in, 4)).astype(np.float32)
    layers.append(
        {
            "name": "fc6",
            "type": "conv",
            "weights": _cell([fc, np.zeros((1, 4))]),
            "stride": np.array([[1, 1]]),
            "pad": np.array([[0, 0, 0, 0]]),
        }
    )
    layers.append({"name": "prob", "type": "softmax"})
    return layers


def write_tiny_vgg(path, seed: int = 0, old_style: bool = False, layers=None) -> list[dict]:
    """Write a vgg-face.mat look-alike (``net`` wrapper and old field names if
    ``old_style``); returns its layer dicts."""
    layers = _tiny_layers(np.random.default_rng(seed), old_style) if layers is None else layers
    normalization = {
        "averageImage": MEAN.reshape(1, 1, 3).astype(np.float32),
        "imageSize": np.array([[224, 224, 3]]),
        "interpolation": "bilinear",
        "keepAspect": True,
        "border": np.array([[0, 0]]),
    }
    classes = {"name": _cell(["A", "B", "C", "D"]), "description": _cell(["a", "b", "c", "d"])}
    if old_style:
        net = {"layers": _cell(layers), "normalization": normalization, "classes": classes}
        scipy.io.savemat(path, {"net": net})
    else:
        meta = {"normalization": normalization, "classes": classes}
        scipy.io.savemat(path, {"layers": _cell(layers), "meta": meta})
    return layers


def _numpy_trunk(images: np.ndarray, layers: list[dict], n_blocks: int) -> list[np.ndarray]:
    """MatConvNet's formulas in numpy: y(i,j,k) = b(k) + sum f(u,v,c,k) x(i+u-1, j+v-1, c)
    after zero padding; ReLU; 2x2/2 max pooling. Returns each block's last ReLU."""
    x = (images.astype(np.float64) + 1) * 127.5 - MEAN
    out = []
    for layer in layers:
        if len(out) == n_blocks:
            break
        if layer["type"] == "conv":
            f = np.asarray(layer["weights"][0, 0], np.float64)
            bias = np.asarray(layer["weights"][0, 1], np.float64).ravel()
            xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
            h, w = x.shape[1:3]
            y = np.zeros((*x.shape[:3], f.shape[3])) + bias
            for u in range(f.shape[0]):
                for v in range(f.shape[1]):
                    y += np.einsum("nijc,ck->nijk", xp[:, u : u + h, v : v + w], f[u, v])
            x = y
        elif layer["type"] == "relu":
            x = np.maximum(x, 0)
        elif layer["type"] == "pool":
            out.append(x)
            n, h, w, c = x.shape
            x = x[:, : h // 2 * 2, : w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c).max((2, 4))
    return out


@pytest.fixture(scope="module")
def tiny_mat(tmp_path_factory):
    """Path and layers of a tiny vgg-face.mat."""
    path = tmp_path_factory.mktemp("vgg") / "vgg-face.mat"
    return path, write_tiny_vgg(path)


def test_mat_layout_matches_vgg_face(tiny_mat):
    """The file written here has vgg-face.mat's variables and nesting."""
    path, _ = tiny_mat
    data = scipy.io.loadmat(path)
    assert {"layers", "meta"} <= set(data)
    first = data["layers"][0, 0][0, 0]
    assert first["name"][0] == "conv1_1" and first["weights"][0, 0].shape == (3, 3, 3, 3)
    avg = data["meta"][0, 0]["normalization"][0, 0]["averageImage"]
    assert avg.shape == (1, 1, 3)


@pytest.mark.parametrize("n_blocks", [5, 2])
def test_vgg_loader_matches_numpy_reference(tiny_mat, n_blocks):
    """Keras outputs equal MatConvNet's formulas on the file's arrays: orientation is right."""
    path, layers = tiny_mat
    model = load_vgg_face(path, image_size=32, n_blocks=n_blocks)
    assert not model.trainable
    x = np.random.default_rng(1).uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    got = model(x)
    want = _numpy_trunk(x, layers, n_blocks)
    assert isinstance(got, list) and len(got) == n_blocks
    for b, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.shape == (2, 32 >> b, 32 >> b, WIDTHS[b])
        g = np.asarray(g)
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-3 * np.abs(w).max())
    # a transposed or flipped (true convolution) kernel gives other numbers: the check has teeth
    f, b0 = layers[0]["weights"][0]
    for other in (f.transpose(1, 0, 2, 3), f[::-1, ::-1]):
        changed = [{**layers[0], "weights": _cell([np.ascontiguousarray(other), b0])}, *layers[1:]]
        assert not np.allclose(_numpy_trunk(x, changed, 1)[0], want[0], atol=1e-3)


def test_vgg_loader_reads_old_net_layout(tmp_path):
    """The older layout (a ``net`` struct, top-level normalization, filters/biases) loads."""
    path = tmp_path / "vgg_face.mat"
    layers = write_tiny_vgg(path, seed=3, old_style=True)
    for layer in layers:
        if "filters" in layer:  # the reference reads "weights"
            layer["weights"] = _cell([layer["filters"], layer["biases"]])
    x = np.random.default_rng(2).uniform(-1, 1, (1, 16, 16, 3)).astype(np.float32)
    got = load_vgg_face(path, image_size=16, n_blocks=3)(x)
    for g, w in zip(got, _numpy_trunk(x, layers, 3), strict=True):
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-4, atol=1e-3 * np.abs(w).max())


def test_vgg_loader_errors(tmp_path, tiny_mat):
    """Missing file, foreign bytes, a .mat that is no network, a missing conv layer."""
    with pytest.raises(FileNotFoundError):
        load_vgg_face(tmp_path / "absent.mat")
    junk = tmp_path / "junk.mat"
    junk.write_bytes(b"this is not a MATLAB file at all" * 10)
    with pytest.raises(MatConvNetError, match="not a MATLAB"):
        load_vgg_face(junk)
    foreign = tmp_path / "foreign.mat"
    scipy.io.savemat(foreign, {"x": np.ones(3)})
    with pytest.raises(MatConvNetError, match="not a MatConvNet network"):
        load_vgg_face(foreign)
    _, layers = tiny_mat
    holed = tmp_path / "holed.mat"
    write_tiny_vgg(
        holed, layers=[lay for lay in layers if lay["name"] not in ("conv3_3", "relu3_3")]
    )
    with pytest.raises(MatConvNetError, match="conv3_3"):
        load_vgg_face(holed, image_size=32)
    assert load_vgg_face(holed, image_size=32, n_blocks=2) is not None  # not needed: fine
    with pytest.raises(ValueError, match="n_blocks"):
        load_vgg_face(holed, n_blocks=6)


# -- the trained network ----------------------------------------------------------------
def test_build_identity_network_shapes():
    """Classifier gives subject probabilities; extractor a list of the blocks' maps."""
    classifier, extractor = build_identity_network(64, 7, width=0.25, n_blocks=5)
    x = np.zeros((2, 64, 64, 3), np.float32)
    assert classifier(x).shape == (2, 7)
    maps = extractor(x)
    assert [tuple(m.shape[1:3]) for m in maps] == [(64, 64), (32, 32), (16, 16), (8, 8), (4, 4)]
    assert [m.shape[3] for m in maps] == [4, 8, 16, 32, 32]


@pytest.fixture(scope="module")
def trained():
    """An identity network trained on 6 synthetic subjects (tiny, a few seconds)."""
    ds = make_dataset(6, clips_per_class=2, frames_per_clip=6, size=32, seed=5)
    model = train_identity_network(
        ds.images,
        ds.subjects,
        epochs=12,
        batch_size=32,
        width=0.5,
        n_blocks=4,
        groups=ds.clips,
        validation_split=0.25,
        seed=0,
    )
    return model


def test_trained_identity_network_names_subjects(trained):
    """Held-out clips: subject accuracy clearly above chance (1/6)."""
    report = trained.training_report
    assert report["chance"] == pytest.approx(1 / 6)
    assert report["n_held_out"] > 0
    assert report["accuracy"] > 0.6, report
    assert not trained.trainable
    maps = trained(np.zeros((3, 32, 32, 3), np.float32))
    assert [tuple(m.shape) for m in maps] == [
        (3, 32, 32, 8),
        (3, 16, 16, 16),
        (3, 8, 8, 32),
        (3, 4, 4, 64),
    ]


def test_train_rejects_bad_input():
    """Out-of-range floats, NaN and mismatched labels are clear errors."""
    x = np.zeros((4, 16, 16, 3), np.float32)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        train_identity_network(x + 5, ["a", "a", "b", "b"], epochs=1)
    with pytest.raises(ValueError, match="NaN"):
        train_identity_network(x * np.nan, ["a", "a", "b", "b"], epochs=1)
    with pytest.raises(ValueError, match="subject labels"):
        train_identity_network(x, ["a", "b"], epochs=1)


# -- the entry point --------------------------------------------------------------------
def test_identity_network_specs(tmp_path, tiny_mat, trained):
    """None/'off' -> None; .mat -> VGG; .keras -> loaded (safe mode); other -> errors."""
    assert identity_network(None, 32) is None
    assert identity_network("off", 32) is None
    path, _ = tiny_mat
    vgg = identity_network(str(path), 32, n_blocks=3)
    assert len(vgg.outputs) == 3 and not vgg.trainable
    saved = tmp_path / "identity.keras"
    trained.save(saved)
    loaded = identity_network(saved, 32)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    for a, b in zip(loaded(x), trained(x), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)
    assert not loaded.trainable
    vgg_saved = tmp_path / "vgg.keras"  # the VGG trunk round-trips through .keras too
    vgg.save(vgg_saved)
    for a, b in zip(identity_network(vgg_saved, 32)(x), vgg(x), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match=r"\(48, 48, 3\)"):
        identity_network(saved, 48)
    with pytest.raises(FileNotFoundError):
        identity_network(tmp_path / "nothing.keras", 32)
    with pytest.raises(ValueError, match="use None"):
        identity_network("trained", 32)
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a loadable"):
        identity_network(bad, 32)
    assert identity_network(trained, 32) is trained
