"""A folder of persons: each person's memories kept in numbered versions, replaced atomically.

Layout of a store::

    <store>/<person>/v000001/memory.npz    the Growing Dual Memory (gwr's .npz)
    <store>/<person>/v000001/person.json   the person's state and memory.npz's SHA-256
    <store>/<person>/CURRENT               the name of the version in use
    <store>/<person>/.lock                 serialises writers

A save writes a new version in a temporary folder, renames it into place (a
rename is atomic), then points ``CURRENT`` at it (also by rename); so a killed
save leaves the previous version in use, and two processes saving the same person
each write a whole version (the later one becomes current; nothing is mixed).
A damaged version (its checksum fails, or it cannot be read) is a clear error
that names the versions still there, any of which loads with ``version=N``.
The newest ``keep`` versions are kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from .store import file_hash

CURRENT = "CURRENT"
MEMORY = "memory.npz"
STATE = "person.json"
FORMAT = "clifer-person"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_VERSION = re.compile(r"^v(\d{6})$")


class DamagedPersonError(ValueError):
    """A kept version of a person cannot be read (the message names the others)."""


@contextlib.contextmanager
def _locked(folder: Path):
    """An exclusive lock on ``folder`` (other writers wait)."""
    import fcntl

    with open(folder / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class PersonStore:
    """The persons kept in ``folder`` (created on the first save)."""

    def __init__(self, folder: str | os.PathLike, keep: int = 3):
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        self.folder = Path(folder)
        self.keep = keep

    def persons(self) -> list[str]:
        """The names of the persons kept here."""
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir()
                      if p.is_dir() and _NAME.match(p.name) and self.versions(p.name))

    def folder_of(self, person: str) -> Path:
        """The folder of ``person`` (a checked name: no path tricks)."""
        if not isinstance(person, str) or not _NAME.match(person):
            raise ValueError(f"a person's name is letters, digits, '_', '.' or '-' (not "
                             f"starting with '.' or '-'), got {person!r}")
        return self.folder / person

    def versions(self, person: str) -> list[int]:
        """The versions kept of ``person``, oldest first."""
        folder = self.folder_of(person)
        if not folder.is_dir():
            return []
        return sorted(int(m.group(1)) for p in folder.iterdir()
                      if (m := _VERSION.match(p.name)) and p.is_dir())

    def current(self, person: str) -> int:
        """The version in use."""
        folder = self.folder_of(person)
        versions = self.versions(person)
        if not versions:
            known = ", ".join(self.persons()) or "none"
            raise ValueError(f"unknown person {person!r} in {self.folder} (persons: {known})")
        try:
            name = (folder / CURRENT).read_text().strip()
            match = _VERSION.match(name)
            if match is None or int(match.group(1)) not in versions:
                raise ValueError(name)
        except (OSError, ValueError) as error:
            raise DamagedPersonError(
                f"{folder / CURRENT} does not name a kept version ({error}); versions kept: "
                f"{versions}: load one with version=N") from error
        return int(match.group(1))

    def save(self, person: str, memory, state: dict[str, Any]) -> int:
        """Write a new version of ``person`` (a fitted GrowingDualMemory and a JSON-able
        state) and make it current; returns its number."""
        folder = self.folder_of(person)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OSError(f"cannot write persons to {self.folder}: {error}") from error
        new = Path(tempfile.mkdtemp(prefix=".new-", dir=folder))
        try:
            memory.save(new / MEMORY)
            record = {"format": FORMAT, "memory_sha256": file_hash(new / MEMORY, 64), **state}
            (new / STATE).write_text(json.dumps(record, indent=1))
            with _locked(folder):
                number = max(self.versions(person), default=0) + 1
                os.rename(new, folder / f"v{number:06d}")
                pointer = folder / f".{CURRENT}.{os.getpid()}"
                pointer.write_text(f"v{number:06d}\n")
                os.replace(pointer, folder / CURRENT)
                for old in self.versions(person)[:-self.keep]:
                    shutil.rmtree(folder / f"v{old:06d}", ignore_errors=True)
        finally:
            shutil.rmtree(new, ignore_errors=True)
        return number

    def load(self, person: str, version: int | None = None) -> tuple[Any, dict[str, Any]]:
        """``(memory, state)`` of ``person``'s current version (or of ``version``)."""
        from gwr import GrowingDualMemory

        number = self.current(person) if version is None else version
        kept = self.versions(person)
        if number not in kept:
            raise ValueError(f"person {person!r} has no version {number}; kept: {kept}")
        path = self.folder_of(person) / f"v{number:06d}"
        others = [v for v in kept if v != number]
        try:
            state = json.loads((path / STATE).read_text())
            if state.get("format") != FORMAT:
                raise ValueError(f"{STATE} is not a {FORMAT} record")
            if file_hash(path / MEMORY, 64) != state["memory_sha256"]:
                raise ValueError(f"{MEMORY} does not match its checksum")
            memory = GrowingDualMemory.load(path / MEMORY)
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as error:
            raise DamagedPersonError(
                f"person {person!r} version {number} in {self.folder} is damaged ({error}); "
                f"other versions kept: {others or 'none'}") from error
        return memory, state
