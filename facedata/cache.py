"""The on-disk cache of preprocessed face crops.

Decoding videos and detecting faces is slow; a loader wraps its work in
:func:`cached_load`, which keeps the result (a :class:`FaceDataset` and its
:class:`LoadReport`) under a key made of the dataset's name, its resolved root
directory, the loader's options and :data:`CODE_VERSION`.

Each entry is two files in the cache directory::

    <dataset>-<key>.npz    the FaceDataset (FaceDataset.save)
    <dataset>-<key>.json   the LoadReport, the key's inputs, and the npz's
                           size and sha256

Both are written to temporary files and moved into place (``os.replace``), so
a reader never sees a half-written entry. A damaged entry (unreadable JSON,
missing npz, wrong size or checksum) is reported with a :class:`CacheWarning`
and rebuilt. The key also covers a fingerprint of the files under the root
(their relative paths, sizes and modification times), so adding, removing or
replacing a file of the dataset makes a new entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .dataset import FaceDataset, LoadReport

CODE_VERSION = "2"  # 2: images read with alpha and depth (facedata.images); reports with tables
"""Version of the preprocessing (frame selection, detection, cropping); bump it
whenever a change would alter cached crops, so that old entries stop matching."""

_FORMAT = 1  # layout of the JSON file


class CacheWarning(UserWarning):
    """A cache entry was damaged (and is rebuilt), or could not be written."""


def cache_dir() -> Path:
    """The default cache directory: ``$CLIFER_CACHE_DIR``, else ``~/.cache/clifer``."""
    env = os.environ.get("CLIFER_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "clifer"


def _json_default(value: Any) -> str:
    """Paths in options are keyed by their text; anything else non-JSON is refused,
    because its ``repr`` need not be stable across runs (the key would be useless)."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"cache options must be JSON values or paths, got {type(value).__name__}")


def root_fingerprint(root: str | os.PathLike) -> str:
    """A sha256 of every file's relative path, size and modification time under
    ``root`` (or of ``root`` itself when it is a file): it changes when the
    dataset's files do (a stat per file, no reads)."""
    digest = hashlib.sha256()
    base = Path(root).expanduser().resolve()
    if base.is_file():  # a dataset that is one file (a FER2013 CSV, a manifest)
        st = base.stat()
        digest.update(f"{base.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    for folder, dirs, files in os.walk(base):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder, name)
            with contextlib.suppress(OSError):
                st = path.stat()
                digest.update(
                    f"{path.relative_to(base)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode()
                )
    return digest.hexdigest()


def cache_key(dataset: str, root: str | os.PathLike, options: dict) -> str:
    """The key of a load: a sha256 of the dataset name, the resolved root, the
    fingerprint of its files, the options (JSON with sorted keys) and
    :data:`CODE_VERSION`, 24 hex digits."""
    text = json.dumps(
        {
            "dataset": dataset,
            "root": str(Path(root).expanduser().resolve()),
            "files": root_fingerprint(root),
            "options": options,
            "code_version": CODE_VERSION,
        },
        sort_keys=True,
        default=_json_default,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def entry_paths(
    dataset: str, root: str | os.PathLike, options: dict, directory: str | os.PathLike
) -> tuple[Path, Path]:
    """The ``.npz`` and ``.json`` files of a load's entry in ``directory``."""
    return _entry_paths(dataset, cache_key(dataset, root, options), Path(directory))


def _entry_paths(dataset: str, key: str, directory: Path) -> tuple[Path, Path]:
    """The ``.npz`` and ``.json`` files of the entry ``key``."""
    stem = f"{dataset}-{key}"
    return directory / f"{stem}.npz", directory / f"{stem}.json"


def clear_entry(
    dataset: str, root: str | os.PathLike, options: dict, *, cache: bool | str | Path = True
) -> bool:
    """Remove a load's entry; whether there was one."""
    directory = _directory(cache)
    if directory is None:
        return False
    found = False
    for path in entry_paths(dataset, root, options, directory):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            found = True
    return found


def cached_load(
    dataset: str,
    root: str | os.PathLike,
    options: dict,
    build: Callable[[], tuple[FaceDataset, LoadReport]],
    *,
    cache: bool | str | Path = True,
) -> tuple[FaceDataset, LoadReport]:
    """``build()``'s result, from the cache when it holds it.

    ``cache``: False to just build, True for :func:`cache_dir`, or a directory.
    On a hit the report has ``from_cache=True`` (its skips are not warned
    again). On a miss the result is built and stored; a failure to store it is
    a :class:`CacheWarning`, never an error.
    """
    directory = _directory(cache)
    if directory is None:
        return build()
    key = cache_key(dataset, root, options)
    npz_path, json_path = _entry_paths(dataset, key, directory)
    if npz_path.exists() or json_path.exists():
        try:
            return _read_entry(npz_path, json_path, key)
        except Exception as err:  # whatever is wrong with an entry, rebuilding mends it
            message = f"clifer cache: entry {npz_path.name} is damaged ({err!r}); rebuilding"
            warnings.warn(message, CacheWarning, stacklevel=2)
    data, report = build()
    try:
        _write_entry(data, report, npz_path, json_path, key, options)
    except (OSError, TypeError, ValueError) as err:
        message = f"clifer cache: cannot store the entry in {directory} ({err!r})"
        warnings.warn(message, CacheWarning, stacklevel=2)
    return data, report


def _directory(cache: bool | str | Path) -> Path | None:
    """The cache directory that ``cache`` names; None for no caching."""
    if cache is False:
        return None
    return cache_dir() if cache is True else Path(cache).expanduser()


def _sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_entry(npz_path: Path, json_path: Path, key: str) -> tuple[FaceDataset, LoadReport]:
    """The cached dataset and report; ValueError (or OSError) when anything is off."""
    meta = json.loads(json_path.read_text())
    if meta.get("format") != _FORMAT or meta.get("key") != key:
        raise ValueError("its metadata belongs to another key or format")
    if npz_path.stat().st_size != meta["npz_size"]:
        raise ValueError(
            f"{npz_path.name} has {npz_path.stat().st_size} bytes, expected {meta['npz_size']}"
        )
    if _sha256(npz_path) != meta["npz_sha256"]:
        raise ValueError(f"the checksum of {npz_path.name} does not match")
    data = FaceDataset.load(npz_path)
    if len(data) != meta["rows"]:
        raise ValueError(f"{npz_path.name} has {len(data)} rows, expected {meta['rows']}")
    return data, _report_from_json(meta["report"])


def _report_to_json(report: LoadReport) -> dict:
    """The report's fields as JSON values (``from_cache`` is not stored: a hit sets it)."""
    return report.to_dict()


def _report_from_json(fields: dict) -> LoadReport:
    """The report stored by :func:`_report_to_json`, marked as from the cache; its
    skips are set directly, not through ``skip()``, so they are not warned again."""
    report = LoadReport.from_dict(fields)
    report.from_cache = True
    return report


def _write_entry(
    data: FaceDataset, report: LoadReport, npz_path: Path, json_path: Path, key: str, options: dict
) -> None:
    """Store an entry: npz first, then the JSON that vouches for it, each atomically."""
    npz_path.parent.mkdir(parents=True, exist_ok=True)
    with _temporary_beside(npz_path) as tmp:
        data.save(tmp)
        size, checksum = tmp.stat().st_size, _sha256(tmp)
        os.replace(tmp, npz_path)
    meta = {
        "format": _FORMAT,
        "key": key,
        "code_version": CODE_VERSION,
        "options": options,
        "rows": len(data),
        "npz_size": size,
        "npz_sha256": checksum,
        "report": _report_to_json(report),
    }
    text = json.dumps(meta, indent=1, default=_json_default)
    with _temporary_beside(json_path) as tmp:
        tmp.write_text(text)
        os.replace(tmp, json_path)


@contextlib.contextmanager
def _temporary_beside(path: Path):
    """A fresh temporary file in ``path``'s directory, removed unless moved away."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
