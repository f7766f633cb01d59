"""Builders of the CAAE's five sub-models (docs/algorithms.md, Imagination), one function each.

All five are functional ``keras.Model``\\ s built from a :class:`CAAEConfig`; their
weights are initialised from ``cfg.seed`` (each layer its own derived seed), so the
same config always gives the same initial weights.

- encoder E: image -> z in [-1, 1]^latent_dim (a person part and, with
  ``cfg.expression_dims``, an expression part from its own branch)
- generator G: [z, label] -> image in [-1, 1]
- image discriminator D_img: [image, label] -> logit that the image is real
- latent discriminator D_z: z -> logit that z is a sample of the prior U(-1, 1)^latent_dim
- classifier C: image -> class logits

Discriminators and the classifier output *logits*; the losses
(:mod:`imagination.losses`) apply the sigmoid / softmax (``from_logits=True``).
Labels are integer class ids; the generator and D_img turn them into the tiled
[-1, 1] code of :func:`tile_labels` with a :class:`LabelTiling` layer.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import keras
from keras import layers, ops

from .config import SIZE_STEP, CAAEConfig

#: Paper filter counts (scaled by ``cfg.width``).
ENCODER_FILTERS = (64, 128, 256, 512)
GENERATOR_START_FILTERS = 1024
GENERATOR_FILTERS = (512, 256, 128, 64, 32)
IMAGE_DISCRIMINATOR_FILTERS = (16, 32, 64, 128)
IMAGE_DISCRIMINATOR_DENSE = 1024
LATENT_DISCRIMINATOR_UNITS = (64, 32, 16)
CLASSIFIER_FILTERS = (32, 64, 128)
CLASSIFIER_DENSE = 256
#: Filters of the encoder's expression branch (``CAAEConfig.expression_dims``): C's trunk sizes.
EXPRESSION_FILTERS = (32, 64, 128)
KERNEL = 5


def tile_labels(labels, cfg: CAAEConfig):
    """Integer labels (n,) -> the generator's label code (n, n_classes * repeats).

    The one-hot label is mapped to [-1, 1] (1 stays 1, 0 becomes -1) and the
    whole vector is repeated ``floor(latent_dim / n_classes)`` times
    (``[code, code, ...]``), so that the label weighs about as much as z.
    """
    return _tile(labels, cfg.n_classes, cfg.label_repeats)


def _tile(labels, n_classes: int, repeats: int):
    """The [-1, 1] one-hot of ``labels`` repeated ``repeats`` times along the last axis."""
    one_hot = ops.one_hot(ops.cast(labels, "int32"), n_classes)
    return ops.tile(2.0 * one_hot - 1.0, [1, repeats])


@keras.saving.register_keras_serializable(package="imagination")
class LabelTiling(layers.Layer):
    """A layer applying :func:`tile_labels`: int labels (n,) -> float code (n, label_dim)."""

    def __init__(self, n_classes: int, repeats: int, **kwargs):
        super().__init__(**kwargs)
        self.n_classes = n_classes
        self.repeats = repeats

    def call(self, labels):
        return _tile(labels, self.n_classes, self.repeats)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_classes * self.repeats)

    def get_config(self):
        return {**super().get_config(), "n_classes": self.n_classes, "repeats": self.repeats}


@keras.saving.register_keras_serializable(package="imagination")
class PersonPart(layers.Layer):
    """The first ``size`` entries of z: its person part (``CAAEConfig.person_dims``), the
    code without the expression part of ``CAAEConfig.expression_dims``."""

    def __init__(self, size: int, **kwargs):
        super().__init__(**kwargs)
        self.size = size

    def call(self, z):
        return z[:, : self.size]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


def _person_part(z, cfg: CAAEConfig):
    """z itself, or its person part when the config splits off an expression part."""
    if not cfg.expression_dims:
        return z
    return PersonPart(cfg.person_dims, name="person_part")(z)


def _seeds(cfg: CAAEConfig, model_index: int) -> Iterator[int]:
    """Distinct, reproducible initialiser seeds for the layers of one sub-model."""
    return itertools.count(cfg.seed * 10_000 + model_index * 1_000)


def _init(seeds: Iterator[int]) -> keras.initializers.Initializer:
    """A Glorot-uniform initialiser with the next seed (Keras' default, made reproducible)."""
    return keras.initializers.GlorotUniform(seed=next(seeds))


def _stack(
    x, layer, sizes, seeds: Iterator[int], name: str, *, leaky=False, before=None, **options
):
    """``layer(size, **options)`` for each of ``sizes`` in turn, named ``{name}1``,
    ``{name}2``, ..., each with the next seed's initialiser (:func:`_init`), each
    followed by a LeakyReLU(0.2) when ``leaky``; ``before(i, x)``, when given, turns
    the input of the i-th (from 0) first. The layers are made in that order, so that
    the seeds and the names stay where the shipped weights expect them."""
    for i, size in enumerate(sizes):
        if before is not None:
            x = before(i, x)
        x = layer(size, kernel_initializer=_init(seeds), name=f"{name}{i + 1}", **options)(x)
        if leaky:
            x = layers.LeakyReLU(0.2)(x)
    return x


def _convs(
    x,
    cfg: CAAEConfig,
    filters,
    seeds: Iterator[int],
    name: str = "conv",
    *,
    layer=layers.Conv2D,
    **options,
):
    """A :func:`_stack` of 5x5 stride-2 "same" convs (``layer``: Conv2D or
    Conv2DTranspose) of ``filters`` scaled by ``cfg.width``."""
    sizes = [cfg.filters(f) for f in filters]
    return _stack(
        x, layer, sizes, seeds, name, kernel_size=KERNEL, strides=2, padding="same", **options
    )


def _tanh_code(x, size: int, seeds: Iterator[int], name: str):
    """A feature map flattened and a dense of ``size`` with tanh: a code in [-1, 1]."""
    x = layers.Flatten()(x)
    return layers.Dense(size, activation="tanh", kernel_initializer=_init(seeds), name=name)(x)


def _label_inputs(cfg: CAAEConfig):
    """The integer label input and its tiled [-1, 1] code."""
    labels = keras.Input(shape=(), dtype="int32", name="labels")
    return labels, LabelTiling(cfg.n_classes, cfg.label_repeats, name="label_code")(labels)


def build_encoder(cfg: CAAEConfig) -> keras.Model:
    """E: 4 conv 5x5 stride 2 (64-128-256-512 x width) with ReLU, then dense latent_dim, tanh.

    With ``cfg.expression_dims`` = k, that dense gives the person part (latent_dim - k
    entries) and a separate branch gives the expression part, the last k entries of z:
    3 conv 5x5 stride 2 (32-64-128 x width) with ReLU and a dense k with tanh. The two
    share no weights, so the losses of the generator and D_z (which see the person
    part only) never reach the expression branch, and the feature loss (on the
    expression part only) never reaches the person branch. Measured on the ``cpu``
    preset: with one shared trunk, the feature loss cost the imagined faces their
    identity and the expression part did not learn (docs/imagination.md).
    """
    seeds = _seeds(cfg, 1)
    images = keras.Input((cfg.image_size, cfg.image_size, 3), name="images")
    x = _convs(images, cfg, ENCODER_FILTERS, seeds, activation="relu")
    z = _tanh_code(x, cfg.person_dims, seeds, "z")
    if cfg.expression_dims:
        z = layers.Concatenate(name="code")([z, _expression_branch(images, cfg)])
    return keras.Model(images, z, name="encoder")


def _expression_branch(images, cfg: CAAEConfig):
    """The encoder's expression part of z (see :func:`build_encoder`)."""
    seeds = _seeds(cfg, 6)
    x = _convs(images, cfg, EXPRESSION_FILTERS, seeds, "expression_conv", activation="relu")
    return _tanh_code(x, cfg.expression_dims, seeds, "z_expression")


def build_generator(cfg: CAAEConfig) -> keras.Model:
    """G: [z, label] -> image.

    z (its person part only, when ``cfg.expression_dims``) concatenated with the
    tiled label code; dense to an (image_size/32)^2 x
    (1024 x width) map with ReLU; transposed convs 5x5 stride 2 (512-256-128-64-32
    x width) with ReLU, each doubling the side; an output conv 5x5 with tanh to
    (image_size, image_size, 3).
    """
    seeds = _seeds(cfg, 2)
    z = keras.Input((cfg.latent_dim,), name="z")
    labels, code = _label_inputs(cfg)
    x = layers.Concatenate()([_person_part(z, cfg), code])
    side, start = cfg.image_size // SIZE_STEP, cfg.filters(GENERATOR_START_FILTERS)
    x = layers.Dense(
        side * side * start, activation="relu", kernel_initializer=_init(seeds), name="project"
    )(x)
    x = layers.Reshape((side, side, start))(x)
    x = _convs(
        x, cfg, GENERATOR_FILTERS, seeds, "deconv", layer=layers.Conv2DTranspose, activation="relu"
    )
    images = layers.Conv2D(
        3, KERNEL, padding="same", activation="tanh", kernel_initializer=_init(seeds), name="rgb"
    )(x)
    return keras.Model([z, labels], images, name="generator")


def _broadcast_code(code, x):
    """The label code (n, k) broadcast to x's spatial size and concatenated: (n, h, w, c + k)."""
    h, w = x.shape[1], x.shape[2]
    tiled = layers.Reshape((1, 1, code.shape[-1]))(code)
    tiled = layers.UpSampling2D((h, w))(tiled)
    return layers.Concatenate()([x, tiled])


def build_image_discriminator(cfg: CAAEConfig) -> keras.Model:
    """D_img: [image, label] -> logit (not probability) that the image is a real one of label.

    4 conv 5x5 stride 2 (16-32-64-128 x width) with LeakyReLU(0.2), then dense
    1024 x width with LeakyReLU(0.2) giving features ``h``. How the label enters
    depends on ``cfg.image_disc_label``:

    - ``"tiled"`` (the paper): the tiled label code is broadcast over the map and
      concatenated to the inputs of the first 3 convs; the logit is a dense of ``h``.
    - ``"projection"`` (Miyato & Koyama, 2018): the convs see the image alone and the
      logit is ``dense(h) + <embed(label), h>``. Measured on the ``cpu`` preset: with
      48 tiled +-1 label channels next to 3 image channels the discriminator's loss
      stayed at chance for 300 steps even against fixed, blurry fakes, so the image
      adversarial term taught the generator nothing; with the projection it learns.
    """
    seeds = _seeds(cfg, 3)
    images = keras.Input((cfg.image_size, cfg.image_size, 3), name="images")
    labels, code = _label_inputs(cfg)
    tiled = cfg.image_disc_label == "tiled"

    def with_label(i, x):
        return _broadcast_code(code, x) if tiled and i < 3 else x

    x = _convs(images, cfg, IMAGE_DISCRIMINATOR_FILTERS, seeds, leaky=True, before=with_label)
    x = layers.Flatten()(x)
    x = layers.Dense(
        cfg.filters(IMAGE_DISCRIMINATOR_DENSE), kernel_initializer=_init(seeds), name="dense"
    )(x)
    h = layers.LeakyReLU(0.2)(x)
    logit = layers.Dense(1, kernel_initializer=_init(seeds), name="logit")(h)
    if not tiled:
        embedded = layers.Embedding(
            cfg.n_classes, h.shape[-1], name="label_embedding", embeddings_initializer=_init(seeds)
        )(labels)
        projection = layers.Dot(axes=1, name="projection")([embedded, h])
        logit = layers.Add(name="projected_logit")([logit, projection])
    return keras.Model([images, labels], logit, name="image_discriminator")


def build_latent_discriminator(cfg: CAAEConfig) -> keras.Model:
    """D_z: z -> logit that z came from the prior U(-1, 1)^latent_dim (not from E).

    An MLP 64-32-16 with LeakyReLU(0.2) (the reference CAAE's sizes; not scaled by
    width: it is tiny) and a dense logit. It judges the person part of z only when
    ``cfg.expression_dims`` (the expression part is left to the feature loss).
    """
    seeds = _seeds(cfg, 4)
    z = keras.Input((cfg.latent_dim,), name="z")
    x = _stack(
        _person_part(z, cfg), layers.Dense, LATENT_DISCRIMINATOR_UNITS, seeds, "dense", leaky=True
    )
    logit = layers.Dense(1, kernel_initializer=_init(seeds), name="logit")(x)
    return keras.Model(z, logit, name="latent_discriminator")


def build_classifier(cfg: CAAEConfig) -> keras.Model:
    """C: image -> class logits (softmax in the loss).

    C looks at images (real ones when it learns, generated ones when it teaches G):
    3 conv 5x5 stride 2 (32-64-128 x width) with LeakyReLU(0.2) as a small trunk,
    then an MLP head: dense 256 x width with ReLU and a dense of n_classes logits.
    """
    seeds = _seeds(cfg, 5)
    images = keras.Input((cfg.image_size, cfg.image_size, 3), name="images")
    x = _convs(images, cfg, CLASSIFIER_FILTERS, seeds, leaky=True)
    x = layers.Flatten()(x)
    x = layers.Dense(
        cfg.filters(CLASSIFIER_DENSE),
        activation="relu",
        kernel_initializer=_init(seeds),
        name="dense",
    )(x)
    logits = layers.Dense(cfg.n_classes, kernel_initializer=_init(seeds), name="logits")(x)
    return keras.Model(images, logits, name="classifier")


def build_expression_head(cfg: CAAEConfig) -> keras.Model:
    """The expression head: a dense layer of class logits on the code's expression part
    (all of z without ``cfg.expression_dims``); the ``"classify"`` feature loss trains it
    and the encoder together, so that the code names the expression."""
    seeds = _seeds(cfg, 7)
    size = cfg.expression_dims or cfg.latent_dim
    part = keras.Input((size,), name="expression_part")
    logits = layers.Dense(cfg.n_classes, kernel_initializer=_init(seeds), name="logits")(part)
    return keras.Model(part, logits, name="expression_head")
