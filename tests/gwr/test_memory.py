"""The Growing Dual Memory: episodes, the semantic memory's inputs, replay."""

import copy
import subprocess
import sys

import numpy as np
import pytest

from gwr import GammaGWR, GrowingDualMemory, NotFittedError


def episode_data(rng, n=30, d=4, k=3):
    centres = rng.normal(scale=2.0, size=(k, d))
    y = np.arange(n) % k
    return centres[y] + 0.4 * rng.normal(size=(n, d)), y


def test_defaults_are_the_clifer_values():
    gdm = GrowingDualMemory()
    e, s = gdm.memory_params("episodic"), gdm.memory_params("semantic")
    assert (e["epsilon_b"], e["activation_threshold"], e["habituation_threshold"]) == (
        0.2,
        0.4,
        0.5,
    )
    assert (s["epsilon_b"], s["activation_threshold"], s["habituation_threshold"]) == (
        0.02,
        0.2,
        0.2,
    )
    assert (e["max_age"], s["max_age"]) == (1000, 2000)
    assert e["regulated"] is False and s["regulated"] is True
    assert e["n_context"] == s["n_context"] == 0
    assert gdm.semantic_labels == "true"


@pytest.mark.parametrize("semantic_labels", ["true", "episodic"])
def test_episode_trains_semantic_on_episodic_winners(rng, semantic_labels):
    X, y = episode_data(rng)
    gdm = GrowingDualMemory(random_state=3, semantic_labels=semantic_labels)
    gdm.partial_fit(X, y, epochs=4)
    # the same by hand
    e = GammaGWR(**gdm.memory_params("episodic")).partial_fit(X, y, epochs=4)
    labels = y if semantic_labels == "true" else e.predict(X)
    s = GammaGWR(**gdm.memory_params("semantic")).partial_fit(e.transform(X), labels, epochs=4)
    np.testing.assert_array_equal(gdm.episodic.weights_, e.weights_)
    np.testing.assert_array_equal(gdm.semantic.weights_, s.weights_)
    np.testing.assert_array_equal(gdm.semantic.label_counts_, s.label_counts_)
    np.testing.assert_array_equal(gdm.predict(X, "semantic"), s.predict(e.transform(X)))
    np.testing.assert_array_equal(gdm.predict(X), e.predict(X))
    assert gdm.score(X, y) == e.score(X, y)


def test_replay_without_context_replays_each_neuron(rng):
    X, y = episode_data(rng)
    gdm = GrowingDualMemory(random_state=0).partial_fit(X, y)
    e, s = copy.deepcopy(gdm.episodic), copy.deepcopy(gdm.semantic)
    gdm.replay(epochs=2)
    # K = 0: a trajectory is one neuron; every neuron is its own stream
    xs, ys = e.weights_.copy(), e.node_labels()
    for net in (e, s):
        for _ in range(2):
            for x, c in zip(xs, ys, strict=True):
                net.reset_stream()
                net.partial_fit(x[None], [c])
    np.testing.assert_allclose(gdm.episodic.weights_, e.weights_, atol=1e-12)
    np.testing.assert_allclose(gdm.semantic.weights_, s.weights_, atol=1e-12)
    np.testing.assert_array_equal(gdm.semantic.label_counts_, s.label_counts_)


def test_replay_follows_temporal_synapses_with_context(rng):
    X, y = episode_data(rng, n=40)
    gdm = GrowingDualMemory(n_context=1, random_state=0).partial_fit(X, y, epochs=3)
    e = copy.deepcopy(gdm.episodic)
    n_before = gdm.episodic.n_neurons_
    gdm.replay(epochs=1)
    assert gdm.episodic.n_neurons_ >= n_before - 5
    # trajectories of length 2K + 1 = 3 along the strongest synapses
    tr = dict()
    for (i, j), c in zip(e.temporal_edges_.tolist(), e.temporal_counts_, strict=True):
        if c > tr.get(i, (None, 0))[1] or (c == tr[i][1] and j < tr[i][0]):
            tr[i] = (j, c)
    expected = []
    for i in range(e.n_neurons_):
        path = [i]
        while len(path) < 3 and path[-1] in tr:
            path.append(tr[path[-1]][0])
        expected.append(path)
    manual = copy.deepcopy(e)
    labels = e.node_labels()
    for path in expected:
        manual.reset_stream()
        manual.partial_fit(e.weights_[path], labels[path])
    manual.reset_stream()
    np.testing.assert_allclose(gdm.episodic.weights_, manual.weights_, atol=1e-12)


def test_class_incremental_episodes_remember_earlier_classes(rng):
    X, y = episode_data(rng, n=300, d=6, k=4)
    gdm = GrowingDualMemory(random_state=0)
    for c in range(4):
        Xc = X[y == c]
        for start in range(0, len(Xc), 5):
            gdm.partial_fit(Xc[start : start + 5], np.full(len(Xc[start : start + 5]), c))
        gdm.replay()
    assert gdm.score(X, y, "episodic") > 0.95
    assert gdm.score(X, y, "semantic") > 0.9
    assert gdm.predict_proba(X, "semantic").shape == (len(X), 4)


def test_unfitted_memory_and_replay_before_training():
    gdm = GrowingDualMemory()
    with pytest.raises(ValueError, match="not trained yet"):
        gdm.replay()
    with pytest.raises(ValueError, match="not trained yet"):
        gdm.predict(np.zeros((1, 3)), "semantic")


def test_import_gwr_does_not_import_tensorflow():
    code = "import sys, gwr; print(sorted(m for m in sys.modules if m.split('.')[0] in "
    code += "('tensorflow', 'keras', 'torch', 'sklearn', 'clifer', 'imagination')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_fit_starts_both_memories_afresh(rng):
    X, y = episode_data(rng)
    gdm = GrowingDualMemory(random_state=0).partial_fit(X, y).partial_fit(X[::-1], y[::-1])
    again = GrowingDualMemory(random_state=0).partial_fit(X, y)
    gdm.fit(X, y)
    np.testing.assert_array_equal(gdm.episodic.weights_, again.episodic.weights_)
    np.testing.assert_array_equal(gdm.semantic.weights_, again.semantic.weights_)


def test_memories_are_fitted_attributes_with_read_only_views(rng):
    gdm = GrowingDualMemory(random_state=0)
    assert not hasattr(gdm, "episodic_") and not hasattr(gdm, "n_features_in_")
    with pytest.raises(NotFittedError, match="GrowingDualMemory is not trained yet"):
        gdm.episodic  # noqa: B018
    gdm.reset_stream()  # nothing to reset yet, and nothing built
    assert not hasattr(gdm, "semantic_")
    with pytest.raises(ValueError, match="0 feature"):  # a refused first call builds nothing
        gdm.partial_fit(np.zeros((3, 0)))
    assert not hasattr(gdm, "episodic_")
    X, y = episode_data(rng)
    gdm.partial_fit(X, y)
    assert gdm.episodic is gdm.episodic_ and gdm.semantic is gdm.semantic_
    assert gdm.n_features_in_ == 4 and gdm.classes_.tolist() == [0, 1, 2]
    for name in ("episodic", "semantic"):
        with pytest.raises(AttributeError):
            setattr(gdm, name, GammaGWR())
    trained = gdm.episodic_
    gdm.set_params(episodic_max_age=0)
    with pytest.raises(ValueError, match="episodic_max_age"):  # a refused fit keeps both
        gdm.fit(X, y)
    assert gdm.episodic_ is trained
    gdm.set_params(episodic_max_age=1000).fit(X, y)
    assert gdm.episodic_ is not trained  # fit starts afresh


def test_changing_n_context_refuses_replay_before_either_memory_changes(rng):
    X, y = episode_data(rng)
    gdm = GrowingDualMemory(n_context=1, random_state=0).partial_fit(X, y)
    before = [copy.deepcopy(gdm.episodic_), copy.deepcopy(gdm.semantic_)]
    gdm.set_params(n_context=2)
    with pytest.raises(ValueError, match="n_context changed"):
        gdm.replay()
    for old, new in zip(before, (gdm.episodic_, gdm.semantic_), strict=True):
        np.testing.assert_array_equal(old.weights_, new.weights_)
        np.testing.assert_array_equal(old.habituation_, new.habituation_)
