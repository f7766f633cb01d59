"""``check_params``: every constructor parameter checked as training checks it,
with :class:`gwr.InvalidParameterError` naming the parameter as the estimator
calls it."""

import pickle

import numpy as np
import pytest

from gwr import GammaGWR, GrowingDualMemory, InvalidParameterError

# parameter: [(bad value, what the message says is allowed)]
GWR_BAD = {
    "n_context": [(-1, ">= 0"), (1.5, "an integer")],
    "beta": [(1.5, "<= 1.0"), ("0.7", "a number"), (float("nan"), "finite")],
    "activation_threshold": [(7, "<= 1.0")],
    "habituation_threshold": [(-0.1, ">= 0.0")],
    "epsilon_b": [(-0.1, ">= 0.0")],
    "epsilon_n": [(2, "<= 1.0")],
    "tau_b": [(1.5, "<= 1.0"), (0.99, "<= 1 / kappa = 0.952381 (tau * kappa must be <= 1")],
    "tau_n": [(-1, ">= 0.0"), (True, "a number")],
    "kappa": [(0, "> 0.0"), (None, "a number")],
    "max_age": [(0, ">= 1"), (2**31, "<= 2147483647")],
    "max_neurons": [(1, ">= 2"), (True, "an integer"), (10**30, "<= 2147483647")],
    "aging": [("often", "one of ('bmu', 'global')")],
    "regulated": [("yes", "True or False"), (1, "True or False")],
    "init": [
        ("kmeans", "'random' or an array of prototypes"),
        (np.zeros((1, 3)), "'random' or a 2-D array of at least 2 prototypes"),
        ([[1.0, np.nan], [0.0, 0.0]], "'random' or a 2-D array of at least 2 prototypes"),
        (np.zeros((5, 2)), "at most max_neurons=4 prototypes"),
    ],
    "random_state": [(-1, "None, an int >= 0 or a numpy Generator"), ("seed", "None, an int")],
}

GDM_BAD = {
    "n_context": [(-1, ">= 0")],
    "beta": [(1.5, "<= 1.0")],
    "episodic_activation_threshold": [(7, "<= 1.0")],
    "episodic_habituation_threshold": [(-1, ">= 0.0")],
    "episodic_epsilon_b": [("fast", "a number")],
    "episodic_max_age": [(0, ">= 1")],
    "semantic_activation_threshold": [(1.01, "<= 1.0")],
    "semantic_habituation_threshold": [(float("inf"), "finite")],
    "semantic_epsilon_b": [(-0.5, ">= 0.0")],
    "semantic_max_age": [(2.5, "an integer")],
    "semantic_regulated": [("no", "True or False")],
    "semantic_labels": [("guessed", "one of ('true', 'episodic')")],
    "epsilon_n": [(3, "<= 1.0")],
    "tau_b": [(0.99, "<= 1 / kappa = 0.952381")],
    "tau_n": [(2, "<= 1.0")],
    "kappa": [(-1, "> 0.0")],
    "max_neurons": [(1, ">= 2")],
    "aging": [("never", "one of ('bmu', 'global')")],
    "random_state": [(1.5, "None, an int >= 0 or a numpy Generator")],
}


def cases(table):
    return [(name, value, allowed) for name, bad in table.items() for value, allowed in bad]


def test_every_parameter_has_a_bad_case():
    assert set(GWR_BAD) == set(GammaGWR._param_names())
    assert set(GDM_BAD) == set(GrowingDualMemory._param_names())


def test_valid_parameters_pass_and_return_the_estimator():
    net = GammaGWR(init=np.zeros((3, 2)), random_state=np.random.default_rng(0))
    assert net.check_params() is net
    gdm = GrowingDualMemory(semantic_labels="episodic", semantic_regulated=np.True_)
    assert gdm.check_params() is gdm


def assert_refused(info, name, value, allowed):
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, TypeError)
    assert error.parameter == name
    assert error.value is value
    assert str(error).startswith(f"{name} must be {allowed}"), str(error)
    assert ", got " in str(error)


@pytest.mark.parametrize("name,value,allowed", cases(GWR_BAD))
def test_gamma_gwr_check_params(name, value, allowed):
    params = {name: value}
    if name == "init" and allowed.startswith("at most"):
        params["max_neurons"] = 4
    if name == "tau_b" and value == 0.99:
        params["kappa"] = 1.05
    with pytest.raises(InvalidParameterError) as info:
        GammaGWR(**params).check_params()
    assert_refused(info, name, value, allowed)
    # a fresh start refuses it the same way
    with pytest.raises(InvalidParameterError) as info:
        GammaGWR(**params).fit(np.zeros((4, 2)))
    assert_refused(info, name, value, allowed)


@pytest.mark.parametrize("name,value,allowed", cases(GDM_BAD))
def test_dual_memory_check_params_uses_its_own_names(name, value, allowed):
    with pytest.raises(InvalidParameterError) as info:
        GrowingDualMemory(**{name: value}).check_params()
    assert_refused(info, name, value, allowed)
    # and so does training, before either memory changes
    X, y = np.zeros((4, 2)), np.zeros(4, np.int64)
    gdm = GrowingDualMemory(random_state=0).partial_fit(X, y, epochs=1)
    before = [gdm.episodic.weights_.copy(), gdm.semantic.weights_.copy()]
    gdm.set_params(**{name: value})
    for train in (lambda: gdm.partial_fit(X, y, epochs=1), gdm.replay):
        with pytest.raises(InvalidParameterError) as info:
            train()
        assert_refused(info, name, value, allowed)
    np.testing.assert_array_equal(before[0], gdm.episodic.weights_)
    np.testing.assert_array_equal(before[1], gdm.semantic.weights_)


def test_the_message_names_the_memory_parameter():
    with pytest.raises(InvalidParameterError) as info:
        GrowingDualMemory(episodic_activation_threshold=7).check_params()
    assert str(info.value) == "episodic_activation_threshold must be <= 1.0, got 7"
    assert info.value.parameter == "episodic_activation_threshold" and info.value.value == 7


def test_tau_times_kappa_names_the_rate():
    with pytest.raises(InvalidParameterError) as info:
        GammaGWR(tau_n=0.8, kappa=1.5).check_params()
    assert info.value.parameter == "tau_n" and info.value.value == 0.8
    assert "tau * kappa must be <= 1" in str(info.value)


def test_the_error_survives_pickling():
    with pytest.raises(InvalidParameterError) as info:
        GrowingDualMemory(semantic_max_age=0).check_params()
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is InvalidParameterError
    assert (copy.parameter, copy.value, str(copy)) == ("semantic_max_age", 0, str(info.value))
