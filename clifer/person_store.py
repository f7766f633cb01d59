"""A folder of persons: each person's memories kept in numbered versions, replaced atomically.

Layout of a store::

    <store>/<person>/v000001/memory.npz    the Growing Dual Memory (gwr's .npz)
    <store>/<person>/v000001/person.json   the person's state, memory.npz's SHA-256 and the
                                           record's own SHA-256
    <store>/<person>/CURRENT               the name of the version in use
    <store>/<person>/.lock                 serialises writers

A save writes a new version in a temporary folder, renames it into place (a
rename is atomic), then points ``CURRENT`` at it (also by rename); so a killed
save leaves the previous version in use. :meth:`PersonStore.update` reads the
current version, changes it and saves the result while holding the person's
lock, so two processes updating one person at once apply both changes, one after
the other (neither is lost). A damaged version (a checksum fails, its record is
not one, or it cannot be read) is a clear error that names the versions still
there, any of which loads with ``version=N``. The newest ``keep`` versions are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .store import file_hash, give_default_modes

CURRENT = "CURRENT"
MEMORY = "memory.npz"
STATE = "person.json"
FORMAT = "clifer-person"
FORMAT_VERSION = 2  # 1: the state's fields beside "format" and "memory_sha256", no own checksum
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_VERSION = re.compile(r"v(\d{6})")

#: What :meth:`PersonStore.update` calls: the current ``(memory, state)`` (None for a new
#: person) to the ``(memory, state)`` to save.
Change = Callable[[tuple[Any, dict[str, Any]] | None], tuple[Any, dict[str, Any]]]


class DamagedPersonError(ValueError):
    """A kept version of a person cannot be read (the message names the others)."""


def _record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of a record's canonical JSON, its own ``sha256`` field left out."""
    body = {k: v for k, v in record.items() if k != "sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _state_of(record: Any) -> dict[str, Any]:
    """The state kept in a ``person.json`` record, its checksums verified (the memory's is
    returned under ``memory_sha256``); a record that is not one: ValueError."""
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ValueError(f"{STATE} is not a {FORMAT} record")
    version = record.get("format_version", 1)
    if version == 1:  # written before the record had its own checksum
        state = {k: v for k, v in record.items() if k not in ("format", "memory_sha256")}
    elif version == FORMAT_VERSION:
        if record.get("sha256") != _record_hash(record):
            raise ValueError(f"{STATE} does not match its checksum")
        if set(record) != {"format", "format_version", "memory_sha256", "state", "sha256"}:
            raise ValueError(f"{STATE} has the fields {sorted(record)}")
        state = record["state"]
        if not isinstance(state, dict):
            raise ValueError(f"{STATE}'s state is not a table")
    else:
        raise ValueError(
            f"{STATE} has format version {version!r}; this clifer reads 1 and {FORMAT_VERSION}"
        )
    memory_hash = record.get("memory_sha256")
    if not isinstance(memory_hash, str):
        raise ValueError(f"{STATE} has no checksum of {MEMORY}")
    return {**state, "memory_sha256": memory_hash}


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
    """The persons kept in ``folder`` (created on the first save).

    ``check_state``: called with each state read (before its memory is loaded); a
    ValueError it raises makes that version damaged. :class:`clifer.PersonalModel`
    checks its fields this way.
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        keep: int = 3,
        check_state: Callable[[dict[str, Any]], None] | None = None,
    ):
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(f"keep must be a whole number >= 1, got {keep!r}")
        self.folder = Path(folder)
        self.keep = keep
        self.check_state = check_state

    def persons(self) -> list[str]:
        """The names of the persons kept here."""
        if not self.folder.is_dir():
            return []
        return sorted(
            p.name
            for p in self.folder.iterdir()
            if p.is_dir() and _NAME.fullmatch(p.name) and self.versions(p.name)
        )

    def folder_of(self, person: str) -> Path:
        """The folder of ``person`` (a checked name: no path tricks)."""
        if not isinstance(person, str) or not _NAME.fullmatch(person):
            raise ValueError(
                f"a person's name is letters, digits, '_', '.' or '-' (not "
                f"starting with '.' or '-'), got {person!r}"
            )
        return self.folder / person

    def versions(self, person: str) -> list[int]:
        """The versions kept of ``person``, oldest first."""
        folder = self.folder_of(person)
        if not folder.is_dir():
            return []
        return sorted(
            int(m.group(1))
            for p in folder.iterdir()
            if (m := _VERSION.fullmatch(p.name)) and p.is_dir()
        )

    def current(self, person: str) -> int:
        """The version in use."""
        folder = self.folder_of(person)
        versions = self.versions(person)
        if not versions:
            known = ", ".join(self.persons()) or "none"
            raise ValueError(f"unknown person {person!r} in {self.folder} (persons: {known})")
        try:
            name = (folder / CURRENT).read_text().strip()
            match = _VERSION.fullmatch(name)
            if match is None or int(match.group(1)) not in versions:
                raise ValueError(name)
        except (OSError, ValueError) as error:
            raise DamagedPersonError(
                f"{folder / CURRENT} does not name a kept version ({error}); versions kept: "
                f"{versions}: load one with version=N"
            ) from error
        return int(match.group(1))

    def save(self, person: str, memory, state: dict[str, Any]) -> int:
        """Write a new version of ``person`` (a fitted GrowingDualMemory and a JSON-able
        state) and make it current; returns its number. To change what is kept (read,
        learn, write) use :meth:`update`, which no other writer can interleave with."""
        folder = self._made(person)
        with _locked(folder):
            return self._write(person, memory, state)

    def update(self, person: str, change: Change) -> int:
        """Read ``person``'s current version (None if there is none yet), pass it to
        ``change`` and save what it returns as the new current version, all under the
        person's lock: another process's update waits, then starts from this one's
        result. Returns the new version's number; if ``change`` raises, nothing is saved."""
        folder = self._made(person)
        with _locked(folder):
            kept = self._read(person, self.current(person)) if self.versions(person) else None
            memory, state = change(kept)
            return self._write(person, memory, state)

    def load(self, person: str, version: int | None = None) -> tuple[Any, dict[str, Any]]:
        """``(memory, state)`` of ``person``'s current version (or of ``version``)."""
        return self._read(person, self.current(person) if version is None else version)

    # -- the files -----------------------------------------------------------------------
    def _made(self, person: str) -> Path:
        folder = self.folder_of(person)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OSError(f"cannot write persons to {self.folder}: {error}") from error
        return folder

    def _write(self, person: str, memory, state: dict[str, Any]) -> int:
        """A new version, made current (the caller holds the lock)."""
        folder = self.folder_of(person)
        new = Path(tempfile.mkdtemp(prefix=".new-", dir=folder))
        try:
            memory.save(new / MEMORY)
            record = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "memory_sha256": file_hash(new / MEMORY, 64),
                "state": state,
            }
            record["sha256"] = _record_hash(record)
            (new / STATE).write_text(json.dumps(record, indent=1, allow_nan=False))
            give_default_modes(new)
            number = max(self.versions(person), default=0) + 1
            os.rename(new, folder / f"v{number:06d}")
            pointer = folder / f".{CURRENT}.{os.getpid()}"
            pointer.write_text(f"v{number:06d}\n")
            os.replace(pointer, folder / CURRENT)
            for old in self.versions(person)[: -self.keep]:
                shutil.rmtree(folder / f"v{old:06d}", ignore_errors=True)
        finally:
            shutil.rmtree(new, ignore_errors=True)
        return number

    def _read(self, person: str, number: int) -> tuple[Any, dict[str, Any]]:
        from gwr import GrowingDualMemory

        kept = self.versions(person)
        if number not in kept:
            raise ValueError(f"person {person!r} has no version {number}; kept: {kept}")
        path = self.folder_of(person) / f"v{number:06d}"
        others = [v for v in kept if v != number]
        try:
            state = _state_of(json.loads((path / STATE).read_text()))
            if file_hash(path / MEMORY, 64) != state.pop("memory_sha256"):
                raise ValueError(f"{MEMORY} does not match its checksum")
            if self.check_state is not None:
                self.check_state(state)
            memory = GrowingDualMemory.load(path / MEMORY)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise DamagedPersonError(
                f"person {person!r} version {number} in {self.folder} is damaged ({error}); "
                f"other versions kept: {others or 'none'}"
            ) from error
        return memory, state
