"""Settings read from tables: frozen dataclasses made from a table of their fields (a TOML
or JSON file, keyword options), checked once when they are made, and written back.

:class:`Settings` is what :class:`clifer.config.ExperimentConfig`,
:class:`clifer.learners.LearnerSettings`, :class:`clifer.tuning.Objective` and
:class:`clifer.tuning.TuneConfig` share: :meth:`~Settings.from_dict` (a key that is no
field is an error naming the nearest field), :meth:`~Settings.from_file`,
:meth:`~Settings.to_dict` (nested settings written as their own tables) and
:meth:`~Settings.replace`. A field that holds nested settings takes them or their table,
which the dataclass turns into settings when it is made (:meth:`Settings.nested`).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
from pathlib import Path
from typing import Any, TypeVar

from .checks import known_keys, prefixed, table

S = TypeVar("S", bound="Settings")


class Settings:
    """The table side of a frozen dataclass of settings (see the module's docstring).

    ``TABLE`` names the table in errors ("the objective has no fields [...]"); ``KEYS``
    what its keys are; with ``PREFIXED``, an error of a field's value is prefixed with
    the table's name (``learner.episode_epochs must be ...``).
    """

    TABLE = "settings"
    KEYS = "fields"
    PREFIXED = False

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_dict(cls: type[S], values: Any) -> S:
        """The settings of a table of fields: a table that is not one, or a key that is no
        field, is an error naming the table, the key and the nearest field."""
        table(values, cls.TABLE)
        known_keys(values, cls.field_names(), f"the {cls.TABLE}", cls.KEYS)
        with prefixed(f"{cls.TABLE}.") if cls.PREFIXED else contextlib.nullcontext():
            return cls(**values)

    @classmethod
    def nested(cls: type[S], value: Any) -> S:
        """``value`` as these settings: itself if it is, else made from its table."""
        return value if isinstance(value, cls) else cls.from_dict(value)

    @classmethod
    def from_file(cls: type[S], path: str | Path) -> S:
        """The settings in a ``.toml`` or ``.json`` file."""
        return cls.from_dict(read_table(path))

    def to_dict(self) -> dict[str, Any]:
        """The settings as a table (nested settings as theirs): what :meth:`from_dict`
        reads back to the same settings."""
        return {name: _written(getattr(self, name)) for name in self.field_names()}

    def replace(self: S, **changes: Any) -> S:
        """A copy with ``changes`` (nested settings may be given as tables)."""
        return dataclasses.replace(self, **changes)


def _written(value: Any) -> Any:
    return value.to_dict() if isinstance(value, Settings) else copy.deepcopy(value)


def read_table(path: str | Path) -> dict[str, Any]:
    """The table of settings in a ``.toml`` or ``.json`` file (a clear error otherwise)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no config file {path}")
    text = path.read_text()
    try:
        if path.suffix == ".toml":
            try:
                import tomllib
            except ImportError as error:  # Python 3.10
                raise ValueError("TOML config files need Python 3.11; use JSON") from error
            values = tomllib.loads(text)
        elif path.suffix == ".json":
            values = json.loads(text)
        else:
            raise ValueError(f"a config file is .toml or .json, got {path.name}")
    except (ValueError, json.JSONDecodeError) as error:
        raise ValueError(f"cannot read {path}: {error}") from error
    if not isinstance(values, dict):
        raise ValueError(f"{path} must hold a table of settings")
    return values
