"""The results folder of an experiment: one file per completed cell, written atomically.

``results/<run>/`` holds ``config.json`` (the whole configuration and its hash)
and ``cells/<subject>__<order>__<condition>.csv``, one tidy table per completed
(subject, class order, condition). A cell's file appears only when the cell is
complete (a temporary file renamed into place), so a killed run loses at most
the cells in flight, and running the same command again skips the cells whose
files exist. A folder made with another configuration is refused rather than
mixed in: the hash in its ``config.json`` must match.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

CONFIG_FILE = "config.json"
CELLS = "cells"


def config_hash(config: dict) -> str:
    """A short, stable hash of a JSON-able configuration (key order does not matter)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_hash(path: str | os.PathLike, length: int = 16) -> str:
    """SHA-256 of a file's bytes (its first ``length`` hex digits; 16: what a model file
    contributes to a configuration's hash)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:length]


def _slug(text: str) -> str:
    """A file-name-safe form of a subject, order or condition name."""
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", text)


def _umask() -> int:
    """The process's umask (read from /proc where it can be, without changing it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def give_default_modes(path: str | os.PathLike) -> None:
    """Give ``path`` (a file, or a folder and the files in it) the modes a plain ``open``
    or ``mkdir`` gives (0666 / 0777 less the umask): temporary files and folders are made
    private (0600 / 0700), which a result renamed into place must not keep."""
    mask = _umask()
    path = Path(path)
    if path.is_dir():
        for child in path.iterdir():
            give_default_modes(child)
        os.chmod(path, 0o777 & ~mask)
    else:
        os.chmod(path, 0o666 & ~mask)


def write_atomically(path: Path, write) -> None:
    """Call ``write(temporary_path)``, then rename the file into ``path`` (with the modes
    of a file written in place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        give_default_modes(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


#: How a cell's stored table is checked: ``check(table, subject, order, condition)`` is
#: None for a whole table, else what is wrong (:func:`clifer.protocol.cell_problem`).
CellCheck = Callable[[pd.DataFrame, str, str, str], "str | None"]

#: Column types of a cell's file (a subject id such as "01" stays text).
_TEXT_COLUMNS = {
    name: str for name in ("subject", "order", "condition", "memory", "learnt", "metric")
}


def read_cell(path: str | os.PathLike) -> pd.DataFrame:
    """One stored cell's table."""
    table = pd.read_csv(path, dtype=_TEXT_COLUMNS)
    table["experiment"] = table["experiment"].astype("Int64")
    return table


class ResultStore:
    """The results folder of one configuration (see the module's docstring).

    ``check``: how :meth:`done` tells a whole cell file from a damaged one (a file cut
    short, edited, unreadable); without it, a file that exists is done.
    """

    def __init__(self, folder: str | os.PathLike, config: dict, check: CellCheck | None = None):
        self.folder = Path(folder)
        self.config = config
        self.check = check
        self.notes: list[str] = []  # what was found damaged and set aside
        self.hash = config_hash(config)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            probe = self.folder / f".write-test-{os.getpid()}"
            probe.write_text("")
            probe.unlink()
        except OSError as error:
            raise OSError(f"cannot write the results folder {self.folder}: {error}") from error
        meta = self.folder / CONFIG_FILE
        if meta.exists():
            try:
                found = json.loads(meta.read_text()).get("hash")
            except (json.JSONDecodeError, AttributeError) as error:
                raise ValueError(f"{meta} is damaged ({error}); move the folder away") from error
            if found != self.hash:
                raise ValueError(
                    f"{self.folder} holds results of another configuration (hash {found}, this"
                    f" one {self.hash}); use another --run name or folder, nothing was mixed"
                )
        else:
            write_atomically(
                meta,
                lambda tmp: Path(tmp).write_text(
                    json.dumps({"hash": self.hash, "config": config}, indent=2, default=str)
                ),
            )

    def cell_path(self, subject: str, order: str, condition: str) -> Path:
        return self.folder / CELLS / f"{_slug(subject)}__{_slug(order)}__{_slug(condition)}.csv"

    def done(self, subject: str, order: str, condition: str) -> bool:
        """Whether the cell's file is there and whole. A damaged one is set aside as
        ``<file>.damaged`` (kept, never read again) and reported in :attr:`notes`: the cell
        runs again instead of showing a wrong score."""
        path = self.cell_path(subject, order, condition)
        if not path.exists():
            return False
        if self.check is None:
            return True
        try:
            problem = self.check(read_cell(path), subject, order, condition)
        except (ValueError, KeyError, OSError) as error:  # pandas' parse errors included
            problem = f"it cannot be read: {error}"
        if problem is None:
            return True
        aside = path.with_name(path.name + ".damaged")
        os.replace(path, aside)
        self.notes.append(
            f"cell {subject}/{order}/{condition}: its file was damaged "
            f"({problem}); kept as {aside.name}, the cell runs again"
        )
        return False

    def write(self, subject: str, order: str, condition: str, table: pd.DataFrame) -> Path:
        """Store one completed cell's table atomically; returns its path."""
        path = self.cell_path(subject, order, condition)
        write_atomically(path, lambda tmp: table.to_csv(tmp, index=False))
        return path

    def read_all(self) -> pd.DataFrame:
        """Every completed cell's measurements in one table (empty if none)."""
        files = sorted((self.folder / CELLS).glob("*.csv"))
        if not files:
            return pd.DataFrame()
        return pd.concat([read_cell(f) for f in files], ignore_index=True)
