"""The imagination model's configuration: one frozen dataclass and its presets, and
the settings of a training run.

Every size, loss weight and optimiser setting of the conditional adversarial
auto-encoder (docs/algorithms.md, Imagination: the CAAE) lives in :class:`CAAEConfig`, so that an
experiment is a config and a saved model carries the config it was built from. How
long ``python -m imagination.train`` trains and which epoch it keeps are
:class:`TrainSettings`: they make the run, not the model, and a saved model does not
carry them.

Sizes that work
---------------
``image_size`` must be a positive multiple of 32 (32, 64, 96, 128, ...): the
generator starts from an ``image_size / 32`` square map and doubles it five
times, and the encoder halves the input four times.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

#: The architecture's total down/up-sampling factor; image sizes are multiples of it.
SIZE_STEP = 32
#: The feature losses (see ``CAAEConfig.feature_loss``).
FEATURE_LOSSES = ("contrastive", "classify")
#: The ways the image discriminator can take the label (see ``CAAEConfig.image_disc_label``).
IMAGE_DISC_LABELS = ("tiled", "projection")
#: The smallest filter count of the paper's layers (the generator's last transposed conv).
_SMALLEST_FILTERS = 32
#: The fields of :class:`TrainSettings`, which a model's configuration held before
#: (the shipped weight files carry them): :meth:`CAAEConfig.from_dict` ignores them.
RUN_SETTINGS = ("epochs", "keep_best")


@dataclass(frozen=True)
class CAAEConfig:
    """Sizes, loss weights and optimiser settings of a CAAE.

    Attributes
    ----------
    image_size : side of the square RGB input and output images (a multiple of 32).
    width : multiplier on the paper's filter counts (1.0 = the paper; 0.5 = half).
    latent_dim : size of z, the encoder's tanh output (the paper: 50).
    n_classes : number of expression classes (the project's six).
    rec_weight, id_weight, z_weight, img_weight, cls_weight, tv_weight : loss weights
        of L1 reconstruction, identity, latent adversarial, image adversarial,
        classifier on generated images (scaled by ``exp(-epoch)``) and total variation.
    cls_weight_min : a floor under the decaying classifier weight,
        ``max(cls * exp(-epoch), cls_weight_min)``; 0 in the paper. Without a floor
        the term fades after a few epochs and a small generator drifts back to
        copying the input's expression from z (docs/imagination.md).
    learning_rate, beta_1 : Adam settings of all four optimisers.
    batch_size : the batch size the paper used (the trainer's default).
    warmup_epochs : epochs trained as a plain auto-encoder (L1 + TV, and identity
        when an identity network is given) before the adversarial and classifier terms.
    translate : if True the adversarial and classifier terms judge translations
        ``G(E(x), y')`` to random target classes ``y'`` (what imagining needs); if False
        they judge reconstructions ``G(E(x), y)`` as in the paper.
    pair_weight : weight of the paired translation loss, the L1 distance between a
        translation ``G(E(x), y')`` and a real frame of the same person showing ``y'``.
        It acts only when the batches carry such frames (``pair_images`` and
        ``pair_labels``, see :func:`imagination.data.to_tf_dataset` with ``pairs=True``);
        then ``y'`` is the pair's class. Not in the paper (0 there): with it the
        generator learns from the data itself what each label does to a face, which the
        decaying classifier term alone does not teach a small model.
    feature_weight, feature_loss, feature_margin : weight and kind of a loss that makes
        the encoder's codes carry the expression, which the CLIFER memories need (they
        learn from the codes by Euclidean distance, while the CAAE alone puts the
        expression in the label and keeps it out of z). ``"classify"``: the cross-entropy
        of a linear expression head (:func:`imagination.models.build_expression_head`) on
        every image's code. ``"contrastive"`` (``imagination.losses.contrastive_loss``):
        the codes of one person's paired frames are pulled together when they show the
        same class and pushed ``feature_margin`` apart when not; acts only with pairs.
        Both act on the expression part when ``expression_dims`` is set. 0 in the paper.
    expression_dims : the last ``expression_dims`` entries of z are its *expression part*,
        given by a branch of the encoder of its own (:func:`imagination.models.build_encoder`):
        the generator and the latent discriminator see only the first
        ``latent_dim - expression_dims`` (the person part), and the feature loss acts
        on the expression part alone. The code stays ``latent_dim`` long (what CLIFER's
        memories learn from). A branch of its own, because a feature loss on the whole
        z, or on a part of a z that shares E's trunk, cost the imagined faces their
        identity (docs/imagination.md). 0 in the paper.
    image_disc_label : how the image discriminator sees the label: ``"tiled"`` (the
        paper: the tiled code concatenated to the inputs of its first three convs) or
        ``"projection"`` (an inner product of a class embedding with its last features;
        see :func:`imagination.models.build_image_discriminator` for why).
    grey : if True the model sees faces in grey levels: every image that reaches it
        (training batches, ``encode``, ``reconstruct``, the judges' real faces) is
        turned into its luminance, repeated in the three channels
        (:func:`imagination.preprocess.to_grey`), and it learns to draw grey faces.
        For models trained on grey data (FER2013): a colour face then reaches the
        encoder as the grey faces it learnt from, not as colours it never saw.
    seed : seeds the weight initialisers and the step's random draws.
    """

    image_size: int = 96
    width: float = 1.0
    latent_dim: int = 50
    n_classes: int = 6
    rec_weight: float = 1.0
    id_weight: float = 0.33
    z_weight: float = 0.01
    img_weight: float = 0.01
    cls_weight: float = 0.1
    tv_weight: float = 8.5e-5
    cls_weight_min: float = 0.0
    learning_rate: float = 2e-4
    beta_1: float = 0.5
    batch_size: int = 49
    warmup_epochs: int = 2
    translate: bool = True
    pair_weight: float = 0.0
    feature_weight: float = 0.0
    feature_margin: float = 3.0
    feature_loss: str = "contrastive"
    expression_dims: int = 0
    image_disc_label: str = "tiled"
    grey: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        _check_int(self, "image_size", 1)
        if self.image_size % SIZE_STEP:
            raise ValueError(
                f"image_size must be a positive multiple of {SIZE_STEP} (32, 64, 96, 128, ...):"
                f" the generator starts at image_size/{SIZE_STEP} and doubles five times;"
                f" got {self.image_size}"
            )
        _check_float(self, "width", low=1.0 / _SMALLEST_FILTERS)
        _check_int(self, "latent_dim", 1)
        _check_int(self, "n_classes", 2)
        if self.latent_dim < self.n_classes:
            raise ValueError(
                f"latent_dim ({self.latent_dim}) must be at least n_classes ({self.n_classes}):"
                " the label is tiled floor(latent_dim / n_classes) times"
            )
        for name in (
            "rec_weight",
            "id_weight",
            "z_weight",
            "img_weight",
            "cls_weight",
            "tv_weight",
            "pair_weight",
            "cls_weight_min",
            "feature_weight",
            "feature_margin",
        ):
            _check_float(self, name, low=0.0)
        _check_float(self, "learning_rate", low=0.0, strict=True)
        _check_float(self, "beta_1", low=0.0)
        if self.beta_1 >= 1:
            raise ValueError(f"beta_1 must be in [0, 1), got {self.beta_1}")
        _check_int(self, "batch_size", 1)
        _check_int(self, "expression_dims", 0)
        if self.expression_dims >= self.latent_dim:
            raise ValueError(
                f"expression_dims ({self.expression_dims}) must be below latent_dim "
                f"({self.latent_dim}): the generator needs a person part"
            )
        _check_int(self, "warmup_epochs", 0)
        for name in ("translate", "grey"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if self.feature_loss not in FEATURE_LOSSES:
            raise ValueError(
                f"feature_loss must be one of {FEATURE_LOSSES}, got {self.feature_loss!r}"
            )
        if self.image_disc_label not in IMAGE_DISC_LABELS:
            raise ValueError(
                f"image_disc_label must be one of {IMAGE_DISC_LABELS},"
                f" got {self.image_disc_label!r}"
            )
        _check_int(self, "seed", 0)

    @property
    def person_dims(self) -> int:
        """How many leading entries of z the generator and D_z see: the code's person
        part, before the ``expression_dims`` of its expression part."""
        return self.latent_dim - self.expression_dims

    @property
    def label_repeats(self) -> int:
        """How many times the [-1, 1] one-hot label is tiled: floor(latent_dim / n_classes)."""
        return self.latent_dim // self.n_classes

    @property
    def label_dim(self) -> int:
        """Length of the tiled label code given to the generator and the image discriminator."""
        return self.n_classes * self.label_repeats

    def filters(self, paper_count: int) -> int:
        """The paper's filter count ``paper_count`` scaled by ``width`` (at least 1)."""
        return max(1, round(paper_count * self.width))

    def to_dict(self) -> dict[str, Any]:
        """The config as a plain dict of JSON-friendly values."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> CAAEConfig:
        """A config from :meth:`to_dict`'s output; unknown keys are an error, but for the
        run settings (:data:`RUN_SETTINGS`) that configs saved before they left it
        carry, which are ignored: such a model still loads."""
        if not isinstance(values, dict):
            raise TypeError(f"expected a dict of CAAEConfig fields, got {type(values).__name__}")
        values = {k: v for k, v in values.items() if k not in RUN_SETTINGS}
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown CAAEConfig fields {unknown}; known: {sorted(known)}")
        return cls(**values)

    def replace(self, **overrides: Any) -> CAAEConfig:
        """A copy with ``overrides`` applied (and validated)."""
        return dataclasses.replace(self, **overrides)


def _check_int(cfg: Any, name: str, low: int) -> None:
    """Raise unless ``cfg.name`` is an int (not a bool) of at least ``low``."""
    value = getattr(cfg, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")


def _check_float(cfg: CAAEConfig, name: str, low: float, strict: bool = False) -> None:
    """Raise unless ``cfg.name`` is a finite real number >= ``low`` (> if ``strict``)."""
    value = getattr(cfg, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value) or value < low or (strict and value == low):
        sign = ">" if strict else ">="
        raise ValueError(f"{name} must be finite and {sign} {low:g}, got {value}")


#: Named configurations (their parameter counts, step times and the measurements
#: behind each choice: docs/imagination.md, Presets).
#:
#: ``paper``: the paper's 96x96 model with its filter counts, trained as the paper did
#: (no warm-up).
#:
#: ``cpu``: 64x64 at a quarter of the paper's width, so that a trained one can ship
#: (7.6 MB of float32 weights) and trains on a CPU, for the synthetic faces: a
#: 3-epoch auto-encoder warm-up, the paired translation loss instead of an identity
#: loss (an identity network trained on the synthetic subjects did not help), a floor
#: under the classifier weight, an image discriminator that takes the label by
#: projection (with the paper's tiled label it never learnt at this width), and a
#: 10-d expression branch trained by the ``classify`` feature loss, so that one
#: person's codes separate the expressions (what CLIFER's memories need).
#:
#: ``real``: ``cpu``'s networks on grey faces, for FER2013 (no persons: no pairs).
PRESETS: dict[str, CAAEConfig] = {
    "paper": CAAEConfig(image_size=96, width=1.0, warmup_epochs=0),
    "cpu": CAAEConfig(
        image_size=64,
        width=0.25,
        warmup_epochs=3,
        pair_weight=1.0,
        id_weight=0.0,
        cls_weight_min=0.1,
        image_disc_label="projection",
        expression_dims=10,
        feature_weight=1.0,
        feature_loss="classify",
    ),
    "real": CAAEConfig(
        image_size=64,
        width=0.25,
        grey=True,
        warmup_epochs=2,
        pair_weight=0.0,
        id_weight=0.0,
        cls_weight_min=0.1,
        image_disc_label="projection",
        expression_dims=10,
        feature_weight=1.0,
        feature_loss="classify",
    ),
}


def preset(name: str, **overrides: Any) -> CAAEConfig:
    """The preset called ``name`` ("paper", "cpu" or "real") with ``overrides`` applied."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return PRESETS[name].replace(**overrides)


@dataclass(frozen=True)
class TrainSettings:
    """How ``python -m imagination.train`` runs: settings of the run, not of the model
    (a saved model does not carry them; ``--epochs`` and ``--keep-best`` set them).

    epochs : epochs in all, the warm-up included.
    keep_best : how many of the last epochs are scored on validation faces, the best
        kept (``best.keras``, then ``inference.keras``); 0 keeps the last. The
        adversarial game moves the expression figures by about 0.1 between epochs, so
        the last epoch is not reliably the best.
    """

    epochs: int = 30
    keep_best: int = 0

    def __post_init__(self) -> None:
        _check_int(self, "epochs", 1)
        _check_int(self, "keep_best", 0)

    def replace(self, **overrides: Any) -> TrainSettings:
        """A copy with ``overrides`` applied (and validated)."""
        return dataclasses.replace(self, **overrides)


#: Each preset's run: ``cpu`` 32 epochs, the best of the last 8 on validation
#: subjects; ``real`` 20, the best of the last 6 on FER2013's validation split;
#: ``paper`` the paper's 30, the last kept.
TRAINING: dict[str, TrainSettings] = {
    "paper": TrainSettings(epochs=30, keep_best=0),
    "cpu": TrainSettings(epochs=32, keep_best=8),
    "real": TrainSettings(epochs=20, keep_best=6),
}


def training(name: str, **overrides: Any) -> TrainSettings:
    """The run settings of preset ``name`` ("paper", "cpu" or "real") with ``overrides``."""
    if name not in TRAINING:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(TRAINING)}")
    return TRAINING[name].replace(**overrides)
