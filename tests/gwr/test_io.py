"""Saving and loading: exact continuation, and files that are not networks."""

import json
import zipfile

import numpy as np
import pytest

from gwr import GammaGWR, GrowingDualMemory


def _same(a: GammaGWR, b: GammaGWR):
    for name in (
        "weights_",
        "context_weights_",
        "habituation_",
        "label_counts_",
        "edges_",
        "edge_ages_",
        "temporal_edges_",
        "temporal_counts_",
    ):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a._state.counters, b._state.counters)
    n = a.n_neurons_
    np.testing.assert_array_equal(a._state.W32[:n], b._state.W32[:n])


@pytest.mark.parametrize(
    "params", [dict(), dict(n_context=2, aging="global"), dict(regulated=True)]
)
def test_save_load_continues_exactly(tmp_path, rng, params):
    X = rng.normal(size=(400, 4))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    net = GammaGWR(
        activation_threshold=0.4, habituation_threshold=0.3, max_age=15, random_state=7, **params
    )
    net.partial_fit(X[:200], y[:200], epochs=2)
    path = tmp_path / "net.npz"
    net.save(path)
    loaded = GammaGWR.load(path)
    assert loaded.get_params() == net.get_params()
    _same(net, loaded)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    net.partial_fit(X[200:], y[200:], epochs=2)
    loaded.partial_fit(X[200:], y[200:], epochs=2)
    _same(net, loaded)


def test_file_is_npz_with_json_header_and_no_pickles(tmp_path, rng):
    net = GammaGWR(random_state=0, init=rng.normal(size=(3, 2))).fit(rng.normal(size=(9, 2)))
    path = tmp_path / "net.gwr"  # any name: nothing is appended
    net.save(path)
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
    assert header["format"] == "gwr-toolkit" and header["format_version"] == 1
    assert header["kind"] == "GammaGWR"
    assert header["networks"][""]["params"]["init"] == "random"  # the array is not kept


def test_dual_memory_save_load(tmp_path, rng):
    X = rng.normal(size=(50, 3))
    y = np.arange(50) % 3
    gdm = GrowingDualMemory(random_state=1, semantic_labels="episodic").partial_fit(X, y)
    gdm.replay()
    gdm.save(tmp_path / "gdm.npz")
    loaded = GrowingDualMemory.load(tmp_path / "gdm.npz")
    assert loaded.get_params() == gdm.get_params()
    _same(gdm.episodic, loaded.episodic)
    _same(gdm.semantic, loaded.semantic)
    for memory in ("episodic", "semantic"):
        np.testing.assert_array_equal(loaded.predict(X, memory), gdm.predict(X, memory))
    gdm.partial_fit(X[::-1], y[::-1])
    loaded.partial_fit(X[::-1], y[::-1])
    _same(gdm.semantic, loaded.semantic)
    with pytest.raises(ValueError, match="holds a GrowingDualMemory, not a GammaGWR"):
        GammaGWR.load(tmp_path / "gdm.npz")


def _rewrite_header(src, dst, change):
    with np.load(src, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(str(arrays["header"]))
    change(header)
    arrays["header"] = np.array(json.dumps(header))
    with open(dst, "wb") as f:
        np.savez(f, **arrays)


def test_files_that_are_not_saved_networks(tmp_path, rng):
    net = GammaGWR(random_state=0).fit(rng.normal(size=(20, 2)))
    good = tmp_path / "good.npz"
    net.save(good)
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match="not a saved gwr network"):
        GammaGWR.load(tmp_path / "text.npz")
    np.save(tmp_path / "array.npy", np.zeros(3))
    with pytest.raises(ValueError, match="not a saved gwr network"):
        GammaGWR.load(tmp_path / "array.npy")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="no header"):
        GammaGWR.load(tmp_path / "other.npz")
    _rewrite_header(good, tmp_path / "v2.npz", lambda h: h.update(format_version=2))
    with pytest.raises(ValueError, match="format version 2; this gwr-toolkit reads version 1"):
        GammaGWR.load(tmp_path / "v2.npz")
    _rewrite_header(good, tmp_path / "fmt.npz", lambda h: h.update(format="other"))
    with pytest.raises(ValueError, match="not a saved gwr network"):
        GammaGWR.load(tmp_path / "fmt.npz")
    with zipfile.ZipFile(tmp_path / "pickled.npz", "w") as z:
        z.writestr("header.npy", b"\x93NUMPY garbage")
    with pytest.raises(ValueError, match="not a saved gwr network"):
        GammaGWR.load(tmp_path / "pickled.npz")
    obj = np.array([{"a": 1}], dtype=object)
    np.savez(tmp_path / "objects.npz", header=obj)
    with pytest.raises(ValueError, match="not a saved gwr network"):
        GammaGWR.load(tmp_path / "objects.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a saved gwr network"):
        GammaGWR.load(truncated)
    with pytest.raises(FileNotFoundError, match="no saved network"):
        GammaGWR.load(tmp_path / "missing.npz")
