"""Single steps worked out by hand (the numbers in the comments are the arithmetic)."""

import math

import numpy as np
import pytest

from gwr import GammaGWR
from gwr._kernels import habituate


def test_habituation_sequence_from_one():
    # h <- h + tau * kappa * (1 - h) - tau, tau = 0.3, kappa = 1.05
    h1 = habituate(1.0, 0.3, 1.05)  # 1 + 0 - 0.3
    h2 = habituate(h1, 0.3, 1.05)  # 0.7 + 0.315 * 0.3 - 0.3
    h3 = habituate(h2, 0.3, 1.05)  # 0.4945 + 0.315 * 0.5055 - 0.3
    assert h1 == pytest.approx(0.70, abs=1e-15)
    assert h2 == pytest.approx(0.4945, abs=1e-15)
    assert h3 == pytest.approx(0.3537325, abs=1e-15)
    h = 1.0
    for _ in range(500):
        h = habituate(h, 0.3, 1.05)
    assert h == pytest.approx(1 - 1 / 1.05, abs=1e-12)  # the fixed point
    assert h >= 1 - 1 / 1.05


def test_update_then_insertion_by_hand():
    net = GammaGWR(
        init=np.array([[0.0, 0.0], [4.0, 0.0]]),
        epsilon_b=0.5,
        epsilon_n=0.1,
        activation_threshold=0.1,
        habituation_threshold=0.8,
    )
    # input [1, 0]: b = 0 (d 1), s = 1 (d 3); a = exp(-1) = 0.37 >= 0.1: update
    net.partial_fit([[1.0, 0.0]], [1])
    np.testing.assert_allclose(net.weights_, [[0.5, 0.0], [3.7, 0.0]])  # 0 + .5*1*1; 4 + .1*1*(1-4)
    np.testing.assert_allclose(net.habituation_, [0.7, 0.9])  # tau_b 0.3, tau_n 0.1 from 1
    np.testing.assert_array_equal(net.edges_, [[0, 1]])
    np.testing.assert_array_equal(net.edge_ages_, [1])  # created at 0, then the BMU's edges age
    np.testing.assert_allclose(net.label_counts_, [[0.0, 1.0], [0.0, 0.0]])
    assert net.quantization_error_[0] == pytest.approx(1.0)
    np.testing.assert_array_equal(net.predict([[0.4, 0.0], [3.9, 0.0]]), [1, -1])

    # input [0, 3]: b = 0 (d sqrt(0.25 + 9) = 3.04), s = 1; a = 0.048 < 0.1 and h_b = 0.7 < 0.8
    net.partial_fit([[0.0, 3.0]], [0])
    assert net.n_neurons_ == 3 and net.n_inserted_ == 1
    np.testing.assert_allclose(net.weights_[2], [0.25, 1.5])  # (W_b + x) / 2
    np.testing.assert_allclose(net.weights_[:2], [[0.5, 0.0], [3.7, 0.0]])  # nothing else moves
    np.testing.assert_allclose(net.habituation_, [0.7, 0.9, 1.0])
    np.testing.assert_allclose(net.label_counts_[2], [1.0, 0.0])
    edges = {tuple(e): a for e, a in zip(net.edges_.tolist(), net.edge_ages_, strict=True)}
    assert edges == {(0, 2): 1, (1, 2): 0}  # b-s removed; b-r aged with b's edges
    np.testing.assert_array_equal(net.temporal_edges_, [[0, 2]])  # neuron 0 fired, then 2
    np.testing.assert_array_equal(net.temporal_counts_, [1])
    assert net.quantization_error_[0] == pytest.approx(math.sqrt(9.25))


def test_label_histogram_update_by_hand():
    net = GammaGWR(init=np.array([[0.0], [10.0]]), activation_threshold=0.0)
    net.partial_fit([[0.0]], [0])
    net.partial_fit([[0.0]], [2])  # +1 for class 2, -0.1 for the others, floored at 0
    np.testing.assert_allclose(net.label_counts_[0], [0.9, 0.0, 1.0])
    net.partial_fit([[0.0]] * 2, [2, 2])
    np.testing.assert_allclose(net.label_counts_[0], [0.7, 0.0, 3.0])
    assert net.predict([[0.1]])[0] == 2
    np.testing.assert_allclose(net.predict_proba([[0.1]])[0], [0.7 / 3.7, 0.0, 3.0 / 3.7])


def test_two_steps_with_context_by_hand():
    a0, a1 = 1 / (1 + math.exp(-1)), math.exp(-1) / (1 + math.exp(-1))  # alphas for K = 1
    net = GammaGWR(
        n_context=1,
        beta=0.7,
        init=np.array([[0.0], [10.0]]),
        epsilon_b=0.5,
        epsilon_n=0.1,
        activation_threshold=0.1,
    )
    # step 1: no predecessor, C = [[1], [0]]; d0 = a0 * 1, d1 = a0 * 9; update of b = 0
    net.partial_fit([[1.0]])
    assert net.quantization_error_[0] == pytest.approx(a0)
    np.testing.assert_allclose(net.weights_, [[0.5], [9.1]])
    np.testing.assert_allclose(net.context_weights_[:, 0], [[0.0], [0.0]])
    # step 2 (a new call continues the stream): C[1] = 0.7 * 0 + 0.3 * W_b(t-1)[0] = 0.15
    net.partial_fit([[2.0]])
    assert net.quantization_error_[0] == pytest.approx(a0 * 1.5 + a1 * 0.15)
    # b: rate 0.5 * h 0.7 = 0.35; neighbour: rate 0.1 * h 0.9 = 0.09
    np.testing.assert_allclose(net.weights_, [[0.5 + 0.35 * 1.5], [9.1 + 0.09 * (2 - 9.1)]])
    np.testing.assert_allclose(net.context_weights_[:, 0], [[0.35 * 0.15], [0.09 * 0.15]])
    # a new stream starts from a zero context
    net.reset_stream()
    before = net.weights_.copy(), net.context_weights_.copy()
    net.partial_fit([[3.0]])
    w_b, c_b = before[0][0, 0], before[1][0, 0, 0]
    assert net.quantization_error_[0] == pytest.approx(a0 * abs(3.0 - w_b) + a1 * abs(0.0 - c_b))


def test_regulated_rule_by_hand():
    net = GammaGWR(
        regulated=True,
        init=np.array([[0.0], [10.0]]),
        epsilon_b=0.5,
        activation_threshold=0.1,
        habituation_threshold=0.5,
    )
    # the BMU has no label: misclassified; no insertion (h = 1), update at 0.01 x the rates
    net.partial_fit([[1.0]], [0])
    np.testing.assert_allclose(net.weights_[0], [0.005])  # 0.5 * 0.01 * 1 * (1 - 0)
    np.testing.assert_allclose(net.label_counts_, [[0.0], [0.0]])  # histogram left alone
    assert net.habituation_[0] == pytest.approx(0.7)
    # train it until habituated enough, then a far misclassified input inserts
    net.partial_fit([[1.0]], [0])  # h_b 0.4945 < 0.5, but a = exp(-0.99) > 0.1: update
    net.partial_fit([[5.0]], [0])  # a = exp(-4.99) < 0.1, misclassified, h_b < 0.5: insert
    assert net.n_neurons_ == 3
    np.testing.assert_allclose(net.label_counts_[2], [1.0])
    # a correctly classified input changes nothing
    snapshot = (net.weights_.copy(), net.habituation_.copy(), net.edge_ages_.copy())
    assert net.predict([[2.6]])[0] == 0
    net.partial_fit([[2.6]], [0])
    for a, b in zip(snapshot, (net.weights_, net.habituation_, net.edge_ages_), strict=True):
        np.testing.assert_array_equal(a, b)
