"""Damaged network files: seeded mutations of valid saved files, and a child
process that loads each one and uses what loads.

A mutated file must either be refused with a ValueError, or load a network that
then trains, predicts, gives its edges and temporal synapses, and saves a file
that loads again. Anything else (another exception, a native crash, a hang)
is a failure. The files are tried in a child process, which prints the name of
each mutation before trying it, so that a crash, which kills the child, names
its culprit instead of killing the test run.

``python tests/gwr/npz_fuzz.py`` prints the counts per original file (for
docs/reliability.md); the test ``test_io_fuzz.py`` runs the same campaign. The
mutations are seeded: every run tries the same files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

SEED = 20261201
CHILD_TIMEOUT_S = 300  # the whole campaign of one original file (a hang fails it)

# -- valid originals --------------------------------------------------------------


def make_originals(folder: Path) -> dict[str, Path]:
    """Three valid files: a GammaGWR without context, one with n_context=2 and
    temporal synapses, and a GrowingDualMemory (n_context=1, after a replay)."""
    from gwr import GammaGWR, GrowingDualMemory

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = np.arange(80) % 3
    plain = GammaGWR(activation_threshold=0.5, max_age=30, random_state=0).fit(X, y, epochs=2)
    context = GammaGWR(n_context=2, activation_threshold=0.5, random_state=1).fit(X, y, epochs=2)
    assert len(context.temporal_edges_) and len(context.edges_) and len(plain.edges_)
    gdm = GrowingDualMemory(n_context=1, random_state=2).partial_fit(X, y, epochs=2).replay(1)
    paths = {
        "GammaGWR n_context=0": folder / "gwr_k0.npz",
        "GammaGWR n_context=2": folder / "gwr_k2.npz",
        "GrowingDualMemory": folder / "gdm.npz",
    }
    for obj, path in zip((plain, context, gdm), paths.values(), strict=True):
        obj.save(path)
    return paths


def read_npz(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """The JSON header and the arrays of a saved file."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    return json.loads(str(arrays.pop("header"))), arrays


def write_npz(path: Path, header, arrays: dict[str, np.ndarray]) -> None:
    """A file as ``save`` writes it, with any header (JSON-encoded if not a string)."""
    text = header if isinstance(header, str) else json.dumps(header)
    with open(path, "wb") as f:
        np.savez(f, header=np.array(text), **arrays)


# -- mutations ---------------------------------------------------------------------

Mutation = Callable[[np.ndarray], np.ndarray | None]  # None: drop the array


def _set_value(value) -> Callable[[np.ndarray, tuple], np.ndarray]:
    def apply(a: np.ndarray, index: tuple) -> np.ndarray:
        a = a.copy()
        if isinstance(value, float) and a.dtype.kind in "iub":
            a = a.astype(np.float64)  # a float in an integer array: the dtype changes
        elif isinstance(value, int) and a.dtype.kind in "iu":
            info = np.iinfo(a.dtype)
            if not info.min <= value <= info.max:
                a = a.astype(np.int64 if value < 2**63 else np.uint64)
        a[index] = value
        return a

    return apply


def _widened(a: np.ndarray, fill) -> np.ndarray:
    """One more column (along axis 1) filled with ``fill``."""
    extra = np.full((a.shape[0], 1, *a.shape[2:]), fill, a.dtype)
    return np.concatenate([a, extra], axis=1)


def array_mutations(
    a: np.ndarray, n: int, rng: np.random.Generator
) -> Iterator[tuple[str, Mutation]]:
    """Ways to damage one array (``n``: the network's neuron count)."""
    yield "dropped", lambda a: None
    yield "empty", lambda a: a[:0]
    yield "0-d", lambda a: np.array(a.flat[0] if a.size else 0, a.dtype)
    yield "flattened", lambda a: a.ravel()
    yield "row dropped", lambda a: a[:-1]
    yield "row added", lambda a: np.concatenate([a, a[-1:]])
    yield "rows reversed", lambda a: a[::-1].copy()
    yield "negated", lambda a: -a if a.dtype.kind != "b" else ~a
    yield "zeros", lambda a: np.zeros_like(a)
    yield "ones", lambda a: np.ones_like(a)
    yield "all -1", lambda a: np.full_like(a, -1)
    yield "extra axis", lambda a: a[..., None]
    if a.ndim >= 2:
        yield "transposed", lambda a: a.T.copy()
        yield "column dropped", lambda a: a[:, :-1]
        yield "width 0", lambda a: a[:, :0]
        yield "column of -1 added", lambda a: _widened(a, -1)
        yield "column of 0 added", lambda a: _widened(a, 0)
    if a.dtype.kind == "f":
        dtypes = ("float32", ">f8", "longdouble", "int64", "complex128", "bool", "U8")
    else:
        dtypes = ("int64", ">i4", "uint8", "uint64", "bool", "float32", "U8")
    for dtype in dtypes:
        yield f"as {dtype}", lambda a, dtype=dtype: a.astype(dtype)
    if a.size >= 2:
        i, j = rng.choice(a.size, 2, replace=False)

        def swapped(a, i=i, j=j):
            a = a.copy()
            flat = a.reshape(-1)
            flat[i], flat[j] = flat[j], flat[i]
            return a

        yield f"entries {i} and {j} swapped", swapped
    if a.dtype.kind == "f":
        values = [-1, 0, n, -5, 0.5, 1.5, float("nan"), float("inf"), 1e300]
    else:  # a float makes it a float array, refused as such: one is enough
        values = [-1, 0, n, n + 1, 2**31, 2**63 + 5, -5, float("nan")]
    if a.size:
        # the last entry, and a random row's first (inside the lists of most rows)
        positions = {np.unravel_index(a.size - 1, a.shape)}
        row = int(rng.integers(a.shape[0])) if a.ndim else 0
        positions.add((row,) + (0,) * (a.ndim - 1) if a.ndim else ())
        for value in values:
            for index in sorted(positions):
                yield (
                    f"[{', '.join(map(str, index))}] = {value!r}",
                    lambda a, v=value, ix=index: _set_value(v)(a, ix),
                )


def header_mutations(header: dict) -> Iterator[tuple[str, object]]:
    """Damaged headers (dicts, or a raw string)."""

    def changed(edit):
        h = json.loads(json.dumps(header))
        edit(h)
        return h

    prefixes = list(header["networks"])
    yield "header: networks a list", changed(lambda h: h.update(networks=[1, 2]))
    yield "header: networks empty", changed(lambda h: h.update(networks={}))
    yield (
        "header: a network renamed",
        changed(lambda h: h["networks"].update(other=h["networks"].pop(prefixes[0]))),
    )
    yield "header: params a list", changed(lambda h: h.update(params=[1]))
    yield "header: deep nesting", '{"a": ' * 100_000 + "1" + "}" * 100_000
    yield "header: not JSON", "{'format': 'gwr-toolkit'"
    yield "header: a number", "3.5"
    for p in prefixes:
        for value in (0, -1, 2, 4, 2.5, "3", True, None, 10**400, [3]):
            yield (
                f"header: {p!r} n_features = {value!r}",
                changed(lambda h, p=p, v=value: h["networks"][p].update(n_features=v)),
            )
        for value in ([float("nan")], ["a"], 5, None, [[1.0]], [10**400], [True]):
            yield (
                f"header: {p!r} quantization_error = {value!r}",
                changed(lambda h, p=p, v=value: h["networks"][p].update(quantization_error=v)),
            )
        yield f"header: {p!r} entry a list", changed(lambda h, p=p: h["networks"].update({p: [1]}))
        yield (
            f"header: {p!r} params a string",
            changed(lambda h, p=p: h["networks"][p].update(params="x")),
        )
        params = header["networks"][p]["params"]
        yield (
            f"header: {p!r} unknown param",
            changed(lambda h, p=p: h["networks"][p]["params"].update(alpha=1)),
        )
        for name in params:
            for value in (-1, 2, 10**30, "x", None, [1, 2]):
                yield (
                    f"header: {p!r} {name} = {value!r}",
                    changed(
                        lambda h, p=p, k=name, v=value: h["networks"][p]["params"].update({k: v})
                    ),
                )
    for name in header["params"]:  # the dual memory's own parameters
        for value in (-1, 2, "x", None):
            yield (
                f"header: params {name} = {value!r}",
                changed(lambda h, k=name, v=value: h["params"].update({k: v})),
            )
    if header["params"]:
        yield "header: params unknown", changed(lambda h: h["params"].update(alpha=1))


def _with_raw_member(original: Path, path: Path, key: str) -> None:
    """A copy of ``original`` whose member ``key`` holds bytes that are no array."""
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(path, "w") as dst:
        for member in src.namelist():
            if member == f"{key}.npy":
                dst.writestr(key, b"not an array")
            else:
                dst.writestr(member, src.read(member))


def mutations(original: Path, seed: int = SEED) -> list[tuple[str, Callable[[Path], None]]]:
    """Every mutation of ``original``: its name, and a function writing the file."""
    rng = np.random.default_rng(seed)
    header, arrays = read_npz(original)
    raw = original.read_bytes()
    out = []
    for key in sorted(arrays):
        prefix = key.rsplit(".", 1)[0] if "." in key else ""
        n = arrays[f"{prefix}.W" if prefix else "W"].shape[0]
        for what, mutate in array_mutations(arrays[key], n, rng):
            new = dict(arrays)
            with np.errstate(all="ignore"):
                changed = mutate(arrays[key])
            if changed is None:
                del new[key]
            else:
                new[key] = changed
            out.append((f"{key}: {what}", lambda p, new=new: write_npz(p, header, new)))
    for what, new_header in header_mutations(header):
        out.append((what, lambda p, h=new_header: write_npz(p, h, arrays)))
    for length in sorted({0, 1, 30, 100, len(raw) // 2, len(raw) - 200, len(raw) - 1}):
        out.append(
            (f"file truncated to {length} bytes", lambda p, k=length: p.write_bytes(raw[:k]))
        )
    for key in ["header", *sorted(arrays)]:  # a member that is not an .npy array
        out.append((f"{key}: raw bytes", lambda p, key=key: _with_raw_member(original, p, key)))
    for p in sorted(rng.choice(len(raw), 16, replace=False)):
        flipped = bytearray(raw)
        flipped[p] ^= 0xFF
        out.append((f"byte {p} flipped", lambda path, b=bytes(flipped): path.write_bytes(b)))
    return out


# -- the child process ---------------------------------------------------------------


def _use(obj, folder: Path) -> None:
    """Everything a loaded network must survive: training, prediction, its
    edges and synapses, and a save that loads again."""
    from gwr import GammaGWR

    nets = [obj] if isinstance(obj, GammaGWR) else [obj.episodic, obj.semantic]
    rng = np.random.default_rng(1)
    X = rng.normal(size=(12, nets[0].n_features_in_))
    y = np.arange(12) % 4
    for net in nets:
        net.edges_, net.edge_ages_, net.temporal_edges_, net.temporal_counts_  # noqa: B018
        net.predict(X)
    if isinstance(obj, GammaGWR):
        obj.partial_fit(X, y, epochs=2)
        obj.predict_proba(X)
        obj.node_labels()
    else:
        obj.partial_fit(X, y, epochs=1)
        obj.replay(epochs=1)
        obj.predict(X, "semantic")
    for net in nets:
        net.edges_, net.temporal_edges_  # noqa: B018
    path = folder / "round-trip.npz"
    obj.save(path)
    type(obj).load(path)


def child(jobs: list[tuple[str, Path, str]]) -> None:
    """For each (label, original, kind): try every mutation of the original, each
    written to one scratch file in turn; print a line per step."""
    from gwr import GammaGWR, GrowingDualMemory

    scratch = Path(tempfile.mkdtemp(prefix="gwr-fuzz-"))
    path = scratch / "mutated.npz"
    for label, original, kind in jobs:
        cls = {"GammaGWR": GammaGWR, "GrowingDualMemory": GrowingDualMemory}[kind]
        todo = mutations(original)
        print(f"BEGIN\t{label}\t{len(todo)}", flush=True)
        for name, write in todo:
            print(f"TRY\t{name}", flush=True)
            write(path)
            try:
                obj = cls.load(path)
            except ValueError as exc:
                print(f"REFUSED\t{name}\t{str(exc).splitlines()[0][:300]}", flush=True)
                continue
            except BaseException as exc:
                print(f"FAILED\t{name}\tload raised {type(exc).__name__}: {exc}"[:500], flush=True)
                continue
            try:
                _use(obj, scratch)
            except BaseException as exc:
                print(f"FAILED\t{name}\tloaded, then {type(exc).__name__}: {exc}"[:500], flush=True)
                continue
            print(f"LOADED\t{name}", flush=True)
        print(f"END\t{label}", flush=True)


# -- the parent -----------------------------------------------------------------------


def run_campaign(folder: Path) -> dict[str, dict]:
    """Mutate each original and try every mutated file in two child processes at
    once (the two GammaGWR files in one, the dual memory's, as long, in the
    other). Per original: the counts and the failures."""
    import gwr

    originals = make_originals(folder)
    env = dict(os.environ)
    # the child imports the same gwr as this process
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(gwr.__file__).resolve().parents[1]), env.get("PYTHONPATH", "")]
    )
    groups = [[], []]
    for label, original in originals.items():
        kind = "GrowingDualMemory" if label == "GrowingDualMemory" else "GammaGWR"
        groups[kind == "GrowingDualMemory"].append((label, original, kind))
    children = []
    for i, jobs in enumerate(groups):
        command = [sys.executable, __file__, *(str(x) for job in jobs for x in job)]
        log = folder / f"child{i}.log"  # a file, not a pipe: no child waits for a reader
        with open(log, "w") as out:
            proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        children.append(([label for label, _, _ in jobs], proc, log))
    results = {}
    for labels, proc, log in children:
        try:
            proc.wait(timeout=CHILD_TIMEOUT_S)
            ended = f"exit status {proc.returncode}"
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            ended = f"hung (no end after {CHILD_TIMEOUT_S} s)"
        results.update(_tally(labels, log.read_text(errors="replace"), ended))
    return results


def _tally(labels: list[str], output: str, ended: str) -> dict[str, dict]:
    """The counts and failures of each original tried by one child."""
    results = {
        label: {"files": 0, "tried": 0, "loaded": 0, "refused": 0, "failures": []}
        for label in labels
    }
    counts, last, finished = None, None, set()
    for line in output.splitlines():
        kind, _, rest = line.partition("\t")
        if kind == "BEGIN":
            label, _, total = rest.partition("\t")
            counts = results[label]
            counts["files"] = int(total)
        elif kind == "TRY":
            counts["tried"] += 1
            last = rest
        elif kind in ("LOADED", "REFUSED"):
            counts[kind.lower()] += 1
            last = None
        elif kind == "FAILED":
            counts["failures"].append(rest)
            last = None
        elif kind == "END":
            finished.add(rest)
    for label in labels:
        if label not in finished:
            results[label]["failures"].append(
                f"the child ended ({ended}) at the mutation {last!r}; its last output:\n"
                f"{output[-1500:]}"
            )
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1:  # a child: label, original, kind, ...
        args = sys.argv[1:]
        child([(args[i], Path(args[i + 1]), args[i + 2]) for i in range(0, len(args), 3)])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            for label, r in run_campaign(Path(tmp)).items():
                print(
                    f"{label}: {r['files']} mutated files, {r['loaded']} loaded, "
                    f"{r['refused']} refused, {len(r['failures'])} failures"
                )
                for failure in r["failures"]:
                    print("   ", failure)
