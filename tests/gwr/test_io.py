"""Saving and loading: exact continuation, and files that are not networks."""

import json
import zipfile

import numpy as np
import pytest
from npz_fuzz import read_npz, write_npz

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


# -- damaged files: every check of the loader, one at a time ------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A GammaGWR with n_context=2 (edges and temporal synapses) and a dual memory."""
    folder = tmp_path_factory.mktemp("saved")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 3))
    y = np.arange(80) % 3
    net = GammaGWR(n_context=2, activation_threshold=0.5, random_state=1).fit(X, y, epochs=2)
    assert (net._state.deg[: net.n_neurons_] >= 2).any() and len(net.temporal_edges_)
    net.save(folder / "net.npz")
    gdm = GrowingDualMemory(n_context=1, random_state=2).partial_fit(X, y, epochs=2)
    gdm.save(folder / "gdm.npz")
    return folder


def _rewritten(src, dst, edit):
    header, arrays = read_npz(src)
    edit(header, arrays)
    write_npz(dst, header, arrays)
    return dst


def _row_with_degree(a, at_least):
    return int(np.flatnonzero(a["deg"] >= at_least)[0])


def _set(name, index, value, dtype=None):
    def edit(h, a):
        if dtype is not None:
            a[name] = a[name].astype(dtype)
        a[name][index] = value

    return edit


def _one_neuron(h, a):
    for name in ("W", "h", "L", "nbr", "age", "deg", "tidx", "tcnt", "tdeg"):
        a[name] = a[name][:1].copy()
    a["nbr"][:], a["age"][:], a["deg"][:] = -1, 0, 0
    a["tidx"][:], a["tcnt"][:], a["tdeg"][:] = -1, 0, 0
    a["counters"][[0, 1]] = 1
    a["counters"][2] = -1


def _width_zero(h, a):
    for name in ("nbr", "age"):
        a[name] = a[name][:, :0].copy()
    a["deg"][:] = 0


def _put(name, index, value):
    """Set an entry of array ``name`` (in row ``index(a)`` when it is a function)."""

    def edit(h, a):
        where = index(a) if callable(index) else index
        a[name][where] = value(a) if callable(value) else value

    return edit


def _first_edge(a):
    """Slot 0 of the first row with at least two edges."""
    return _row_with_degree(a, 2), 0


def _first_synapse(a):
    return int(np.flatnonzero(a["tdeg"] >= 2)[0]), 0


def _header(edit):
    return lambda h, a: edit(h)


def _info(**change):
    return _header(lambda h: h["networks"][""].update(change))


def _param(**change):
    return _header(lambda h: h["networks"][""]["params"].update(change))


def _drop_back_link(h, a):
    i = _row_with_degree(a, 2)
    j = int(a["nbr"][i, 0])
    slot = list(a["nbr"][j, : a["deg"][j]]).index(i)
    last = a["deg"][j] - 1
    a["nbr"][j, slot], a["age"][j, slot] = a["nbr"][j, last], a["age"][j, last]
    a["nbr"][j, last], a["age"][j, last] = -1, 0
    a["deg"][j] = last


DAMAGE = [
    # dtypes and integer ranges
    ("W int", _set("W", (0, 0, 0), 1, np.int64), "W must hold floats, got dtype int64"),
    (
        "nbr float",
        _set("nbr", (0, 0), 0.0, np.float64),
        "nbr must hold integers, got dtype float64",
    ),
    ("int32", _set("deg", 0, 2**40, np.int64), "deg holds 1099511627776, outside the int32"),
    (
        "int64",
        _set("counters", 6, 2**63 + 5, np.uint64),
        "counters holds 9223372036854775813, outside the int64",
    ),
    ("string", lambda h, a: a.update(h=a["h"].astype("U8")), "h must hold floats, got dtype <U8"),
    # shapes
    (
        "W shape",
        lambda h, a: a.update(W=a["W"][:, :, :2]),
        r"W must have shape \(n_neurons, 3, 3\)",
    ),
    ("h shape", lambda h, a: a.update(h=a["h"][:-1]), r"h must have shape \(\d+,\)"),
    (
        "age shape",
        lambda h, a: a.update(age=a["age"][:, :-1]),
        r"age must have shape \(\d+, \d+\), as nbr",
    ),
    ("L shape", lambda h, a: a.update(L=a["L"][:, 0]), r"L must have shape \(\d+, width\)"),
    (
        "ctx_prev shape",
        lambda h, a: a.update(ctx_prev=a["ctx_prev"][:2]),
        r"ctx_prev must have shape \(3, 3\)",
    ),
    (
        "counters shape",
        lambda h, a: a.update(counters=a["counters"][:7]),
        r"counters must have shape \(8,\)",
    ),
    ("missing", lambda h, a: a.pop("tcnt"), "lacks the array 'tcnt'"),
    ("one neuron", _one_neuron, r"W holds 1 neuron\(s\); a network has at least 2"),
    ("width 0", _width_zero, "nbr has width 0"),
    # values of the float arrays
    ("W nan", _set("W", (1, 0, 2), np.nan), r"W\[1, 0, 2\] = nan is not finite"),
    ("h inf", _set("h", 3, np.inf), r"h\[3\] = inf is not finite"),
    ("L nan", _set("L", (2, 1), np.nan), r"L\[2, 1\] = nan is not finite"),
    ("ctx_prev nan", _set("ctx_prev", (2, 0), np.nan), r"ctx_prev\[2, 0\] = nan is not finite"),
    (
        "W huge",
        _set("W", (4, 1, 0), -1e200),
        r"W\[4, 1, 0\] = -1e\+200 is beyond the largest magnitude 1.9\d+e\+153",
    ),
    (
        "ctx_prev huge",
        _set("ctx_prev", (0, 1), 1e160),
        r"ctx_prev\[0, 1\] = 1e\+160 is beyond the largest magnitude",
    ),
    ("h > 1", _set("h", 5, 1.5), r"h\[5\] = 1.5 is not a habituation within \[0, 1\]"),
    ("h < 0", _set("h", 0, -0.1), r"h\[0\] = -0.1 is not a habituation within \[0, 1\]"),
    ("L < 0", _set("L", (1, 0), -2.0), r"L\[1, 0\] = -2.0 is a negative label count"),
    # the adjacency lists
    (
        "nbr = n",
        _put("nbr", _first_edge, lambda a: a["W"].shape[0]),
        r"nbr\[\d+, 0\] = \d+ is not a neuron index in \[0, \d+\)",
    ),
    ("nbr = -1", _put("nbr", _first_edge, -1), r"nbr\[\d+, 0\] = -1 is not a neuron index"),
    (
        "self loop",
        _put("nbr", _first_edge, lambda a: _first_edge(a)[0]),
        r"nbr\[(\d+), 0\] links neuron \1 to itself",
    ),
    (
        "beyond deg",
        _put("nbr", lambda a: (0, a["nbr"].shape[1] - 1), 1),
        r"nbr\[0, \d+\] = 1 lies beyond deg\[0\] = \d+ and must be -1",
    ),
    (
        "duplicate",
        _put("nbr", lambda a: (_first_edge(a)[0], 1), lambda a: a["nbr"][_first_edge(a)]),
        r"nbr lists neuron \d+ more than once in row \d+",
    ),
    ("deg > width", _set("deg", 0, 10**6), r"deg\[0\] = 1000000 is not within \[0, \d+\]"),
    ("deg < 0", _set("deg", 2, -1), r"deg\[2\] = -1 is not within \[0, \d+\]"),
    ("one copy", _drop_back_link, r"nbr holds the edge (\d+)-(\d+) in row \1 but not in row \2"),
    (
        "ages",
        _put("age", _first_edge, lambda a: a["age"][_first_edge(a)] + 1),
        r"age differs between the two copies of the edge \d+-\d+",
    ),
    ("age < 0", _put("age", _first_edge, -3), r"age\[\d+, 0\] = -3 must be >= 0"),
    # the temporal synapses
    (
        "tidx = n",
        _put("tidx", _first_synapse, 10**5),
        r"tidx\[\d+, 0\] = 100000 is not a neuron index",
    ),
    (
        "tidx self",
        _put("tidx", _first_synapse, lambda a: _first_synapse(a)[0]),
        r"tidx\[(\d+), 0\] links neuron \1 to itself",
    ),
    (
        "tidx twice",
        _put("tidx", lambda a: (_first_synapse(a)[0], 1), lambda a: a["tidx"][_first_synapse(a)]),
        r"tidx lists neuron \d+ more than once",
    ),
    (
        "tcnt 0",
        _put("tcnt", lambda a: (_first_synapse(a)[0], 1), 0),
        r"tcnt\[\d+, 1\] = 0 must be >= 1",
    ),
    ("tdeg", _set("tdeg", 1, 99), r"tdeg\[1\] = 99 is not within \[0, \d+\]"),
    # the counters
    (
        "N_SLOTS",
        _set("counters", 0, 5),
        r"counters\[0\] \(N_SLOTS\) = 5 must be \d+, the number of neurons",
    ),
    ("N_LIVE", _set("counters", 1, 10**9), r"counters\[1\] \(N_LIVE\) = 1000000000 must be \d+"),
    (
        "PREV",
        _set("counters", 2, 10**4),
        r"counters\[2\] \(PREV\) = 10000 must be a neuron index in \[0, \d+\) or -1",
    ),
    ("PREV < -1", _set("counters", 2, -2), r"counters\[2\] \(PREV\) = -2 must be"),
    ("EPOCH", _set("counters", 3, -1), r"counters\[3\] \(EPOCH\) = -1 must be >= 0"),
    ("N_REMOVED", _set("counters", 5, 1), r"counters\[5\] \(N_REMOVED\) = 1 must be 0"),
    ("HAS_CONTEXT", _set("counters", 7, 2), r"counters\[7\] \(HAS_CONTEXT\) = 2 must be 0 or 1"),
    # the header
    (
        "networks",
        _header(lambda h: h.update(networks=[])),
        "the header's networks must be a JSON object",
    ),
    (
        "prefix",
        _header(lambda h: h.update(networks={"x": h["networks"][""]})),
        r"holds the networks \[''\], this file \['x'\]",
    ),
    ("n_features 0", _info(n_features=0), "n_features must be a positive integer, got 0"),
    ("n_features str", _info(n_features="3"), "n_features must be a positive integer, got '3'"),
    ("n_features bool", _info(n_features=True), "n_features must be a positive integer, got True"),
    ("n_features 4", _info(n_features=4), r"W must have shape \(n_neurons, 3, 4\)"),
    ("unknown param", _param(alpha=1), r"unknown parameters \['alpha'\] for GammaGWR"),
    ("bad param", _param(max_age=0), "parameter max_age must be >= 1, got 0"),
    ("n_context", _param(n_context=1), r"W must have shape \(n_neurons, 2, 3\) \(n_context=1\)"),
    ("params", _info(params=None), "the parameters must be a JSON object, got None"),
    ("qerr", _info(quantization_error=["a"]), "quantization_error must be a list of finite"),
    ("qerr nan", _info(quantization_error=[np.nan]), "quantization_error must be a list of finite"),
]


@pytest.mark.parametrize("what,edit,message", DAMAGE, ids=[d[0] for d in DAMAGE])
def test_each_damage_is_refused_with_its_message(saved, tmp_path, what, edit, message):
    path = _rewritten(saved / "net.npz", tmp_path / "damaged.npz", edit)
    with pytest.raises(ValueError, match=message) as info:
        GammaGWR.load(path)
    # the file, then the network (for everything but the header's own schema)
    assert str(info.value).startswith(f"{path}: ")
    if what not in ("networks", "prefix"):
        assert str(info.value).startswith(f"{path}: the saved network")


@pytest.mark.parametrize(
    "edit,message",
    [
        (
            lambda h, a: h["params"].update(episodic_max_age=0),
            "the dual memory: parameter episodic_max_age must be >= 1, got 0",
        ),
        (
            lambda h, a: h["params"].update(gamma=1),
            r"unknown parameters \['gamma'\] for GrowingDualMemory",
        ),
        (lambda h, a: h.update(params=[1]), "the header's params must be a JSON object"),
        (
            lambda h, a: h["params"].update(n_context=2),
            "the dual memory's n_context=2 differs from its episodic memory's n_context=1",
        ),
        (
            lambda h, a: h["networks"].pop("semantic"),
            r"holds the networks \['episodic', 'semantic'\], this file \['episodic'\]",
        ),
        (
            lambda h, a: a["semantic.nbr"].__setitem__((0, 0), 50),
            r"the saved network 'semantic': nbr\[0, 0\] = 50 is not a neuron index",
        ),
        (
            lambda h, a: a.pop("episodic.W"),
            "the saved network 'episodic' lacks the array 'episodic.W'",
        ),
    ],
)
def test_dual_memory_damage_is_refused(saved, tmp_path, edit, message):
    path = _rewritten(saved / "gdm.npz", tmp_path / "damaged.npz", edit)
    with pytest.raises(ValueError, match=message):
        GrowingDualMemory.load(path)


def test_a_header_nested_too_deep_is_refused(saved, tmp_path):
    _, arrays = read_npz(saved / "net.npz")
    write_npz(tmp_path / "deep.npz", "[" * 100_000 + "]" * 100_000, arrays)
    with pytest.raises(ValueError, match="the header is not valid JSON"):
        GammaGWR.load(tmp_path / "deep.npz")


def test_more_neurons_than_max_neurons_is_no_damage(saved, tmp_path):
    # set_params can lower max_neurons after training: the file must load, and train
    net = GammaGWR.load(saved / "net.npz").set_params(max_neurons=2)
    net.save(tmp_path / "over.npz")
    loaded = GammaGWR.load(tmp_path / "over.npz")
    n = loaded.n_neurons_
    loaded.partial_fit(np.random.default_rng(0).normal(size=(20, 3)))
    assert loaded.n_inserted_ == net.n_inserted_ and loaded.n_neurons_ <= n


def test_loaded_arrays_of_other_valid_dtypes_are_converted(saved, tmp_path):
    edit = lambda h, a: a.update(W=a["W"].astype(">f8"), nbr=a["nbr"].astype(np.int64))  # noqa: E731
    path = _rewritten(saved / "net.npz", tmp_path / "other.npz", edit)
    loaded = GammaGWR.load(path)
    reference = GammaGWR.load(saved / "net.npz")
    _same(loaded, reference)


def test_a_member_that_is_not_an_array_is_refused(saved, tmp_path):
    # numpy hands a member without the .npy format over as bytes
    damaged = tmp_path / "raw.npz"
    with zipfile.ZipFile(saved / "net.npz") as src, zipfile.ZipFile(damaged, "w") as dst:
        for member in src.namelist():
            if member == "nbr.npy":
                dst.writestr("nbr", b"not an array")
            else:
                dst.writestr(member, src.read(member))
    with pytest.raises(ValueError, match="the member 'nbr' is not a numpy array"):
        GammaGWR.load(damaged)
