"""Inputs of any magnitude: trained and answered with finite distances, or refused
with a clear error and the network unchanged; never a native crash.

Distances are computed in float64 (squared sums of D differences), so values
beyond ``sqrt(DBL_MAX / D) / 4`` are refused at the public boundary; the float32
pre-selection of the search must give the exact float64 answer at every
magnitude, including where float32 overflows (above ~1e19) or underflows
(below ~1e-19).
"""

from copy import deepcopy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gwr import GammaGWR, GrowingDualMemory
from gwr import _kernels as K
from gwr._state import MIN_EDGE_SLOTS, MIN_TEMPORAL_SLOTS, NetworkState
from gwr._validation import max_magnitude

SCALE_ERROR = "too large for the distances to the neurons.*rescale or standardise"


def state_arrays(net: GammaGWR) -> dict:
    """Copies of every array of a network's state (all slots, not only the live ones)."""
    s = net._state
    out = {name: getattr(s, name).copy() for name in NetworkState.ARRAYS}
    out["ctx_prev"] = s.ctx_prev.copy()
    out["counters"] = s.counters.copy()
    return out


def assert_unchanged(before: dict, after: dict) -> None:
    assert before.keys() == after.keys()
    for name in before:
        np.testing.assert_array_equal(before[name], after[name], err_msg=name)


def fast_best_two(W, alive, C, alphas):
    """The training loop's search, with the float32 copy the network keeps."""
    W32 = np.empty(W.shape, np.float32)
    with np.errstate(over="ignore"):
        W32[:] = W  # beyond float32's range: inf, as NetworkState keeps it
    return K.best_two(
        W,
        W32,
        alive,
        W.shape[0],
        C,
        np.empty(C.shape, np.float32),
        alphas,
        alphas.astype(np.float32),
        np.empty(K.N_CANDIDATES, np.int64),
        np.empty(K.N_CANDIDATES, np.float32),
    )


@settings(max_examples=300, deadline=None)
@given(
    exponent=st.integers(-300, 300),
    n_context=st.integers(0, 2),
    n_neurons=st.integers(2, 120),
    dim=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_best_two_is_exact_at_every_magnitude(exponent, n_context, n_neurons, dim, seed):
    rng = np.random.default_rng(seed)
    scale = 10.0**exponent
    W = rng.normal(size=(n_neurons, n_context + 1, dim)) * scale
    alive = (rng.random(n_neurons) < 0.9).astype(np.uint8)
    alive[:2] = 1
    alphas = K.context_alphas(n_context)
    for _ in range(5):
        C = rng.normal(size=(n_context + 1, dim)) * scale
        b, db, s, ds = fast_best_two(W, alive, C, alphas)
        eb, edb, es, eds = K.best_two_exact(W, alive, n_neurons, C, alphas)
        # the same distances (summed in another order: equal to rounding) ...
        assert db == pytest.approx(edb, rel=1e-12, abs=0.0)
        assert ds == pytest.approx(eds, rel=1e-12, abs=0.0)
        # ... and the same neurons, unless two are as near as rounding can tell
        if (b, s) != (eb, es):
            d = np.array([K.neuron_distance(W, j, C, alphas) for j in range(n_neurons)])
            assert d[b] == pytest.approx(d[eb], rel=1e-12) and d[s] == pytest.approx(
                d[es], rel=1e-12
            ), (b, s, eb, es)


def test_best_two_where_float32_overflows():
    # squared float32 distances overflow above ~1.8e19: every float32 distance is
    # inf, and the pre-selection must not pick the first neurons blindly
    rng = np.random.default_rng(3)
    W = rng.normal(size=(147, 1, 4)) * 1e25
    alive = np.ones(147, np.uint8)
    alphas = K.context_alphas(0)
    for _ in range(50):
        C = rng.normal(size=(1, 4)) * 1e25
        b, _, s, _ = fast_best_two(W, alive, C, alphas)
        assert (b, s) == K.best_two_exact(W, alive, 147, C, alphas)[::2]


def test_best_two_with_weights_beyond_float32():
    # the nearest neuron's float32 copy is inf (|w| > 3.4e38), the others are finite
    W = np.zeros((20, 1, 2))
    W[:, 0, 0] = np.linspace(-1e30, 1e30, 20)
    W[13, 0] = [4e38, 0.0]
    C = np.array([[4.1e38, 0.0]])
    b, db, s, _ = fast_best_two(W, np.ones(20, np.uint8), C, K.context_alphas(0))
    assert b == 13 and db == pytest.approx(1e37)
    assert s == 19  # the largest of the others


def test_preselect_and_certificate_refuse_float32_figures_that_prove_nothing():
    T = K.N_CANDIDATES
    cand_idx, cand_d = np.empty(T, np.int64), np.empty(T, np.float32)
    alphas32 = np.ones(1, np.float32)
    W32 = np.zeros((20, 1, 3), np.float32)
    C32 = np.zeros((1, 3), np.float32)
    alive = np.ones(20, np.uint8)
    assert K.preselect(W32, alive, 20, C32, alphas32, cand_idx, cand_d) == T
    W32[15, 0, 1] = np.inf  # one neuron beyond float32's range
    assert K.preselect(W32, alive, 20, C32, alphas32, cand_idx, cand_d) == -1
    W32[15, 0, 1] = 2e19  # its square overflows
    assert K.preselect(W32, alive, 20, C32, alphas32, cand_idx, cand_d) == -1
    C = np.zeros((1, 3))
    for worst in (np.inf, np.nan, 0.0, 1e-16):  # not finite, or where float32 underflows
        assert not K.excluded_are_worse(worst, 0.0, C, 3)
    assert K.excluded_are_worse(1.0, 0.5, C, 3)  # and an ordinary case is certified


def test_inputs_at_the_limit_train_with_finite_distances():
    rng = np.random.default_rng(0)
    for dim in (1, 7, 300):
        limit = max_magnitude(dim)
        X = np.where(rng.random((120, dim)) < 0.5, limit, -limit)  # the farthest apart
        y = np.arange(120) % 3
        for n_context in (0, 3):
            net = GammaGWR(
                n_context=n_context,
                activation_threshold=0.9,
                habituation_threshold=1.0,
                random_state=1,
            ).fit(X, y, epochs=2)
            _, dist = net.best_matching_units(X)
            assert np.isfinite(dist).all() and np.isfinite(net.quantization_error_).all()
            assert np.abs(net._state.W[: net.n_neurons_]).max() <= limit
        with pytest.raises(ValueError, match=SCALE_ERROR):
            GammaGWR().fit(np.nextafter(X, 2 * X))


@pytest.fixture(scope="module")
def unit_data():
    rng = np.random.default_rng(5)
    return rng.normal(size=(40, 3)), np.arange(40) % 3


@pytest.fixture(scope="module")
def trained_pair(unit_data):
    """A GammaGWR per context depth and a GrowingDualMemory, trained at unit scale."""
    X, y = unit_data
    nets = {k: GammaGWR(n_context=k, random_state=0).fit(X, y, epochs=2) for k in (0, 2)}
    gdm = GrowingDualMemory(n_context=1, random_state=0).partial_fit(X, y, epochs=2)
    return nets, gdm


def check_answers(net: GammaGWR, X: np.ndarray) -> None:
    index, dist = net.best_matching_units(X)
    assert np.isfinite(dist).all()
    assert ((index >= 0) & (index < net.n_neurons_)).all()
    labels = net.predict(X)
    assert ((labels >= -1) & (labels < net.n_classes_)).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    exponent=st.integers(-300, 300),
    seed=st.integers(0, 2**32 - 1),
    signs=st.sampled_from(["mixed", "positive", "negative"]),
)
def test_any_magnitude_trains_or_is_refused_unchanged(trained_pair, exponent, seed, signs):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 3)) * 10.0**exponent
    if signs != "mixed":
        X = np.abs(X) * (1 if signs == "positive" else -1)
    y = rng.integers(0, 3, 12)
    refused = np.abs(X).max() > max_magnitude(3)
    nets, gdm = trained_pair

    fresh = GammaGWR(n_context=exponent % 3, random_state=0)
    if refused:
        with pytest.raises(ValueError, match=SCALE_ERROR):
            fresh.partial_fit(X, y)
        assert not hasattr(fresh, "_state")
    else:
        check_answers(fresh.partial_fit(X, y), X)

    for net in nets.values():
        before = state_arrays(net)
        if refused:
            for call in (net.partial_fit, net.predict, net.transform, net.activation):
                with pytest.raises(ValueError, match=SCALE_ERROR):
                    call(X)
            with pytest.raises(ValueError, match=SCALE_ERROR):
                net.score(X, y)
            with pytest.raises(ValueError, match=SCALE_ERROR):
                GammaGWR(init=X).fit(X)
            assert_unchanged(before, state_arrays(net))
        else:
            check_answers(net, X)  # a trained network answers at this scale ...
            assert_unchanged(before, state_arrays(net))
            copy = deepcopy(net)
            copy.partial_fit(X, y)  # ... and learns at it
            check_answers(copy, X)

    before = {m: state_arrays(getattr(gdm, m)) for m in ("episodic", "semantic")}
    if refused:
        with pytest.raises(ValueError, match=SCALE_ERROR):
            gdm.partial_fit(X, y, epochs=1)
        for memory in ("episodic", "semantic"):
            with pytest.raises(ValueError, match=SCALE_ERROR):
                gdm.predict(X, memory)
        for m in before:
            assert_unchanged(before[m], state_arrays(getattr(gdm, m)))
    else:
        copy = deepcopy(gdm).partial_fit(X, y, epochs=1)
        for memory in ("episodic", "semantic"):
            labels = copy.predict(X, memory)
            assert ((labels >= -1) & (labels < copy.semantic.n_classes_)).all()
        check_answers(copy.episodic, X)
        check_answers(copy.semantic, copy.episodic.transform(X))


def test_dual_memory_learns_at_large_and_tiny_scales(unit_data):
    X, y = unit_data
    for scale in (1e-300, 1e-30, 1e30, 1e150):
        gdm = GrowingDualMemory(n_context=1, random_state=0)
        gdm.partial_fit(X * scale, y, epochs=2).replay(epochs=1)
        gdm.partial_fit(X[::-1] * scale, y[::-1], epochs=1)
        for memory in ("episodic", "semantic"):
            labels = gdm.predict(X * scale, memory)
            assert ((labels >= -1) & (labels < 3)).all()
        check_answers(gdm.episodic, X * scale)
        check_answers(gdm.semantic, gdm.episodic.transform(X * scale))


# -- the last defence: the kernels never index with a missing winner -----------------


def test_training_kernel_stops_before_an_input_without_a_winner(unit_data):
    X, y = unit_data
    net = GammaGWR(n_context=1, random_state=0).fit(X, y)
    before = state_arrays(net)
    fparams, iparams = net._checked_params()
    bad = np.full((3, 3), 1e300)  # past the boundary's check: distances overflow
    resets = np.array([True, False, False])
    with pytest.raises(ValueError, match="no best and second-best matching units"):
        net._train(bad, np.zeros(3, np.int64), resets, 1, fparams, iparams)
    after = state_arrays(net)
    for position in (K.EPOCH, K.POS):  # where it stopped: input 0 of epoch 0
        assert after["counters"][position] == 0
        after["counters"][position] = before["counters"][position]
    assert_unchanged(before, after)  # the reset of input 0 included
    check_answers(net, X)

    # inputs before the bad one are learnt, and the network stays usable
    stream = np.vstack([X[:5], bad[:1]])
    with pytest.raises(ValueError, match="input 5 "):
        net._train(stream, np.zeros(6, np.int64), np.zeros(6, bool), 1, fparams, iparams)
    assert net._state.counters[K.N_REMOVED] == 0  # compacted
    check_answers(net, X)


def test_stream_search_stops_at_an_input_without_a_winner(unit_data, monkeypatch):
    rng = np.random.default_rng(0)
    W = rng.normal(size=(30, 2, 3))
    X = rng.normal(size=(6, 3))
    X[3] = 1e300
    index = np.full(6, -7, np.int64)
    dist = np.full(6, -7.0)
    first = K.stream_bmus(X, W, W.astype(np.float32), K.context_alphas(1), 0.7, index, dist)
    assert first == 3
    assert (index[:3] >= 0).all() and (index[3:] == -7).all() and (dist[3:] == -7.0).all()
    assert (
        K.stream_bmus(X[:3], W, W.astype(np.float32), K.context_alphas(1), 0.7, index, dist) == -1
    )

    # the estimator turns it into an error, for both searches (the boundary's check
    # bypassed here, to reach the last defence)
    import gwr.network

    X, y = unit_data
    monkeypatch.setattr(gwr.network, "check_features", lambda X, n=None, **kw: X)
    for n_context in (0, 1):
        net = GammaGWR(n_context=n_context, random_state=0).fit(X, y)
        with pytest.raises(ValueError, match="input 1 has no best-matching unit"):
            net.predict(np.array([[0.0, 0.0, 0.0], [1e300, 1e300, 1e300]]))


def test_a_width_of_zero_is_widened(unit_data):
    X, y = unit_data
    net = GammaGWR(random_state=0).fit(X[:2], y[:2])
    state = net._state
    state.nbr = state.nbr[:, :0].copy()
    state.age = state.age[:, :0].copy()
    state.tidx = state.tidx[:, :0].copy()
    state.tcnt = state.tcnt[:, :0].copy()
    state.widen_edges()
    state.widen_temporal()
    assert state.nbr.shape[1] == MIN_EDGE_SLOTS and state.age.shape[1] == MIN_EDGE_SLOTS
    assert state.tidx.shape[1] == MIN_TEMPORAL_SLOTS and state.tcnt.shape[1] == MIN_TEMPORAL_SLOTS
