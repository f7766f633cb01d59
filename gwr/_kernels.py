"""numba kernels of the Gamma-GWR: plain functions on arrays.

The network's state is a set of preallocated arrays (see ``gwr._state``); the
kernels read and write them in place and never allocate per input. One call of
:func:`train_stream` runs the whole per-input loop of a ``partial_fit`` call,
epochs included, in compiled code. It returns early, without having changed
anything for the current input, when the arrays are full; the caller grows them
and calls again, and the loop resumes where it stopped.

Edges live in the Cython extension ``gwr._edges``: its C functions arrive here
as arguments (ctypes function objects), see ``gwr._edges_api``.

Notation (docs/algorithms.md, Gamma-GWR): ``W[j, k]`` is neuron j's weight (k = 0)
or its k-th context descriptor, ``h[j]`` its habituation counter, ``L[j, c]`` its
label histogram, ``C`` the global context of the current input, ``alphas`` the
context coefficients.
"""

from __future__ import annotations

import math

import numba
import numpy as np

# Fast-math flags for the distance loops: reassociation lets LLVM vectorise the
# sum of squares; no flag that changes NaN or infinity semantics.
_FAST = {"reassoc", "contract"}

# Layout of the ``counters`` int64 array shared with Python.
N_SLOTS = 0  # slots in use, live or removed since the last compaction
N_LIVE = 1  # live neurons
PREV = 2  # winner of the previous input of the stream, -1 at a stream start
EPOCH = 3  # resume position: epoch ...
POS = 4  # ... and input
N_REMOVED = 5  # neurons removed since the last compaction
N_INSERTED = 6  # neurons inserted, over the network's life
HAS_CONTEXT = 7  # 1 once the stream has had an input: the context follows ctx_prev
N_COUNTERS = 8

# Layout of the ``fparams`` float64 array.
BETA = 0
A_T = 1
H_T = 2
EPS_B = 3
EPS_N = 4
TAU_B = 5
TAU_N = 6
KAPPA = 7
MOD_RATE = 8
LABEL_INC = 9
LABEL_DEC = 10
N_FPARAMS = 11

# Layout of the ``iparams`` int64 array.
MAX_AGE = 0
MAX_NEURONS = 1
AGING_GLOBAL = 2
REGULATED = 3
N_IPARAMS = 4

# Return codes of train_stream.
DONE = 0
NEED_NEURON_SLOTS = 1
NEED_EDGE_SLOTS = 2
NEED_TEMPORAL_SLOTS = 3
NO_WINNER = 4  # the input has no best or second-best unit (no finite distance)

MIN_NEURONS = 2  # removal never leaves fewer live neurons than this


def context_alphas(n_context: int) -> np.ndarray:
    """Context coefficients ``alpha_k = exp(-k) / sum_i exp(-i)``, k = 0..K."""
    a = np.exp(-np.arange(n_context + 1, dtype=np.float64))
    return a / a.sum()


@numba.njit(cache=True, fastmath=_FAST)
def neuron_distance(W, j, C, alphas):
    """Gamma distance ``sum_k alpha_k * ||C[k] - W[j, k]||`` of neuron j."""
    total = 0.0
    for k in range(W.shape[1]):
        acc = 0.0
        for d in range(W.shape[2]):
            diff = C[k, d] - W[j, k, d]
            acc += diff * diff
        total += alphas[k] * math.sqrt(acc)
    return total


@numba.njit(cache=True, fastmath=_FAST)
def best_two_exact(W, alive, n_slots, C, alphas):
    """Best and second-best matching live neurons among the first ``n_slots``,
    by an exhaustive float64 scan.

    Returns ``(b, d_b, s, d_s)``; ties go to the lower index. With no context
    (K = 0) squared distances are compared and one square root is taken per
    winner, which gives the same order as the plain distances.
    """
    b = -1
    s = -1
    db = np.inf
    ds = np.inf
    D = W.shape[2]
    if W.shape[1] == 1:
        for j in range(n_slots):
            if alive[j] == 0:
                continue
            acc = 0.0
            for d in range(D):
                diff = C[0, d] - W[j, 0, d]
                acc += diff * diff
            if acc < db:
                s = b
                ds = db
                b = j
                db = acc
            elif acc < ds:
                s = j
                ds = acc
        return b, math.sqrt(db), s, math.sqrt(ds)
    for j in range(n_slots):
        if alive[j] == 0:
            continue
        dist = neuron_distance(W, j, C, alphas)
        if dist < db:
            s = b
            ds = db
            b = j
            db = dist
        elif dist < ds:
            s = j
            ds = dist
    return b, db, s, ds


# How many neurons the float32 pre-selection keeps for the exact re-ranking.
N_CANDIDATES = 8
_U32 = 2.0**-24  # unit roundoff of float32
# The smallest float32 distance, per sqrt(n_features), for which the rounding
# analysis of ``excluded_are_worse`` holds (see there).
_TINY32 = 2.0**-50


@numba.njit(cache=True, fastmath=_FAST)
def preselect(W32, alive, n_slots, C32, alphas32, cand_idx, cand_d):
    """The ``len(cand_idx)`` live neurons nearest to ``C32`` in float32.

    ``W32`` is the float32 copy of the weights: half the bytes of the float64
    weights, so the scan, which is bound by memory bandwidth, takes about half
    the time. Fills ``cand_idx``/``cand_d`` sorted by float32 distance (squared
    when K = 0), ties in index order; returns how many were filled, or -1 when
    a float32 distance is not finite (a weight or input beyond the float32
    range, or a square that overflowed it): the float32 figures then prove
    nothing, and the caller searches in float64.

    The distances are summed to find out (one addition per neuron, where a test
    and branch per neuron measured 25% slower): inf or NaN once any distance is.
    A sum of finite distances can overflow too (squared distances averaging
    above 3.4e38 / n_slots: data beyond about 1e16); the caller then also
    searches in float64, exactly, at the exhaustive scan's cost.
    """
    T = cand_idx.shape[0]
    K1 = W32.shape[1]
    D = W32.shape[2]
    m = 0
    total = np.float32(0.0)
    for j in range(n_slots):
        if alive[j] == 0:
            continue
        if K1 == 1:
            acc = np.float32(0.0)
            for d in range(D):
                diff = C32[0, d] - W32[j, 0, d]
                acc += diff * diff
            dist = acc
        else:
            dist = np.float32(0.0)
            for k in range(K1):
                acc = np.float32(0.0)
                for d in range(D):
                    diff = C32[k, d] - W32[j, k, d]
                    acc += diff * diff
                dist += alphas32[k] * np.sqrt(acc)
        total += dist  # inf or NaN once any distance is (a branch here costs ~25%)
        if m < T:
            pos = m
            m += 1
        elif dist < cand_d[T - 1]:
            pos = T - 1
        else:
            continue
        while pos > 0 and cand_d[pos - 1] > dist:
            cand_d[pos] = cand_d[pos - 1]
            cand_idx[pos] = cand_idx[pos - 1]
            pos -= 1
        cand_d[pos] = dist
        cand_idx[pos] = j
    if not total < np.inf:
        return -1
    return m


@numba.njit(cache=True)
def excluded_are_worse(worst32, d_second, C, n_features):
    """Whether every neuron the pre-selection left out is provably farther than
    ``d_second`` (exact float64 distance of the second-best candidate).

    A left-out neuron's float32 distance is at least ``worst32`` (the last
    candidate's; a plain distance, not squared). Rounding the data to float32
    moves each coordinate difference by at most ``u (|c| + |w| + |c - w|)`` and
    the float32 sums by a relative ``(D + K + 5) u``; with ``|w| <= |c| + d`` the
    true distance is at least the bound below (u taken 4 times larger for safety).

    That analysis assumes every float32 figure is finite and every rounding
    relative. It proves nothing, and False is returned (the caller then scans
    exhaustively in float64), when ``worst32`` is not finite, or when it is below
    ``2^-50 sqrt(D)``: there float32 underflow takes over. A product or
    coordinate below float32's smallest normal (2^-126) is rounded to a multiple
    of 2^-149, an absolute error of up to 2^-150 each; D of them add at most
    ``D 2^-150`` to a squared distance, hence at most ``sqrt(D) 2^-75`` to a
    distance (for K > 0 a level's distance can be tiny while the total is not, so
    the square root's own bound is the one that holds). That is at most
    ``u / 2`` of a distance >= ``2^-50 sqrt(D)`` (u = 2^-24), well inside the
    factor-4 margin on u above. Data at such tiny scales are searched exactly,
    at the exhaustive scan's cost.
    """
    if not worst32 < np.inf or worst32 < _TINY32 * math.sqrt(n_features):
        return False
    c_norm = 0.0
    for k in range(C.shape[0]):
        acc = 0.0
        for d in range(C.shape[1]):
            acc += C[k, d] * C[k, d]
        c_norm = max(c_norm, math.sqrt(acc))
    u = 4.0 * _U32
    lower = (worst32 * (1.0 - (n_features + C.shape[0] + 4) * u) - 2.0 * u * c_norm) / (
        1.0 + 2.0 * u
    )
    return lower > d_second


@numba.njit(cache=True)
def best_two(W, W32, alive, n_slots, C, C32, alphas, alphas32, cand_idx, cand_d):
    """Best and second-best matching live neurons, exactly as
    :func:`best_two_exact` finds them, in about half its time.

    A float32 scan keeps a few candidates, which are re-ranked with exact
    float64 distances. When rounding could have hidden a closer neuron (values
    far larger than the distances between them), or when the float32 figures
    cannot be trusted (beyond float32's range, or so small that it underflows),
    the exhaustive float64 scan decides instead.
    """
    K1 = W.shape[1]
    for k in range(K1):
        for d in range(W.shape[2]):
            C32[k, d] = np.float32(C[k, d])
    m = preselect(W32, alive, n_slots, C32, alphas32, cand_idx, cand_d)
    if m < 0:
        return best_two_exact(W, alive, n_slots, C, alphas)
    b = -1
    s = -1
    db = np.inf
    ds = np.inf
    for i in range(m):
        j = cand_idx[i]
        if K1 == 1:
            acc = 0.0
            for d in range(W.shape[2]):
                diff = C[0, d] - W[j, 0, d]
                acc += diff * diff
            dist = math.sqrt(acc)
        else:
            dist = neuron_distance(W, j, C, alphas)
        if dist < db or (dist == db and j < b):
            s = b
            ds = db
            b = j
            db = dist
        elif dist < ds or (dist == ds and j < s):
            s = j
            ds = dist
    if m == cand_idx.shape[0]:
        worst = float(cand_d[m - 1])
        if K1 == 1:
            worst = math.sqrt(worst)
        if not excluded_are_worse(worst, ds, C, W.shape[2]):
            return best_two_exact(W, alive, n_slots, C, alphas)
    return b, db, s, ds


@numba.njit(cache=True)
def sync_row(W, W32, j):
    """Refresh the float32 copy of neuron j's weights."""
    for k in range(W.shape[1]):
        for d in range(W.shape[2]):
            W32[j, k, d] = np.float32(W[j, k, d])


@numba.njit(cache=True)
def search_buffers(K1, D, alphas):
    """Work arrays of :func:`best_two`: (C32, alphas32, cand_idx, cand_d)."""
    return (
        np.zeros((K1, D), np.float32),
        alphas.astype(np.float32),
        np.empty(N_CANDIDATES, np.int64),
        np.empty(N_CANDIDATES, np.float32),
    )


@numba.njit(cache=True)
def global_context(C, x, prev_w, has_prev, beta):
    """The global context of input ``x`` (step 1 of the algorithm):
    ``C[0] = x``, ``C[k] = beta * prev_w[k] + (1 - beta) * prev_w[k - 1]`` where
    ``prev_w`` are the weights of the previous input's winner; zero without one."""
    for d in range(C.shape[1]):
        C[0, d] = x[d]
    for k in range(1, C.shape[0]):
        for d in range(C.shape[1]):
            if has_prev:
                C[k, d] = beta * prev_w[k, d] + (1.0 - beta) * prev_w[k - 1, d]
            else:
                C[k, d] = 0.0


@numba.njit(cache=True)
def habituate(h, tau, kappa):
    """One habituation step ``h + tau * kappa * (1 - h) - tau``.

    Floored at the rule's fixed point ``1 - 1/kappa`` (and at 0): from h <= 1
    the exact sequence never goes below it, the floor only absorbs rounding.
    """
    new = h + tau * kappa * (1.0 - h) - tau
    floor = 1.0 - 1.0 / kappa
    if floor < 0.0:
        floor = 0.0
    if new < floor:
        new = floor
    return new


@numba.njit(cache=True)
def move_towards(W, j, C, rate):
    """``W[j] += rate * (C - W[j])`` for every context level."""
    for k in range(W.shape[1]):
        for d in range(W.shape[2]):
            W[j, k, d] += rate * (C[k, d] - W[j, k, d])


@numba.njit(cache=True)
def update_label_counts(L, j, label, inc, dec):
    """Associative labelling: ``L[j, label] += inc``, other classes ``-= dec`` (>= 0)."""
    if label < 0:
        return
    for c in range(L.shape[1]):
        if c == label:
            L[j, c] += inc
        else:
            v = L[j, c] - dec
            L[j, c] = v if v > 0.0 else 0.0


@numba.njit(cache=True)
def label_of(L, j):
    """The mode of neuron j's label histogram; -1 when it has no label."""
    best = -1
    best_count = 0.0
    for c in range(L.shape[1]):
        if L[j, c] > best_count:
            best = c
            best_count = L[j, c]
    return best


@numba.njit(cache=True)
def temporal_slot(tidx, tdeg, i, j):
    """Slot of the temporal synapse i -> j in row i, or -1."""
    for k in range(tdeg[i]):
        if tidx[i, k] == j:
            return k
    return -1


@numba.njit(cache=True)
def strongest_successor(tidx, tcnt, tdeg, i):
    """The neuron that most often fired right after neuron i (-1: none).

    Ties go to the lower neuron index.
    """
    best = -1
    best_count = 0
    for k in range(tdeg[i]):
        c = tcnt[i, k]
        j = tidx[i, k]
        if c > best_count or (c == best_count and c > 0 and j < best):
            best = j
            best_count = c
    return best


@numba.njit(cache=True)
def _remove_neuron(j, alive, tdeg, counters):
    """Mark neuron j removed; its arrays are compacted away later."""
    alive[j] = 0
    tdeg[j] = 0
    counters[N_LIVE] -= 1
    counters[N_REMOVED] += 1


@numba.njit(cache=True)
def remove_isolated(alive, deg, tdeg, counters):
    """Remove every live neuron without edges (keeping at least two neurons)."""
    for j in range(counters[N_SLOTS]):
        if counters[N_LIVE] <= MIN_NEURONS:
            return
        if alive[j] == 1 and deg[j] == 0:
            _remove_neuron(j, alive, tdeg, counters)


@numba.njit(cache=True)
def train_stream(
    X,
    y,
    resets,
    epochs,
    W,
    W32,
    h,
    L,
    alive,
    nbr,
    age,
    deg,
    tidx,
    tcnt,
    tdeg,
    ctx_prev,
    counters,
    fparams,
    iparams,
    alphas,
    qerr,
    edge_connect,
    edge_disconnect,
    edges_age_node,
    edges_prune_node,
    edges_age_all,
    edges_prune_all,
):
    """Train on the stream ``X`` (labels ``y``, -1: none) for ``epochs`` epochs.

    Resumes at ``counters[EPOCH], counters[POS]`` and returns a status code:
    ``DONE``, or one of the ``NEED_*`` codes when an array is full; nothing of
    the input at the resume position has been changed then. ``NO_WINNER``, with
    nothing of that input changed either, when its distances to the neurons are
    not finite (or fewer than two neurons are live), so that there is no best or
    no second-best unit: the training cannot go on. ``resets[t]``
    starts a new stream at input t (no previous winner, zero context).
    ``qerr[e]`` accumulates the best-matching distance of every input of epoch e.
    """
    n_inputs = X.shape[0]
    K1 = W.shape[1]
    D = W.shape[2]
    capacity = W.shape[0]
    S = nbr.shape[1]
    St = tidx.shape[1]
    beta = fparams[BETA]
    a_threshold = fparams[A_T]
    h_threshold = fparams[H_T]
    kappa = fparams[KAPPA]
    max_age = np.int32(iparams[MAX_AGE])
    aging_global = iparams[AGING_GLOBAL] != 0
    regulated = iparams[REGULATED] != 0
    C = np.zeros((K1, D))
    C32, alphas32, cand_idx, cand_d = search_buffers(K1, D, alphas)
    touched = np.empty(S, np.int32)

    epoch = counters[EPOCH]
    t = counters[POS]
    while epoch < epochs:
        while t < n_inputs:
            # a reset is written to the counters with the input's winner, at the
            # end: an early return leaves them as they were
            prev = -1 if resets[t] else counters[PREV]
            has_context = not resets[t] and counters[HAS_CONTEXT] != 0
            # 1. global context
            global_context(C, X[t], ctx_prev, has_context, beta)
            # 2-3. best and second-best matching units
            n_slots = counters[N_SLOTS]
            b, db, s, _ = best_two(
                W, W32, alive, n_slots, C, C32, alphas, alphas32, cand_idx, cand_d
            )
            if b < 0 or s < 0:  # never index with a missing winner
                counters[EPOCH] = epoch
                counters[POS] = t
                return NO_WINNER
            label = y[t]
            misclassified = False
            quiet = False
            if regulated and label >= 0:
                if label_of(L, b) == label:
                    quiet = True  # the semantic memory already knows this input
                else:
                    misclassified = True
            activation = math.exp(-db)
            insert = (
                not quiet
                and activation < a_threshold
                and h[b] < h_threshold
                and counters[N_LIVE] < iparams[MAX_NEURONS]
            )
            winner = b
            if insert:
                winner = n_slots
            # room for what this input may add; return before changing anything
            if not quiet:
                if insert and n_slots >= capacity:
                    counters[EPOCH] = epoch
                    counters[POS] = t
                    return NEED_NEURON_SLOTS
                if deg[b] >= S or deg[s] >= S:
                    counters[EPOCH] = epoch
                    counters[POS] = t
                    return NEED_EDGE_SLOTS
            if prev >= 0 and prev != winner and alive[prev] == 1:
                if tdeg[prev] >= St and temporal_slot(tidx, tdeg, prev, winner) < 0:
                    counters[EPOCH] = epoch
                    counters[POS] = t
                    return NEED_TEMPORAL_SLOTS

            if not quiet:
                if insert:
                    # 4. insertion between the BMU and the input
                    r = n_slots
                    for k in range(K1):
                        for d in range(D):
                            W[r, k, d] = 0.5 * (W[b, k, d] + C[k, d])
                    sync_row(W, W32, r)
                    h[r] = 1.0
                    alive[r] = 1
                    deg[r] = 0
                    tdeg[r] = 0
                    for c in range(L.shape[1]):
                        L[r, c] = 0.0
                    if label >= 0:
                        L[r, label] = fparams[LABEL_INC]
                    edge_disconnect(nbr.ctypes, age.ctypes, deg.ctypes, S, b, s)
                    edge_connect(nbr.ctypes, age.ctypes, deg.ctypes, S, b, r)
                    edge_connect(nbr.ctypes, age.ctypes, deg.ctypes, S, s, r)
                    counters[N_SLOTS] = n_slots + 1
                    counters[N_LIVE] += 1
                    counters[N_INSERTED] += 1
                else:
                    # 5. adaptation of the BMU and its topological neighbours
                    eps_b = fparams[EPS_B]
                    eps_n = fparams[EPS_N]
                    if misclassified:
                        eps_b *= fparams[MOD_RATE]
                        eps_n *= fparams[MOD_RATE]
                    move_towards(W, b, C, eps_b * h[b])
                    sync_row(W, W32, b)
                    edge_connect(nbr.ctypes, age.ctypes, deg.ctypes, S, b, s)
                    for k in range(deg[b]):
                        n = nbr[b, k]
                        move_towards(W, n, C, eps_n * h[n])
                        sync_row(W, W32, n)
                    # 6. habituation
                    h[b] = habituate(h[b], fparams[TAU_B], kappa)
                    for k in range(deg[b]):
                        n = nbr[b, k]
                        h[n] = habituate(h[n], fparams[TAU_N], kappa)
                    # 9. associative labels (a regulated network leaves the
                    # histogram of a BMU that got it wrong alone)
                    if not misclassified:
                        update_label_counts(L, b, label, fparams[LABEL_INC], fparams[LABEL_DEC])
                # 7. edge ageing
                if aging_global:
                    edges_age_all(nbr.ctypes, age.ctypes, deg.ctypes, S, counters[N_SLOTS])
                else:
                    edges_age_node(nbr.ctypes, age.ctypes, deg.ctypes, S, b)
                    n_touched = edges_prune_node(
                        nbr.ctypes, age.ctypes, deg.ctypes, S, b, max_age, touched.ctypes
                    )
                    # highest index first, so that the MIN_NEURONS guard does not
                    # depend on the order of the adjacency slots
                    touched[:n_touched].sort()
                    for k in range(n_touched - 1, -1, -1):
                        j = touched[k]
                        if deg[j] == 0 and alive[j] == 1 and counters[N_LIVE] > MIN_NEURONS:
                            _remove_neuron(j, alive, tdeg, counters)
            # 8. temporal synapse
            if prev >= 0 and prev != winner and alive[prev] == 1:
                k = temporal_slot(tidx, tdeg, prev, winner)
                if k < 0:
                    k = tdeg[prev]
                    tidx[prev, k] = winner
                    tcnt[prev, k] = 0
                    tdeg[prev] = k + 1
                tcnt[prev, k] += 1
            counters[PREV] = winner
            counters[HAS_CONTEXT] = 1
            for k in range(K1):
                for d in range(D):
                    ctx_prev[k, d] = W[winner, k, d]
            qerr[epoch] += db
            t += 1
            counters[POS] = t
        if aging_global:
            # the reference prunes old edges once per epoch
            edges_prune_all(nbr.ctypes, age.ctypes, deg.ctypes, S, counters[N_SLOTS], max_age)
            remove_isolated(alive, deg, tdeg, counters)
        epoch += 1
        t = 0
        counters[EPOCH] = epoch
        counters[POS] = 0
    return DONE


@numba.njit(cache=True)
def compact(W, W32, h, L, alive, nbr, age, deg, tidx, tcnt, tdeg, counters, compact_lists):
    """Drop removed neurons, keeping the live ones in their order. O(N + edges).

    Renumbers edges, temporal synapses and the previous winner.
    """
    n_slots = counters[N_SLOTS]
    new_index = np.full(max(n_slots, 1), -1, np.int32)
    r = 0
    for i in range(n_slots):
        if alive[i] == 1:
            new_index[i] = r
            if r != i:
                W[r] = W[i]
                W32[r] = W32[i]
                h[r] = h[i]
                L[r] = L[i]
                alive[r] = 1
            r += 1
    for i in range(r, n_slots):
        alive[i] = 0
    compact_lists(nbr.ctypes, age.ctypes, deg.ctypes, nbr.shape[1], n_slots, new_index.ctypes)
    compact_lists(tidx.ctypes, tcnt.ctypes, tdeg.ctypes, tidx.shape[1], n_slots, new_index.ctypes)
    prev = counters[PREV]
    if prev >= 0:
        counters[PREV] = new_index[prev]
    counters[N_SLOTS] = r
    counters[N_LIVE] = r
    counters[N_REMOVED] = 0


@numba.njit(cache=True)
def stream_bmus(X, W, W32, alphas, beta, out_index, out_dist):
    """BMU of each input of a stream, with the global context but no learning.

    The context of the first input is zero, as at the start of a training
    stream; it then follows the BMUs found here. Returns -1, or the position of
    the first input without a best-matching unit (no finite distance): the
    search stops there, and nothing is written for it or after it.
    """
    n_neurons = W.shape[0]
    K1 = W.shape[1]
    D = W.shape[2]
    C = np.zeros((K1, D))
    C32, alphas32, cand_idx, cand_d = search_buffers(K1, D, alphas)
    alive = np.ones(n_neurons, np.uint8)
    prev = -1
    for t in range(X.shape[0]):
        global_context(C, X[t], W[max(prev, 0)], prev >= 0, beta)
        b, db, _, _ = best_two(W, W32, alive, n_neurons, C, C32, alphas, alphas32, cand_idx, cand_d)
        if b < 0:
            return t
        out_index[t] = b
        out_dist[t] = db
        prev = b
    return -1


@numba.njit(cache=True)
def labels_of(L, index, out):
    """``out[i] = label_of(L, index[i])``."""
    for i in range(index.shape[0]):
        out[i] = label_of(L, index[i])


@numba.njit(cache=True)
def nearest_of_each_class(X, W0, labels, out):
    """``out[i, c]``: the squared Euclidean distance from input ``X[i]`` to the
    nearest neuron (own weights ``W0``) whose label is c, inf where none is;
    labels outside ``[0, out.shape[1])`` are skipped.

    A plain sequential sum of squares, without fast-math: the same arithmetic,
    bit for bit, as SciPy's ``cdist`` (whose square root is taken by the caller).
    """
    n_classes = out.shape[1]
    out[:] = np.inf
    for i in range(X.shape[0]):
        for j in range(W0.shape[0]):
            c = labels[j]
            if c < 0 or c >= n_classes:
                continue
            acc = 0.0
            for d in range(X.shape[1]):
                diff = X[i, d] - W0[j, d]
                acc += diff * diff
            if acc < out[i, c]:
                out[i, c] = acc


@numba.njit(cache=True)
def replay_trajectories(W0, L, tidx, tcnt, tdeg, length, out_x, out_y, out_start):
    """Pseudo-rehearsal sequences: from each neuron, follow the strongest
    temporal synapse for ``length - 1`` more steps (a trajectory ends early at a
    neuron that never fired before another one).

    Writes the weights (``W0``: the neurons' own weights) and labels of all
    trajectories one after another into ``out_x``/``out_y`` and marks the first
    element of each in ``out_start``; returns the number of rows written.
    """
    m = 0
    for i in range(W0.shape[0]):
        j = i
        for step in range(length):
            out_x[m] = W0[j]
            out_y[m] = label_of(L, j)
            out_start[m] = step == 0
            m += 1
            j = strongest_successor(tidx, tcnt, tdeg, j)
            if j < 0:
                break
    return m
