"""Invariants of the network over arbitrary input streams (hypothesis)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gwr import GammaGWR

finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def streams(draw):
    n = draw(st.integers(1, 40))
    d = draw(st.integers(1, 4))
    X = draw(arrays(np.float64, (n, d), elements=finite))
    y = draw(arrays(np.int64, n, elements=st.integers(-1, 3)))
    params = dict(
        activation_threshold=draw(st.floats(0.0, 1.0)),
        habituation_threshold=draw(st.floats(0.0, 1.0)),
        epsilon_b=draw(st.floats(0.0, 1.0)),
        epsilon_n=draw(st.floats(0.0, 0.5)),
        kappa=draw(st.floats(1.0, 1.5)),
        max_age=draw(st.integers(1, 30)),
        max_neurons=draw(st.integers(2, 30)),
        aging=draw(st.sampled_from(["bmu", "global"])),
        regulated=draw(st.booleans()),
        n_context=draw(st.integers(0, 2)),
        random_state=draw(st.integers(0, 2**31)),
    )
    epochs = draw(st.integers(1, 3))
    cut = draw(st.integers(0, n))
    return X, y, params, epochs, cut


def check_invariants(net: GammaGWR, params: dict) -> None:
    state = net._state
    n = net.n_neurons_
    assert 2 <= n <= params["max_neurons"] or n == 2
    assert state.n_slots == n and (state.alive[:n] == 1).all()  # compacted
    # edges: symmetric lists with equal ages, no self-loops, no duplicates, in range
    for i in range(n):
        row = state.nbr[i, : state.deg[i]]
        assert len(set(row.tolist())) == len(row)
        assert i not in row
        assert ((row >= 0) & (row < n)).all()
        for k, j in enumerate(row):
            back = state.nbr[j, : state.deg[j]].tolist()
            assert i in back
            assert state.age[j, back.index(i)] == state.age[i, k]
    assert (net.edge_ages_ <= params["max_age"]).all()
    floor = max(0.0, 1 - 1 / params["kappa"])
    assert (net.habituation_ >= floor - 1e-12).all() and (net.habituation_ <= 1.0).all()
    assert (net.label_counts_ >= 0).all()
    t = net.temporal_edges_
    assert ((t >= 0) & (t < n)).all() and (t[:, 0] != t[:, 1]).all()
    assert (net.temporal_counts_ > 0).all()
    assert np.isfinite(net._state.W[:n]).all()
    np.testing.assert_array_equal(state.W32[:n], state.W[:n].astype(np.float32))  # search copy


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_invariants_hold_over_any_stream(case):
    X, y, params, epochs, cut = case
    net = GammaGWR(**params)
    net.partial_fit(X, y, epochs=epochs)
    check_invariants(net, params)
    if cut:
        net.partial_fit(X[:cut], y[:cut], epochs=epochs)
        check_invariants(net, params)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_same_random_state_gives_the_same_network(case):
    X, y, params, epochs, _ = case
    a = GammaGWR(**params).partial_fit(X, y, epochs=epochs)
    b = GammaGWR(**params).partial_fit(X, y, epochs=epochs)
    np.testing.assert_array_equal(a._state.W[: a.n_neurons_], b._state.W[: b.n_neurons_])
    np.testing.assert_array_equal(a.habituation_, b.habituation_)
    np.testing.assert_array_equal(a.label_counts_, b.label_counts_)
    np.testing.assert_array_equal(a.edges_, b.edges_)
    np.testing.assert_array_equal(a.temporal_counts_, b.temporal_counts_)
