"""The learners of one subject: the Growing Dual Memory of Algorithm 1 and the MLP baseline.

Both take the encoder's features of one class at a time (:meth:`learn_class`) and
predict classes for features (:meth:`predict`, one prediction per reported memory).

:class:`GDMLearner` is Algorithm 1 of the paper (docs/algorithms.md, CLIFER: Algorithm 1) for one
subject: the class's frames arrive as episodes (mini-batches of sequential frames
of a clip); each episode trains GDM-E, then GDM-S on GDM-E's winners
(:meth:`gwr.GrowingDualMemory.partial_fit`); with replay, pseudo-rehearsal follows
every episode; with imagination, after the class the GDM-E winners of its frames
are decoded by the generator under each of the six labels, the imagined faces are
encoded again, and both memories learn them.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from facedata import CLASSES

from .checks import known_keys, number, table, whole
from .conditions import Condition
from .settings import Settings

N_CLASSES = len(CLASSES)


@dataclass(frozen=True)
class LearnerSettings(Settings):
    """How a learner trains (the reference code's loop settings by default): the
    ``learner`` table of an experiment's configuration.

    episode_size : frames per episode (mini-batch of sequential frames of a clip).
    episode_epochs : passes of each memory over an episode.
    replay_epochs : passes over the replayed trajectories after each episode.
    imagination_epochs : passes of each memory over the imagined faces of each class.
    gdm : keyword arguments of :class:`gwr.GrowingDualMemory` (its CLIFER defaults
        otherwise).
    mlp_hidden, mlp_epochs, mlp_learning_rate, mlp_batch_size : the MLP baseline.

    Settings read from a table (:meth:`from_dict`) write back the same table
    (:meth:`to_dict`): a results folder or a search is keyed by the hash of its
    configuration's tables, so a field written out with its default value stays written.
    """

    TABLE = "learner"
    KEYS = "settings"
    PREFIXED = True

    episode_size: int = 5
    episode_epochs: int = 10
    replay_epochs: int = 3
    imagination_epochs: int = 5
    gdm: dict = field(default_factory=dict)
    mlp_hidden: int = 64
    mlp_epochs: int = 30
    mlp_learning_rate: float = 1e-3
    mlp_batch_size: int = 16

    def __post_init__(self) -> None:
        """Every field checked (errors name it, its value and the allowed range); the
        GDM's parameters as :meth:`gwr.GrowingDualMemory.check_params` checks them."""
        for name in (
            "episode_size",
            "episode_epochs",
            "replay_epochs",
            "imagination_epochs",
            "mlp_hidden",
            "mlp_epochs",
            "mlp_batch_size",
        ):
            whole(getattr(self, name), name)
        number(self.mlp_learning_rate, "mlp_learning_rate", 0.0, low_open=True)
        check_gdm_params(self.gdm)
        object.__setattr__(self, "gdm", dict(self.gdm))  # the caller's table is not shared

    @classmethod
    def from_dict(cls, values: Any) -> LearnerSettings:
        """The settings of a ``learner`` table; :meth:`to_dict` writes its fields back."""
        settings = super().from_dict(values)
        object.__setattr__(settings, "_given", frozenset(values))
        return settings

    def to_dict(self) -> dict[str, Any]:
        """The settings as a ``learner`` table: the fields given when they were read
        (:meth:`from_dict`, kept through :meth:`replace`) and every field that differs
        from its default. ``LearnerSettings()`` is the empty table."""
        given = getattr(self, "_given", frozenset())
        defaults = {
            f.name: f.default_factory() if f.default is dataclasses.MISSING else f.default
            for f in dataclasses.fields(self)
        }
        return {
            name: value
            for name, value in super().to_dict().items()
            if name in given or value != defaults[name]
        }

    def replace(self, **changes: Any) -> LearnerSettings:
        """A copy with ``changes``, written out with the fields this one writes."""
        return LearnerSettings.from_dict({**self.to_dict(), **changes})


def check_gdm_params(params: dict) -> None:
    """``params``, keyword arguments of :class:`gwr.GrowingDualMemory`, checked: unknown
    names (``random_state`` is the experiment's ``seed``) and bad values are errors."""
    import inspect

    from gwr import GrowingDualMemory, InvalidParameterError

    table(params, "gdm")
    known = set(inspect.signature(GrowingDualMemory).parameters) - {"random_state"}
    known_keys(params, known, "gdm", "parameters")
    try:
        GrowingDualMemory(**params).check_params()
    except InvalidParameterError as error:
        raise ValueError(f"gdm.{error}") from error


def episodes(clips: np.ndarray, size: int) -> Iterator[tuple[np.ndarray, bool]]:
    """Row indices of each episode, in order, and whether it starts a new clip.

    Rows of one clip must be contiguous (the caller sorts by clip and frame); each
    clip is cut into runs of ``size`` sequential frames (the last may be shorter).
    """
    clips = np.asarray(clips)
    if clips.size == 0:
        return
    starts = np.flatnonzero(np.r_[True, clips[1:] != clips[:-1]])
    ends = np.r_[starts[1:], clips.size]
    for start, end in zip(starts, ends, strict=True):
        for first in range(start, end, size):
            yield np.arange(first, min(first + size, end)), first == start


class GDMLearner:
    """One subject's Growing Dual Memory under a condition (``gdm``, ``clifer``, ...).

    Parameters
    ----------
    condition : a GDM condition (``condition.learner == "gdm"``).
    settings : the loop settings and the GDM's parameters.
    imagination : a trained :class:`imagination.CAAE`, needed when the condition imagines.
    seed : seeds the memories' starting neurons.

    Attributes
    ----------
    memory : the :class:`gwr.GrowingDualMemory`.
    seconds : time spent, by part: ``"gdm"`` (training the memories, replay and
        learning the imagined faces included) and ``"imagination"`` (decoding and
        encoding the imagined faces).
    """

    def __init__(
        self, condition: Condition, settings: LearnerSettings, imagination=None, seed: int = 0
    ):
        from gwr import GrowingDualMemory

        if condition.learner != "gdm":
            raise ValueError(f"condition {condition.name!r} is not a GDM condition")
        if condition.imagination and imagination is None:
            raise ValueError(f"condition {condition.name!r} imagines: give an imagination model")
        self.condition = condition
        self.settings = settings
        self.imagination = imagination
        self.memory = GrowingDualMemory(**{"random_state": seed, **settings.gdm})
        self.seconds = {"gdm": 0.0, "imagination": 0.0}
        self._fitted = False

    @property
    def fitted(self) -> bool:
        """Whether the memories have learnt anything yet."""
        return self._fitted

    def restore(self, memory) -> None:
        """Continue from ``memory``, a trained :class:`gwr.GrowingDualMemory` (read back
        from a person's folder, for example)."""
        self.memory = memory
        self._fitted = True

    def learn_class(
        self, features: np.ndarray, label: int, clips: np.ndarray, imagine: bool | None = None
    ) -> None:
        """Learn one class: its frames' features (sorted by clip and frame) as episodes,
        then imagination if ``imagine`` (default: if the condition imagines)."""
        s = self.settings
        labels = np.full(len(features), label, np.int64)
        start = time.perf_counter()
        for rows, new_clip in episodes(clips, s.episode_size):
            if new_clip and self._fitted:
                self.memory.reset_stream()
            self.memory.partial_fit(features[rows], labels[rows], epochs=s.episode_epochs)
            self._fitted = True
            if self.condition.replay:
                self.memory.replay(epochs=s.replay_epochs)
        self.seconds["gdm"] += time.perf_counter() - start
        if self.condition.imagination if imagine is None else imagine:
            self.imagine(features)

    def imagined_features(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Features of the imagined faces: GDM-E's winners for ``features`` decoded under
        each of the six labels and encoded again. Returns ``(features, labels)``."""
        start = time.perf_counter()
        winners = np.unique(self.memory.episodic.transform(features), axis=0)
        faces = self.imagination.imagine(winners.astype(np.float32))  # (n, 6, H, W, 3)
        n = len(winners)
        z = self.imagination.encode(faces.reshape(n * N_CLASSES, *faces.shape[2:]))
        labels = np.tile(np.arange(N_CLASSES), n)
        self.seconds["imagination"] += time.perf_counter() - start
        return z.astype(np.float64), labels

    def imagine(self, features: np.ndarray) -> None:
        """Imagination after a class: learn the imagined faces of each of the six classes."""
        z, labels = self.imagined_features(features)
        start = time.perf_counter()
        for c in range(N_CLASSES):
            self.memory.reset_stream()
            self.memory.partial_fit(
                z[labels == c], labels[labels == c], epochs=self.settings.imagination_epochs
            )
        self.memory.reset_stream()
        self.seconds["gdm"] += time.perf_counter() - start

    def predict(self, features: np.ndarray) -> dict[str, np.ndarray]:
        """Predicted classes by GDM-E (``"episodic"``) and GDM-S (``"semantic"``)."""
        start = time.perf_counter()
        out = {m: self.memory.predict(features, memory=m) for m in ("episodic", "semantic")}
        self.seconds["gdm"] += time.perf_counter() - start
        return out

    def sizes(self) -> dict[str, int]:
        """Neurons in each memory."""
        return {
            "episodic": self.memory.episodic.n_neurons_,
            "semantic": self.memory.semantic.n_neurons_,
        }


#: Rows per call when the MLP predicts: Keras' ``Model.predict`` default, kept so that its
#: logits are computed on the same batches as before (the same arithmetic).
PREDICT_BATCH = 32


class MLPNetwork:
    """The MLP baseline's compiled Keras model with its training step and forward pass
    traced once, for any number of rows; reused by every :class:`MLPLearner` of the
    process with the same shape and learning rate (:func:`take_network`), its weights
    and its optimiser's state reset for each (:meth:`reset`).

    Why: with a model built and compiled per cell, ``model.fit`` per class (a ``tf.data``
    pipeline and an iterator per epoch, callbacks, retracing) and ``model.predict`` per
    step, a cell of the demo's shape (360 steps of 16 rows) took 34 times as long
    (bench/test_mlp_speed.py). The step is the model's own
    :meth:`keras.Model.train_step`, the one ``fit`` runs on each batch: the same forward
    pass, loss, gradients and Adam update.
    """

    def __init__(self, n_features: int, hidden: int, learning_rate: float):
        import keras
        import tensorflow as tf

        self.key = (n_features, hidden, learning_rate)
        self.model = keras.Sequential(
            [
                keras.Input((n_features,)),
                keras.layers.Dense(hidden, activation="relu", kernel_initializer="zeros"),
                keras.layers.Dense(N_CLASSES, kernel_initializer="zeros"),
            ]
        )  # the weights are set by reset; zeros draw no random numbers
        self.model.compile(
            keras.optimizers.Adam(learning_rate),
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        optimizer = self.model.optimizer
        optimizer.build(self.model.trainable_variables)
        self._fresh_optimizer = [v.numpy() for v in optimizer.variables]
        rows = tf.TensorSpec((None, n_features), tf.float32)
        labels = tf.TensorSpec((None,), tf.int64)
        # compiled as fit and predict compile theirs: XLA where the model resolves to it
        # (on a GPU; not on a CPU-only machine), no autograph
        xla = self.model.jit_compile
        self.train_step = tf.function(
            self._train_step, input_signature=[rows, labels], jit_compile=xla, autograph=False
        )
        self.logits = tf.function(
            self._logits, input_signature=[rows], jit_compile=xla, autograph=False
        )

    def _train_step(self, x, y) -> None:
        self.model.train_step((x, y))

    def _logits(self, x):
        return self.model(x, training=False)

    def reset(self, seed: int) -> None:
        """The weights a new model gets (Glorot uniform kernels seeded ``seed`` and
        ``seed + 1``, zero biases) and a new optimiser's state (no step taken)."""
        import keras

        for k, layer in enumerate(self.model.layers):
            init = keras.initializers.GlorotUniform(seed=seed + k)
            layer.kernel.assign(init(layer.kernel.shape, dtype=layer.kernel.dtype))
            layer.bias.assign(np.zeros(layer.bias.shape, layer.bias.dtype))
        for variable, value in zip(
            self.model.optimizer.variables, self._fresh_optimizer, strict=True
        ):
            variable.assign(value)
        self.model.reset_metrics()


@functools.lru_cache(maxsize=256)
def fit_order(seed: int, n: int) -> np.ndarray:
    """The order in which ``model.fit(x, y, shuffle=True)`` on ``n`` rows visits them in
    each epoch after ``keras.utils.set_random_seed(seed)`` (how the baseline was first
    trained, one ``fit`` per class): read-only.

    Keras' array adapter draws each epoch's permutation with ``tf.random.shuffle`` in a
    dataset function that every epoch's iterator instantiates afresh, the first random
    op of its graph: seeds (global seed, 0), so every epoch sees the same permutation.
    The same op in a fresh graph whose seed is ``seed`` draws it here, without touching
    the process's random state (``set_random_seed`` also clears TensorFlow's caches,
    which costs the next calls of every traced function 40-90 ms).
    """
    import tensorflow as tf

    with tf.Graph().as_default() as graph:
        tf.compat.v1.set_random_seed(seed)
        permutation = tf.random.shuffle(tf.range(n, dtype=tf.int64), seed=0)
        with tf.compat.v1.Session(graph=graph) as session:
            order = session.run(permutation)
    order.setflags(write=False)
    return order


_FREE_NETWORKS: dict[tuple, list[MLPNetwork]] = {}
_NETWORKS_LOCK = threading.Lock()


def take_network(n_features: int, hidden: int, learning_rate: float) -> MLPNetwork:
    """A network of this shape and learning rate that no learner holds (built if none is
    free). :class:`MLPLearner` gives its network back when it is garbage-collected, so the
    cells of a process, which run one after another, share one network; learners alive
    at the same time (threads, interleaved use) each have their own."""
    key = (n_features, hidden, learning_rate)
    with _NETWORKS_LOCK:
        free = _FREE_NETWORKS.setdefault(key, [])
        if free:
            return free.pop()
    return MLPNetwork(*key)


def _give_back(network: MLPNetwork) -> None:
    with _NETWORKS_LOCK:
        _FREE_NETWORKS.setdefault(network.key, []).append(network)


class MLPLearner:
    """The baseline: a Keras MLP on the features, trained the ordinary batch way on one class
    at a time (so it has nothing that keeps the earlier classes).

    The network is Dense(``mlp_hidden``, relu) -> Dense(6) logits, Glorot uniform
    kernels seeded ``seed`` and ``seed + 1``, trained with Adam (``mlp_learning_rate``)
    on the sparse categorical cross-entropy of the logits, ``mlp_epochs`` epochs of
    shuffled mini-batches of ``mlp_batch_size`` per class; the optimiser's state carries
    over from class to class. It computes exactly what ``model.fit(..., shuffle=True)``
    per class and ``model.predict`` computed before (same weights, batches and steps;
    tests/clifer/test_learners.py compares them), with the compiled model reused
    (:class:`MLPNetwork`).
    """

    def __init__(
        self, condition: Condition, settings: LearnerSettings, n_features: int, seed: int = 0
    ):
        if condition.learner != "mlp":
            raise ValueError(f"condition {condition.name!r} is not the MLP condition")
        self.condition = condition
        self.settings = settings
        self._network = take_network(
            n_features, settings.mlp_hidden, float(settings.mlp_learning_rate)
        )
        weakref.finalize(self, _give_back, self._network)
        self._network.reset(seed)
        self.seconds = {"mlp": 0.0}
        self._seed = seed

    @property
    def model(self):
        """The Keras model (shared with later learners once this one is gone)."""
        return self._network.model

    def learn_class(self, features: np.ndarray, label: int, clips: np.ndarray) -> None:
        """Train on one class's frames for ``mlp_epochs`` epochs of shuffled mini-batches:
        the rows in the order :func:`fit_order` gives for the seed ``seed + label``, cut
        into batches of ``mlp_batch_size`` (the last one shorter), the same every epoch."""
        import tensorflow as tf

        start = time.perf_counter()
        x = np.asarray(features).astype(np.float32)
        order = fit_order(self._seed + label, len(x))
        size = self.settings.mlp_batch_size
        batches = [
            (tf.constant(x[rows]), tf.constant(np.full(len(rows), label, np.int64)))
            for rows in (order[i : i + size] for i in range(0, len(x), size))
        ]
        for _ in range(self.settings.mlp_epochs):
            for batch in batches:
                self._network.train_step(*batch)
        self.seconds["mlp"] += time.perf_counter() - start

    def predict(self, features: np.ndarray) -> dict[str, np.ndarray]:
        """Predicted classes (``"mlp"``)."""
        x = np.asarray(features).astype(np.float32)
        if not len(x):
            return {"mlp": np.zeros(0, np.int64)}
        logits = [
            self._network.logits(x[i : i + PREDICT_BATCH]).numpy()
            for i in range(0, len(x), PREDICT_BATCH)
        ]
        return {"mlp": np.argmax(np.concatenate(logits), axis=1)}

    def sizes(self) -> dict[str, int]:
        return {}


def make_learner(
    condition: Condition,
    settings: LearnerSettings,
    n_features: int,
    imagination=None,
    seed: int = 0,
):
    """The learner of ``condition``."""
    if condition.learner == "mlp":
        return MLPLearner(condition, settings, n_features, seed)
    return GDMLearner(condition, settings, imagination if condition.imagination else None, seed)
