"""``GammaGWR``: a Growing-When-Required network with gamma-filtered context.

The estimator follows scikit-learn's conventions: parameters are stored as given
by ``__init__``, validated when training starts; ``partial_fit`` is the
incremental path (the natural one for a GWR: each call continues the same input
stream), ``fit`` starts afresh; learned state ends in an underscore.

The algorithm, per input (docs/algorithms.md, Gamma-GWR, and the table of
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
from ._validation import (
    INT32_MAX,
    InvalidParameterError,
    check_bool,
    check_choice,
    check_classes,
    check_features,
    check_is_fitted,
    check_labels,
    check_number,
    check_positive_int,
    check_random_state,
    check_stream_starts,
)

LABEL_INCREMENT = 1.0  # added to the BMU's count of the input's class
LABEL_DECREMENT = 0.1  # taken from its other classes (floored at 0)
REGULATED_RATE = 0.01  # learning-rate factor for a regulated network's misclassified input

AGING_MODES = ("bmu", "global")


_UNIT_INTERVAL = (
    "beta",
    "activation_threshold",
    "habituation_threshold",
    "epsilon_b",
    "epsilon_n",
    "tau_b",
    "tau_n",
)


def check_param(name: str, value, label: str | None = None):
    """Check ``value`` as the GammaGWR parameter ``name`` (all but ``init``) and
    return it as the kernels take it; errors call it ``label`` (default ``name``).

    :class:`gwr.GrowingDualMemory` checks its own parameters with these rules
    under its own names (``episodic_max_age`` is a ``max_age``).
    """
    label = label or name
    if name in _UNIT_INTERVAL:
        return check_number(value, label, 0.0, 1.0)
    if name == "kappa":
        return check_number(value, label, 0.0, low_open=True)
    if name == "n_context":
        return check_positive_int(value, label, minimum=0)
    if name == "max_age":  # an int32 in the kernels
        return check_positive_int(value, label, minimum=1, maximum=INT32_MAX)
    if name == "max_neurons":  # neuron indices are int32
        return check_positive_int(value, label, minimum=2, maximum=INT32_MAX)
    if name == "aging":
        check_choice(value, label, AGING_MODES)
        return value == "global"
    if name == "regulated":
        return check_bool(value, label)
    if name == "random_state":
        check_random_state(value, label)
        return value
    raise KeyError(f"no rule for the parameter {name!r}")


def check_habituation_rates(tau_b, tau_n, kappa) -> None:
    """``tau * kappa <= 1`` for both rates (checked numbers), so that the
    habituation counters decrease monotonically."""
    for name, tau in (("tau_b", tau_b), ("tau_n", tau_n)):
        if tau * kappa > 1.0:
            raise InvalidParameterError(
                name,
                tau,
                f"<= 1 / kappa = {1.0 / kappa:.6g} (tau * kappa must be <= 1 for the "
                f"habituation counters to decrease monotonically; kappa={kappa})",
            )


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
    def check_params(self) -> GammaGWR:
        """Check every parameter as training would (``init`` and ``random_state``
        included, which only a fresh start uses); returns ``self``.

        Raises :class:`gwr.InvalidParameterError` (a ValueError and a TypeError)
        naming the parameter, the allowed values and the value given.
        """
        self._checked_params()
        self._checked_init()
        check_param("random_state", self.random_state)
        return self

    def _checked_params(self) -> tuple[np.ndarray, np.ndarray]:
        """Validate the parameters; return the kernels' float and int arrays."""
        check_param("n_context", self.n_context)
        f = np.zeros(K.N_FPARAMS)
        f[K.BETA] = check_param("beta", self.beta)
        f[K.A_T] = check_param("activation_threshold", self.activation_threshold)
        f[K.H_T] = check_param("habituation_threshold", self.habituation_threshold)
        f[K.EPS_B] = check_param("epsilon_b", self.epsilon_b)
        f[K.EPS_N] = check_param("epsilon_n", self.epsilon_n)
        f[K.TAU_B] = check_param("tau_b", self.tau_b)
        f[K.TAU_N] = check_param("tau_n", self.tau_n)
        f[K.KAPPA] = check_param("kappa", self.kappa)
        f[K.MOD_RATE] = REGULATED_RATE
        f[K.LABEL_INC] = LABEL_INCREMENT
        f[K.LABEL_DEC] = LABEL_DECREMENT
        check_habituation_rates(self.tau_b, self.tau_n, self.kappa)
        i = np.zeros(K.N_IPARAMS, np.int64)
        i[K.MAX_AGE] = check_param("max_age", self.max_age)
        i[K.MAX_NEURONS] = check_param("max_neurons", self.max_neurons)
        i[K.AGING_GLOBAL] = check_param("aging", self.aging)
        i[K.REGULATED] = check_param("regulated", self.regulated)
        if isinstance(self.init, str) and self.init != "random":
            raise InvalidParameterError("init", self.init, "'random' or an array of prototypes")
        return f, i

    def _checked_init(self, n_features: int | None = None) -> np.ndarray | None:
        """The ``init`` prototypes as float64 (None for "random"), checked, with
        ``n_features`` features if given (call after :meth:`_checked_params`)."""
        if isinstance(self.init, str):
            if self.init != "random":
                raise InvalidParameterError("init", self.init, "'random' or an array of prototypes")
            return None
        allowed = "'random' or a 2-D array of at least 2 prototypes"
        try:
            protos = check_features(self.init, None, name="init")
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError("init", self.init, allowed, detail=str(exc)) from exc
        if protos.shape[0] < 2:
            raise InvalidParameterError("init", self.init, allowed)
        if protos.shape[0] > self.max_neurons:
            raise InvalidParameterError(
                "init", self.init, f"at most max_neurons={self.max_neurons} prototypes"
            )
        if n_features is not None and protos.shape[1] != n_features:
            raise InvalidParameterError(
                "init", self.init, f"prototypes of {n_features} features, as X has"
            )
        return protos

    def _initial_neurons(self, X: np.ndarray, y: np.ndarray):
        """Own weights (n, D) and labels (or None) of the starting neurons."""
        protos = self._checked_init(X.shape[1])
        if protos is not None:
            return protos, None
        check_param("random_state", self.random_state)
        rng = np.random.default_rng(self.random_state)
        n = X.shape[0]
        picks = rng.choice(n, size=2, replace=False) if n >= 2 else np.zeros(2, np.int64)
        return X[picks], y[picks]

    # -- training --------------------------------------------------------------
    def partial_fit(self, X, y=None, epochs: int = 1, stream_starts=None, classes=None):
        """Continue learning from the input stream ``X`` (labels ``y``, -1: none).

        The inputs are presented in order, ``epochs`` times. New classes may
        appear at any call; the temporal context and synapses carry over from
        the previous call (see :meth:`reset_stream`). ``stream_starts``: one
        bool per input, True where the input starts a new stream (zero context,
        no temporal synapse from the input before it), in every epoch; None:
        ``X`` is one stream. ``classes`` (optional, as in scikit-learn's
        incremental learners): class ids whose label columns exist from this
        call on (``n_classes_``, the width of :meth:`predict_proba`), whether or
        not ``y`` holds them yet. Returns ``self``.
        """
        return self._fit(X, y, epochs, fresh=False, stream_starts=stream_starts, classes=classes)

    def fit(self, X, y=None, epochs: int = 1):
        """Forget everything learnt and train on ``X`` afresh. Returns ``self``."""
        return self._fit(X, y, epochs, fresh=True)

    def _fit(self, X, y, epochs, fresh: bool, stream_starts=None, classes=None):
        """Validate everything, then train; a refused call changes nothing."""
        fparams, iparams = self._checked_params()
        epochs = check_positive_int(epochs, "epochs")
        fresh = fresh or not self.__sklearn_is_fitted__()
        if not fresh:
            self._check_context_unchanged()
        X = check_features(X, None if fresh else self.n_features_in_, owner=type(self).__name__)
        y = check_labels(y, X.shape[0])
        resets = check_stream_starts(stream_starts, X.shape[0])
        n_classes = check_classes(classes)
        init = self._initial_neurons(X, y) if fresh else None
        self._train(X, y, resets, epochs, fparams, iparams, init, n_classes)
        return self

    def _check_context_unchanged(self) -> None:
        """Refuse to continue training with another ``n_context`` than the network's."""
        if self._state.W.shape[1] != self.n_context + 1:
            raise ValueError(
                f"n_context changed from {self._state.W.shape[1] - 1} to {self.n_context} "
                "after training started; call fit to start afresh"
            )

    def _train(self, X, y, resets, epochs, fparams, iparams, init=None, n_classes=0) -> None:
        """Run validated data through the kernel (everything is checked by now).

        ``init``: the starting neurons (weights, labels) of a new network, which
        replaces the current one; None continues the current one. ``n_classes``:
        label columns to have at least.
        """
        n_classes = max(int(y.max()) + 1 if y.size else 0, n_classes)
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

    def trajectories(self, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Neural trajectories for pseudo-rehearsal, as one input stream.

        From every neuron a trajectory follows the strongest temporal synapse
        for up to ``length - 1`` more steps (it ends early at a neuron that
        never fired before another one). Returns the neurons' own weights
        ``(m, n_features_in_)`` and labels ``(m,)`` (their histograms' modes,
        -1: none), all trajectories one after another, and ``stream_starts``
        ``(m,)``, True at the first element of each: together what
        :meth:`partial_fit` takes to learn each trajectory as a stream of its own.
        """
        state = self._check_fitted()
        length = check_positive_int(length, "length")
        n = state.n_slots
        xs = np.empty((n * length, self.n_features_in_))
        ys = np.empty(n * length, np.int64)
        starts = np.empty(n * length, np.bool_)
        weights = np.ascontiguousarray(state.W[:n, 0])
        m = K.replay_trajectories(
            weights, state.L, state.tidx, state.tcnt, state.tdeg, length, xs, ys, starts
        )
        return xs[:m], ys[:m], starts[:m]

    # -- inference ---------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        """Whether the network has been trained (scikit-learn's protocol)."""
        return hasattr(self, "_state")

    def _check_fitted(self) -> NetworkState:
        check_is_fitted(self)
        return self._state

    def best_matching_units(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Index and distance of each input's best-matching neuron.

        Without context (K = 0) the inputs are independent and searched in
        batches with matrix products; with K > 0, ``X`` is one stream whose
        context starts at zero and follows the BMUs found (nothing is learnt).
        """
        state = self._check_fitted()
        X = check_features(X, self.n_features_in_, owner=type(self).__name__)
        n = state.n_slots
        if self.n_context == 0 and state.W.shape[1] == 1:
            index, dist = nearest_neurons(X, state.W[:n, 0])
            bad = np.flatnonzero(~np.isfinite(dist))
            missing = int(bad[0]) if bad.size else -1
        else:
            index = np.empty(X.shape[0], np.int64)
            dist = np.empty(X.shape[0])
            alphas = K.context_alphas(state.W.shape[1] - 1)
            beta = float(self.beta)
            missing = K.stream_bmus(X, state.W[:n], state.W32[:n], alphas, beta, index, dist)
        if missing >= 0:  # a last defence: the inputs are checked for their scale
            raise ValueError(
                f"input {missing} has no best-matching unit: its distances to the neurons "
                "are not finite in float64 (values too large in magnitude?); rescale or "
                "standardise the data"
            )
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
        X = check_features(X, getattr(self, "n_features_in_", None), owner=type(self).__name__)
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
    def network_state(self) -> NetworkState:
        """The fitted network's arrays (neurons, edges, context, counters): what
        :mod:`gwr.io` writes. Read it, do not change it; raises ``NotFittedError``
        before the first fit."""
        return self._check_fitted()

    def set_network_state(
        self, state: NetworkState, n_features: int, quantization_error=()
    ) -> GammaGWR:
        """Make this (unfitted or fitted) network the one ``state`` holds, as read
        back by :mod:`gwr.io` (which checks the arrays first); returns ``self``."""
        self._state = state
        self.n_features_in_ = int(n_features)
        self.quantization_error_ = np.asarray(quantization_error, float)
        return self

    def save(self, path: str | Path) -> None:
        """Write the network to ``path`` (``.npz`` with a JSON header)."""
        from .io import save_networks

        save_networks(path, {"": self}, kind=type(self).__name__)

    @classmethod
    def load(cls, path: str | Path) -> GammaGWR:
        """Read a network written by :meth:`save`; training continues exactly where it stopped."""
        from .io import load_networks

        return load_networks(path, kind=cls.__name__, prefixes=("",))[0][""]


def class_activations(network: GammaGWR, X, n_classes: int | None = None) -> np.ndarray:
    """Each class's activation for each input: ``exp(-d)``, ``d`` the Euclidean
    distance to the nearest neuron of ``network`` labelled with that class (the
    mode of its histogram); 0 for a class without neurons.

    Only the neurons' own weights count (no temporal context): the inputs are
    matched one by one. ``n_classes`` columns (default: the network's
    ``n_classes_``); labels beyond them are left out. Returns ``(n_samples, n_classes)``.
    The distances are the plain sequential sums of SciPy's ``cdist``, to the last bit.
    """
    weights, labels = network.weights_, network.node_labels()
    X = check_features(X, network.n_features_in_, owner=type(network).__name__)
    if n_classes is None:
        n_classes = network.n_classes_
    n_classes = check_positive_int(n_classes, "n_classes", minimum=0)
    squared = np.empty((X.shape[0], n_classes))
    K.nearest_of_each_class(X, np.ascontiguousarray(weights), labels, squared)
    return np.exp(-np.sqrt(squared))
