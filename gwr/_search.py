"""Batched nearest-neuron search for inputs without temporal context."""

from __future__ import annotations

import numpy as np

_CHUNK_BYTES = 64 * 2**20  # memory of one block of the distance matrix


def nearest_neurons(X: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index and Euclidean distance of the nearest row of ``W`` for each row of ``X``.

    Uses ``||x - w||^2 = ||x||^2 - 2 x.w + ||w||^2`` with a matrix product per
    block of inputs, so the work runs in BLAS. Ties go to the lower index.
    """
    n = X.shape[0]
    index = np.empty(n, np.int64)
    dist = np.empty(n)
    w_sq = np.einsum("ij,ij->i", W, W)
    rows = max(1, _CHUNK_BYTES // (8 * max(W.shape[0], 1)))
    for start in range(0, n, rows):
        xb = X[start : start + rows]
        g = xb @ W.T
        g *= -2.0
        g += w_sq
        best = np.argmin(g, axis=1)
        d2 = g[np.arange(xb.shape[0]), best] + np.einsum("ij,ij->i", xb, xb)
        index[start : start + rows] = best
        dist[start : start + rows] = np.sqrt(np.maximum(d2, 0.0))
    return index, dist
