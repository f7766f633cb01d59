"""``GrowingDualMemory``: episodic (GDM-E) and semantic (GDM-S) Gamma-GWRs.

GDM-E learns every episode quickly (high learning rate, lenient thresholds);
GDM-S receives, per episode, GDM-E's best-matching weights for the episode's
inputs with labels, and is *regulated*: it changes only where it gets an input
wrong. Pseudo-rehearsal (:meth:`GrowingDualMemory.replay`) replays trajectories
of GDM-E's neurons, found by following their strongest temporal synapses, to
both memories. The defaults are the values of the CLIFER paper (Churamani &
Gunes, FG 2020) and its published code (docs/algorithms.md, Growing Dual Memory).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._params import ParamsMixin
from ._validation import (
    check_choice,
    check_classes,
    check_features,
    check_is_fitted,
    check_labels,
    check_positive_int,
)
from .network import GammaGWR, check_habituation_rates, check_param

MEMORIES = ("episodic", "semantic")
SEMANTIC_LABELS = ("true", "episodic")


class GrowingDualMemory(ParamsMixin):
    """The Growing Dual Memory: GDM-E and GDM-S.

    Parameters
    ----------
    n_context, beta, epsilon_n, tau_b, tau_n, kappa, max_neurons, aging
        Shared by both memories; see :class:`gwr.GammaGWR`.
    episodic_activation_threshold, episodic_habituation_threshold : 0.4, 0.5
    episodic_epsilon_b : 0.2
    episodic_max_age : 1000
    semantic_activation_threshold, semantic_habituation_threshold : 0.2, 0.2
    semantic_epsilon_b : 0.02
    semantic_max_age : 2000
    semantic_regulated : bool, default True
        GDM-S learns only from inputs it misclassifies (see ``GammaGWR(regulated=True)``).
    semantic_labels : {"true", "episodic"}, default "true"
        The labels GDM-S learns with: the episode's true labels (the paper:
        "along with the corresponding labels"), or GDM-E's predicted labels for
        the episode (what the published code does).
    random_state : int, Generator or None
        Seeds the draw of each memory's two starting neurons.

    Attributes
    ----------
    episodic_, semantic_ : GammaGWR
        The two memories, built by the first training call (or :meth:`load`) and
        configured from the parameters above at every training call;
        ``episodic`` and ``semantic`` are read-only views of them.
    n_features_in_ : int
    classes_ : ndarray, the classes GDM-E knows
    """

    def __init__(
        self,
        n_context: int = 0,
        beta: float = 0.7,
        episodic_activation_threshold: float = 0.4,
        episodic_habituation_threshold: float = 0.5,
        episodic_epsilon_b: float = 0.2,
        episodic_max_age: int = 1000,
        semantic_activation_threshold: float = 0.2,
        semantic_habituation_threshold: float = 0.2,
        semantic_epsilon_b: float = 0.02,
        semantic_max_age: int = 2000,
        semantic_regulated: bool = True,
        semantic_labels: str = "true",
        epsilon_n: float = 0.001,
        tau_b: float = 0.3,
        tau_n: float = 0.1,
        kappa: float = 1.05,
        max_neurons: int = 100_000,
        aging: str = "bmu",
        random_state=None,
    ):
        self.n_context = n_context
        self.beta = beta
        self.episodic_activation_threshold = episodic_activation_threshold
        self.episodic_habituation_threshold = episodic_habituation_threshold
        self.episodic_epsilon_b = episodic_epsilon_b
        self.episodic_max_age = episodic_max_age
        self.semantic_activation_threshold = semantic_activation_threshold
        self.semantic_habituation_threshold = semantic_habituation_threshold
        self.semantic_epsilon_b = semantic_epsilon_b
        self.semantic_max_age = semantic_max_age
        self.semantic_regulated = semantic_regulated
        self.semantic_labels = semantic_labels
        self.epsilon_n = epsilon_n
        self.tau_b = tau_b
        self.tau_n = tau_n
        self.kappa = kappa
        self.max_neurons = max_neurons
        self.aging = aging
        self.random_state = random_state

    # -- the two memories ------------------------------------------------------
    def memory_params(self, memory: str) -> dict:
        """The :class:`GammaGWR` parameters of one memory ("episodic" or
        "semantic"), from this object's parameters."""
        self._check_memory(memory)
        shared = dict(
            n_context=self.n_context,
            beta=self.beta,
            epsilon_n=self.epsilon_n,
            tau_b=self.tau_b,
            tau_n=self.tau_n,
            kappa=self.kappa,
            max_neurons=self.max_neurons,
            aging=self.aging,
            random_state=self.random_state,
        )
        p = "episodic_" if memory == "episodic" else "semantic_"
        return dict(
            shared,
            activation_threshold=getattr(self, p + "activation_threshold"),
            habituation_threshold=getattr(self, p + "habituation_threshold"),
            epsilon_b=getattr(self, p + "epsilon_b"),
            max_age=getattr(self, p + "max_age"),
            regulated=bool(self.semantic_regulated) if memory == "semantic" else False,
        )

    def __sklearn_is_fitted__(self) -> bool:
        """Whether both memories have been trained (scikit-learn's protocol)."""
        return hasattr(self, "episodic_") and hasattr(self, "semantic_")

    @property
    def episodic(self) -> GammaGWR:
        """GDM-E (``episodic_``; :class:`gwr.NotFittedError` before training)."""
        check_is_fitted(self)
        return self.episodic_

    @property
    def semantic(self) -> GammaGWR:
        """GDM-S (``semantic_``; :class:`gwr.NotFittedError` before training)."""
        check_is_fitted(self)
        return self.semantic_

    @property
    def n_features_in_(self) -> int:
        return self.episodic.n_features_in_

    @property
    def classes_(self) -> np.ndarray:
        """The classes GDM-E knows (``predict_proba``'s columns with the default memory)."""
        return self.episodic.classes_

    def check_params(self) -> GrowingDualMemory:
        """Check every parameter as training would; returns ``self``.

        Raises :class:`gwr.InvalidParameterError` (a ValueError and a TypeError)
        naming the parameter as this class calls it (``episodic_max_age``, not
        the episodic memory's ``max_age``), the allowed values and the value given.
        """
        for name in self._param_names():
            value = getattr(self, name)
            if name == "semantic_labels":
                check_choice(value, name, SEMANTIC_LABELS)
            else:  # a GammaGWR parameter, shared or of one memory
                check_param(name.removeprefix("episodic_").removeprefix("semantic_"), value, name)
        check_habituation_rates(self.tau_b, self.tau_n, self.kappa)
        return self

    def _configured(self, fresh: bool) -> tuple[GammaGWR, GammaGWR]:
        """Both memories with the current parameters, validated: new untrained
        networks if ``fresh`` or nothing is trained yet, otherwise the trained
        ones (whose starting draw is history by then: ``random_state`` stays)."""
        self.check_params()
        if fresh or not self.__sklearn_is_fitted__():
            return GammaGWR(**self.memory_params("episodic")), GammaGWR(
                **self.memory_params("semantic")
            )
        for memory, net in zip(MEMORIES, (self.episodic_, self.semantic_), strict=True):
            params = self.memory_params(memory)
            params.pop("random_state")
            net.set_params(**params)
        return self.episodic_, self.semantic_

    # -- learning --------------------------------------------------------------
    def partial_fit(self, X, y=None, epochs: int = 10, classes=None):
        """Learn one episode: GDM-E on ``X``, then GDM-S on GDM-E's winners.

        ``epochs`` passes over the episode for each memory (the CLIFER code uses 10).
        ``classes``: class ids both memories have label columns for from this
        call on (see :meth:`GammaGWR.partial_fit`). Returns ``self``.
        """
        return self._fit(X, y, epochs, fresh=False, classes=classes)

    def fit(self, X, y=None, epochs: int = 10):
        """Forget both memories and learn ``X`` as one episode. Returns ``self``."""
        return self._fit(X, y, epochs, fresh=True)

    def _fit(self, X, y, epochs, fresh: bool, classes=None):
        """Validate everything, then train; a refused call changes neither memory."""
        episodic, semantic = self._configured(fresh)
        epochs = check_positive_int(epochs, "epochs")
        n_features = None if fresh or not self.__sklearn_is_fitted__() else self.n_features_in_
        X = check_features(X, n_features, owner=type(self).__name__)
        y = check_labels(y, X.shape[0])
        check_classes(classes)
        episodic.partial_fit(X, y, epochs=epochs, classes=classes)
        winners = episodic.transform(X)
        labels = y if self.semantic_labels == "true" else episodic.predict(X)
        semantic.partial_fit(winners, labels, epochs=epochs, classes=classes)
        self.episodic_, self.semantic_ = episodic, semantic
        return self

    def replay(self, epochs: int = 3):
        """Pseudo-rehearsal: replay GDM-E's neural trajectories to both memories.

        From every GDM-E neuron a trajectory follows the strongest temporal
        synapse for 2K more steps (K = ``n_context``; with K = 0 it is the neuron
        itself; see :meth:`GammaGWR.trajectories`). The trajectories' weights and
        labels (the neurons' histogram modes) are learnt by GDM-E and GDM-S for
        ``epochs`` epochs, each trajectory as a stream of its own; the replay
        ends the current input stream. Returns ``self``.
        """
        check_is_fitted(self)
        episodic, semantic = self._configured(fresh=False)
        epochs = check_positive_int(epochs, "epochs")
        xs, ys, starts = episodic.trajectories(2 * int(self.n_context) + 1)
        for net in (episodic, semantic):
            net.partial_fit(xs, ys, epochs=epochs, stream_starts=starts)
            net.reset_stream()
        return self

    def reset_stream(self):
        """Start a new input stream in both memories. Returns ``self``."""
        if self.__sklearn_is_fitted__():
            self.episodic_.reset_stream()
            self.semantic_.reset_stream()
        return self

    # -- inference ---------------------------------------------------------------
    def _check_memory(self, memory: str) -> None:
        if memory not in MEMORIES:
            raise ValueError(f"memory must be one of {MEMORIES}, got {memory!r}")

    def predict(self, X, memory: str = "episodic") -> np.ndarray:
        """Class of each input (-1: unknown) by GDM-E, or by GDM-S on GDM-E's winners."""
        self._check_memory(memory)
        if memory == "episodic":
            return self.episodic.predict(X)
        return self.semantic.predict(self.episodic.transform(X))

    def predict_proba(self, X, memory: str = "episodic") -> np.ndarray:
        """Class probabilities from the label histogram of the chosen memory's BMU."""
        self._check_memory(memory)
        if memory == "episodic":
            return self.episodic.predict_proba(X)
        return self.semantic.predict_proba(self.episodic.transform(X))

    def score(self, X, y, memory: str = "episodic") -> float:
        """Accuracy of :meth:`predict` with the chosen memory."""
        n_features = self.n_features_in_ if self.__sklearn_is_fitted__() else None
        X = check_features(X, n_features, owner=type(self).__name__)
        y = check_labels(y, X.shape[0])
        return float(np.mean(self.predict(X, memory) == y))

    # -- persistence -------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write both memories and the parameters to one ``.npz`` file."""
        from .io import save_networks

        nets = {"episodic": self.episodic, "semantic": self.semantic}
        save_networks(path, nets, kind=type(self).__name__, params=self.get_params())

    @classmethod
    def load(cls, path: str | Path) -> GrowingDualMemory:
        """Read a dual memory written by :meth:`save`."""
        from .io import checked_params, load_networks

        nets, params = load_networks(path, kind=cls.__name__, prefixes=MEMORIES)
        gdm = checked_params(cls, params, f"{path}: the dual memory")
        for m in MEMORIES:
            if nets[m].n_context != gdm.n_context:
                raise ValueError(
                    f"{path}: the dual memory's n_context={gdm.n_context} differs from its "
                    f"{m} memory's n_context={nets[m].n_context}"
                )
        gdm.episodic_, gdm.semantic_ = nets["episodic"], nets["semantic"]
        return gdm
