"""The shipped ``cpu`` imagination model: it loads by default and is measured against the
quality bars (imagination.evaluate.BARS) on synthetic subjects generated afresh, never seen in
training."""

import hashlib
import io
import zipfile

import numpy as np
import pytest

from imagination import CAAE, load_pretrained, preset
from imagination.evaluate import EVAL_SEED, FEATURE_BAR, evaluate_quality
from imagination.pretrained import WEIGHTS_DIR, pretrained_path, shipped

MAX_BYTES = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def report():
    # subjects of a seed neither the training (seed 0) nor the documented figures use
    return evaluate_quality(load_pretrained("cpu"), n_subjects=12, seed=EVAL_SEED + 1)


def test_the_cpu_model_ships_small_and_loads():
    assert "cpu" in shipped()
    path = pretrained_path("cpu")
    assert path.parent == WEIGHTS_DIR and path.stat().st_size <= MAX_BYTES
    model = load_pretrained()
    cpu = preset("cpu")
    assert isinstance(model, CAAE)
    for field in ("image_size", "width", "latent_dim", "n_classes"):
        assert getattr(model.config, field) == getattr(cpu, field)
    assert model.identity_network is None and not model.compiled
    # the encoder's codes are what CLIFER learns from: finite, in tanh's range
    z = model.encode(np.zeros((2, 64, 64, 3), np.float32))
    assert z.shape == (2, 50) and np.all(np.abs(z) <= 1)


@pytest.mark.parametrize("name", ["cpu", "real"])
def test_every_array_of_a_shipped_file_reaches_the_model(name):
    """The weights stored in the archive, read with h5py, are the loaded model's weights,
    one for one: no layer of the file is skipped (renaming a layer class changes the
    group it is stored under) and none of the model stays at its initial values."""
    import h5py

    def digest(array) -> tuple:
        array = np.ascontiguousarray(array)
        return array.shape, hashlib.sha256(array.tobytes()).hexdigest()

    stored = []

    def keep(_, item) -> None:
        if isinstance(item, h5py.Dataset):
            stored.append(digest(item[()]))

    with zipfile.ZipFile(pretrained_path(name)) as archive:
        weights = io.BytesIO(archive.read("model.weights.h5"))
    with h5py.File(weights, "r") as h5:
        h5.visititems(keep)
    loaded = [digest(w.numpy()) for w in load_pretrained(name).weights]
    assert len(stored) > 50
    assert sorted(stored) == sorted(loaded)


@pytest.mark.slow
def test_the_cpu_model_reconstructs_and_keeps_the_person(report):
    assert report.real_expression_accuracy >= 0.9  # the judges themselves are sound
    assert report.reconstruction_l1 < 0.5 * report.mean_image_l1
    assert report.identity_kept >= 0.8


@pytest.mark.slow
def test_the_cpu_model_imagines_the_target_expressions(report):
    assert report.expression_ratio >= 0.8


@pytest.mark.slow
def test_the_cpu_model_codes_separate_one_persons_expressions(report):
    # what CLIFER's memories learn from: within a person, the nearest code of another
    # clip names the expression (chance 1/6)
    assert report.feature_nn >= FEATURE_BAR


# ----------------------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def real():
    return load_pretrained("real")


def test_the_real_model_ships_small_and_loads_grey(real):
    assert {"cpu", "real"} <= set(shipped())
    assert pretrained_path("real").stat().st_size <= MAX_BYTES
    expected = preset("real")
    for field in ("image_size", "width", "latent_dim", "n_classes", "expression_dims", "grey"):
        assert getattr(real.config, field) == getattr(expected, field)
    assert real.config.grey and real.identity_network is None and not real.compiled
    rng = np.random.default_rng(0)
    colour = rng.uniform(-1, 1, (3, 64, 64, 3)).astype(np.float32)
    grey = colour @ np.array([0.299, 0.587, 0.114], np.float32)
    np.testing.assert_allclose(
        real.encode(colour), real.encode(np.repeat(grey[..., None], 3, -1)), atol=1e-5
    )
    imagined = real.imagine(real.encode(colour))
    assert imagined.shape == (3, 6, 64, 64, 3)


def test_the_default_model_is_cpu_for_synthetic_faces_and_real_otherwise():
    from imagination.pretrained import default_model, describe

    assert default_model() == default_model("synthetic") == "cpu"
    assert default_model("ravdess") == default_model("own") == "real"
    assert describe(pretrained_path("real")) == "real (shipped, imagination/weights/real.keras)"
    assert describe("runs/x/inference.keras") == "runs/x/inference.keras"


@pytest.mark.slow
def test_the_real_model_reconstructs_real_faces(real):
    """Real faces it never saw (the LFW subset shipped with scikit-image, 25x25 grey,
    cropped tighter than the model's crops): its reconstructions are clearly nearer to
    them than their mean face is (the shipped model: L1 0.214 against 0.286)."""
    import cv2
    from skimage.data import lfw_subset

    faces = lfw_subset()[:100]  # the first hundred are faces
    x = np.stack([cv2.resize(f, (64, 64), interpolation=cv2.INTER_CUBIC) for f in faces])
    x = np.repeat(np.clip(x * 2 - 1, -1, 1)[..., None], 3, -1).astype(np.float32)
    rec = real.reconstruct(x, np.zeros(len(x), int))
    ours = np.abs(rec - x).mean()
    mean_face = np.abs(x.mean(axis=0)[None] - x).mean()
    assert ours < 0.8 * mean_face, (ours, mean_face)


def test_a_model_of_another_preset_or_a_damaged_file_is_a_clear_error(tmp_path):
    from imagination import load
    from imagination.pretrained import check_preset

    cpu = load_pretrained("cpu")
    with pytest.raises(ValueError, match=r"is not a 'real' model: grey False \(the preset: True\)"):
        check_preset(cpu, "real", "weights/real.keras")
    check_preset(cpu, "cpu")
    data = pretrained_path("real").read_bytes()
    cut = tmp_path / "cut.keras"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"not a \.keras model archive|damaged"):
        load(cut)
    # a whole archive whose weights are damaged: zip entries rewritten with garbage
    import zipfile

    broken = tmp_path / "broken.keras"
    with zipfile.ZipFile(pretrained_path("real")) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            payload = src.read(item)
            if item.filename.endswith(".h5"):
                payload = b"\x89HDF\r\n" + bytes(len(payload) - 6)
            dst.writestr(item, payload)
    with pytest.raises(ValueError, match=r"damaged|could not be read"):
        load(broken)
