"""The configuration of an experiment: one frozen dataclass, read from a TOML or JSON file.

Everything that changes a result is here (data, subjects, conditions, orders,
the learners' settings, seeds), so that a results folder is tied to one
configuration by its hash (:mod:`clifer.store`). How the work is spread
(``--jobs``, ``--scheduler``) is not part of it: it does not change the numbers.

A config file holds any of the fields; the ``learner`` table any of
:class:`clifer.learners.LearnerSettings`' fields, and ``learner.gdm`` any of
:class:`gwr.GrowingDualMemory`'s parameters, e.g. (TOML)::

    dataset = "synthetic"
    subjects = 12
    conditions = ["gdm", "clifer"]
    orders = "six"

    [learner]
    episode_epochs = 10

    [learner.gdm]
    episodic_activation_threshold = 0.4
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import known_keys, number, table, whole
from .conditions import CONDITIONS, parse_conditions
from .learners import LearnerSettings
from .orders import parse_orders
from .settings import Settings

#: How many new subjects the synthetic default runs.
DEFAULT_SYNTHETIC_SUBJECTS = 6


@dataclass(frozen=True)
class ExperimentConfig(Settings):
    """What an experiment runs.

    dataset : ``"synthetic"`` (the default, generated) or a loader's name
        (:data:`facedata.DATASETS`) with ``root`` its folder as distributed.
    subjects : for ``synthetic`` the number of new subjects (default 6); for real
        data ``None`` (all, the default) or a list of subject ids.
    conditions : names from :data:`clifer.conditions.CONDITIONS`.
    orders : what :func:`clifer.orders.parse_orders` reads ("default", "six",
        "random:N", or explicit orders).
    test_fraction : share of each subject's clips of each class held out for testing.
    imagination : a ``.keras`` CAAE, or None for the shipped model of the dataset's
        kind (:meth:`imagination_file`): ``cpu`` for the synthetic faces, ``real`` for
        every real dataset.
    loader : keyword options of the dataset's loader, e.g. ``{"faces": "whole"}`` for
        one's own face crops (``own``), ``{"detector": "haar"}``; each must be an option
        the loader takes (:meth:`facedata.loaders.DatasetEntry.options`).
    learner : the learners' :class:`LearnerSettings` (given as them or as their table,
        ``gdm`` a table of GrowingDualMemory parameters); an unknown field, or a bad
        value, is an error that names it (``learner.episode_epochs``,
        ``learner.gdm.episodic_max_age``).
    seed : seeds the split and the learners.

    :meth:`to_dict` is the table a results folder's hash covers (:mod:`clifer.store`).
    """

    TABLE = "configuration"

    dataset: str = "synthetic"
    root: str | None = None
    subjects: int | list[str] | None = None
    conditions: list[str] = field(default_factory=lambda: list(CONDITIONS))
    orders: str | list = "default"
    test_fraction: float = 0.3
    imagination: str | None = None
    loader: dict = field(default_factory=dict)
    learner: LearnerSettings = field(default_factory=LearnerSettings)
    seed: int = 0

    def __post_init__(self) -> None:
        """Every field checked when the configuration is made (a file read, an option
        applied): errors name the field, its value and what is allowed."""
        if not isinstance(self.dataset, str):
            raise ValueError(f"dataset must be a name, got {self.dataset!r}")
        if isinstance(self.root, os.PathLike):
            object.__setattr__(self, "root", os.fspath(self.root))
        if self.root is not None and (not isinstance(self.root, str) or not self.root):
            raise ValueError(f"root must be a folder, got {self.root!r}")
        if self.imagination is not None and (
            not isinstance(self.imagination, str) or not self.imagination
        ):
            raise ValueError(
                f"imagination must be a .keras file or absent (the shipped "
                f"model), got {self.imagination!r}"
            )
        if not isinstance(self.conditions, str | list | tuple):
            raise ValueError(f"conditions must be a list of names, got {self.conditions!r}")
        names = [c.name for c in parse_conditions(self.conditions)]
        object.__setattr__(self, "conditions", names)
        if not isinstance(self.orders, str | list | tuple):
            raise ValueError(
                f"orders must be a name (default, six, random:N), an order or a "
                f"list of them, got {self.orders!r}"
            )
        try:
            parse_orders(self.orders)
        except (TypeError, ValueError) as error:
            raise ValueError(f"orders: {error}") from error
        number(self.test_fraction, "test_fraction", 0.0, 1.0, low_open=True, high_open=True)
        whole(self.seed, "seed", minimum=0)
        if self.dataset == "synthetic":
            if self.loader:
                raise ValueError(
                    f"loader options {sorted(self.loader)} are for a real "
                    "dataset's loader; the synthetic faces have none"
                )
            if self.subjects is None:
                object.__setattr__(self, "subjects", DEFAULT_SYNTHETIC_SUBJECTS)
            if (
                isinstance(self.subjects, bool)
                or not isinstance(self.subjects, int)
                or self.subjects < 1
            ):
                raise ValueError(
                    "for the synthetic dataset, subjects is a number of subjects"
                    f" (at least 1), got {self.subjects!r}"
                )
        else:
            from facedata import DATASETS

            if self.dataset not in DATASETS:
                raise ValueError(
                    f"dataset must be synthetic or one of {sorted(DATASETS)}, got {self.dataset!r}"
                )
            if not DATASETS[self.dataset].persons:
                with_persons = ", ".join(name for name, e in DATASETS.items() if e.persons)
                raise ValueError(
                    f"{self.dataset} has no persons (each image is its own subject), and "
                    f"CLIFER learns one person's expressions at a time: {self.dataset} serves "
                    f"pre-training (python -m imagination.train --dataset {self.dataset} "
                    f"--root DIR) and judging expressions; for the experiments take the "
                    f"synthetic default or a dataset with persons ({with_persons})"
                )
            if self.root is None:
                raise ValueError(f"dataset {self.dataset!r} needs root, its folder as distributed")
            table(self.loader, "loader")
            known_keys(
                self.loader,
                DATASETS[self.dataset].options(),
                f"the {self.dataset} loader",
                "option",
            )
            if self.subjects is not None and (
                not isinstance(self.subjects, list)
                or not self.subjects
                or not all(isinstance(s, str) for s in self.subjects)
            ):
                raise ValueError(
                    f"for dataset {self.dataset!r}, subjects is a list of subject "
                    f"ids or None (all), got {self.subjects!r}"
                )
        object.__setattr__(self, "learner", LearnerSettings.nested(self.learner))

    def imagination_file(self) -> Path:
        """The imagination model this experiment runs: ``imagination``, or the shipped
        model of the dataset's kind (:func:`imagination.pretrained.default_model`)."""
        if self.imagination is not None:
            return Path(self.imagination)
        from imagination.pretrained import default_model, pretrained_path

        return pretrained_path(default_model(self.dataset))

    def replace(self, **changes: Any) -> ExperimentConfig:
        """A copy with ``changes``. A new dataset of the other kind (synthetic, real)
        without ``subjects`` of its own takes its kind's default subjects: the synthetic
        faces' number of subjects names none of a real dataset's, and a real dataset's
        subject ids none of the synthetic faces'."""
        if (
            "dataset" in changes
            and "subjects" not in changes
            and (changes["dataset"] == "synthetic") != (self.dataset == "synthetic")
        ):
            changes["subjects"] = None
        return dataclasses.replace(self, **changes)
