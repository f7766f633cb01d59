"""Child process of the memory check (``test_memory.py``): trains a network of
``n`` prototypes and prints its resident-memory figures as one JSON line.

Usage: ``python bench/rss_child.py N D N_INPUTS``
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time


def peak_rss() -> int:
    """Peak resident set size of this process so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def current_rss() -> int:
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except ImportError:  # Linux without psutil
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main(n: int, dim: int, n_inputs: int) -> dict:
    import numpy as np

    from gwr import GammaGWR

    out = {"n_neurons": n, "dim": dim, "n_inputs": n_inputs}
    rng = np.random.default_rng(0)
    # load the compiled kernels before measuring
    GammaGWR(init=rng.random((4, dim))).partial_fit(rng.random((8, dim)))
    out["rss_after_import_bytes"] = current_rss()

    prototypes = rng.random((n, dim))
    X = rng.random((n_inputs, dim))
    out["prototypes_bytes"] = prototypes.nbytes
    out["rss_with_prototypes_bytes"] = current_rss()

    net = GammaGWR(init=prototypes, max_neurons=n, activation_threshold=1e-9)
    t0 = time.perf_counter()
    net.partial_fit(X[:10])
    out["first_call_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.partial_fit(X)
    out["ms_per_input"] = (time.perf_counter() - t0) / n_inputs * 1e3
    out["rss_after_training_bytes"] = current_rss()
    out["peak_rss_bytes"] = peak_rss()
    out["network_neurons"] = net.n_neurons_
    state = net._state
    out["network_arrays_bytes"] = sum(getattr(state, a).nbytes for a in state.ARRAYS)
    return out


if __name__ == "__main__":
    n, dim, n_inputs = (int(a) for a in sys.argv[1:4])
    print(json.dumps(main(n, dim, n_inputs)))
