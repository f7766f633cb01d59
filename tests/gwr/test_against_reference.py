"""Whole training runs of the compiled network against the slow numpy reference."""

import numpy as np
import pytest
from numpy_reference import NumpyGWR

from gwr import GammaGWR


def _streams(rng, n, d, n_classes, labelled=True):
    centres = rng.normal(scale=2.0, size=(n_classes, d))
    y = rng.integers(0, n_classes, size=n)
    X = centres[y] + 0.6 * rng.normal(size=(n, d))
    if not labelled:
        y = np.full(n, -1)
    return X, y


def _compare(net: GammaGWR, ref: NumpyGWR):
    n = ref.W.shape[0]
    assert net.n_neurons_ == n
    np.testing.assert_allclose(net._state.W[:n], ref.W, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(net.habituation_, ref.h, rtol=1e-12, atol=1e-12)
    got_L = np.zeros_like(ref.L)
    got_L[:, : net.n_classes_] = net.label_counts_
    np.testing.assert_allclose(got_L, ref.L, atol=1e-12)
    edges = {tuple(map(int, e)): int(a) for e, a in zip(net.edges_, net.edge_ages_, strict=True)}
    assert edges == ref.edges()
    temporal = {
        tuple(map(int, e)): int(c)
        for e, c in zip(net.temporal_edges_, net.temporal_counts_, strict=True)
    }
    assert temporal == ref.temporal()


CASES = {
    "bmu-ageing": dict(aging="bmu"),
    "bmu-ageing-short-max-age": dict(aging="bmu", max_age=3),
    "global-ageing": dict(aging="global", max_age=25),
    "regulated": dict(regulated=True, activation_threshold=0.5, habituation_threshold=0.3),
    "context-K2": dict(n_context=2),
    "capped": dict(max_neurons=12),
}


@pytest.mark.parametrize("case", list(CASES))
def test_training_matches_numpy_reference(case, rng):
    params = dict(
        activation_threshold=0.5,
        habituation_threshold=0.3,
        epsilon_b=0.2,
        epsilon_n=0.01,
        max_age=40,
    )
    params.update(CASES[case])
    X, y = _streams(rng, 150, 4, 3)
    k1 = params.get("n_context", 0) + 1
    init = X[:2].copy()
    net = GammaGWR(init=init, **params)
    weights = np.zeros((2, k1, X.shape[1]))
    weights[:, 0] = init
    ref = NumpyGWR(
        weights,
        None,
        3,
        a_t=params["activation_threshold"],
        h_t=params["habituation_threshold"],
        eps_b=params["epsilon_b"],
        eps_n=params["epsilon_n"],
        max_age=params["max_age"],
        aging=params.get("aging", "bmu"),
        regulated=params.get("regulated", False),
        max_neurons=params.get("max_neurons", 10**6),
    )
    # several calls: the stream, the context and the synapses carry over
    for chunk in (slice(0, 60), slice(60, 61), slice(61, 150)):
        net.partial_fit(X[chunk], y[chunk], epochs=2)
        ref.fit_stream(X[chunk], y[chunk], epochs=2)
        _compare(net, ref)
    assert net.n_inserted_ > 5  # the runs exercise insertions ...
    if case == "bmu-ageing-short-max-age":
        assert net.n_neurons_ < 2 + net.n_inserted_  # ... and removals


def test_unlabelled_stream_matches_reference(rng):
    X, y = _streams(rng, 120, 3, 2, labelled=False)
    net = GammaGWR(init=X[:2], activation_threshold=0.1, habituation_threshold=0.4, max_age=10)
    ref = NumpyGWR(X[:2, None, :], None, 0, a_t=0.1, h_t=0.4, max_age=10)
    net.partial_fit(X, y, epochs=3)
    ref.fit_stream(X, y, epochs=3)
    _compare(net, ref)
    assert (net.predict(X) == -1).all()
