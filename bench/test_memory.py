"""Target 4: a network of 1e6 neurons of dimension 50 trains within 1.5 GB.

The network runs in a child process (``bench/rss_child.py``) so that the figure
is clean: peak resident set size (``ru_maxrss``) of a process that imports gwr,
creates the (1e6, 50) float64 prototypes (400 MB of the user's own), builds
``GammaGWR(init=prototypes)`` and trains on a few hundred inputs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from gwr import GammaGWR

LIMIT_BYTES = 1.5e9
N, D, N_INPUTS = 1_000_000, 50, 300
CHILD = Path(__file__).with_name("rss_child.py")


def test_million_neurons_memory(benchmark, record):
    # compile (or load) the kernels here first, so the child finds them cached
    rng = np.random.default_rng(0)
    GammaGWR(init=rng.random((4, D))).partial_fit(rng.random((8, D)))

    result = {}

    def run_child():
        proc = subprocess.run(
            [sys.executable, str(CHILD), str(N), str(D), str(N_INPUTS)],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        result.update(json.loads(proc.stdout.strip().splitlines()[-1]))

    benchmark.pedantic(run_child, rounds=1, iterations=1)
    assert result["network_neurons"] == N
    peak = result["peak_rss_bytes"]
    record(
        benchmark,
        "4. memory, N=1e6, D=50",
        target=f"peak RSS <= {LIMIT_BYTES / 1e9:g} GB",
        holds=peak <= LIMIT_BYTES,
        peak_rss_GB=peak / 1e9,
        peak_rss_GiB=peak / 2**30,
        rss_after_import_MB=result["rss_after_import_bytes"] / 1e6,
        user_prototypes_MB=result["prototypes_bytes"] / 1e6,
        network_arrays_MB=result["network_arrays_bytes"] / 1e6,
        rss_after_training_GB=result["rss_after_training_bytes"] / 1e9,
        training_inputs=N_INPUTS,
        ms_per_input=result["ms_per_input"],
        first_call_s=result["first_call_s"],
    )
    assert peak <= LIMIT_BYTES
