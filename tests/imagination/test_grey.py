"""Grey models (``CAAEConfig.grey``, the ``real`` preset): every face reaches the model in
grey levels, in training and in use alike."""

import numpy as np
import pytest

from imagination import CAAE, preset
from imagination.config import CAAEConfig
from imagination.preprocess import LUMA, to_grey, to_grey_tensor


def test_to_grey_by_hand():
    pixel = np.array([[[[1.0, -1.0, 0.0]]]], np.float32)
    expected = 0.299 * 1.0 + 0.587 * -1.0 + 0.114 * 0.0  # -0.288
    assert to_grey(pixel) == pytest.approx(np.full((1, 1, 1, 3), expected))
    # a grey image stays as it is (the weights sum to 1), and so does white and black
    assert sum(LUMA) == pytest.approx(1.0)
    grey = np.full((2, 4, 4, 3), 0.25, np.float32)
    np.testing.assert_allclose(to_grey(grey), grey, atol=1e-7)
    np.testing.assert_allclose(to_grey(np.ones((1, 2, 2, 3))), 1.0, atol=1e-6)
    with pytest.raises(ValueError, match="RGB"):
        to_grey(np.zeros((4, 4, 3)))


def test_the_tensor_version_agrees_with_numpy():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (3, 8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(to_grey_tensor(x).numpy(), to_grey(x), atol=1e-6)


def test_grey_is_a_checked_bool_and_round_trips():
    assert preset("real").grey and not preset("cpu").grey
    assert CAAEConfig.from_dict(preset("real").to_dict()) == preset("real")
    with pytest.raises(TypeError, match="grey must be a bool"):
        CAAEConfig(image_size=32, grey=1)


@pytest.fixture(scope="module")
def grey_model():
    return CAAE(preset("real", image_size=32, width=0.125))


def test_a_grey_model_sees_colour_faces_as_their_grey_levels(grey_model):
    rng = np.random.default_rng(1)
    colour = rng.uniform(-1, 1, (4, 32, 32, 3)).astype(np.float32)
    np.testing.assert_allclose(grey_model.prepare(colour), to_grey(colour), atol=1e-6)
    np.testing.assert_allclose(
        grey_model.encode(colour), grey_model.encode(to_grey(colour)), atol=1e-5
    )
    labels = np.arange(4) % 6
    np.testing.assert_allclose(
        grey_model.reconstruct(colour, labels),
        grey_model.reconstruct(to_grey(colour), labels),
        atol=1e-5,
    )
    # a colour model sees the colours
    colour_model = CAAE(preset("cpu", image_size=32, width=0.125))
    assert not np.allclose(colour_model.encode(colour), colour_model.encode(to_grey(colour)))


def test_a_grey_model_trains_on_grey_levels(grey_model):
    """The training step greys its batches: a colour batch and its grey version give the
    same losses."""
    import keras

    rng = np.random.default_rng(2)
    colour = rng.uniform(-1, 1, (6, 32, 32, 3)).astype(np.float32)
    labels = np.arange(6, dtype=np.int32)
    results = []
    for images in (colour, to_grey(colour)):
        keras.utils.set_random_seed(0)
        model = CAAE(preset("real", image_size=32, width=0.125, warmup_epochs=0))
        model.compile()
        results.append(model.train_on_batch(images, labels, return_dict=True))
    for name in ("loss_rec", "loss_cls", "loss_img_d"):
        assert results[0][name] == pytest.approx(results[1][name], rel=1e-4), name
