"""The config, the five builders, the label tiling and the loss terms, checked by hand."""

import dataclasses
import hashlib

import keras
import numpy as np
import pytest

from imagination import losses
from imagination.config import PRESETS, CAAEConfig, preset
from imagination.models import (
    LabelTiling,
    build_classifier,
    build_encoder,
    build_expression_head,
    build_generator,
    build_image_discriminator,
    build_latent_discriminator,
    tile_labels,
)

BUILDERS = (
    build_encoder,
    build_generator,
    build_image_discriminator,
    build_latent_discriminator,
    build_classifier,
)


def expected_shapes(cfg):
    """Input and output shapes of each builder's model for ``cfg``."""
    s, d = cfg.image_size, cfg.latent_dim
    image = (None, s, s, 3)
    return {
        "encoder": ([image], (None, d)),
        "generator": ([(None, d), (None,)], image),
        "image_discriminator": ([image, (None,)], (None, 1)),
        "latent_discriminator": ([(None, d)], (None, 1)),
        "classifier": ([image], (None, cfg.n_classes)),
    }


# ----------------------------------------------------------------------------- config


def test_presets():
    assert PRESETS["paper"].image_size == 96 and PRESETS["paper"].width == 1.0
    assert PRESETS["cpu"].image_size == 64 and PRESETS["cpu"].width <= 0.5
    paper = PRESETS["paper"]
    weights = (
        paper.rec_weight,
        paper.id_weight,
        paper.z_weight,
        paper.img_weight,
        paper.cls_weight,
        paper.tv_weight,
    )
    assert weights == (1.0, 0.33, 0.01, 0.01, 0.1, 8.5e-5)
    assert (paper.latent_dim, paper.n_classes, paper.batch_size) == (50, 6, 49)
    assert (paper.learning_rate, paper.beta_1) == (2e-4, 0.5)
    assert preset("cpu", seed=7).seed == 7 and preset("cpu", seed=7).image_size == 64
    with pytest.raises(ValueError, match="unknown preset 'gpu'"):
        preset("gpu")


def test_config_round_trip():
    cfg = preset("cpu", warmup_epochs=4, translate=False)
    assert CAAEConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown CAAEConfig fields \\['colour'\\]"):
        CAAEConfig.from_dict({**cfg.to_dict(), "colour": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.width = 2.0


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"image_size": 100}, ValueError, "multiple of 32"),
        ({"image_size": 0}, ValueError, "at least 1"),
        ({"image_size": 64.0}, TypeError, "image_size must be an int"),
        ({"width": 0.01}, ValueError, "width"),
        ({"latent_dim": 4}, ValueError, "at least n_classes"),
        ({"tv_weight": -1.0}, ValueError, "tv_weight"),
        ({"id_weight": float("nan")}, ValueError, "id_weight"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"beta_1": 1.0}, ValueError, "beta_1"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"warmup_epochs": -1}, ValueError, "warmup_epochs"),
        ({"expression_dims": 50}, ValueError, "below latent_dim"),
        ({"expression_dims": -1}, ValueError, "expression_dims"),
        ({"translate": 1}, TypeError, "translate"),
        ({"seed": True}, TypeError, "seed"),
    ],
)
def test_config_validation(overrides, error, match):
    with pytest.raises(error, match=match):
        CAAEConfig(**overrides)


def test_derived_sizes():
    cfg = CAAEConfig()
    assert (cfg.label_repeats, cfg.label_dim) == (8, 48)
    assert cfg.filters(64) == 64 and preset("cpu", width=0.25).filters(32) == 8
    assert preset("cpu", width=1 / 32).filters(32) == 1


# ----------------------------------------------------------------------------- builders


@pytest.mark.parametrize("name", ["paper", "cpu"])
def test_builder_shapes(name):
    """Every builder of both presets builds with the documented input and output shapes."""
    cfg = PRESETS[name]
    expected = expected_shapes(cfg)
    for build in BUILDERS:
        model = build(cfg)
        inputs, output = expected[model.name]
        assert [tuple(i.shape) for i in model.inputs] == inputs, model.name
        assert tuple(model.output.shape) == output, model.name


def test_paper_filter_counts():
    cfg = PRESETS["paper"]
    encoder, generator = build_encoder(cfg), build_generator(cfg)
    convs = [layer for layer in encoder.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [64, 128, 256, 512]
    assert all(c.kernel_size == (5, 5) and c.strides == (2, 2) for c in convs)
    assert encoder.get_layer("z").units == 50
    deconvs = [la for la in generator.layers if isinstance(la, keras.layers.Conv2DTranspose)]
    assert [c.filters for c in deconvs] == [512, 256, 128, 64, 32]
    assert generator.get_layer("project").units == 3 * 3 * 1024
    assert generator.get_layer("rgb").filters == 3


def test_builders_run_and_ranges(tiny_cfg):
    """A forward pass of each tiny model: shapes, and E and G inside [-1, 1] (tanh)."""
    rng = np.random.default_rng(0)
    s, n = tiny_cfg.image_size, 5
    x = rng.uniform(-1, 1, (n, s, s, 3)).astype("float32")
    y = np.arange(n) % tiny_cfg.n_classes
    z = np.asarray(build_encoder(tiny_cfg)(x))
    assert z.shape == (n, tiny_cfg.latent_dim) and np.abs(z).max() <= 1
    g = np.asarray(build_generator(tiny_cfg)([z, y]))
    assert g.shape == x.shape and np.abs(g).max() <= 1
    assert np.asarray(build_image_discriminator(tiny_cfg)([x, y])).shape == (n, 1)
    assert np.asarray(build_latent_discriminator(tiny_cfg)(z)).shape == (n, 1)
    assert np.asarray(build_classifier(tiny_cfg)(x)).shape == (n, tiny_cfg.n_classes)


def test_tiled_image_discriminator_sees_the_label(tiny_cfg):
    """The paper's way: the tiled label is concatenated to the first 3 conv inputs."""
    d = build_image_discriminator(tiny_cfg.replace(image_disc_label="tiled"))
    convs = [la for la in d.layers if isinstance(la, keras.layers.Conv2D)]
    assert [c.input.shape[-1] for c in convs[:3]] == [
        3 + tiny_cfg.label_dim,
        tiny_cfg.filters(16) + tiny_cfg.label_dim,
        tiny_cfg.filters(32) + tiny_cfg.label_dim,
    ]
    assert convs[3].input.shape[-1] == tiny_cfg.filters(64)
    x = np.zeros((2, 32, 32, 3), "float32")
    out = np.asarray(d([x, np.array([0, 5])]))
    assert out[0, 0] != out[1, 0]  # same image, different labels, different verdicts


def test_projection_image_discriminator(tiny_cfg):
    """Projection: convs see the image alone; logit = dense(h) + <embed(label), h>."""
    rng = np.random.default_rng(1)
    d = build_image_discriminator(tiny_cfg.replace(image_disc_label="projection"))
    convs = [la for la in d.layers if isinstance(la, keras.layers.Conv2D)]
    assert [c.input.shape[-1] for c in convs] == [
        3,
        tiny_cfg.filters(16),
        tiny_cfg.filters(32),
        tiny_cfg.filters(64),
    ]
    x = rng.uniform(-1, 1, (3, 32, 32, 3)).astype("float32")
    y = np.array([0, 2, 5])
    features = keras.Model(d.inputs, d.get_layer("dense").output)
    h = np.where((f := np.asarray(features([x, y]))) > 0, f, 0.2 * f)  # LeakyReLU(0.2)
    w, b = d.get_layer("logit").get_weights()
    embedding = d.get_layer("label_embedding").get_weights()[0]
    expected = h @ w[:, 0] + b[0] + np.sum(embedding[y] * h, axis=1)
    np.testing.assert_allclose(np.asarray(d([x, y]))[:, 0], expected, rtol=1e-4, atol=1e-5)


def _train_discriminator(d, real, real_labels, fake, fake_labels, steps=120, lr=2e-3):
    """Train ``d`` alone on fixed real and fake batches; the mean loss of the last 20 steps."""
    import tensorflow as tf

    opt = keras.optimizers.Adam(lr, beta_1=0.5)
    rng = np.random.default_rng(0)

    @tf.function
    def step(xr, yr, xf, yf):
        with tf.GradientTape() as tape:
            loss = losses.discriminator_loss(d([xr, yr]), d([xf, yf]))
        opt.apply_gradients(
            zip(tape.gradient(loss, d.trainable_variables), d.trainable_variables, strict=True)
        )
        return loss

    history = []
    for _ in range(steps):
        i, j = rng.integers(0, len(real), 16), rng.integers(0, len(fake), 16)
        history.append(float(step(real[i], real_labels[i], fake[j], fake_labels[j])))
    return float(np.mean(history[-20:]))


def test_projection_discriminator_learns_real_from_fake_and_label(tiny_cfg, faces):
    """Against fixed fakes (blurred faces) and against real faces under a wrong label, the
    projection discriminator's loss falls well below chance (2 ln 2 = 1.386)."""
    images, labels = faces
    cfg = tiny_cfg.replace(image_disc_label="projection")
    blurred = images.reshape(-1, 16, 2, 16, 2, 3).mean(axis=(2, 4)).repeat(2, 1).repeat(2, 2)
    loss = _train_discriminator(build_image_discriminator(cfg), images, labels, blurred, labels)
    assert loss < 0.5
    wrong = (labels + 1 + np.arange(len(labels)) % 5) % cfg.n_classes
    loss = _train_discriminator(build_image_discriminator(cfg), images, labels, images, wrong)
    assert loss < 0.9


def test_same_seed_same_weights(tiny_cfg):
    a, b = build_generator(tiny_cfg), build_generator(tiny_cfg)
    c = build_generator(tiny_cfg.replace(seed=tiny_cfg.seed + 1))
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def _initial_weights_digest(cfg) -> str:
    """sha256 over every sub-model's weights as built from ``cfg``: names, shapes, bytes."""
    digest = hashlib.sha256()
    for build in (*BUILDERS, build_expression_head):
        for weight in build(cfg).weights:
            value = np.asarray(weight.numpy())
            digest.update(f"{weight.path} {value.dtype} {value.shape}".encode())
            digest.update(value.tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize(
    ("label", "expression_dims", "expected"),
    [
        ("projection", 10, "5323d45d16c88631f9b76ff4299171c5f55b5c559bfc38309b458dc978d4cc9e"),
        ("tiled", 0, "46f93fcf8f3ff954aab005b5492920b0bacdb5cd5dc2a89b7cda4c103101f610"),
    ],
)
def test_initial_weights_are_fixed(tiny_cfg, label, expression_dims, expected):
    """A config's initial weights, fixed to the bit: the layers' names, their order and
    the order of the seeds they draw must not move, or the shipped weight files would
    no longer load into the right layers and runs would not repeat."""
    cfg = tiny_cfg.replace(image_disc_label=label, expression_dims=expression_dims)
    assert _initial_weights_digest(cfg) == expected


# ----------------------------------------------------------------------------- label tiling


def test_tile_labels_by_hand():
    """Paper sizes: 6 classes, latent 50 -> the [-1, 1] one-hot repeated 8 times (48 values)."""
    cfg = CAAEConfig()
    code = np.asarray(tile_labels(np.array([1, 0, 5]), cfg))
    one = [-1, 1, -1, -1, -1, -1]
    assert code.shape == (3, 48)
    np.testing.assert_array_equal(code[0], one * 8)
    np.testing.assert_array_equal(code[1], [1, -1, -1, -1, -1, -1] * 8)
    np.testing.assert_array_equal(code[2], [-1, -1, -1, -1, -1, 1] * 8)
    small = CAAEConfig(latent_dim=13, n_classes=6, image_size=32)  # floor(13 / 6) = 2
    np.testing.assert_array_equal(
        np.asarray(tile_labels(np.array([2]), small))[0], [-1, -1, 1, -1, -1, -1] * 2
    )


def test_label_tiling_layer_matches_function():
    cfg = CAAEConfig()
    labels = np.array([0, 1, 2, 3, 4, 5])
    layer = LabelTiling(cfg.n_classes, cfg.label_repeats)
    np.testing.assert_array_equal(np.asarray(layer(labels)), np.asarray(tile_labels(labels, cfg)))
    assert LabelTiling.from_config(layer.get_config()).repeats == 8


# ----------------------------------------------------------------------------- losses


def test_loss_terms_by_hand():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 4, 4, 3)).astype("float32")
    g = rng.uniform(-1, 1, (2, 4, 4, 3)).astype("float32")
    assert float(losses.reconstruction_loss(x, g)) == pytest.approx(np.abs(x - g).mean(), 1e-6)
    dv = ((g[:, 1:] - g[:, :-1]) ** 2).sum(axis=(1, 2, 3))
    dh = ((g[:, :, 1:] - g[:, :, :-1]) ** 2).sum(axis=(1, 2, 3))
    assert float(losses.total_variation_loss(g)) == pytest.approx(((dv + dh) / 2).mean() / 4, 1e-5)
    assert float(losses.total_variation_loss(np.ones((2, 4, 4, 3), "float32"))) == 0.0
    zero = np.zeros((3, 1), "float32")
    assert float(losses.discriminator_loss(zero, zero)) == pytest.approx(2 * np.log(2), 1e-6)
    assert float(losses.adversarial_loss(zero)) == pytest.approx(np.log(2), 1e-6)
    big = np.full((3, 1), 30.0, "float32")
    assert float(losses.adversarial_loss(big)) == pytest.approx(0.0, abs=1e-6)
    logits = np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]], "float32"))
    labels = np.array([0, 1])
    assert float(losses.classifier_loss(labels, logits)) == pytest.approx(
        -(np.log(0.5) + np.log(0.8)) / 2, 1e-5
    )
    assert float(losses.accuracy(np.array([0, 0]), logits)) == 0.5


def test_contrastive_loss_by_hand():
    z = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]], "float32")
    z_pair = np.array([[3.0, 4.0], [0.0, 1.0], [1.0, 4.0]], "float32")
    same = np.array([True, False, False])
    # same class: d^2 = 25; different: max(0, 3 - 1)^2 = 4 and max(0, 3 - 4)^2 = 0
    assert float(losses.contrastive_loss(z, z_pair, same, margin=3.0)) == pytest.approx(29 / 3)
    assert float(losses.contrastive_loss(z, z, np.ones(3, bool), margin=3.0)) == pytest.approx(0)


def test_identity_loss_by_hand():
    """Sum over the feature maps of mean |f(x) - f(g)|, for a two-map network."""
    inputs = keras.Input((4, 4, 3))
    net = keras.Model(
        inputs, [keras.layers.Identity()(inputs), keras.layers.AveragePooling2D(2)(inputs)]
    )
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (2, 4, 4, 3)).astype("float32")
    g = rng.uniform(-1, 1, (2, 4, 4, 3)).astype("float32")

    def pool(a):
        return a.reshape(2, 2, 2, 2, 2, 3).mean(axis=(2, 4))

    expected = np.abs(x - g).mean() + np.abs(pool(x) - pool(g)).mean()
    assert float(losses.identity_loss(net, x, g)) == pytest.approx(expected, 1e-5)
