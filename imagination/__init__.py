"""imagination: the conditional adversarial auto-encoder (CAAE) of CLIFER (Keras 3).

Its encoder gives ``latent_dim``-d face features (50 in the paper) to the dual
memory; its generator translates a face into each expression.

- :mod:`imagination.config`: :class:`CAAEConfig`, :data:`PRESETS` ("paper", "cpu"),
  :func:`preset`
- :mod:`imagination.models`: the builders of E, G, D_img, D_z and C
- :mod:`imagination.losses`: the loss terms
- :mod:`imagination.caae`: :class:`CAAE` (the ``keras.Model``) and :func:`load`
- :mod:`imagination.callbacks`: the warm-up and classifier-weight schedules
- :mod:`imagination.pretrained`: :func:`load_pretrained`, the models that ship

Importing this package imports Keras (with the TensorFlow backend).
"""

from .caae import CAAE, load
from .callbacks import ClassifierWeightSchedule, WarmupSchedule
from .config import PRESETS, CAAEConfig, preset
from .pretrained import load_pretrained

__all__ = [
    "CAAE",
    "PRESETS",
    "CAAEConfig",
    "ClassifierWeightSchedule",
    "WarmupSchedule",
    "load",
    "load_pretrained",
    "preset",
]
