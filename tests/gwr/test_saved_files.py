"""Files written by an earlier version of the toolkit still load, and continue
exactly as the same networks built today.

``data/`` holds a ``GrowingDualMemory`` and a ``GammaGWR`` saved (format
version 1) before the dual memory kept its networks as fitted attributes; they
are rebuilt here from the same data and seeds.
"""

from pathlib import Path

import numpy as np
import pytest

from gwr import GammaGWR, GrowingDualMemory

DATA = Path(__file__).parent / "data"
INTEGERS = ("edges_", "edge_ages_", "temporal_edges_", "temporal_counts_")
FLOATS = ("weights_", "context_weights_", "habituation_", "label_counts_", "quantization_error_")


def _data():
    rng = np.random.default_rng(20)
    X = rng.normal(size=(40, 3))
    y = np.arange(40) % 3
    return X + y[:, None], y


def _same(a: GammaGWR, b: GammaGWR) -> None:
    """The same network; floats to a few units of rounding: a freshly compiled
    kernel and one loaded from numba's cache may round a sum differently."""
    assert a.get_params() == b.get_params()
    for name in INTEGERS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in FLOATS:
        np.testing.assert_allclose(
            getattr(a, name), getattr(b, name), rtol=1e-12, atol=1e-12, err_msg=name
        )


@pytest.fixture
def rebuilt_memory():
    X, y = _data()
    gdm = GrowingDualMemory(n_context=1, random_state=5, semantic_labels="episodic")
    gdm.partial_fit(X[:20], y[:20], epochs=2).replay(epochs=1)
    return gdm.partial_fit(X[20:], y[20:], epochs=2)


def test_a_saved_dual_memory_loads_and_continues_as_one_built_today(rebuilt_memory):
    X, y = _data()
    loaded = GrowingDualMemory.load(DATA / "dual_memory_v1.npz")
    assert loaded.get_params() == rebuilt_memory.get_params()
    for memory in ("episodic", "semantic"):
        _same(getattr(loaded, memory), getattr(rebuilt_memory, memory))
        np.testing.assert_array_equal(loaded.predict(X, memory), rebuilt_memory.predict(X, memory))
    for gdm in (loaded, rebuilt_memory):  # the stream, context included, carries on
        gdm.partial_fit(X[::-1], y[::-1], epochs=1).replay(epochs=1)
    for memory in ("episodic", "semantic"):
        _same(getattr(loaded, memory), getattr(rebuilt_memory, memory))


def test_a_saved_network_loads_and_continues_as_one_built_today():
    X, y = _data()
    loaded = GammaGWR.load(DATA / "gammagwr_v1.npz")
    rebuilt = GammaGWR(n_context=2, random_state=1).partial_fit(X, y, epochs=2)
    _same(loaded, rebuilt)
    loaded.partial_fit(X[:7], y[:7])
    rebuilt.partial_fit(X[:7], y[:7])
    _same(loaded, rebuilt)
