"""What a hyperparameter search is and what it keeps: its configuration, its objective,
and its trials file (JSON, no pickle), for :mod:`clifer.tune`.

A search tunes one condition's learner on **validation subjects** only: for the
synthetic default, new subjects drawn with :data:`TUNING_SEED` (the experiment's
subjects use :data:`clifer.features.SYNTHETIC_SEED`, the imagination model's
others); for a real dataset, subjects named in the search's configuration, which
the reported experiment then leaves out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .checks import table, whole
from .conditions import CONDITIONS
from .config import ExperimentConfig
from .features import SYNTHETIC_SEED
from .search_space import apply, check_space, default_space, extreme_values
from .settings import Settings
from .store import config_hash, write_atomically

#: The seed of the synthetic validation subjects (distinct from the experiment's).
TUNING_SEED = 31

MEMORY_CHOICES = ("mean", "episodic", "semantic", "mlp")
METRICS = ("micro_f1", "macro_f1")
AT_CHOICES = ("final", "mean")


@dataclass(frozen=True)
class Objective(Settings):
    """What a trial scores (higher is better; hyperopt minimises its negative).

    experiment : 1 (the classes seen so far) or 2 (all six classes).
    memory : ``"episodic"`` (GDM-E), ``"semantic"`` (GDM-S), ``"mlp"``, or ``"mean"``
        of the memories the condition reports.
    metric : ``"micro_f1"`` or ``"macro_f1"``.
    at : ``"final"`` (after the last class) or ``"mean"`` (averaged over the
        classes of the order, i.e. the area under the curve of Fig. 3).
    The score is the mean over subjects (and orders) of each subject's score.
    """

    TABLE = "objective"

    experiment: int = 2
    memory: str = "mean"
    metric: str = "micro_f1"
    at: str = "final"

    def __post_init__(self) -> None:
        if self.experiment not in (1, 2):
            raise ValueError(f"objective.experiment must be 1 or 2, got {self.experiment!r}")
        for name, value, choices in (
            ("memory", self.memory, MEMORY_CHOICES),
            ("metric", self.metric, METRICS),
            ("at", self.at, AT_CHOICES),
        ):
            if value not in choices:
                raise ValueError(f"objective.{name} must be one of {choices}, got {value!r}")

    def describe(self) -> str:
        memory = {
            "episodic": "GDM-E",
            "semantic": "GDM-S",
            "mlp": "MLP",
            "mean": "mean of the memories",
        }[self.memory]
        when = "after the final class" if self.at == "final" else "averaged over the classes"
        return f"Experiment {self.experiment} {self.metric} ({memory}), {when}"

    def check_condition(self, condition: str) -> None:
        learner = CONDITIONS[condition].learner
        if (self.memory == "mlp") != (learner == "mlp") and self.memory != "mean":
            reports = "mlp" if learner == "mlp" else "episodic and semantic"
            raise ValueError(
                f"condition {condition!r} reports the memory {reports}, not {self.memory!r}"
            )

    def subject_scores(self, table: pd.DataFrame) -> pd.Series:
        """Each subject's score from a trial's measurements (:data:`clifer.protocol.COLUMNS`)."""
        rows = table[(table["metric"] == self.metric) & (table["experiment"] == self.experiment)]
        if self.memory != "mean":
            rows = rows[rows["memory"] == self.memory]
        if self.at == "final":
            rows = rows[rows["step"] == rows["step"].max()]
        if rows.empty:
            raise ValueError(f"the measurements hold nothing for {self.describe()}")
        return rows.groupby("subject")["value"].mean()


@dataclass(frozen=True)
class TuneConfig(Settings):
    """A search: the condition, its objective, the validation subjects, the experiment
    it tunes and the space. Read from TOML or JSON (:meth:`from_file`)::

        condition = "clifer"
        trials = 30
        validation_subjects = 6          # synthetic: how many; real data: a list of ids

        [objective]
        experiment = 2
        memory = "mean"                  # episodic, semantic, mlp or mean
        metric = "micro_f1"
        at = "final"                     # or "mean" over the classes

        [experiment]                     # any clifer.experiment configuration field
        dataset = "synthetic"

        [space]                          # see clifer.search_space; default: default_space
        "gdm.episodic_activation_threshold" = { dist = "uniform", low = 0.05, high = 0.6 }

    trials : how many trials the search holds when done (re-running with more
        continues it). startup_trials : random trials before TPE takes over.
    objective : the :class:`Objective` (given as one or as its table).
    experiment : the :class:`~clifer.config.ExperimentConfig` being tuned (given as one
        or as its table), with one condition: this search's (:meth:`best_experiment` is
        the one reported, with every condition).
    """

    TABLE = "search"

    condition: str = "clifer"
    trials: int = 30
    startup_trials: int = 10
    seed: int = 0
    objective: Objective = field(default_factory=Objective)
    validation_subjects: int | list[str] = 6
    validation_seed: int = TUNING_SEED
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    space: dict | None = None

    def __post_init__(self) -> None:
        if self.condition not in CONDITIONS:
            raise ValueError(
                f"unknown condition {self.condition!r}; choose from {list(CONDITIONS)}"
            )
        for name in ("trials", "startup_trials"):
            whole(getattr(self, name), name)
        whole(self.seed, "seed", minimum=0)
        whole(self.validation_seed, "validation_seed", minimum=0)
        object.__setattr__(self, "objective", Objective.nested(self.objective))
        self.objective.check_condition(self.condition)
        if isinstance(self.experiment, ExperimentConfig):
            base = self.experiment.replace(conditions=[self.condition])
        else:
            table(self.experiment, "experiment")
            base = ExperimentConfig.from_dict({**self.experiment, "conditions": [self.condition]})
        object.__setattr__(self, "experiment", base)
        if base.dataset == "synthetic":
            v = self.validation_subjects
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(
                    "for the synthetic dataset, validation_subjects is a number "
                    f"of new subjects (at least 1), got {v!r}"
                )
            if self.validation_seed == SYNTHETIC_SEED:
                raise ValueError(
                    "validation_seed must differ from the experiment's subjects' "
                    f"seed {SYNTHETIC_SEED}"
                )
        else:
            v = self.validation_subjects
            if not isinstance(v, list) or not v or not all(isinstance(s, str) for s in v):
                raise ValueError(
                    "for a real dataset, validation_subjects must list the ids "
                    "of the subjects to tune on (kept out of the experiment)"
                )
            if isinstance(base.subjects, list) and set(base.subjects) & set(v):
                raise ValueError(
                    "the experiment's subjects must not include validation "
                    f"subjects: {sorted(set(base.subjects) & set(v))}"
                )
        self.checked_space()

    def checked_space(self) -> dict[str, dict[str, Any]]:
        """The space (the condition's default if none is given), well formed and with every
        value it can draw allowed for its parameter (checked at the ends of each range and
        for each option of a choice: the allowed values of every parameter are a range)."""
        space = check_space(
            default_space(CONDITIONS[self.condition]) if self.space is None else self.space
        )
        for name, spec in space.items():
            for value in extreme_values(spec):
                try:
                    apply(self.experiment.learner, {name: value})
                except ValueError as error:
                    raise ValueError(
                        f"space: {name} can draw {value!r}, which the learner "
                        f"does not take: {error}"
                    ) from error
        return space

    def fingerprint(self, imagination_hash: str) -> dict[str, Any]:
        """What makes two runs the same search (all but the number of trials), with the
        imagination model's hash: the table whose hash keys its trials file
        (:class:`TrialsFile`, which stores it under the key ``"identity"``)."""
        return {
            "condition": self.condition,
            "startup_trials": self.startup_trials,
            "seed": self.seed,
            "objective": self.objective.to_dict(),
            "validation_subjects": self.validation_subjects,
            "validation_seed": self.validation_seed,
            "experiment": self.experiment.to_dict(),
            "space": self.checked_space(),
            "imagination": imagination_hash,
        }

    def best_experiment(self, params: dict[str, Any], reported_subjects=None) -> ExperimentConfig:
        """The experiment tuned, with the parameters ``params`` set in its learner and
        every condition; for real data without a subject list, ``reported_subjects``
        (every subject but the validation ones)."""
        best = self.experiment.replace(
            conditions=list(CONDITIONS), learner=apply(self.experiment.learner, params)
        )
        if reported_subjects is not None and best.subjects is None:
            best = best.replace(subjects=list(reported_subjects))
        return best


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays as plain Python (JSON-able)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def trial_problem(trial: Any, space: dict[str, dict[str, Any]], tid: int | None) -> str | None:
    """What is wrong with a stored trial (None: it is whole): the fields a trial has,
    its id (``tid``: the trials are numbered 0, 1, ... in order; None: the baseline,
    which has no id and no parameters), hyperopt's values and the parameters for
    exactly the space's parameters, and a finite score or an error by its status."""
    if not isinstance(trial, dict):
        return f"it is not a table: {trial!r}"
    fields = {"params", "status", "seconds"} | ({"tid", "vals"} if tid is not None else set())
    missing = sorted(fields - set(trial))
    if missing:
        return f"it lacks {missing}"
    if tid is not None:
        if trial["tid"] != tid or isinstance(trial["tid"], bool):
            return f"its tid is {trial['tid']!r}, not {tid}"
        vals = trial["vals"]
        if not isinstance(vals, dict) or set(vals) != set(space):
            return (
                f"its vals name {sorted(vals) if isinstance(vals, dict) else vals!r}, "
                f"not the space's parameters {sorted(space)}"
            )
        for name, value in vals.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                return f"its value of {name} is {value!r}"
            if space[name]["dist"] == "choice" and (
                value != int(value) or not 0 <= value < len(space[name]["options"])
            ):
                return f"its value of {name} is not one of the options' positions: {value!r}"
    params = trial["params"]
    expected = set(space) if tid is not None else set()
    if not isinstance(params, dict) or set(params) != expected:
        return (
            f"its params name {sorted(params) if isinstance(params, dict) else params!r}, "
            f"not {sorted(expected)}"
        )
    status = trial["status"]
    if status == "ok":
        score = trial.get("score")
        if (
            isinstance(score, bool)
            or not isinstance(score, int | float)
            or not math.isfinite(score)
        ):
            return f"its status is ok but its score is {score!r}"
        if not isinstance(trial.get("subjects"), dict):
            return "its status is ok but it has no per-subject scores"
    elif status == "fail":
        if not isinstance(trial.get("error"), str):
            return "its status is fail but it has no error"
    else:
        return f"its status is {status!r}, not 'ok' or 'fail'"
    return None


class TrialsFile:
    """A search's trials, kept in ``trials.json`` and rewritten atomically after each one.

    The file holds the search's fingerprint (:meth:`TuneConfig.fingerprint`, under the
    key ``"identity"``, the name files have always had) and its hash; opening one made by
    another search is refused (its trials are never mixed with this search's).
    """

    NAME = "trials.json"

    def __init__(self, folder: str | Path, fingerprint: dict[str, Any]):
        self.folder = Path(folder)
        self.path = self.folder / self.NAME
        self.fingerprint = _plain(fingerprint)
        self.hash = config_hash(self.fingerprint)
        self.trials: list[dict[str, Any]] = []
        self.baseline: dict[str, Any] | None = None
        self.notes: list[str] = []  # what was found damaged and will run again
        if self.path.exists():
            try:
                held = json.loads(self.path.read_text())
                held_hash, trials = held["hash"], held["trials"]
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(
                    f"{self.path} is not a trials file of clifer.tune: {error}"
                ) from error
            if held_hash != self.hash:
                raise ValueError(
                    f"{self.path} holds the trials of another search (hash "
                    f"{held_hash}, this one {self.hash}); give another --run or "
                    "--out, or remove the folder"
                )
            space = self.fingerprint.get("space", {})
            if not isinstance(trials, list):
                raise ValueError(f"{self.path}: its trials are not a list")
            for i, trial in enumerate(trials):
                problem = trial_problem(trial, space, tid=i)
                if problem is not None:
                    raise ValueError(
                        f"{self.path}: trial {i} is damaged ({problem}); mend or remove it "
                        "and the trials after it (nothing was changed), or remove the file "
                        "to start the search afresh"
                    )
            self.trials = list(trials)
            self.baseline = held.get("baseline")
            if self.baseline is not None:
                problem = trial_problem(self.baseline, space, tid=None)
                if problem is not None:
                    self.notes.append(
                        f"{self.path}: the untuned baseline is damaged ({problem}); it runs again"
                    )
                    self.baseline = None
        else:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise OSError(f"cannot create the search folder {self.folder}: {error}") from error
            self._write()

    def _write(self) -> None:
        content = {
            "hash": self.hash,
            "identity": self.fingerprint,
            "baseline": self.baseline,
            "trials": self.trials,
        }
        text = json.dumps(_plain(content), indent=1, allow_nan=False)
        write_atomically(self.path, lambda tmp: Path(tmp).write_text(text))

    def add(self, trial: dict[str, Any]) -> None:
        self.trials.append(_plain(trial))
        self._write()

    def set_baseline(self, trial: dict[str, Any]) -> None:
        self.baseline = _plain(trial)
        self._write()

    def best(self) -> dict[str, Any] | None:
        ok = [t for t in self.trials if t["status"] == "ok"]
        return max(ok, key=lambda t: (t["score"], -t["tid"])) if ok else None

    def table(self) -> pd.DataFrame:
        """One row per trial: tid, status, score, seconds, each parameter, error."""
        rows = [
            {
                "tid": t["tid"],
                "status": t["status"],
                "score": t.get("score"),
                "seconds": t.get("seconds"),
                **t["params"],
                "error": t.get("error"),
            }
            for t in self.trials
        ]
        return pd.DataFrame(rows)
