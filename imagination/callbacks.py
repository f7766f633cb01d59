"""The CAAE's two training schedules as Keras callbacks.

:meth:`imagination.caae.CAAE.fit` adds both unless its ``callbacks`` already hold
one of each type; pass your own instance to change a schedule.

- :class:`WarmupSchedule`: the first ``warmup_epochs`` epochs train a plain
  auto-encoder; from then on the adversarial step (the switch retraces the train
  function, so the warm-up graph holds no discriminator work).
- :class:`ClassifierWeightSchedule`: the classifier's weight on generated images
  is ``weight * exp(-epoch)`` (the paper), so that it matters early, never below
  ``config.cls_weight_min`` (0 in the paper). The epoch is counted from the end of
  the warm-up, when the classifier term starts to act; with no warm-up (the
  paper) that is the plain epoch index.

Both act at each epoch start and use the absolute epoch index, so a resumed ``fit``
(``initial_epoch``) continues the schedules where they were.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import keras


class ClassifierWeightSchedule(keras.callbacks.Callback):
    """Sets ``model.cls_gen_weight`` to ``max(weight * exp(-(epoch - start)), minimum)``
    at each epoch start (``weight`` during the warm-up, when the term is not used).

    ``weight`` defaults to the model's ``config.cls_weight``, ``start`` to its
    ``config.warmup_epochs`` (the decay starts when the classifier term does, so
    a warm-up does not spend the epochs in which the term matters most) and
    ``minimum`` to its ``config.cls_weight_min``.
    """

    def __init__(
        self, weight: float | None = None, start: int | None = None, minimum: float | None = None
    ):
        super().__init__()
        self.weight = weight
        self.start = start
        self.minimum = minimum

    def value(self, epoch: int) -> float:
        """The classifier's weight on generated images during ``epoch`` (counted from 0)."""
        cfg = self.model.config
        weight = cfg.cls_weight if self.weight is None else self.weight
        start = cfg.warmup_epochs if self.start is None else self.start
        minimum = cfg.cls_weight_min if self.minimum is None else self.minimum
        return float(max(weight * math.exp(-max(0, epoch - start)), minimum))

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.model.cls_gen_weight.assign(self.value(epoch))


class WarmupSchedule(keras.callbacks.Callback):
    """Trains the auto-encoder alone for ``warmup_epochs`` epochs, then adversarially.

    ``warmup_epochs`` defaults to the model's ``config.warmup_epochs``.
    """

    def __init__(self, warmup_epochs: int | None = None):
        super().__init__()
        if warmup_epochs is not None and (not isinstance(warmup_epochs, int) or warmup_epochs < 0):
            raise ValueError(f"warmup_epochs must be an int >= 0, got {warmup_epochs!r}")
        self.warmup_epochs = warmup_epochs

    def adversarial(self, epoch: int) -> bool:
        """Whether ``epoch`` (counted from 0) trains with the adversarial terms."""
        warmup = (
            self.model.config.warmup_epochs if self.warmup_epochs is None else (self.warmup_epochs)
        )
        return epoch >= warmup

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.model.set_adversarial(self.adversarial(epoch))


def with_schedules(
    callbacks: Iterable[keras.callbacks.Callback] | None,
) -> list[keras.callbacks.Callback]:
    """``callbacks`` plus a default WarmupSchedule and ClassifierWeightSchedule if missing.

    The schedules go first, so that callbacks after them see the epoch's settings.
    """
    callbacks = list(callbacks or [])
    added = [
        cls()
        for cls in (WarmupSchedule, ClassifierWeightSchedule)
        if not any(isinstance(c, cls) for c in callbacks)
    ]
    return added + callbacks
