"""``gwr.class_activations``: each class's activation through its nearest neuron,
against the plain numpy reference, SciPy's ``cdist`` and invariants."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy_reference import class_activations as reference

from gwr import GammaGWR, class_activations


def _trained(rng, n=90, d=4, classes=(0, 2, 5), **params):
    y = np.resize(np.asarray(classes), n)
    y[::7] = -1  # unlabelled inputs too
    X = rng.normal(size=(n, d)) + 3.0 * np.maximum(y, 0)[:, None]
    params = dict(activation_threshold=0.5, random_state=0) | params
    return GammaGWR(**params).partial_fit(X, y, epochs=2), X


def test_matches_the_numpy_reference(rng):
    net, _ = _trained(rng)
    queries = rng.normal(size=(25, 4)) * 4
    got = class_activations(net, queries)
    assert got.shape == (25, net.n_classes_) == (25, 6)
    expected = reference(net.weights_, net.node_labels(), queries, 6)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
    assert (got[:, [1, 3, 4]] == 0).all() and (got[:, [0, 2, 5]] > 0).all()


def test_a_hand_computed_network():
    protos = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0]])
    net = GammaGWR(init=protos, activation_threshold=0.0, epsilon_b=0.0, epsilon_n=0.0)
    net.partial_fit(protos, [1, 0, 1])  # each its own BMU: labels 1, 0, 1; nothing moves
    got = class_activations(net, np.array([[0.0, 0.0], [3.0, 0.0]]), n_classes=3)
    # (0, 0): class 0 at (3, 4), 5 away; class 1 at (0, 0) itself
    # (3, 0): class 0 at (3, 4), 4 away; class 1 at (1, 0), 2 away; no class 2
    np.testing.assert_array_equal(got, np.exp(-np.array([[5.0, 0.0, np.inf], [4.0, 2.0, np.inf]])))


def test_equals_the_cdist_version_to_the_last_bit(rng):
    """The same numbers as computing every distance with SciPy's ``cdist`` first."""
    distance = pytest.importorskip("scipy.spatial.distance")
    for d, n_context in ((3, 0), (50, 0), (17, 2)):
        net, _ = _trained(rng, n=200, d=d, classes=(0, 1, 3, 4), n_context=n_context)
        queries = rng.normal(size=(40, d)) * 3
        weights, labels = net.weights_, net.node_labels()
        distances = distance.cdist(queries, weights)
        expected = np.zeros((40, 6))
        for c in range(6):
            mine = labels == c
            if mine.any():
                expected[:, c] = np.exp(-distances[:, mine].min(axis=1))
        np.testing.assert_array_equal(class_activations(net, queries, n_classes=6), expected)


def test_n_classes_cuts_or_pads_the_columns(rng):
    net, X = _trained(rng)
    full = class_activations(net, X[:5])
    np.testing.assert_array_equal(class_activations(net, X[:5], n_classes=3), full[:, :3])
    wide = class_activations(net, X[:5], n_classes=8)
    np.testing.assert_array_equal(wide[:, :6], full)
    assert (wide[:, 6:] == 0).all()


def test_refuses_what_the_network_refuses(rng):
    net, X = _trained(rng)
    with pytest.raises(ValueError, match="3 features, but GammaGWR is expecting 4"):
        class_activations(net, X[:, :3])
    with pytest.raises(ValueError, match="n_classes must be >= 0"):
        class_activations(net, X, n_classes=-1)
    with pytest.raises(ValueError, match="not trained yet"):
        class_activations(GammaGWR(), X)


finite = st.floats(-4, 4, allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 12).flatmap(
        lambda n: st.tuples(
            arrays(np.float64, (n, 3), elements=finite),
            arrays(np.int64, n, elements=st.integers(-1, 3)),
            arrays(np.float64, (5, 3), elements=finite),
        )
    )
)
def test_each_class_through_its_nearest_neuron(case):
    """Every entry in [0, 1], 0 exactly for a class without neurons; the BMU's
    class has the BMU's activation; no class beats the BMU."""
    protos, labels, queries = case
    net = GammaGWR(init=protos, activation_threshold=0.0, epsilon_b=0.0, epsilon_n=0.0)
    net.partial_fit(protos, labels)  # labels the prototypes, moves nothing
    got = class_activations(net, queries, n_classes=4)
    node_labels = net.node_labels()
    assert ((got >= 0) & (got <= 1)).all()
    for c in range(4):
        if not (node_labels == c).any():
            assert (got[:, c] == 0).all()
    np.testing.assert_allclose(got, reference(net.weights_, node_labels, queries, 4), rtol=1e-12)
    # the BMU search's distances (matrix products) are exact to about 1e-7 here
    bmu, _ = net.best_matching_units(queries)
    top = net.activation(queries)
    assert (got <= top[:, None] * np.exp(1e-6)).all()
    for i, b in enumerate(bmu):
        if node_labels[b] >= 0:
            assert got[i, node_labels[b]] == pytest.approx(top[i], abs=1e-6)
