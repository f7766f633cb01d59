"""Continual learning on a small real dataset: scikit-learn's handwritten digits.

A ``GrowingDualMemory`` with its defaults (the CLIFER values: episodes of 5
samples, 10 epochs each) learns the ten digit classes one at a time, and its
episodic memory (GDM-E) must stay within 5 points of learning the same
episodes with all the classes shuffled together. With ``aging="global"`` (the
published GDM code's edge ageing) it must forget, as the reference does.
``docs/continual-learning.md`` has the figures (``docs/make_continual_figures.py``).

The whole data set is used (1257 training, 540 test samples); the module takes
a few seconds once numba's kernels are compiled.
"""

from __future__ import annotations

import numpy as np
import pytest

from gwr import GrowingDualMemory

datasets = pytest.importorskip("sklearn.datasets")
model_selection = pytest.importorskip("sklearn.model_selection")

pytestmark = pytest.mark.slow  # about 7 s on 2 cores once numba's kernels are compiled

EPISODE = 5  # CLIFER: mini-batches of 5 samples, 10 epochs each (partial_fit's default)
N_CLASSES = 10
SEED = 0
TOLERANCE = 0.05  # "within 5 points of learning all classes at once"


@pytest.fixture(scope="module")
def digits():
    """64 features scaled to [0, 1]; 70/30 split stratified by class."""
    X, y = datasets.load_digits(return_X_y=True)
    return model_selection.train_test_split(
        X / 16.0, y, test_size=0.3, stratify=y, random_state=SEED
    )


def seen_accuracy(gdm, X_test, y_test, n_seen):
    """(GDM-E, GDM-S) accuracy on the test samples of classes 0 .. n_seen - 1."""
    mask = y_test < n_seen
    return tuple(gdm.score(X_test[mask], y_test[mask], memory=m) for m in ("episodic", "semantic"))


def one_class_at_a_time(digits, replay=False, **params):
    """Learn class 0's training samples in episodes of 5, then class 1's, ...

    Returns the memory, the (GDM-E, GDM-S) accuracy on all seen classes after
    each class (10, 2), and GDM-E's accuracy on each test class after each
    class (10, 10): row i after learning class i, column j on class j.
    """
    X_train, X_test, y_train, y_test = digits
    gdm = GrowingDualMemory(random_state=SEED, **params)
    seen = np.zeros((N_CLASSES, 2))
    per_class = np.zeros((N_CLASSES, N_CLASSES))
    for c in range(N_CLASSES):
        Xc = X_train[y_train == c]
        for start in range(0, len(Xc), EPISODE):
            X_ep = Xc[start : start + EPISODE]
            gdm.partial_fit(X_ep, np.full(len(X_ep), c))
            if replay:
                gdm.replay()
        seen[c] = seen_accuracy(gdm, X_test, y_test, c + 1)
        pred = gdm.predict(X_test)
        per_class[c] = [np.mean(pred[y_test == j] == j) for j in range(N_CLASSES)]
    return gdm, seen, per_class


def all_at_once(digits, n_seen):
    """The same episodes of 5 and epochs, with classes 0 .. n_seen - 1 shuffled together."""
    X_train, X_test, y_train, y_test = digits
    gdm = GrowingDualMemory(random_state=SEED)
    order = np.random.default_rng(SEED).permutation(np.flatnonzero(y_train < n_seen))
    for start in range(0, len(order), EPISODE):
        episode = order[start : start + EPISODE]
        gdm.partial_fit(X_train[episode], y_train[episode])
    return seen_accuracy(gdm, X_test, y_test, n_seen)


@pytest.fixture(scope="module")
def batch(digits):
    """(GDM-E, GDM-S) accuracy of batch learning of classes 0 .. k, for every k."""
    return np.array([all_at_once(digits, k + 1) for k in range(N_CLASSES)])


@pytest.fixture(scope="module")
def incremental(digits):
    return one_class_at_a_time(digits)


def test_batch_baseline_learns_the_digits(batch):
    # the comparison below means something only if the batch memory is good
    assert batch[-1, 0] >= 0.95  # measured 0.987 (the reference GDM code: 0.985)
    assert batch[-1, 1] >= 0.8  # GDM-S, measured 0.909


def test_one_class_at_a_time_keeps_episodic_accuracy_of_batch(incremental, batch):
    _, seen, per_class = incremental
    # after every class, on all the classes seen so far (measured: equal to
    # batch to within 0.005 at every step, 0.987 vs 0.987 at the end)
    for k in range(N_CLASSES):
        assert seen[k, 0] >= batch[k, 0] - TOLERANCE, (k + 1, seen[:, 0], batch[:, 0])
    # and no class is forgotten: each keeps its accuracy from when it was learnt
    learnt = np.diag(per_class)
    # (per class, ~54 test samples each: one sample is 1.9 points; measured at most
    # one sample lost at this seed, two at others)
    assert np.all(per_class[-1] >= learnt - 2 * TOLERANCE), (per_class[-1], learnt)


def test_global_aging_forgets_earlier_classes(digits, incremental):
    _, default_seen, _ = incremental
    gdm, seen, per_class = one_class_at_a_time(digits, aging="global")
    # every class is learnt while it is being taught ...
    assert np.all(np.diag(per_class) >= 0.9), np.diag(per_class)
    # ... and lost soon after: class 0 is gone once the others are learnt
    # (measured 1.0 -> 0.0), and so is the accuracy on all seen classes
    # (measured 0.156; the reference GDM code: 0.16)
    assert per_class[-1, 0] <= 0.1
    assert seen[-1, 0] <= 0.35
    assert seen[-1, 0] <= default_seen[-1, 0] - 0.5
    # the mechanism: GDM-E's old neurons were pruned, not relabelled
    labels = gdm.episodic.node_labels()
    assert not np.any(np.isin(labels, range(5))), np.bincount(labels[labels >= 0])
    assert gdm.episodic.n_neurons_ < 0.3 * gdm.episodic.n_inserted_


def test_replay_keeps_both_memories(digits, incremental, batch):
    _, no_replay, _ = incremental
    _, seen, _ = one_class_at_a_time(digits, replay=True)
    assert seen[-1, 0] >= batch[-1, 0] - TOLERANCE  # measured 0.987 vs 0.987
    # GDM-S, regulated, learns only from its mistakes and without replay it
    # never sees the old classes again: measured 0.680 without replay, 0.904 with
    assert seen[-1, 1] >= no_replay[-1, 1] + 0.1
    assert seen[-1, 1] >= batch[-1, 1] - 2 * TOLERANCE  # batch GDM-S 0.909
