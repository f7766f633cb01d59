"""The learned state of a Gamma-GWR: preallocated arrays that grow geometrically.

Every array has one row per neuron *slot*; ``counters[N_SLOTS]`` slots are in
use. Neurons removed during training are only marked dead (``alive == 0``) and
skipped; :meth:`NetworkState.compact` drops them in one pass at the end of a
training call (or when the slots run out), keeping the live neurons in order.
"""

from __future__ import annotations

import numpy as np

from . import _kernels as K
from ._edges_api import EDGE_OPS

GROWTH = 2  # geometric growth factor of every array
MIN_CAPACITY = 16
MIN_EDGE_SLOTS = 8
MIN_TEMPORAL_SLOTS = 4


def _grown(a: np.ndarray, rows: int, fill=0) -> np.ndarray:
    out = np.full((rows, *a.shape[1:]), fill, dtype=a.dtype)
    n = min(rows, a.shape[0])
    out[:n] = a[:n]
    return out


def _widened(a: np.ndarray, cols: int, fill=0) -> np.ndarray:
    out = np.full((a.shape[0], cols), fill, dtype=a.dtype)
    out[:, : a.shape[1]] = a
    return out


class NetworkState:
    """Arrays of one network and the operations that resize them."""

    ARRAYS = ("W", "W32", "h", "L", "alive", "nbr", "age", "deg", "tidx", "tcnt", "tdeg")

    def __init__(self, n_features: int, n_context: int, capacity: int, n_classes: int = 0):
        capacity = max(int(capacity), MIN_CAPACITY)
        depth = n_context + 1
        self.W = np.zeros((capacity, depth, n_features))
        self.W32 = np.zeros((capacity, depth, n_features), np.float32)  # search copy of W
        self.h = np.ones(capacity)
        self.L = np.zeros((capacity, n_classes))
        self.alive = np.zeros(capacity, np.uint8)
        self.nbr = np.full((capacity, MIN_EDGE_SLOTS), -1, np.int32)
        self.age = np.zeros((capacity, MIN_EDGE_SLOTS), np.int32)
        self.deg = np.zeros(capacity, np.int32)
        self.tidx = np.full((capacity, MIN_TEMPORAL_SLOTS), -1, np.int32)
        self.tcnt = np.zeros((capacity, MIN_TEMPORAL_SLOTS), np.int32)
        self.tdeg = np.zeros(capacity, np.int32)
        self.ctx_prev = np.zeros((depth, n_features))
        self.counters = np.zeros(K.N_COUNTERS, np.int64)
        self.counters[K.PREV] = -1

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The per-slot arrays of :attr:`ARRAYS`, in that order: the order in which the
        kernels (``train_stream``, ``compact``) take them."""
        return tuple(getattr(self, name) for name in self.ARRAYS)

    # -- sizes ---------------------------------------------------------------
    @property
    def capacity(self) -> int:
        return self.W.shape[0]

    @property
    def n_slots(self) -> int:
        return int(self.counters[K.N_SLOTS])

    @property
    def n_live(self) -> int:
        return int(self.counters[K.N_LIVE])

    @property
    def n_classes(self) -> int:
        return self.L.shape[1]

    # -- growth --------------------------------------------------------------
    def reserve_neurons(self, n: int) -> None:
        """Make room for at least ``n`` neuron slots (geometric growth)."""
        if n <= self.capacity:
            return
        rows = max(n, GROWTH * self.capacity)
        self.W = _grown(self.W, rows)
        self.W32 = _grown(self.W32, rows)
        self.h = _grown(self.h, rows, 1.0)
        self.L = _grown(self.L, rows)
        self.alive = _grown(self.alive, rows)
        self.nbr = _grown(self.nbr, rows, -1)
        self.age = _grown(self.age, rows)
        self.deg = _grown(self.deg, rows)
        self.tidx = _grown(self.tidx, rows, -1)
        self.tcnt = _grown(self.tcnt, rows)
        self.tdeg = _grown(self.tdeg, rows)

    def widen_edges(self) -> None:
        """More edge slots per neuron (at least MIN_EDGE_SLOTS: doubling 0 would
        leave the kernel asking for room forever)."""
        cols = max(GROWTH * self.nbr.shape[1], MIN_EDGE_SLOTS)
        self.nbr = _widened(self.nbr, cols, -1)
        self.age = _widened(self.age, cols)

    def widen_temporal(self) -> None:
        """More temporal-synapse slots per neuron (at least MIN_TEMPORAL_SLOTS)."""
        cols = max(GROWTH * self.tidx.shape[1], MIN_TEMPORAL_SLOTS)
        self.tidx = _widened(self.tidx, cols, -1)
        self.tcnt = _widened(self.tcnt, cols)

    def reserve_classes(self, n_classes: int) -> None:
        if n_classes > self.n_classes:
            self.L = _widened(self.L, n_classes)

    # -- maintenance ---------------------------------------------------------
    def compact(self) -> None:
        """Drop removed neurons (one O(N + edges) pass), if there are any."""
        if self.counters[K.N_REMOVED] == 0:
            return
        K.compact(*self.arrays(), self.counters, EDGE_OPS.compact)

    def add_neurons(self, weights: np.ndarray, labels: np.ndarray | None = None) -> None:
        """Append edgeless neurons with the given own weights (n, D) and zero context."""
        n0 = self.n_slots
        n = weights.shape[0]
        self.reserve_neurons(n0 + n)
        self.W[n0 : n0 + n, 0] = weights
        self.W[n0 : n0 + n, 1:] = 0.0
        self.sync_search_copy(n0, n0 + n)
        self.h[n0 : n0 + n] = 1.0
        self.alive[n0 : n0 + n] = 1
        if labels is not None:
            for i, c in enumerate(labels):
                if c >= 0:
                    self.L[n0 + i, c] = 1.0
        self.counters[K.N_SLOTS] += n
        self.counters[K.N_LIVE] += n

    def sync_search_copy(self, start: int, stop: int) -> None:
        """Refresh the float32 search copy of rows ``start:stop`` of the weights.

        Weights beyond float32's range become inf there, without a warning: the
        search sees the non-finite float32 distances and scans in float64.
        """
        with np.errstate(over="ignore"):
            self.W32[start:stop] = self.W[start:stop]

    def run(self, X, y, resets, epochs, fparams, iparams, alphas, qerr) -> None:
        """Train on a stream, growing the arrays whenever the kernel asks.

        Raises ValueError when an input has no best or second-best unit (no
        finite distance; the inputs are checked at the public boundary, so this
        is a last defence): the inputs before it have been learnt, nothing of it.
        """
        self.counters[K.EPOCH] = 0
        self.counters[K.POS] = 0
        while True:
            status = K.train_stream(
                X,
                y,
                resets,
                epochs,
                *self.arrays(),
                self.ctx_prev,
                self.counters,
                fparams,
                iparams,
                alphas,
                qerr,
                EDGE_OPS.connect,
                EDGE_OPS.disconnect,
                EDGE_OPS.age_node,
                EDGE_OPS.prune_node,
                EDGE_OPS.age_all,
                EDGE_OPS.prune_all,
            )
            if status == K.DONE:
                break
            if status == K.NEED_NEURON_SLOTS:
                self.compact()
                if self.n_slots >= self.capacity:
                    self.reserve_neurons(self.capacity + 1)
            elif status == K.NEED_EDGE_SLOTS:
                self.widen_edges()
            elif status == K.NEED_TEMPORAL_SLOTS:
                self.widen_temporal()
            elif status == K.NO_WINNER:
                self.compact()
                raise ValueError(
                    f"input {int(self.counters[K.POS])} (epoch {int(self.counters[K.EPOCH])}) "
                    "has no best and second-best matching units: its distances to the "
                    "neurons are not finite in float64 (values too large in magnitude?); "
                    "rescale or standardise the data"
                )
            else:  # pragma: no cover - a kernel bug, never a user error
                raise RuntimeError(f"unknown kernel status {status}")
        self.compact()

    # -- views of the live network (valid after compact) --------------------
    def edge_list(self) -> tuple[np.ndarray, np.ndarray]:
        """Undirected edges as (i, j) pairs with i < j, and their ages."""
        n = self.n_slots
        rows = np.repeat(np.arange(n, dtype=np.int32), self.deg[:n])
        mask = np.arange(self.nbr.shape[1])[None, :] < self.deg[:n, None]
        cols = self.nbr[:n][mask]
        ages = self.age[:n][mask]
        keep = rows < cols
        return np.stack([rows[keep], cols[keep]], axis=1), ages[keep]

    def temporal_list(self) -> tuple[np.ndarray, np.ndarray]:
        """Directed temporal synapses as (i, j) pairs and their counts."""
        n = self.n_slots
        rows = np.repeat(np.arange(n, dtype=np.int32), self.tdeg[:n])
        mask = np.arange(self.tidx.shape[1])[None, :] < self.tdeg[:n, None]
        return np.stack([rows, self.tidx[:n][mask]], axis=1), self.tcnt[:n][mask]
