# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Edge ageing and pruning on the GWR's adjacency structure.

The topology of a network is kept as fixed-width adjacency lists, one row per
neuron slot of a preallocated array (``nbr[i, :deg[i]]`` are the neighbours of
neuron ``i``, ``age[i, :deg[i]]`` the ages of those edges). An undirected edge is
stored twice, once in each endpoint's row, and both copies always carry the same
age. The numba training loop calls these functions through their C addresses
(``gwr._edges_api``), so every function here is a ``nogil`` C function on raw
pointers, exported with ``cdef api``. Slot bookkeeping (is there room for one
more edge in a row?) is the caller's job: every function here assumes it was
done.

Directed per-row lists with an integer payload (the temporal synapses) share
the same layout, and :c:func:`compact_lists` renumbers both kinds after neurons
are removed.
"""

from libc.stdint cimport int32_t, int64_t


cdef inline Py_ssize_t _find(int32_t* nbr, int32_t* deg, Py_ssize_t S,
                             Py_ssize_t i, int32_t j) noexcept nogil:
    """Slot of ``j`` in row ``i``, or -1."""
    cdef Py_ssize_t k
    cdef int32_t* row = nbr + i * S
    for k in range(deg[i]):
        if row[k] == j:
            return k
    return -1


cdef inline void _drop_slot(int32_t* nbr, int32_t* age, int32_t* deg,
                            Py_ssize_t S, Py_ssize_t i, Py_ssize_t k) noexcept nogil:
    """Remove slot ``k`` of row ``i`` by moving the row's last entry into it."""
    cdef Py_ssize_t last = deg[i] - 1
    nbr[i * S + k] = nbr[i * S + last]
    age[i * S + k] = age[i * S + last]
    nbr[i * S + last] = -1
    age[i * S + last] = 0
    deg[i] = <int32_t>last


cdef api int edge_connect(int32_t* nbr, int32_t* age, int32_t* deg, Py_ssize_t S,
                          Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    """Create edge i-j with age 0, or reset its age to 0 if it exists.

    Returns 1 when a new edge was created, 0 when an existing one was reset and
    -1 when a row had no free slot (nothing is changed then).
    """
    if i == j:
        return 0
    cdef Py_ssize_t ki = _find(nbr, deg, S, i, <int32_t>j)
    cdef Py_ssize_t kj
    if ki >= 0:
        kj = _find(nbr, deg, S, j, <int32_t>i)
        age[i * S + ki] = 0
        age[j * S + kj] = 0
        return 0
    if deg[i] >= S or deg[j] >= S:
        return -1
    nbr[i * S + deg[i]] = <int32_t>j
    age[i * S + deg[i]] = 0
    deg[i] += 1
    nbr[j * S + deg[j]] = <int32_t>i
    age[j * S + deg[j]] = 0
    deg[j] += 1
    return 1


cdef api int edge_disconnect(int32_t* nbr, int32_t* age, int32_t* deg, Py_ssize_t S,
                             Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    """Remove edge i-j. Returns 1 if it existed, 0 otherwise."""
    cdef Py_ssize_t ki = _find(nbr, deg, S, i, <int32_t>j)
    if ki < 0:
        return 0
    _drop_slot(nbr, age, deg, S, i, ki)
    cdef Py_ssize_t kj = _find(nbr, deg, S, j, <int32_t>i)
    if kj >= 0:
        _drop_slot(nbr, age, deg, S, j, kj)
    return 1


cdef api void edges_age_node(int32_t* nbr, int32_t* age, int32_t* deg, Py_ssize_t S,
                             Py_ssize_t i) noexcept nogil:
    """Age every edge of neuron ``i`` by one (both stored copies)."""
    cdef Py_ssize_t k, kj
    cdef int32_t j
    for k in range(deg[i]):
        j = nbr[i * S + k]
        age[i * S + k] += 1
        kj = _find(nbr, deg, S, j, <int32_t>i)
        if kj >= 0:
            age[j * S + kj] += 1


cdef api Py_ssize_t edges_prune_node(int32_t* nbr, int32_t* age, int32_t* deg,
                                     Py_ssize_t S, Py_ssize_t i, int32_t max_age,
                                     int32_t* touched) noexcept nogil:
    """Remove the edges of neuron ``i`` older than ``max_age``.

    The other endpoints of removed edges are written to ``touched`` (room for
    ``S`` entries); the count is returned. The caller decides which of them are
    now isolated.
    """
    cdef Py_ssize_t k = 0, kj, n = 0
    cdef int32_t j
    while k < deg[i]:
        if age[i * S + k] > max_age:
            j = nbr[i * S + k]
            _drop_slot(nbr, age, deg, S, i, k)
            kj = _find(nbr, deg, S, j, <int32_t>i)
            if kj >= 0:
                _drop_slot(nbr, age, deg, S, j, kj)
            touched[n] = j
            n += 1
        else:
            k += 1
    return n


cdef api void edges_age_all(int32_t* nbr, int32_t* age, int32_t* deg, Py_ssize_t S,
                            Py_ssize_t n_slots) noexcept nogil:
    """Age every edge of the network by one (the reference's global ageing)."""
    cdef Py_ssize_t i, k
    for i in range(n_slots):
        for k in range(deg[i]):
            age[i * S + k] += 1


cdef api Py_ssize_t edges_prune_all(int32_t* nbr, int32_t* age, int32_t* deg,
                                    Py_ssize_t S, Py_ssize_t n_slots,
                                    int32_t max_age) noexcept nogil:
    """Remove every edge older than ``max_age``; returns how many were removed."""
    cdef Py_ssize_t i, k, removed = 0
    for i in range(n_slots):
        k = 0
        while k < deg[i]:
            if age[i * S + k] > max_age:
                _drop_slot(nbr, age, deg, S, i, k)
                removed += 1
            else:
                k += 1
    # each undirected edge was stored twice, and both copies share one age
    return removed // 2


cdef api void compact_lists(int32_t* idx, int32_t* payload, int32_t* deg, Py_ssize_t S,
                            Py_ssize_t n_slots, int32_t* new_index) noexcept nogil:
    """Renumber per-row lists after removing neurons, keeping their order.

    ``new_index[i]`` is the new row of old row ``i`` (-1: removed; live rows
    keep their relative order, so ``new_index[i] <= i``). Entries that point to
    a removed neuron are dropped. Works in place, row by row, from the top.
    """
    cdef Py_ssize_t i, k, r, n
    cdef int32_t j
    for i in range(n_slots):
        r = new_index[i]
        if r < 0:
            continue
        n = 0
        for k in range(deg[i]):
            j = new_index[idx[i * S + k]]
            if j >= 0:
                idx[r * S + n] = j
                payload[r * S + n] = payload[i * S + k]
                n += 1
        for k in range(n, S):
            idx[r * S + k] = -1
            payload[r * S + k] = 0
        deg[r] = <int32_t>n
    # rows past the live ones are now free slots
    n = 0
    for i in range(n_slots):
        if new_index[i] >= 0:
            n += 1
    for i in range(n, n_slots):
        deg[i] = 0
        for k in range(S):
            idx[i * S + k] = -1
            payload[i * S + k] = 0
