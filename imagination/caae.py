"""The conditional adversarial auto-encoder (CAAE) of CLIFER as one ``keras.Model``.

:class:`CAAE` holds the five sub-models of :mod:`imagination.models` (and,
optionally, a frozen identity network), trains them with ``fit`` and its
``train_step``, and offers the imagination API: :meth:`~CAAE.encode`,
:meth:`~CAAE.generate`, :meth:`~CAAE.imagine`, :meth:`~CAAE.reconstruct`.

Training (docs/algorithms.md, Imagination: the CAAE)
----------------------------------------------------
Warm-up (the first ``config.warmup_epochs`` epochs; not in the paper, whose
``paper`` preset has none): a plain auto-encoder; E and G minimise
``rec * L1(x, G(E(x), y)) + tv * L_tv (+ id * L_ID)``.

Then, in one forward pass per batch, four simultaneous updates:

- E and G: the warm-up terms ``+ img * BCE(1, D_img(x', y')) + z * BCE(1, D_z(E(x)))
  + w_c(epoch) * CE(y', C(x'))`` where ``x' = G(E(x), y')``;
- D_img: ``BCE(1, D_img(x, y)) + BCE(0, D_img(x', y'))``;
- D_z: ``BCE(1, D_z(p)) + BCE(0, D_z(E(x)))`` with ``p ~ U(-1, 1)^latent_dim``;
- C: ``CE(y, C(x))`` on real images.

``y'`` is a random target class per image when ``config.translate`` (the
default; it teaches G to translate) and ``y`` otherwise (the paper);
``w_c = max(cls * exp(-e), cls_weight_min)``, ``e`` the epochs since the warm-up (the
paper: no floor).

Paired translation (not in the paper): when a batch also carries, for each
image, a real frame of the same person showing another expression
(``pair_images``, ``pair_labels``; :func:`imagination.data.to_tf_dataset` with
``pairs=True`` draws them), ``y'`` is the pair's class and E and G also minimise
``pair * L1(x_pair, G(E(x), y'))``, in the warm-up as well. It shows the
generator what each label does to a face, the signal a small model does not get
from the decaying classifier term alone.

The two schedules are callbacks (:mod:`imagination.callbacks`) that
:meth:`CAAE.fit` adds unless given: :class:`~imagination.callbacks.WarmupSchedule`
switches the step from warm-up to adversarial (by retracing the train function,
so the warm-up step computes nothing it does not need), and
:class:`~imagination.callbacks.ClassifierWeightSchedule` sets ``w_c`` in a model
variable at each epoch start. Outside ``fit`` use :meth:`CAAE.set_adversarial`
and :attr:`CAAE.cls_gen_weight`.

Inputs
------
Images are (n, image_size, image_size, 3) RGB in [-1, 1] (uint8 images are
converted by ``x / 127.5 - 1``), labels integer class ids in ``0 .. n_classes - 1``,
one per image. NumPy inputs are checked in full before anything runs
(:mod:`imagination.inputs`: an error says what was expected and what came);
inside a ``tf.data`` pipeline, shapes and dtypes are checked when the step is
traced and NaN / label range by runtime assertions.

Files: :meth:`CAAE.save` writes the ``.keras`` format atomically and
:func:`imagination.saving.load` reads it back (:mod:`imagination.saving`).

Requires the TensorFlow backend of Keras 3. ``jit_compile`` is always off: XLA is
about 14x slower than plain TensorFlow on CPU.
"""

from __future__ import annotations

from collections.abc import Iterable

import keras
import numpy as np

from . import losses
from .config import CAAEConfig
from .inputs import check_images, check_labels, check_latent
from .models import (
    build_classifier,
    build_encoder,
    build_expression_head,
    build_generator,
    build_image_discriminator,
    build_latent_discriminator,
)
from .preprocess import prepare, to_grey_tensor
from .saving import save_model

#: Names of the metrics that ``fit`` reports, in order (all of them every step; the
#: adversarial ones stay 0 during the warm-up).
TRAIN_METRICS = (
    "loss",
    "loss_rec",
    "loss_id",
    "loss_tv",
    "loss_pair",
    "loss_feat",
    "loss_img_g",
    "loss_img_d",
    "loss_z_e",
    "loss_z_d",
    "loss_cls",
    "loss_cls_g",
    "acc_cls",
)
#: Names of the metrics that ``evaluate`` (and ``fit``'s validation) reports.
TEST_METRICS = ("loss", "loss_rec", "loss_id", "loss_tv", "loss_cls", "acc_cls")
#: The attributes holding the trained sub-models (``expression_head`` is None without
#: the ``classify`` feature loss).
SUB_MODELS = (
    "encoder",
    "generator",
    "image_discriminator",
    "latent_discriminator",
    "classifier",
    "expression_head",
)


def _tf():
    """The TensorFlow module, with a clear error if Keras runs another backend."""
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            f"imagination.CAAE needs Keras' TensorFlow backend; KERAS_BACKEND is "
            f"{keras.backend.backend()!r}"
        )
    import tensorflow as tf

    return tf


# ----------------------------------------------------------------------------- the model


@keras.saving.register_keras_serializable(package="imagination")
class CAAE(keras.Model):
    """The conditional adversarial auto-encoder: E, G, D_img, D_z, C and an optional identity net.

    Parameters
    ----------
    config : a :class:`CAAEConfig`, its ``to_dict()``, or None for ``CAAEConfig()``: the
        paper's sizes and loss weights, with the project's 2-epoch auto-encoder warm-up
        and translation targets (``preset("paper")`` is the paper's training, no warm-up).
    identity_network : None (no identity loss) or a ``keras.Model`` mapping images in
        [-1, 1] to a list of feature maps; it is frozen (``trainable = False``).
    """

    def __init__(self, config: CAAEConfig | dict | None = None, identity_network=None, **kwargs):
        _tf()
        super().__init__(**kwargs)
        if config is None:
            config = CAAEConfig()
        elif isinstance(config, dict):
            config = CAAEConfig.from_dict(config)
        elif not isinstance(config, CAAEConfig):
            raise TypeError(
                f"config must be a CAAEConfig, a dict or None, got {type(config).__name__}"
            )
        if identity_network is not None and not isinstance(identity_network, keras.Model):
            raise TypeError(
                f"identity_network must be a keras.Model or None, got "
                f"{type(identity_network).__name__}"
            )
        self.config = config
        self.encoder = build_encoder(config)
        self.generator = build_generator(config)
        self.image_discriminator = build_image_discriminator(config)
        self.latent_discriminator = build_latent_discriminator(config)
        self.classifier = build_classifier(config)
        self.expression_head = (
            build_expression_head(config) if config.feature_loss == "classify" else None
        )
        self.identity_network = identity_network
        if identity_network is not None:
            identity_network.trainable = False
        self.cls_gen_weight = keras.Variable(
            config.cls_weight, trainable=False, dtype="float32", name="cls_gen_weight"
        )
        self._adversarial = config.warmup_epochs == 0
        self._trackers = {name: keras.metrics.Mean(name=name) for name in TRAIN_METRICS}
        self.eg_optimizer = self.d_img_optimizer = None
        self.d_z_optimizer = self.classifier_optimizer = None
        self.built = True

    # ------------------------------------------------------------------ compile / metrics

    def compile(
        self,
        eg_optimizer=None,
        d_img_optimizer=None,
        d_z_optimizer=None,
        classifier_optimizer=None,
        *,
        jit_compile: bool = False,
        **kwargs,
    ) -> None:
        """Set the four optimisers (default: Adam(config.learning_rate, config.beta_1) each).

        ``eg_optimizer`` trains E and G together and is also ``self.optimizer`` (what
        learning-rate callbacks act on). ``jit_compile=True`` is refused without a GPU.
        Other keyword arguments go to ``keras.Model.compile`` (e.g. ``steps_per_execution``).
        """
        tf = _tf()
        if jit_compile and not tf.config.list_physical_devices("GPU"):
            raise ValueError("jit_compile=True is refused on CPU: XLA is about 14x slower there")
        for key in ("optimizer", "loss", "metrics"):
            if key in kwargs:
                raise TypeError(
                    f"CAAE.compile takes no {key!r}: its losses are built in; pass "
                    "eg_optimizer, d_img_optimizer, d_z_optimizer, "
                    "classifier_optimizer"
                )
        opts = [
            o if o is not None else self._adam()
            for o in (eg_optimizer, d_img_optimizer, d_z_optimizer, classifier_optimizer)
        ]
        super().compile(optimizer=opts[0], jit_compile=jit_compile, **kwargs)
        self.eg_optimizer, self.d_img_optimizer, self.d_z_optimizer = opts[:3]
        self.classifier_optimizer = opts[3]
        for opt, variables in zip(opts, self._player_variables(), strict=True):
            if not opt.built:
                opt.build(variables)

    def _adam(self) -> keras.optimizers.Optimizer:
        """Adam with the config's learning rate and beta_1."""
        return keras.optimizers.Adam(self.config.learning_rate, beta_1=self.config.beta_1)

    def _player_variables(self) -> list[list]:
        """Trainable variables of each player: [E + G, D_img, D_z, C]."""
        head = [] if self.expression_head is None else self.expression_head.trainable_variables
        return [
            self.encoder.trainable_variables + self.generator.trainable_variables + head,
            self.image_discriminator.trainable_variables,
            self.latent_discriminator.trainable_variables,
            self.classifier.trainable_variables,
        ]

    def get_compile_config(self) -> dict:
        """The four optimisers, serialised (so that ``load`` restores them and their state)."""
        if not self.compiled:
            return {}
        return {
            "eg_optimizer": keras.optimizers.serialize(self.eg_optimizer),
            "d_img_optimizer": keras.optimizers.serialize(self.d_img_optimizer),
            "d_z_optimizer": keras.optimizers.serialize(self.d_z_optimizer),
            "classifier_optimizer": keras.optimizers.serialize(self.classifier_optimizer),
        }

    def compile_from_config(self, config: dict) -> None:
        """Compile with the optimisers of :meth:`get_compile_config`."""
        self.compile(**{k: keras.optimizers.deserialize(v) for k, v in config.items()})

    @property
    def metrics(self) -> list:
        """The Mean trackers that ``fit``/``evaluate`` report and reset each epoch."""
        return list(self._trackers.values())

    # ------------------------------------------------------------------ phases

    @property
    def adversarial(self) -> bool:
        """False during the auto-encoder warm-up, True once the adversarial terms are on."""
        return self._adversarial

    def set_adversarial(self, on: bool) -> None:
        """Switch between the warm-up step and the full adversarial step.

        Retraces the train function if it exists, so a running ``fit`` uses the new
        step from its next batch.
        """
        on = bool(on)
        if on != self._adversarial:
            self._adversarial = on
            if getattr(self, "train_function", None) is not None:
                self.make_train_function(force=True)

    # ------------------------------------------------------------------ training

    def call(self, inputs, training: bool = False):
        """Reconstruction G(E(x), y) of ``inputs = (images, labels)`` (or a dict of them)."""
        images, labels = _split_inputs(inputs)
        z = self.encoder(images, training=training)
        return self.generator([z, labels], training=training)

    def fit(self, x=None, y=None, *args, callbacks=None, validation_data=None, **kwargs):
        """``keras.Model.fit`` with input checks and the two schedules.

        NumPy images and labels are checked (and uint8 converted) first. The
        :class:`~imagination.callbacks.WarmupSchedule` and
        :class:`~imagination.callbacks.ClassifierWeightSchedule` callbacks are added
        unless ``callbacks`` already holds one of that type.
        """
        from .callbacks import with_schedules

        if isinstance(x, (np.ndarray, list)):
            if y is None:
                raise ValueError(
                    "CAAE.fit needs labels: fit(images, labels), or a dataset of "
                    "(images, labels) pairs"
                )
            x = check_images(x, self.config.image_size)
            y = check_labels(y, len(x), self.config.n_classes)
        if isinstance(validation_data, tuple) and isinstance(validation_data[0], np.ndarray):
            vx = check_images(validation_data[0], self.config.image_size, "validation images")
            vy = check_labels(
                validation_data[1], len(vx), self.config.n_classes, "validation labels"
            )
            validation_data = (vx, vy)
        return super().fit(
            x,
            y,
            *args,
            callbacks=with_schedules(callbacks),
            validation_data=validation_data,
            **kwargs,
        )

    def train_step(self, data) -> dict:
        """One batch: the warm-up or the adversarial updates; returns every tracker's mean."""
        if self.eg_optimizer is None:
            raise RuntimeError("call CAAE.compile() before training")
        images, labels, pairs = self._batch(data)
        if self._adversarial:
            self._adversarial_step(images, labels, pairs)
        else:
            self._warmup_step(images, labels, pairs)
        return {name: t.result() for name, t in self._trackers.items()}

    def test_step(self, data) -> dict:
        """Reconstruction and classifier metrics on a validation batch (no updates)."""
        images, labels, _ = self._batch(data)
        z = self.encoder(images, training=False)
        rec = self.generator([z, labels], training=False)
        terms = self._autoencoder_terms(images, rec)
        logits = self.classifier(images, training=False)
        self._track(
            loss=self._autoencoder_loss(terms),
            **terms,
            loss_cls=losses.classifier_loss(labels, logits),
            acc_cls=losses.accuracy(labels, logits),
        )
        return {name: self._trackers[name].result() for name in TEST_METRICS}

    def _batch(self, data):
        """(images, labels, pairs) of a batch, checked as far as a traced graph allows.

        ``pairs`` is None, or (pair_images, pair_labels) when the batch carries them
        and the config's ``pair_weight`` is positive.
        """
        images, labels, pairs = _split_data(data)
        images, labels = self._checked(images, labels, "")
        if pairs is not None and self.config.pair_weight > 0:
            pairs = self._checked(*pairs, "pair_")
        else:
            pairs = None
        return images, labels, pairs

    def _checked(self, images, labels, prefix: str):
        """Images as float32 in [-1, 1] and labels as int32 class ids, or an error."""
        tf = _tf()
        s = self.config.image_size
        shape = tuple(images.shape[1:])
        if len(images.shape) != 4 or shape != (s, s, 3):
            raise ValueError(
                f"{prefix}images must have shape (n, {s}, {s}, 3); got {tuple(images.shape)}"
            )
        if images.dtype == tf.uint8:
            images = tf.cast(images, "float32") / 127.5 - 1.0
        elif not images.dtype.is_floating:
            raise TypeError(
                f"{prefix}images must be floats in [-1, 1] or uint8, got {images.dtype.name}"
            )
        images = tf.cast(images, "float32")
        images = tf.debugging.assert_all_finite(images, f"{prefix}images contain NaN or infinity")
        if self.config.grey:
            images = to_grey_tensor(images)
        if labels.dtype.is_floating:
            labels = tf.round(labels)
        labels = tf.reshape(tf.cast(labels, "int32"), [-1])
        checks = [
            tf.debugging.assert_equal(
                tf.shape(labels)[0],
                tf.shape(images)[0],
                message=f"one {prefix}label per image expected",
            ),
            tf.debugging.assert_non_negative(labels, message=f"{prefix}labels must be >= 0"),
            tf.debugging.assert_less(
                labels,
                self.config.n_classes,
                message=f"{prefix}labels must be < {self.config.n_classes}",
            ),
        ]
        with tf.control_dependencies(checks):
            labels = tf.identity(labels)
        return images, labels

    def _autoencoder_terms(self, images, rec) -> dict:
        """The warm-up terms: L1 reconstruction, total variation, identity (0 without a net)."""
        loss_id = (
            losses.identity_loss(self.identity_network, images, rec)
            if self.identity_network is not None
            else 0.0
        )
        return {
            "loss_rec": losses.reconstruction_loss(images, rec),
            "loss_tv": losses.total_variation_loss(rec),
            "loss_id": keras.ops.convert_to_tensor(loss_id, "float32"),
        }

    def _autoencoder_loss(self, terms: dict):
        """rec * L_rec + tv * L_tv + id * L_ID (+ pair * L_pair when ``terms`` has it)
        with the config's weights."""
        c = self.config
        loss = (
            c.rec_weight * terms["loss_rec"]
            + c.tv_weight * terms["loss_tv"]
            + c.id_weight * terms["loss_id"]
        )
        if "loss_pair" in terms:
            loss = loss + c.pair_weight * terms["loss_pair"]
        if "loss_feat" in terms:
            loss = loss + c.feature_weight * terms["loss_feat"]
        return loss

    def _pair_terms(self, pairs, fake) -> dict:
        """The paired term: L1 of the translation to the pair's frame."""
        return {"loss_pair": losses.reconstruction_loss(pairs[0], fake)}

    def _feature_terms(self, z, labels, pairs) -> dict:
        """The feature loss on the codes (their expression part when the config has
        ``expression_dims``), when ``feature_weight`` > 0: ``"classify"``, the cross-entropy
        of the expression head on every image's code; ``"contrastive"``, the contrastive
        loss between the codes of each image and its paired frame (none without pairs)."""
        c = self.config
        if c.feature_weight <= 0:
            return {}
        start = c.person_dims if c.expression_dims else 0
        if c.feature_loss == "classify":
            logits = self.expression_head(z[:, start:], training=True)
            return {"loss_feat": losses.classifier_loss(labels, logits)}
        if pairs is None:
            return {}
        pair_images, pair_labels = pairs
        z_pair = self.encoder(pair_images, training=True)
        return {
            "loss_feat": losses.contrastive_loss(
                z[:, start:],
                z_pair[:, start:],
                keras.ops.equal(labels, pair_labels),
                c.feature_margin,
            )
        }

    def _warmup_step(self, images, labels, pairs=None) -> None:
        """Auto-encoder update of E and G only (and the paired translation, if given)."""
        tf = _tf()
        with tf.GradientTape() as tape:
            z = self.encoder(images, training=True)
            rec = self.generator([z, labels], training=True)
            terms = self._autoencoder_terms(images, rec)
            if pairs is not None:
                fake = self.generator([z, pairs[1]], training=True)
                terms.update(self._pair_terms(pairs, fake))
            terms.update(self._feature_terms(z, labels, pairs))
            loss = self._autoencoder_loss(terms)
            scaled = _per_replica(loss)  # inside the tape, or the division has no gradient
        variables = self._player_variables()[0]
        grads = tape.gradient(scaled, variables)
        self.eg_optimizer.apply_gradients(zip(grads, variables, strict=True))
        self._track(loss=loss, **terms)

    def _adversarial_step(self, images, labels, pairs=None) -> None:
        """One forward pass, then simultaneous updates of E+G, D_img, D_z and C."""
        tf = _tf()
        c = self.config
        prior, targets = self._draws(tf.shape(images)[0])
        with tf.GradientTape(persistent=True) as tape:
            z = self.encoder(images, training=True)
            rec = self.generator([z, labels], training=True)
            if pairs is not None:
                targets = pairs[1]
            if pairs is not None or c.translate:
                fake = self.generator([z, targets], training=True)
            else:
                fake, targets = rec, labels
            terms = self._autoencoder_terms(images, rec)
            if pairs is not None:
                terms.update(self._pair_terms(pairs, fake))
            terms.update(self._feature_terms(z, labels, pairs))
            d_real = self.image_discriminator([images, labels], training=True)
            d_fake = self.image_discriminator([fake, targets], training=True)
            dz_prior = self.latent_discriminator(prior, training=True)
            dz_code = self.latent_discriminator(z, training=True)
            c_real = self.classifier(images, training=True)
            c_fake = self.classifier(fake, training=True)
            loss_img_g = losses.adversarial_loss(d_fake)
            loss_z_e = losses.adversarial_loss(dz_code)
            loss_cls_g = losses.classifier_loss(targets, c_fake)
            loss_eg = (
                self._autoencoder_loss(terms)
                + c.img_weight * loss_img_g
                + c.z_weight * loss_z_e
                + self.cls_gen_weight * loss_cls_g
            )
            loss_img_d = losses.discriminator_loss(d_real, d_fake)
            loss_z_d = losses.discriminator_loss(dz_prior, dz_code)
            loss_cls = losses.classifier_loss(labels, c_real)
            scaled = [_per_replica(loss) for loss in (loss_eg, loss_img_d, loss_z_d, loss_cls)]
        players = zip(
            (
                self.eg_optimizer,
                self.d_img_optimizer,
                self.d_z_optimizer,
                self.classifier_optimizer,
            ),
            scaled,
            self._player_variables(),
            strict=True,
        )
        for optimizer, loss, variables in players:
            grads = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(grads, variables, strict=True))
        del tape
        self._track(
            loss=loss_eg,
            **terms,
            loss_img_g=loss_img_g,
            loss_img_d=loss_img_d,
            loss_z_e=loss_z_e,
            loss_z_d=loss_z_d,
            loss_cls=loss_cls,
            loss_cls_g=loss_cls_g,
            acc_cls=losses.accuracy(labels, c_real),
        )

    def _draws(self, n):
        """Prior samples U(-1, 1)^latent_dim and random target classes for a batch of n.

        Stateless draws seeded by (config.seed, step, replica), so a run is
        reproducible and each replica of a distributed step draws its own.
        """
        tf = _tf()
        context = tf.distribute.get_replica_context()
        replica = context.replica_id_in_sync_group if context is not None else 0
        step = tf.cast(self.eg_optimizer.iterations, "int64")
        seed = tf.stack([tf.constant(self.config.seed, "int64"), step])
        seed = tf.random.experimental.stateless_fold_in(seed, replica)
        prior_seed = tf.random.experimental.stateless_fold_in(seed, 0)
        target_seed = tf.random.experimental.stateless_fold_in(seed, 1)
        prior = tf.random.stateless_uniform([n, self.config.latent_dim], prior_seed, -1.0, 1.0)
        targets = tf.random.stateless_uniform(
            [n], target_seed, 0, self.config.n_classes, dtype="int32"
        )
        return prior, targets

    def _track(self, **values) -> None:
        """Add each named value to its Mean tracker."""
        for name, value in values.items():
            self._trackers[name].update_state(value)

    # ------------------------------------------------------------------ imagination API

    def prepare(self, images) -> np.ndarray:
        """Images as this model sees them: checked (:func:`check_images`: float32 in
        [-1, 1] of its size) and, for a grey model (``config.grey``), in grey levels.

        :meth:`encode` and :meth:`reconstruct` call it; use it to compare real faces
        with what the model draws.
        """
        return prepare(check_images(images, self.config.image_size), self.config)

    def encode(self, images, batch_size: int | None = None) -> np.ndarray:
        """z = E(images): float32 (n, latent_dim) in [-1, 1] (images seen as :meth:`prepare`
        makes them)."""
        return self._infer("encoder", (self.prepare(images),), batch_size)

    def generate(self, z, labels, batch_size: int | None = None) -> np.ndarray:
        """G(z, labels): float32 images (n, S, S, 3) in [-1, 1]; one int label is used for all."""
        z = check_latent(z, self.config.latent_dim)
        y = check_labels(labels, len(z), self.config.n_classes)
        return self._infer("generator", (z, y), batch_size)

    def imagine(
        self, z, classes: Iterable[int] | None = None, batch_size: int | None = None
    ) -> np.ndarray:
        """Each code of z under each class: float32 (n, len(classes), S, S, 3) in [-1, 1].

        ``classes`` defaults to all of them, ``range(n_classes)`` (the six in order).
        """
        z = check_latent(z, self.config.latent_dim)
        if classes is None:
            classes = range(self.config.n_classes)
        classes = check_labels(list(classes), len(list(classes)), self.config.n_classes, "classes")
        if len(classes) == 0:
            raise ValueError("classes is empty")
        zs = np.repeat(z, len(classes), axis=0)
        ys = np.tile(classes, len(z))
        images = self._infer("generator", (zs, ys), batch_size)
        return images.reshape(len(z), len(classes), *images.shape[1:])

    def reconstruct(self, images, labels, batch_size: int | None = None) -> np.ndarray:
        """G(E(images), labels): float32 images in [-1, 1], same shape as the input."""
        x = self.prepare(images)
        y = check_labels(labels, len(x), self.config.n_classes)
        return self.generate(self.encode(x, batch_size), y, batch_size)

    def _infer(self, which: str, arrays: tuple, batch_size: int | None) -> np.ndarray:
        """Apply the encoder or the generator to checked arrays, batch by batch.

        One traced function per sub-model, with an unknown batch size, so that
        calls with any number of rows reuse it (``predict`` would retrace).
        """
        tf = _tf()
        functions = self.__dict__.setdefault("_inference_functions", {})
        if which not in functions:
            model = getattr(self, which)
            specs = [tf.TensorSpec((None, *i.shape[1:]), i.dtype) for i in model.inputs]

            def forward(*inputs):
                return model(list(inputs) if len(inputs) > 1 else inputs[0], training=False)

            functions[which] = tf.function(forward, input_signature=specs, jit_compile=False)
        step = self.config.batch_size if batch_size is None else batch_size
        if isinstance(step, bool) or not isinstance(step, int) or step < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        n = len(arrays[0])
        parts = [
            functions[which](*(a[i : i + step] for a in arrays)).numpy() for i in range(0, n, step)
        ]
        return np.concatenate(parts).astype(np.float32, copy=False)

    # ------------------------------------------------------------------ saving

    def get_config(self) -> dict:
        """The config dict and the identity network (serialised; its weights are saved too)."""
        identity = (
            keras.saving.serialize_keras_object(self.identity_network)
            if self.identity_network is not None
            else None
        )
        return {
            "name": self.name,
            "trainable": self.trainable,
            "config": self.config.to_dict(),
            "identity_network": identity,
        }

    @classmethod
    def from_config(cls, config: dict) -> CAAE:
        """The inverse of :meth:`get_config`."""
        config = dict(config)
        identity = config.pop("identity_network", None)
        if identity is not None:
            identity = keras.saving.deserialize_keras_object(identity)
        return cls(config=config.pop("config"), identity_network=identity, **config)

    def inference_copy(self) -> CAAE:
        """A copy with the same sub-models and weights, but no optimiser state and
        no identity network: what a trained model needs to encode and imagine, in a
        third of the file (the shipped models are saved this way)."""
        copy = CAAE(self.config, name=self.name)
        copy.copy_weights_from(self)
        copy.cls_gen_weight.assign(self.cls_gen_weight)
        copy._adversarial = self._adversarial
        return copy

    def copy_weights_from(self, other: CAAE) -> None:
        """Give the sub-models (E, G, D_img, D_z, C and the expression head, when there
        is one) the weights of ``other``'s, a model of the same networks; the identity
        network, the optimisers and the schedule's state are left as they are."""
        for part in SUB_MODELS:
            mine = getattr(self, part)
            if mine is not None:
                mine.set_weights(getattr(other, part).get_weights())

    def save(self, filepath, overwrite: bool = True, **kwargs) -> None:
        """Save in the ``.keras`` format, atomically (:func:`imagination.saving.save_model`):
        a reader never sees a half-written file and an interrupted save leaves any
        previous file intact."""
        save_model(self, filepath, overwrite, **kwargs)


# ----------------------------------------------------------------------------- helpers


def _per_replica(loss):
    """``loss`` divided by the number of replicas: gradients are summed across replicas."""
    tf = _tf()
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss


def _split_inputs(inputs):
    """(images, labels) from a pair or from a dict with keys "images" and "labels"."""
    if isinstance(inputs, dict):
        return inputs["images"], inputs["labels"]
    if isinstance(inputs, (list, tuple)) and len(inputs) == 2:
        return inputs[0], inputs[1]
    raise ValueError("expected (images, labels) or {'images': ..., 'labels': ...}")


def _split_data(data):
    """(images, labels, pairs) of a training batch: (images, labels[, weights]), or a dict
    with "images" and "labels" and optionally "pair_images" and "pair_labels" (pairs is
    None without them)."""
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], dict):
        data = data[0]
    if isinstance(data, dict):
        images, labels = _split_inputs(data)
        has = [key in data for key in ("pair_images", "pair_labels")]
        if any(has) and not all(has):
            raise ValueError("a batch with pairs needs both 'pair_images' and 'pair_labels'")
        pairs = (data["pair_images"], data["pair_labels"]) if all(has) else None
        return images, labels, pairs
    if isinstance(data, (list, tuple)):
        if len(data) >= 2 and data[1] is not None:
            return data[0], data[1], None
    raise ValueError(
        "CAAE training needs labels: batches of (images, labels) or {'images': ..., 'labels': ...}"
    )
