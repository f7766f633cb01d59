"""A plain-numpy Gamma-GWR laid out like the published reference code: the baseline
of the training-speed checks.

Written for these benchmarks from the rules of docs/algorithms.md (Gamma-GWR), with
the data layout of the published code, which is what makes it slow:

- the weights are a Python list of ``(K + 1, D)`` arrays, the habituation
  counters and the label histograms are Python lists too;
- distances are computed by a Python loop over the neurons, one
  ``np.linalg.norm`` per neuron and context level;
- edges, edge ages and temporal synapse counts are dense ``N x N`` matrices; every
  input ages the whole age matrix (``ages += 1``) and every insertion re-stacks
  the three matrices (``np.hstack`` / ``np.vstack``: an ``N x N`` copy each).

The learning rules are those of ``gwr.GammaGWR`` (adapt, then habituate; the
new neuron is the step's winner; habituation floored at ``max(0, 1 - 1/kappa)``),
so that on the same stream both compute the same network as long as no edge
reaches ``max_age`` (the benchmarks check this before timing). Pruning follows
the reference: once per epoch, old edges first, then every isolated neuron.
"""

from __future__ import annotations

import math

import numpy as np


class ReferenceGWR:
    """Gamma-GWR starting from ``prototypes`` (n, D): unlabelled, edgeless neurons."""

    def __init__(
        self,
        prototypes,
        n_classes: int = 0,
        n_context: int = 0,
        beta: float = 0.7,
        activation_threshold: float = 0.35,
        habituation_threshold: float = 0.1,
        epsilon_b: float = 0.1,
        epsilon_n: float = 0.001,
        tau_b: float = 0.3,
        tau_n: float = 0.1,
        kappa: float = 1.05,
        max_age: int = 600,
        max_neurons: int = 100_000,
    ):
        prototypes = np.asarray(prototypes, dtype=np.float64)
        n, dim = prototypes.shape
        self.depth = n_context + 1
        self.beta = beta
        self.a_t = activation_threshold
        self.h_t = habituation_threshold
        self.eps_b = epsilon_b
        self.eps_n = epsilon_n
        self.tau_b = tau_b
        self.tau_n = tau_n
        self.kappa = kappa
        self.h_floor = max(0.0, 1.0 - 1.0 / kappa)
        self.max_age = max_age
        self.max_neurons = max_neurons
        alphas = np.exp(-np.arange(self.depth, dtype=np.float64))
        self.alphas = alphas / alphas.sum()

        self.weights = []
        for p in prototypes:
            w = np.zeros((self.depth, dim))
            w[0] = p
            self.weights.append(w)
        self.habituation = [1.0] * n
        self.n_classes = n_classes
        self.labels = [np.zeros(n_classes) for _ in range(n)]
        self.edges = np.zeros((n, n))
        self.ages = np.zeros((n, n))
        self.temporal = np.zeros((n, n))
        self.prev = -1
        self.context_prev = np.zeros((self.depth, dim))

    @property
    def n_neurons(self) -> int:
        return len(self.weights)

    # -- one input ---------------------------------------------------------------
    def _distances(self, context) -> np.ndarray:
        out = np.zeros(len(self.weights))
        for j in range(len(self.weights)):
            w = self.weights[j]
            d = 0.0
            for k in range(self.depth):
                d += self.alphas[k] * np.linalg.norm(context[k] - w[k])
            out[j] = d
        return out

    def _habituate(self, h: float, tau: float) -> float:
        return max(h + tau * self.kappa * (1.0 - h) - tau, self.h_floor)

    @staticmethod
    def _expand(m: np.ndarray) -> np.ndarray:
        """One more row and column of zeros (two copies of the matrix)."""
        n = m.shape[0]
        m = np.hstack((m, np.zeros((n, 1))))
        return np.vstack((m, np.zeros((1, n + 1))))

    def _widen_labels(self, label: int) -> None:
        if label >= self.n_classes:
            extra = label + 1 - self.n_classes
            self.labels = [np.concatenate((hist, np.zeros(extra))) for hist in self.labels]
            self.n_classes = label + 1

    def learn_one(self, x, label: int = -1) -> None:
        """One training step on input ``x`` (label -1: none)."""
        self._widen_labels(label)
        context = np.zeros((self.depth, x.shape[0]))
        context[0] = x
        if self.prev >= 0:
            for k in range(1, self.depth):
                context[k] = (
                    self.beta * self.context_prev[k] + (1.0 - self.beta) * self.context_prev[k - 1]
                )
        dist = self._distances(context)
        b = int(np.argmin(dist))
        d_b = dist[b]
        dist[b] = np.inf
        s = int(np.argmin(dist))

        n = len(self.weights)
        if math.exp(-d_b) < self.a_t and self.habituation[b] < self.h_t and n < self.max_neurons:
            r = n
            self.weights.append(0.5 * (self.weights[b] + context))
            self.habituation.append(1.0)
            hist = np.zeros(self.n_classes)
            if label >= 0:
                hist[label] = 1.0
            self.labels.append(hist)
            self.edges = self._expand(self.edges)
            self.ages = self._expand(self.ages)
            self.temporal = self._expand(self.temporal)
            self.edges[b, s] = self.edges[s, b] = 0.0
            self.ages[b, s] = self.ages[s, b] = 0.0
            for i in (b, s):
                self.edges[i, r] = self.edges[r, i] = 1.0
                self.ages[i, r] = self.ages[r, i] = 0.0
            winner = r
        else:
            self.weights[b] = self.weights[b] + self.eps_b * self.habituation[b] * (
                context - self.weights[b]
            )
            self.edges[b, s] = self.edges[s, b] = 1.0
            self.ages[b, s] = self.ages[s, b] = 0.0
            neighbours = np.nonzero(self.edges[b])[0]
            for j in neighbours:
                self.weights[j] = self.weights[j] + self.eps_n * self.habituation[j] * (
                    context - self.weights[j]
                )
            self.habituation[b] = self._habituate(self.habituation[b], self.tau_b)
            for j in neighbours:
                self.habituation[j] = self._habituate(self.habituation[j], self.tau_n)
            if label >= 0:
                hist = self.labels[b]
                for c in range(self.n_classes):
                    if c == label:
                        hist[c] += 1.0
                    else:
                        hist[c] = max(hist[c] - 0.1, 0.0)
            winner = b
        self.ages += 1
        if self.prev >= 0 and self.prev != winner:
            self.temporal[self.prev, winner] += 1
        self.prev = winner
        self.context_prev = self.weights[winner].copy()

    # -- whole calls -------------------------------------------------------------
    def prune(self) -> None:
        """Remove edges older than ``max_age``, then every neuron without edges."""
        old = (self.edges > 0) & (self.ages > self.max_age)
        self.edges[old] = 0.0
        keep = np.nonzero(self.edges.sum(axis=1) > 0)[0]
        if keep.size < 2 or keep.size == len(self.weights):
            return
        self.weights = [self.weights[i] for i in keep]
        self.habituation = [self.habituation[i] for i in keep]
        self.labels = [self.labels[i] for i in keep]
        self.edges = self.edges[np.ix_(keep, keep)]
        self.ages = self.ages[np.ix_(keep, keep)]
        self.temporal = self.temporal[np.ix_(keep, keep)]
        self.prev = -1

    def partial_fit(self, X, y=None, epochs: int = 1, prune: bool = True):
        X = np.asarray(X, dtype=np.float64)
        y = np.full(X.shape[0], -1) if y is None else np.asarray(y)
        for _ in range(epochs):
            for t in range(X.shape[0]):
                self.learn_one(X[t], int(y[t]))
            if prune:
                self.prune()
        return self

    # -- views comparable with GammaGWR's attributes ---------------------------------
    def weight_matrix(self) -> np.ndarray:
        return np.stack(self.weights)

    def edge_pairs(self) -> set:
        i, j = np.nonzero(np.triu(self.edges, 1))
        return set(zip(i.tolist(), j.tolist(), strict=True))

    def temporal_counts(self) -> dict:
        i, j = np.nonzero(self.temporal)
        pairs = zip(i.tolist(), j.tolist(), strict=True)
        return {(a, b): int(self.temporal[a, b]) for a, b in pairs}
