"""Bad input: a clear error that says what was expected and what came, and a
network left exactly as it was."""

import numpy as np
import pytest

from gwr import GammaGWR, GrowingDualMemory


def snapshot(net):
    s = net._state
    return [
        a.copy()
        for a in (
            s.W,
            s.h,
            s.L,
            s.nbr,
            s.age,
            s.deg,
            s.tidx,
            s.tcnt,
            s.tdeg,
            s.ctx_prev,
            s.counters,
        )
    ]


@pytest.fixture
def trained(rng):
    X = rng.normal(size=(60, 3))
    y = np.arange(60) % 3
    return GammaGWR(activation_threshold=0.5, random_state=0).fit(X, y), X, y


BAD = [
    (lambda X, y: (np.where(np.eye(60, 3) > 0, np.nan, X), y), ValueError, "finite"),
    (lambda X, y: (np.where(np.eye(60, 3) > 0, np.inf, X), y), ValueError, "finite"),
    (lambda X, y: (X[:, :2], y), ValueError, "2 features, but GammaGWR is expecting 3 features"),
    (lambda X, y: (X[0], y[:1]), ValueError, "must be 2-D"),
    (lambda X, y: (X[:0], y[:0]), ValueError, "empty"),
    (lambda X, y: (X[:, :, None], y), ValueError, "must be 2-D"),
    (lambda X, y: (X, y[:-1]), ValueError, "59 labels but X has 60 samples"),
    (lambda X, y: (X, y - 2), ValueError, "class ids >= 0, or -1"),
    (lambda X, y: (X, y + 0.5), ValueError, "whole-number"),
    (lambda X, y: (X, y.reshape(-1, 1)), ValueError, "1-D"),
    (lambda X, y: (X, y.astype(str)), TypeError, "integer class ids"),
    (lambda X, y: (X.astype(str), y), TypeError, "numbers"),
    (lambda X, y: ("abc", y), TypeError, "2-D array"),
    (lambda X, y: ([[1, 2], [3]], y), ValueError, "2-D array of numbers"),
]


@pytest.mark.parametrize("make_bad,error,message", BAD)
def test_bad_input_is_refused_and_changes_nothing(trained, make_bad, error, message):
    net, X, y = trained
    before = snapshot(net)
    bad_X, bad_y = make_bad(X, y)
    with pytest.raises(error, match=message):
        net.partial_fit(bad_X, bad_y)
    for a, b in zip(before, snapshot(net), strict=True):
        np.testing.assert_array_equal(a, b)


def test_bad_input_to_inference(trained):
    net, X, y = trained
    with pytest.raises(ValueError, match="finite"):
        net.predict(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="features"):
        net.predict(X[:, :1])
    with pytest.raises(ValueError, match="labels but X has"):
        net.score(X, y[:3])


@pytest.mark.parametrize(
    "params,message",
    [
        (dict(aging="often"), "aging must be one of"),
        (dict(max_age=0), "max_age must be >= 1"),
        (dict(max_neurons=1), "max_neurons must be >= 2"),
        (dict(epsilon_b=-0.1), "epsilon_b must be >= 0"),
        (dict(beta=1.5), "beta must be <= 1"),
        (dict(kappa=0), "kappa must be > 0"),
        (dict(tau_b=0.99, kappa=1.5), "tau \\* kappa must be <= 1"),
        (dict(n_context=-1), "n_context must be >= 0"),
        (dict(n_context=1.5), "n_context must be an integer"),
        (dict(regulated="yes"), "regulated must be True or False"),
        (dict(init="kmeans"), "init must be 'random' or an array"),
    ],
)
def test_bad_parameters_are_refused_and_change_nothing(trained, params, message):
    net, X, y = trained
    before = snapshot(net)
    net.set_params(**params)
    with pytest.raises((ValueError, TypeError), match=message):
        net.partial_fit(X, y)
    for a, b in zip(before, snapshot(net), strict=True):
        np.testing.assert_array_equal(a, b)


def test_bad_epochs(trained):
    net, X, y = trained
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        net.partial_fit(X, y, epochs=0)
    with pytest.raises(TypeError, match="epochs must be an integer"):
        net.partial_fit(X, y, epochs=2.5)


def test_changing_n_context_after_training_is_refused(trained):
    net, X, y = trained
    net.set_params(n_context=2)
    with pytest.raises(ValueError, match="n_context changed"):
        net.partial_fit(X, y)


def test_dual_memory_refuses_bad_input_before_touching_either_memory(rng):
    X = rng.normal(size=(20, 3))
    y = np.arange(20) % 2
    gdm = GrowingDualMemory(random_state=0).partial_fit(X, y)
    before = snapshot(gdm.episodic), snapshot(gdm.semantic)
    for bad in ((X[:, :2], y), (X, y[:5]), (np.full_like(X, np.nan), y)):
        with pytest.raises(ValueError):
            gdm.partial_fit(*bad)
    gdm.set_params(semantic_labels="guessed")
    with pytest.raises(ValueError, match="semantic_labels must be one of"):
        gdm.partial_fit(X, y)
    gdm.set_params(semantic_labels="true", semantic_max_age=0)
    with pytest.raises(ValueError, match="max_age"):
        gdm.partial_fit(X, y)
    with pytest.raises(ValueError, match="memory must be one of"):
        gdm.predict(X, memory="both")
    after = snapshot(gdm.episodic), snapshot(gdm.semantic)
    for group_a, group_b in zip(before, after, strict=True):
        for a, b in zip(group_a, group_b, strict=True):
            np.testing.assert_array_equal(a, b)


def test_refused_fit_keeps_the_trained_network(trained):
    net, X, y = trained
    before = snapshot(net)
    net.set_params(init=X[:1])  # one prototype: refused
    with pytest.raises(ValueError, match="at least 2 prototypes"):
        net.fit(X, y)
    with pytest.raises(ValueError, match="finite"):
        net.set_params(init="random").fit(np.full_like(X, np.nan), y)
    for a, b in zip(before, snapshot(net), strict=True):
        np.testing.assert_array_equal(a, b)


def test_replay_refuses_a_changed_n_context(rng):
    # replay trains the memories directly: with another context depth than their
    # weights' it would read the context coefficients out of bounds
    X = rng.normal(size=(40, 3))
    gdm = GrowingDualMemory(n_context=2, random_state=0).partial_fit(X, np.arange(40) % 2)
    before = snapshot(gdm.episodic), snapshot(gdm.semantic)
    for n_context in (0, 3):
        gdm.set_params(n_context=n_context)
        with pytest.raises(ValueError, match=f"n_context changed from 2 to {n_context}"):
            gdm.replay()
    for group_a, group_b in zip(
        before, (snapshot(gdm.episodic), snapshot(gdm.semantic)), strict=True
    ):
        for a, b in zip(group_a, group_b, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "keywords,error,message",
    [
        (dict(stream_starts=np.zeros(60, int)), TypeError, "stream_starts must hold True or"),
        (dict(stream_starts=np.zeros(59, bool)), ValueError, r"one entry per sample, shape"),
        (dict(classes=[0, -1]), ValueError, "classes must hold class ids >= 0"),
        (dict(classes=[[0, 1]]), ValueError, "classes must be 1-D"),
        (dict(classes=["a"]), TypeError, "classes must hold integer class ids"),
    ],
)
def test_bad_stream_starts_or_classes_change_nothing(trained, keywords, error, message):
    net, X, y = trained
    before = snapshot(net)
    with pytest.raises(error, match=message):
        net.partial_fit(X, y, **keywords)
    for a, b in zip(before, snapshot(net), strict=True):
        np.testing.assert_array_equal(a, b)


def test_messages_say_what_to_do(trained):
    net, X, _ = trained
    with pytest.raises(ValueError, match=r"Reshape your data with X.reshape\(1, -1\)"):
        net.predict(X[0])
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse input is not supported"):
        net.predict(sparse.csr_matrix(X))
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(4, 0\)\)"):
        GammaGWR().fit(np.zeros((4, 0)))
    with pytest.raises(ValueError, match="continuous values"):
        GammaGWR().fit(X, np.linspace(0, 1, len(X)))
