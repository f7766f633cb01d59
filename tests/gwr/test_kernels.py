"""Each compiled kernel against a slow, obvious numpy computation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gwr import _kernels as K
from gwr._edges_api import EDGE_OPS
from gwr._search import nearest_neurons


def _gamma_distances(W, C, alphas):
    return np.array(
        [
            sum(alphas[k] * np.linalg.norm(C[k] - W[j, k]) for k in range(W.shape[1]))
            for j in range(W.shape[0])
        ]
    )


def fast_best_two(W, alive, C, alphas):
    """The training loop's search: float32 pre-selection, exact re-ranking."""
    return K.best_two(
        W,
        W.astype(np.float32),
        alive,
        W.shape[0],
        C,
        np.empty(C.shape, np.float32),
        alphas,
        alphas.astype(np.float32),
        np.empty(K.N_CANDIDATES, np.int64),
        np.empty(K.N_CANDIDATES, np.float32),
    )


@pytest.mark.parametrize("search", ["exact", "fast"])
@pytest.mark.parametrize("n_context", [0, 1, 3])
def test_best_two_matches_numpy(n_context, search, rng):
    for _ in range(40):
        n = int(rng.integers(2, 80))
        W = rng.normal(size=(n, n_context + 1, 7))
        C = rng.normal(size=(n_context + 1, 7))
        alive = (rng.random(n) < 0.8).astype(np.uint8)
        alive[rng.choice(n, 2, replace=False)] = 1
        alphas = K.context_alphas(n_context)
        if search == "exact":
            b, db, s, ds = K.best_two_exact(W, alive, n, C, alphas)
        else:
            b, db, s, ds = fast_best_two(W, alive, C, alphas)
        d = _gamma_distances(W, C, alphas)
        d[alive == 0] = np.inf
        order = np.argsort(d, kind="stable")
        assert (b, s) == (order[0], order[1])
        assert db == pytest.approx(d[order[0]], rel=1e-12)
        assert ds == pytest.approx(d[order[1]], rel=1e-12)


@pytest.mark.parametrize("n_context", [0, 2])
def test_fast_search_is_exact_where_float32_cannot_tell_neurons_apart(n_context, rng):
    # values near 1e6 with distances near 1e-3: float32 (7 digits) sees no difference
    n, dim = 500, 6
    W = 1e6 + 1e-3 * rng.normal(size=(n, n_context + 1, dim))
    C = 1e6 + 1e-3 * rng.normal(size=(n_context + 1, dim))
    alive = np.ones(n, np.uint8)
    alphas = K.context_alphas(n_context)
    assert fast_best_two(W, alive, C, alphas) == K.best_two_exact(W, alive, n, C, alphas)
    # and the certificate does refuse the float32 pre-selection here
    cand_idx = np.empty(K.N_CANDIDATES, np.int64)
    cand_d = np.empty(K.N_CANDIDATES, np.float32)
    K.preselect(
        W.astype(np.float32),
        alive,
        n,
        C.astype(np.float32),
        alphas.astype(np.float32),
        cand_idx,
        cand_d,
    )
    worst = float(np.sqrt(cand_d[-1])) if n_context == 0 else float(cand_d[-1])
    _, _, _, ds = K.best_two_exact(W, alive, n, C, alphas)
    assert not K.excluded_are_worse(worst, ds, C, dim)


def test_fast_search_with_many_duplicates_keeps_the_lowest_indices():
    W = np.zeros((50, 1, 3))
    W[:3] = 5.0  # three far neurons first, then 47 identical ones at the origin
    alive = np.ones(50, np.uint8)
    b, db, s, ds = fast_best_two(W, alive, np.full((1, 3), 0.1), K.context_alphas(0))
    assert (b, s) == (3, 4)
    assert db == ds == pytest.approx(np.sqrt(3 * 0.01))


def test_best_two_ties_go_to_the_lower_index():
    W = np.zeros((4, 1, 3))
    alive = np.ones(4, np.uint8)
    b, _, s, _ = K.best_two_exact(W, alive, 4, np.ones((1, 3)), K.context_alphas(0))
    assert (b, s) == (0, 1)
    b, _, s, _ = fast_best_two(W, alive, np.ones((1, 3)), K.context_alphas(0))
    assert (b, s) == (0, 1)


def test_context_alphas():
    a = K.context_alphas(2)
    np.testing.assert_allclose(a, np.exp(-np.arange(3)) / np.exp(-np.arange(3)).sum())
    assert K.context_alphas(0).tolist() == [1.0]


def test_move_towards_and_labels(rng):
    W = rng.normal(size=(3, 2, 4))
    C = rng.normal(size=(2, 4))
    expected = W[1] + 0.3 * (C - W[1])
    K.move_towards(W, 1, C, 0.3)
    np.testing.assert_allclose(W[1], expected)
    L = np.array([[0.0, 0.0, 0.0], [1.0, 0.05, 2.0]])
    K.update_label_counts(L, 1, 0, 1.0, 0.1)
    np.testing.assert_allclose(L[1], [2.0, 0.0, 1.9])
    K.update_label_counts(L, 1, -1, 1.0, 0.1)  # unlabelled: nothing
    np.testing.assert_allclose(L[1], [2.0, 0.0, 1.9])
    assert K.label_of(L, 0) == -1
    assert K.label_of(np.array([[1.0, 3.0, 3.0]]), 0) == 1  # ties: the lower class


def test_nearest_neurons_matches_brute_force(rng):
    W = rng.normal(size=(300, 9))
    X = rng.normal(size=(1000, 9))
    index, dist = nearest_neurons(X, W)
    d = np.linalg.norm(X[:, None, :] - W[None], axis=2)
    np.testing.assert_array_equal(index, d.argmin(axis=1))
    np.testing.assert_allclose(dist, d.min(axis=1), rtol=1e-7, atol=1e-7)


def test_stream_bmus_matches_numpy(rng):
    W = rng.normal(size=(30, 3, 4))
    X = rng.normal(size=(25, 4))
    alphas = K.context_alphas(2)
    index = np.empty(25, np.int64)
    dist = np.empty(25)
    K.stream_bmus(X, W, W.astype(np.float32), alphas, 0.7, index, dist)
    prev = None
    for t, x in enumerate(X):
        C = np.zeros((3, 4))
        C[0] = x
        if prev is not None:
            for k in (1, 2):
                C[k] = 0.7 * W[prev, k] + 0.3 * W[prev, k - 1]
        d = _gamma_distances(W, C, alphas)
        assert index[t] == d.argmin()
        assert dist[t] == pytest.approx(d.min())
        prev = index[t]


def test_replay_trajectories_by_hand():
    # temporal synapses 0->1 (2), 0->2 (1), 1->2 (3); labels 0: class 1, 1: none, 2: class 0
    W0 = np.arange(6.0).reshape(3, 2)
    L = np.array([[0.0, 2.0], [0.0, 0.0], [1.0, 0.0]])
    tidx = np.array([[2, 1], [2, -1], [-1, -1]], np.int32)
    tcnt = np.array([[1, 2], [3, 0], [0, 0]], np.int32)
    tdeg = np.array([2, 1, 0], np.int32)
    xs, ys, starts = np.empty((9, 2)), np.empty(9, np.int64), np.empty(9, np.bool_)
    m = K.replay_trajectories(W0, L, tidx, tcnt, tdeg, 3, xs, ys, starts)
    # from 0: 0 -> 1 -> 2; from 1: 1 -> 2 (2 has no successor); from 2: 2
    assert m == 6
    np.testing.assert_array_equal(xs[:m], W0[[0, 1, 2, 1, 2, 2]])
    np.testing.assert_array_equal(ys[:m], [1, -1, 0, -1, 0, 0])
    np.testing.assert_array_equal(starts[:m], [1, 0, 0, 1, 0, 1])


# -- the Cython edge structure against a dense adjacency matrix -------------------


class Adjacency:
    """The extension's adjacency lists and a dense reference, side by side."""

    def __init__(self, n, S=6):
        self.n, self.S = n, S
        self.nbr = np.full((n, S), -1, np.int32)
        self.age = np.zeros((n, S), np.int32)
        self.deg = np.zeros(n, np.int32)
        self.E = np.zeros((n, n), bool)
        self.A = np.zeros((n, n), int)

    def ptrs(self):
        return self.nbr.ctypes.data, self.age.ctypes.data, self.deg.ctypes.data, self.S

    def check(self):
        E = np.zeros_like(self.E)
        A = np.zeros_like(self.A)
        for i in range(self.n):
            row = self.nbr[i, : self.deg[i]]
            assert len(set(row.tolist())) == len(row)  # no duplicates
            assert i not in row  # no self-loops
            assert (self.nbr[i, self.deg[i] :] == -1).all()
            E[i, row] = True
            A[i, row] = self.age[i, : self.deg[i]]
        np.testing.assert_array_equal(E, self.E)
        np.testing.assert_array_equal(A, self.A)
        np.testing.assert_array_equal(E, E.T)  # symmetric, equal ages on both sides
        np.testing.assert_array_equal(A, A.T)


ops = st.lists(
    st.tuples(
        st.sampled_from(["connect", "disconnect", "age", "prune", "age_all", "prune_all"]),
        st.integers(0, 7),
        st.integers(0, 7),
        st.integers(0, 3),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_edge_operations_match_dense_reference(sequence):
    g = Adjacency(8)
    touched = np.empty(g.S, np.int32)
    for op, i, j, max_age in sequence:
        if op == "connect":
            full = (g.deg[i] >= g.S or g.deg[j] >= g.S) and not g.E[i, j]
            ret = EDGE_OPS.connect(*g.ptrs(), i, j)
            if i == j:
                assert ret == 0
            elif full:
                assert ret == -1
            else:
                assert ret == (0 if g.E[i, j] else 1)
                g.E[i, j] = g.E[j, i] = True
                g.A[i, j] = g.A[j, i] = 0
        elif op == "disconnect":
            assert EDGE_OPS.disconnect(*g.ptrs(), i, j) == int(g.E[i, j])
            g.E[i, j] = g.E[j, i] = False
            g.A[i, j] = g.A[j, i] = 0
        elif op == "age":
            EDGE_OPS.age_node(*g.ptrs(), i)
            g.A[i, g.E[i]] += 1
            g.A[g.E[i], i] += 1
        elif op == "prune":
            n = EDGE_OPS.prune_node(*g.ptrs(), i, max_age, touched.ctypes.data)
            old = np.flatnonzero(g.E[i] & (g.A[i] > max_age))
            assert sorted(touched[:n].tolist()) == old.tolist()
            g.E[i, old] = g.E[old, i] = False
            g.A[i, old] = g.A[old, i] = 0
        elif op == "age_all":
            EDGE_OPS.age_all(*g.ptrs(), g.n)
            g.A[g.E] += 1
        else:
            removed = EDGE_OPS.prune_all(*g.ptrs(), g.n, max_age)
            old = g.E & (g.A > max_age)
            assert removed == old.sum() // 2
            g.E[old] = False
            g.A[old] = 0
        g.check()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=30),
    st.lists(st.booleans(), min_size=10, max_size=10),
)
def test_compact_lists_renumbers_like_np_delete(pairs, dead):
    g = Adjacency(10, S=12)
    for i, j in pairs:
        EDGE_OPS.connect(*g.ptrs(), i, j)
        if i != j:
            g.E[i, j] = g.E[j, i] = True
    EDGE_OPS.age_all(*g.ptrs(), g.n)
    g.A[g.E] = 1
    # only isolated neurons are removed in a network: drop the dead ones' edges first
    for i in np.flatnonzero(dead):
        for j in np.flatnonzero(g.E[i]):
            EDGE_OPS.disconnect(*g.ptrs(), i, j)
        g.E[i] = g.E[:, i] = False
        g.A[i] = g.A[:, i] = 0
    keep = np.flatnonzero(~np.array(dead))
    new_index = np.full(10, -1, np.int32)
    new_index[keep] = np.arange(len(keep))
    EDGE_OPS.compact(*g.ptrs(), g.n, new_index.ctypes.data)
    g.E = g.E[np.ix_(keep, keep)]
    g.A = g.A[np.ix_(keep, keep)]
    g.n = len(keep)
    assert (g.deg[g.n :] == 0).all()
    g.nbr, g.age, g.deg = g.nbr[: g.n], g.age[: g.n], g.deg[: g.n]
    g.check()
