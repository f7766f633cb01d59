"""A slow, obvious Gamma-GWR in plain numpy, written from the rules of
docs/reference-differences.md (the toolkit's behaviour), to check the compiled
kernels against.

Dense N x N matrices for edges, ages and temporal synapses; neurons are deleted
at once (``np.delete``) and new ones appended, so the live neurons keep their
order, as the toolkit's compaction keeps them.
"""

from __future__ import annotations

import numpy as np


class NumpyGWR:
    def __init__(
        self,
        weights,
        labels,
        n_classes,
        *,
        beta=0.7,
        a_t=0.35,
        h_t=0.1,
        eps_b=0.1,
        eps_n=0.001,
        tau_b=0.3,
        tau_n=0.1,
        kappa=1.05,
        max_age=600,
        max_neurons=10**6,
        aging="bmu",
        regulated=False,
        inc=1.0,
        dec=0.1,
        mod_rate=0.01,
    ):
        self.W = np.array(weights, float)  # (n, K+1, D)
        n = self.W.shape[0]
        self.h = np.ones(n)
        self.L = np.zeros((n, n_classes))
        if labels is not None:
            for i, c in enumerate(labels):
                if c >= 0:
                    self.L[i, c] = 1.0
        self.E = np.zeros((n, n), bool)
        self.A = np.zeros((n, n), int)
        self.P = np.zeros((n, n), int)
        self.prev = -1
        self.has_context = False
        self.ctx_prev = np.zeros(self.W.shape[1:])
        self.p = dict(
            beta=beta,
            a_t=a_t,
            h_t=h_t,
            eps_b=eps_b,
            eps_n=eps_n,
            tau_b=tau_b,
            tau_n=tau_n,
            kappa=kappa,
            max_age=max_age,
            max_neurons=max_neurons,
            aging=aging,
            regulated=regulated,
            inc=inc,
            dec=dec,
            mod_rate=mod_rate,
        )
        k = np.arange(self.W.shape[1])
        self.alphas = np.exp(-k) / np.exp(-k).sum()

    # helpers
    def label_of(self, j):
        row = self.L[j]
        return int(np.argmax(row)) if row.max() > 0 else -1

    def hab(self, h, tau):
        kappa = self.p["kappa"]
        return max(h + tau * kappa * (1 - h) - tau, max(0.0, 1 - 1 / kappa))

    def remove(self, j):
        self.W = np.delete(self.W, j, 0)
        self.h = np.delete(self.h, j)
        self.L = np.delete(self.L, j, 0)
        for name in ("E", "A", "P"):
            m = np.delete(np.delete(getattr(self, name), j, 0), j, 1)
            setattr(self, name, m)
        if self.prev == j:
            self.prev = -1
        elif self.prev > j:
            self.prev -= 1

    def append(self, w, label):
        n = self.W.shape[0]
        self.W = np.concatenate([self.W, w[None]])
        self.h = np.append(self.h, 1.0)
        row = np.zeros((1, self.L.shape[1]))
        if label >= 0:
            row[0, label] = self.p["inc"]
        self.L = np.concatenate([self.L, row])
        for name in ("E", "A", "P"):
            m = getattr(self, name)
            big = np.zeros((n + 1, n + 1), m.dtype)
            big[:n, :n] = m
            setattr(self, name, big)
        return n

    def connect(self, i, j):
        self.E[i, j] = self.E[j, i] = True
        self.A[i, j] = self.A[j, i] = 0

    def step(self, x, y):
        p = self.p
        K1 = self.W.shape[1]
        C = np.zeros_like(self.ctx_prev)
        C[0] = x
        if self.has_context:
            for k in range(1, K1):
                C[k] = p["beta"] * self.ctx_prev[k] + (1 - p["beta"]) * self.ctx_prev[k - 1]
        d = np.array(
            [
                sum(self.alphas[k] * np.linalg.norm(C[k] - self.W[j, k]) for k in range(K1))
                for j in range(self.W.shape[0])
            ]
        )
        b, s = np.argsort(d, kind="stable")[:2]
        b, s = int(b), int(s)
        prev = self.prev
        quiet = misclassified = False
        if p["regulated"] and y >= 0:
            if self.label_of(b) == y:
                quiet = True
            else:
                misclassified = True
        winner = b
        if not quiet:
            n = self.W.shape[0]
            if np.exp(-d[b]) < p["a_t"] and self.h[b] < p["h_t"] and n < p["max_neurons"]:
                r = self.append(0.5 * (self.W[b] + C), y)
                self.E[b, s] = self.E[s, b] = False
                self.A[b, s] = self.A[s, b] = 0
                self.connect(b, r)
                self.connect(s, r)
                winner = r
            else:
                eb, en = p["eps_b"], p["eps_n"]
                if misclassified:
                    eb *= p["mod_rate"]
                    en *= p["mod_rate"]
                self.W[b] += eb * self.h[b] * (C - self.W[b])
                self.connect(b, s)
                nbrs = np.flatnonzero(self.E[b])
                for j in nbrs:
                    self.W[j] += en * self.h[j] * (C - self.W[j])
                self.h[b] = self.hab(self.h[b], p["tau_b"])
                for j in nbrs:
                    self.h[j] = self.hab(self.h[j], p["tau_n"])
                if not misclassified and y >= 0:
                    for c in range(self.L.shape[1]):
                        if c == y:
                            self.L[b, c] += p["inc"]
                        else:
                            self.L[b, c] = max(self.L[b, c] - p["dec"], 0.0)
            if p["aging"] == "global":
                self.A[self.E] += 1
            else:
                nbrs = np.flatnonzero(self.E[b])
                self.A[b, nbrs] += 1
                self.A[nbrs, b] += 1
                old = [j for j in nbrs if self.A[b, j] > p["max_age"]]
                for j in old:
                    self.E[b, j] = self.E[j, b] = False
                    self.A[b, j] = self.A[j, b] = 0
                # isolated endpoints go, in index order, highest first to keep indices valid
                for j in sorted(old, reverse=True):
                    if not self.E[j].any() and self.W.shape[0] > 2:
                        if j < b:
                            b -= 1
                        if j < winner:
                            winner -= 1
                        if prev == j:
                            prev = -1
                        elif prev > j:
                            prev -= 1
                        self.remove(j)
        if prev >= 0 and prev != winner:
            self.P[prev, winner] += 1
        self.prev = winner
        self.ctx_prev = self.W[winner].copy()
        self.has_context = True

    def epoch_end(self):
        if self.p["aging"] != "global":
            return
        old = self.E & (self.A > self.p["max_age"])
        self.E[old] = False
        self.A[old] = 0
        j = 0
        while j < self.W.shape[0]:
            if self.W.shape[0] <= 2:
                break
            if not self.E[j].any():
                self.remove(j)
            else:
                j += 1

    def fit_stream(self, X, y, epochs):
        for _ in range(epochs):
            for x, c in zip(X, y, strict=True):
                self.step(x, int(c))
            self.epoch_end()
        return self

    def edges(self):
        i, j = np.nonzero(np.triu(self.E))
        return {(int(a), int(b)): int(self.A[a, b]) for a, b in zip(i, j, strict=True)}

    def temporal(self):
        i, j = np.nonzero(self.P)
        return {(int(a), int(b)): int(self.P[a, b]) for a, b in zip(i, j, strict=True)}


def class_activations(weights, labels, X, n_classes):
    """``out[i, c] = exp(-min_j ||X[i] - weights[j]||)`` over the neurons j labelled
    c, 0 where none is: one input, one class at a time."""
    out = np.zeros((len(X), n_classes))
    for i, x in enumerate(X):
        for c in range(n_classes):
            mine = weights[labels == c]
            if len(mine):
                out[i, c] = np.exp(-np.sqrt(((mine - x) ** 2).sum(axis=1)).min())
    return out
