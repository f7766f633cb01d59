"""imagination: the conditional adversarial auto-encoder (CAAE) of CLIFER (Keras 3).

Its encoder gives ``latent_dim``-d face features (50 in the paper) to the dual
memory; its generator translates a face into each expression.

- :mod:`imagination.config`: :class:`CAAEConfig`, :data:`PRESETS` ("paper", "cpu",
  "real"), :func:`preset`
- :mod:`imagination.models`: the builders of E, G, D_img, D_z and C
- :mod:`imagination.losses`: the loss terms
- :mod:`imagination.inputs`: the checks of images, labels and codes
- :mod:`imagination.caae`: :class:`CAAE` (the ``keras.Model``)
- :mod:`imagination.saving`: :func:`load` (and the atomic save behind ``CAAE.save``)
- :mod:`imagination.callbacks`: the warm-up and classifier-weight schedules
- :mod:`imagination.pretrained`: :func:`load_pretrained`, the models that ship
- :mod:`imagination.identity_network` and :mod:`imagination.vgg_face`: identity
  networks for the identity loss (one trained here, or VGG-Face)

Its names are imported on first use (and Keras, with the TensorFlow backend, with
them), so that ``python -m imagination.train`` and the other command lines can keep
TensorFlow's start-up messages off stderr before TensorFlow is imported
(:mod:`facedata._quiet`).
"""

import importlib

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

_HOMES = {
    "CAAE": "caae",
    "load": "saving",
    "ClassifierWeightSchedule": "callbacks",
    "WarmupSchedule": "callbacks",
    "PRESETS": "config",
    "CAAEConfig": "config",
    "preset": "config",
    "load_pretrained": "pretrained",
}


def __getattr__(name: str):
    """The package's names, from their modules on first use."""
    if name in _HOMES:
        value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
