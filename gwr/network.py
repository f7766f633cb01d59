"""``GammaGWR``: a Growing-When-Required network with gamma-filtered context.

The estimator follows scikit-learn's conventions: parameters are stored as given
by ``__init__``, validated when training starts; ``partial_fit`` is the
incremental path (the natural one for a GWR: each call continues the same input
stream), ``fit`` starts afresh; learned state ends in an underscore.

The algorithm, per input (ALGORITHMS.md, section 1, and the table of
differences from the published reference code in ``docs/reference-differences.md``):
global context, best and second-best matching units, insertion of a neuron when
the activation ``exp(-d_b)`` and the BMU's habituation are both below their
thresholds, otherwise adaptation of the BMU and its topological neighbours,
habituation, edge ageing and pruning, temporal synapses, associative labels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import _kernels as K
from ._params import ParamsMixin
from ._search import nearest_neurons
from ._state import NetworkState
from ._validation import check_features, check_labels, check_number, check_positive_int

LABEL_INCREMENT = 1.0  # added to the BMU's count of the input's class
LABEL_DECREMENT = 0.1  # taken from its other classes (floored at 0)
REGULATED_RATE = 0.01  # learning-rate factor for a regulated network's misclassified input

AGING_MODES = ("bmu", "global")


class NotFittedError(ValueError, AttributeError):
    """The network was used before it was trained (scikit-learn's meaning)."""


class GammaGWR(ParamsMixin):
    """Gamma-GWR self-organising network with associative labels.

    Parameters
    ----------
    n_context : int, default 0
        K, the number of temporal context descriptors per neuron. With 0 each
        input is matched on its own.
    beta : float, default 0.7
        Context blending ``C[k] = beta * W[b(t-1), k] + (1 - beta) * W[b(t-1), k-1]``.
    activation_threshold : float, default 0.35
        a_T: a neuron is inserted when the BMU's activation ``exp(-d_b)`` is below it
        (and the BMU is habituated). ``d`` is the plain Euclidean distance, so the
        right value depends on the scale of the data.
    habituation_threshold : float, default 0.1
        h_T: only a BMU whose habituation counter fell below it can trigger an insertion.
    epsilon_b, epsilon_n : float, default 0.1 and 0.001
        Learning rates of the BMU and of its topological neighbours.
    tau_b, tau_n : float, default 0.3 and 0.1
        Habituation rates of the BMU and of its neighbours.
    kappa : float, default 1.05
        Habituation constant; counters decrease from 1 towards ``1 - 1/kappa``.
    max_age : int, default 600
        Edges older than this are removed, then neurons left without edges.
    max_neurons : int, default 100000
        The network never holds more neurons (arrays grow as needed up to it).
    aging : {"bmu", "global"}, default "bmu"
        "bmu": each input ages the BMU's edges and prunes them at once (the standard
        GWR). "global": each input ages every edge of the network and pruning
        happens once per epoch, as the published GDM code does (it makes networks
        forget).
    regulated : bool, default False
        The semantic-memory rule: an input whose BMU already predicts its label
        changes nothing; a misclassified one may insert a neuron, otherwise it
        adapts the network with learning rates scaled by 0.01 and leaves the BMU's
        label histogram as it is. Unlabelled inputs (-1) are learnt unregulated.
    init : "random" or array of shape (n, n_features), default "random"
        The starting neurons: two inputs of the first call drawn with
        ``random_state`` (labelled with their labels), or the given prototypes
        (unlabelled, without edges).
    random_state : int, numpy Generator or None
        Seed of the draw of the two starting neurons; the rest is deterministic.

    Attributes
    ----------
    n_neurons_, n_features_in_, n_classes_ : int
    weights_ : ndarray (n_neurons_, n_features_in_), the neurons' own weights
    context_weights_ : ndarray (n_neurons_, n_context, n_features_in_)
    habituation_ : ndarray (n_neurons_,)
    label_counts_ : ndarray (n_neurons_, n_classes_), the associative label histograms
    edges_, edge_ages_ : ndarray (n_edges, 2) with i < j, and ndarray (n_edges,)
    temporal_edges_, temporal_counts_ : the temporal synapses i -> j (j fired right
        after i) and how often that happened
    n_inserted_ : int, neurons inserted so far
    quantization_error_ : ndarray (epochs,), the mean BMU distance per epoch of
        the last training call

    The array attributes are read-only views of the network's live state.
    """

    def __init__(
        self,
        n_context: int = 0,
        beta: float = 0.7,
        activation_threshold: float = 0.35,
        habituation_threshold: float = 0.1,
        epsilon_b: float = 0.1,
        epsilon_n: float = 0.001,
        tau_b: float = 0.3,
        tau_n: float = 0.1,
        kappa: float = 1.05,
        max_age: int = 600,
        max_neurons: int = 100_000,
        aging: str = "bmu",
        regulated: bool = False,
        init="random",
        random_state=None,
    ):
        self.n_context = n_context
        self.beta = beta
        self.activation_threshold = activation_threshold
        self.habituation_threshold = habituation_threshold
        self.epsilon_b = epsilon_b
        self.epsilon_n = epsilon_n
        self.tau_b = tau_b
        self.tau_n = tau_n
        self.kappa = kappa
        self.max_age = max_age
        self.max_neurons = max_neurons
        self.aging = aging
        self.regulated = regulated
        self.init = init
        self.random_state = random_state

    # -- parameters ------------------------------------------------------------
    def _checked_params(self) -> tuple[np.ndarray, np.ndarray]:
        """Validate the parameters; return the kernels' float and int arrays."""
        check_positive_int(self.n_context, "n_context", minimum=0)
        f = np.zeros(K.N_FPARAMS)
        f[K.BETA] = check_number(self.beta, "beta", 0.0, 1.0)
        f[K.A_T] = check_number(self.activation_threshold, "activation_threshold", 0.0, 1.0)
        f[K.H_T] = check_number(self.habituation_threshold, "habituation_threshold", 0.0, 1.0)
        f[K.EPS_B] = check_number(self.epsilon_b, "epsilon_b", 0.0, 1.0)
        f[K.EPS_N] = check_number(self.epsilon_n, "epsilon_n", 0.0, 1.0)
        f[K.TAU_B] = check_number(self.tau_b, "tau_b", 0.0, 1.0)
        f[K.TAU_N] = check_number(self.tau_n, "tau_n", 0.0, 1.0)
        f[K.KAPPA] = check_number(self.kappa, "kappa", 0.0, low_open=True)
        f[K.MOD_RATE] = REGULATED_RATE
        f[K.LABEL_INC] = LABEL_INCREMENT
        f[K.LABEL_DEC] = LABEL_DECREMENT
        if f[K.TAU_B] * f[K.KAPPA] > 1.0 or f[K.TAU_N] * f[K.KAPPA] > 1.0:
            raise ValueError(
                "tau * kappa must be <= 1 for the habituation counters to decrease "
                f"monotonically; got tau_b={self.tau_b}, tau_n={self.tau_n}, kappa={self.kappa}"
            )
        i = np.zeros(K.N_IPARAMS, np.int64)
        i[K.MAX_AGE] = check_positive_int(self.max_age, "max_age", minimum=1)
        i[K.MAX_NEURONS] = check_positive_int(self.max_neurons, "max_neurons", minimum=2)
        if self.aging not in AGING_MODES:
            raise ValueError(f"aging must be one of {AGING_MODES}, got {self.aging!r}")
        i[K.AGING_GLOBAL] = self.aging == "global"
        if not isinstance(self.regulated, (bool, np.bool_)):
            raise TypeError(f"regulated must be True or False, got {self.regulated!r}")
        i[K.REGULATED] = bool(self.regulated)
        if isinstance(self.init, str):
            if self.init != "random":
                raise ValueError(
                    f"init must be 'random' or an array of prototypes, got {self.init!r}"
                )
        return f, i

    def _initial_neurons(self, X: np.ndarray, y: np.ndarray):
        """Own weights (n, D) and labels (or None) of the starting neurons."""
        if isinstance(self.init, str):
            rng = np.random.default_rng(self.random_state)
            n = X.shape[0]
            picks = rng.choice(n, size=2, replace=False) if n >= 2 else np.zeros(2, np.int64)
            return X[picks], y[picks]
        protos = check_features(self.init, X.shape[1], name="init")
        if protos.shape[0] < 2:
            raise ValueError(f"init must hold at least 2 prototypes, got {protos.shape[0]}")
        if protos.shape[0] > self.max_neurons:
            raise ValueError(
                f"init holds {protos.shape[0]} prototypes, more than max_neurons={self.max_neurons}"
            )
        return protos, None

    # -- training --------------------------------------------------------------
    def partial_fit(self, X, y=None, epochs: int = 1):
        """Continue learning from the input stream ``X`` (labels ``y``, -1: none).

        The inputs are presented in order, ``epochs`` times. New classes may
        appear at any call; the temporal context and synapses carry over from
        the previous call (see :meth:`reset_stream`). Returns ``self``.
        """
        return self._fit(X, y, epochs, fresh=False)

    def fit(self, X, y=None, epochs: int = 1):
        """Forget everything learnt and train on ``X`` afresh. Returns ``self``."""
        return self._fit(X, y, epochs, fresh=True)

    def _fit(self, X, y, epochs, fresh: bool):
        """Validate everything, then train; a refused call changes nothing."""
        fparams, iparams = self._checked_params()
        epochs = check_positive_int(epochs, "epochs")
        fresh = fresh or not hasattr(self, "_state")
        if not fresh and self._state.W.shape[1] != self.n_context + 1:
            raise ValueError(
                f"n_context changed from {self._state.W.shape[1] - 1} to {self.n_context} "
                "after training started; call fit to start afresh"
            )
        X = check_features(X, None if fresh else self.n_features_in_)
        y = check_labels(y, X.shape[0])
        init = self._initial_neurons(X, y) if fresh else None
        resets = np.zeros(X.shape[0], np.bool_)
        self._train(X, y, resets, epochs, fparams, iparams, init)
        return self

    def _train(self, X, y, resets, epochs, fparams, iparams, init=None) -> None:
        """Run validated data through the kernel (everything is checked by now).

        ``init``: the starting neurons (weights, labels) of a new network, which
        replaces the current one; None continues the current one.
        """
        n_classes = int(y.max()) + 1 if y.size else 0
        if init is not None:
            weights, labels = init
            if labels is not None and labels.size:
                n_classes = max(n_classes, int(labels.max()) + 1)
            # room for one insertion per input of this call; later growth is geometric
            capacity = min(weights.shape[0] + X.shape[0], int(iparams[K.MAX_NEURONS]))
            state = NetworkState(X.shape[1], self.n_context, capacity, n_classes)
            state.add_neurons(weights, labels)
            self._state = state
            self.n_features_in_ = X.shape[1]
        self._state.reserve_classes(n_classes)
        qerr = np.zeros(epochs)
        alphas = K.context_alphas(self.n_context)
        self._state.run(X, y, resets, epochs, fparams, iparams, alphas, qerr)
        self.quantization_error_ = qerr / X.shape[0]

    def reset_stream(self):
        """Start a new input stream: the next input has no temporal predecessor
        (zero context, no temporal synapse from the last input). Returns ``self``."""
        if hasattr(self, "_state"):
            self._state.counters[K.PREV] = -1
            self._state.counters[K.HAS_CONTEXT] = 0
            self._state.ctx_prev[:] = 0.0
        return self

    # -- inference ---------------------------------------------------------------
    def _check_fitted(self) -> NetworkState:
        if not hasattr(self, "_state"):
            raise NotFittedError(
                f"this {type(self).__name__} is not trained yet; call fit or partial_fit first"
            )
        return self._state

    def best_matching_units(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Index and distance of each input's best-matching neuron.

        Without context (K = 0) the inputs are independent and searched in
        batches with matrix products; with K > 0, ``X`` is one stream whose
        context starts at zero and follows the BMUs found (nothing is learnt).
        """
        state = self._check_fitted()
        X = check_features(X, self.n_features_in_)
        n = state.n_slots
        if self.n_context == 0 and state.W.shape[1] == 1:
            return nearest_neurons(X, state.W[:n, 0])
        index = np.empty(X.shape[0], np.int64)
        dist = np.empty(X.shape[0])
        alphas = K.context_alphas(state.W.shape[1] - 1)
        K.stream_bmus(X, state.W[:n], state.W32[:n], alphas, float(self.beta), index, dist)
        return index, dist

    def transform(self, X) -> np.ndarray:
        """The weights of each input's best-matching neuron (n_samples, n_features)."""
        index, _ = self.best_matching_units(X)
        return self._state.W[index, 0].copy()

    def activation(self, X) -> np.ndarray:
        """The BMU's activation ``exp(-d_b)`` for each input."""
        return np.exp(-self.best_matching_units(X)[1])

    def predict(self, X) -> np.ndarray:
        """Each input's class: the mode of its BMU's label histogram (-1: unknown)."""
        index, _ = self.best_matching_units(X)
        return self._labels_of(index)

    def _labels_of(self, index: np.ndarray) -> np.ndarray:
        out = np.empty(index.shape[0], np.int64)
        K.labels_of(self._state.L, index, out)
        return out

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities from the BMU's label histogram, (n_samples, n_classes_).

        A row is all zeros where the BMU has no label.
        """
        index, _ = self.best_matching_units(X)
        counts = self._state.L[index]
        total = counts.sum(axis=1, keepdims=True)
        return np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)

    def score(self, X, y) -> float:
        """Accuracy of :meth:`predict` on labelled data."""
        X = check_features(X, getattr(self, "n_features_in_", None))
        y = check_labels(y, X.shape[0])
        return float(np.mean(self.predict(X) == y))

    # -- learned state -----------------------------------------------------------
    def _view(self, name: str) -> np.ndarray:
        state = self._check_fitted()
        v = getattr(state, name)[: state.n_slots]
        v.flags.writeable = False
        return v

    @property
    def n_neurons_(self) -> int:
        return self._check_fitted().n_live

    @property
    def n_classes_(self) -> int:
        return self._check_fitted().n_classes

    @property
    def classes_(self) -> np.ndarray:
        return np.arange(self.n_classes_)

    @property
    def n_inserted_(self) -> int:
        return int(self._check_fitted().counters[K.N_INSERTED])

    @property
    def weights_(self) -> np.ndarray:
        return self._view("W")[:, 0]

    @property
    def context_weights_(self) -> np.ndarray:
        return self._view("W")[:, 1:]

    @property
    def habituation_(self) -> np.ndarray:
        return self._view("h")

    @property
    def label_counts_(self) -> np.ndarray:
        return self._view("L")

    @property
    def edges_(self) -> np.ndarray:
        return self._check_fitted().edge_list()[0]

    @property
    def edge_ages_(self) -> np.ndarray:
        return self._check_fitted().edge_list()[1]

    @property
    def temporal_edges_(self) -> np.ndarray:
        return self._check_fitted().temporal_list()[0]

    @property
    def temporal_counts_(self) -> np.ndarray:
        return self._check_fitted().temporal_list()[1]

    def node_labels(self) -> np.ndarray:
        """Each neuron's label (the mode of its histogram; -1: none)."""
        n = self._check_fitted().n_slots
        return self._labels_of(np.arange(n))

    # -- persistence -------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the network to ``path`` (``.npz`` with a JSON header)."""
        from .io import save_networks

        save_networks(path, {"": self}, kind=type(self).__name__)

    @classmethod
    def load(cls, path: str | Path) -> GammaGWR:
        """Read a network written by :meth:`save`; training continues exactly where it stopped."""
        from .io import load_networks

        return load_networks(path, kind=cls.__name__)[0][""]
