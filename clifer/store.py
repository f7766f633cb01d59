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


def write_atomically(path: Path, write) -> None:
    """Call ``write(temporary_path)``, then rename the file into ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class ResultStore:
    """The results folder of one configuration (see the module's docstring)."""

    def __init__(self, folder: str | os.PathLike, config: dict):
        self.folder = Path(folder)
        self.config = config
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
                    f" one {self.hash}); use another --run name or folder, nothing was mixed")
        else:
            write_atomically(meta, lambda tmp: Path(tmp).write_text(
                json.dumps({"hash": self.hash, "config": config}, indent=2, default=str)))

    def cell_path(self, subject: str, order: str, condition: str) -> Path:
        return self.folder / CELLS / f"{_slug(subject)}__{_slug(order)}__{_slug(condition)}.csv"

    def done(self, subject: str, order: str, condition: str) -> bool:
        return self.cell_path(subject, order, condition).exists()

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
        table = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
        table["experiment"] = table["experiment"].astype("Int64")
        return table
