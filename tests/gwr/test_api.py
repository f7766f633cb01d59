"""The estimator's public interface (scikit-learn conventions)."""

import numpy as np
import pytest

from gwr import GammaGWR, NotFittedError


def blobs(rng, n=300, d=5, k=3, scale=0.3):
    centres = rng.normal(scale=3.0, size=(k, d))
    y = np.arange(n) % k
    return centres[y] + scale * rng.normal(size=(n, d)), y


def test_init_stores_parameters_and_does_nothing_else():
    net = GammaGWR(activation_threshold=2.0, aging="sideways")  # invalid, but only stored
    assert net.get_params()["activation_threshold"] == 2.0
    with pytest.raises(ValueError, match="activation_threshold"):
        net.partial_fit(np.zeros((3, 2)))
    assert not hasattr(net, "_state")


def test_get_set_params_round_trip():
    net = GammaGWR()
    params = net.get_params()
    assert set(params) >= {
        "n_context",
        "beta",
        "activation_threshold",
        "habituation_threshold",
        "epsilon_b",
        "epsilon_n",
        "tau_b",
        "tau_n",
        "kappa",
        "max_age",
        "max_neurons",
        "aging",
        "regulated",
        "random_state",
    }
    assert params["beta"] == 0.7 and params["tau_b"] == 0.3 and params["tau_n"] == 0.1
    assert params["kappa"] == 1.05 and params["n_context"] == 0 and params["aging"] == "bmu"
    assert net.set_params(max_age=9, aging="global") is net
    assert net.max_age == 9 and net.aging == "global"
    with pytest.raises(ValueError, match="invalid parameter"):
        net.set_params(alpha=1)
    assert repr(net) == "GammaGWR(max_age=9, aging='global')"
    assert GammaGWR(**params).get_params() == params


def test_fit_predict_score(rng):
    X, y = blobs(rng)
    net = GammaGWR(activation_threshold=0.5, random_state=0)
    assert net.fit(X, y, epochs=2) is net
    assert net.score(X, y) > 0.95
    proba = net.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), net.predict(X))
    np.testing.assert_array_equal(net.classes_, [0, 1, 2])


def test_fit_starts_afresh_and_partial_fit_continues(rng):
    X, y = blobs(rng)
    net = GammaGWR(activation_threshold=0.5, random_state=0).partial_fit(X, y)
    n1 = net.n_neurons_
    net.partial_fit(X, y)
    assert net.n_neurons_ >= n1
    net.fit(X[:10], y[:10])
    assert net.n_neurons_ <= 12


def test_new_classes_may_appear_at_any_call(rng):
    X, y = blobs(rng, k=4)
    net = GammaGWR(activation_threshold=0.5, random_state=0)
    for c in range(4):
        net.partial_fit(X[y == c], y[y == c], epochs=2)
        assert net.n_classes_ == c + 1
        assert net.label_counts_.shape == (net.n_neurons_, c + 1)
    assert net.score(X, y) > 0.9


def test_unlabelled_neurons_predict_minus_one(rng):
    X, _ = blobs(rng)
    net = GammaGWR(random_state=0).fit(X)
    assert (net.predict(X) == -1).all()
    assert net.predict_proba(X).shape == (len(X), 0)


def test_bmus_transform_and_activation(rng):
    X, _ = blobs(rng)
    net = GammaGWR(activation_threshold=0.5, random_state=0).fit(X)
    index, dist = net.best_matching_units(X)
    brute = np.linalg.norm(X[:, None] - net.weights_[None], axis=2)
    np.testing.assert_array_equal(index, brute.argmin(axis=1))
    np.testing.assert_allclose(dist, brute.min(axis=1), atol=1e-7)
    np.testing.assert_allclose(net.transform(X), net.weights_[index])
    np.testing.assert_allclose(net.activation(X), np.exp(-dist))


def test_learned_state_is_read_only(rng):
    X, y = blobs(rng)
    net = GammaGWR(random_state=0).fit(X, y)
    for name in ("weights_", "habituation_", "label_counts_"):
        with pytest.raises(ValueError):
            getattr(net, name)[0] = 0
    assert net.edges_.shape[1] == 2 and (net.edges_[:, 0] < net.edges_[:, 1]).all()
    assert len(net.edge_ages_) == len(net.edges_)
    assert net.temporal_edges_.shape == (len(net.temporal_counts_), 2)
    assert net.context_weights_.shape == (net.n_neurons_, 0, 5)


def test_unfitted_network_says_so():
    net = GammaGWR()
    for call in (
        lambda: net.predict(np.zeros((1, 2))),
        lambda: net.n_neurons_,
        lambda: net.weights_,
        lambda: net.save("x.npz"),
    ):
        with pytest.raises(NotFittedError, match="not trained yet"):
            call()


def test_max_neurons_caps_growth(rng):
    X, y = blobs(rng, scale=2.0)
    net = GammaGWR(
        activation_threshold=0.9, habituation_threshold=1.0, max_neurons=7, random_state=0
    ).fit(X, y, epochs=3)
    assert net.n_neurons_ == 7


def test_init_prototypes(rng):
    protos = rng.normal(size=(500, 4))
    net = GammaGWR(init=protos, activation_threshold=1e-9).partial_fit(protos[:3] + 0.01)
    assert net.n_neurons_ == 500
    moved = ~np.all(net.weights_ == protos, axis=1)
    assert 3 <= moved.sum() <= 6  # three BMUs and their second-best units
    with pytest.raises(ValueError, match="at least 2"):
        GammaGWR(init=protos[:1]).partial_fit(protos)
    with pytest.raises(ValueError, match="features"):
        GammaGWR(init=protos[:, :3]).partial_fit(protos)


def test_growth_past_initial_capacity_keeps_everything(rng):
    # many insertions and removals across several array growths, compared with one big call
    X, y = blobs(rng, n=2000, d=3, k=5, scale=1.0)
    params = dict(activation_threshold=0.8, habituation_threshold=0.9, max_age=30, init=X[:2])
    a = GammaGWR(**params).partial_fit(X, y)
    b = GammaGWR(**params)
    b.partial_fit(X[:1], y[:1])
    b.partial_fit(X[1:], y[1:])
    assert a.n_neurons_ > 100 and a._state.capacity > 16
    np.testing.assert_array_equal(a.weights_, b.weights_)
    np.testing.assert_array_equal(a.edges_, b.edges_)


def test_scikit_learn_can_clone_and_cross_validate(rng):
    base = pytest.importorskip("sklearn.base")
    model_selection = pytest.importorskip("sklearn.model_selection")
    X, y = blobs(rng)
    net = GammaGWR(activation_threshold=0.5, max_age=50, random_state=0)
    twin = base.clone(net)
    assert twin is not net and twin.get_params() == net.get_params()
    scores = model_selection.cross_val_score(
        GammaGWR(activation_threshold=0.5, random_state=0), X, y, cv=3
    )
    assert scores.min() > 0.9


def test_stream_starts_are_resets_within_one_call(rng):
    X, y = blobs(rng, n=40, d=3)
    starts = np.zeros(40, bool)
    starts[[0, 13, 14, 30]] = True
    params = dict(n_context=2, activation_threshold=0.6, init=X[:2])
    one = GammaGWR(**params).partial_fit(X, y, epochs=2, stream_starts=starts)
    # the same by hand: each stream a call of its own after a reset, epoch by epoch
    by_hand = GammaGWR(**params)
    for _ in range(2):
        for a, b in ((0, 13), (13, 14), (14, 30), (30, 40)):
            by_hand.reset_stream().partial_fit(X[a:b], y[a:b])
    np.testing.assert_array_equal(one.weights_, by_hand.weights_)
    np.testing.assert_array_equal(one.context_weights_, by_hand.context_weights_)
    np.testing.assert_array_equal(one.temporal_edges_, by_hand.temporal_edges_)
    np.testing.assert_array_equal(one.temporal_counts_, by_hand.temporal_counts_)
    # without stream_starts, one stream: the context runs across the cuts
    joined = GammaGWR(**params).partial_fit(X, y, epochs=2)
    assert not np.array_equal(joined.context_weights_, one.context_weights_)


def test_trajectories_without_temporal_synapses_are_the_neurons(rng):
    X, y = blobs(rng, n=60, d=3)
    net = GammaGWR(random_state=0).fit(X, y)
    net.reset_stream()
    xs, ys, starts = net.trajectories(1)
    np.testing.assert_array_equal(xs, net.weights_)
    np.testing.assert_array_equal(ys, net.node_labels())
    assert starts.all()
    xs3, _, starts3 = net.trajectories(3)  # at most 3 steps along the strongest synapses
    assert starts3.sum() == net.n_neurons_ and len(xs3) <= 3 * net.n_neurons_
    np.testing.assert_array_equal(xs3[starts3], net.weights_)
    with pytest.raises(NotFittedError):
        GammaGWR().trajectories(1)
    with pytest.raises(ValueError, match="length must be >= 1"):
        net.trajectories(0)


def test_classes_reserve_label_columns(rng):
    X, y = blobs(rng, n=30, d=3)
    net = GammaGWR(random_state=0).partial_fit(X, y, classes=[0, 1, 2, 3, 4])
    assert net.n_classes_ == 5 and net.predict_proba(X).shape == (30, 5)
    assert (net.predict_proba(X)[:, 3:] == 0).all()
    plain = GammaGWR(random_state=0).partial_fit(X, y)
    np.testing.assert_array_equal(net.label_counts_[:, :3], plain.label_counts_)
    np.testing.assert_array_equal(net.predict(X), plain.predict(X))


def test_fitted_in_scikit_learn_terms(rng):
    validation = pytest.importorskip("sklearn.utils.validation")
    net = GammaGWR(random_state=0)
    assert not net.__sklearn_is_fitted__()
    with pytest.raises(validation.NotFittedError):
        validation.check_is_fitted(net)
    net.fit(*blobs(rng, n=20))
    validation.check_is_fitted(net)
