"""The protocol of one cell: a subject, a class order and a condition (the paper, section V).

Per class of the order, the learner learns that class's training frames; then
every memory it reports is scored on the subject's test frames:

- Experiment 1: the test data of the classes seen so far;
- Experiment 2: the test data of all six classes;

each with micro and macro F1, together with the accuracy on each class's test
data (the accuracy matrix), the memories' sizes and the time spent. The result
is a tidy table, one measurement per row (:data:`COLUMNS`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from facedata import CLASSES

from .conditions import CONDITIONS, Condition
from .learners import LearnerSettings, make_learner
from .metrics import f1_scores
from .orders import Order, order_name

COLUMNS = (
    "subject",
    "order",
    "condition",
    "memory",
    "step",
    "learnt",
    "experiment",
    "metric",
    "value",
)


@dataclass(frozen=True)
class SubjectFeatures:
    """One subject's encoder features, split into training and test frames.

    ``train_*`` rows are sorted by clip and frame (episodes are sequential frames).
    """

    subject: str
    train_features: np.ndarray
    train_labels: np.ndarray
    train_clips: np.ndarray
    test_features: np.ndarray
    test_labels: np.ndarray

    def missing_classes(self) -> list[str]:
        """Classes without training or without test frames (the subject cannot be run)."""
        return [
            name
            for c, name in enumerate(CLASSES)
            if not (np.any(self.train_labels == c) and np.any(self.test_labels == c))
        ]


def run_cell(
    data: SubjectFeatures,
    order: Order,
    condition: Condition,
    settings: LearnerSettings,
    imagination=None,
    seed: int = 0,
) -> pd.DataFrame:
    """Learn ``data``'s classes in ``order`` under ``condition``; the tidy measurements."""
    missing = data.missing_classes()
    if missing:
        raise ValueError(f"subject {data.subject} has no training or test frames of {missing}")
    start = time.perf_counter()
    learner = make_learner(condition, settings, data.train_features.shape[1], imagination, seed)
    name = order_name(order)
    rows: list[tuple] = []

    def add(memory, step, learnt, experiment, metric, value):
        rows.append(
            (
                data.subject,
                name,
                condition.name,
                memory,
                step,
                learnt,
                experiment,
                metric,
                float(value),
            )
        )

    y_test = data.test_labels
    for step, c in enumerate(order, start=1):
        mask = data.train_labels == c
        learner.learn_class(data.train_features[mask], c, data.train_clips[mask])
        seen = np.isin(y_test, order[:step])
        learnt = CLASSES[c]
        for memory, predicted in learner.predict(data.test_features).items():
            for experiment, rows_of in ((1, seen), (2, np.ones_like(seen))):
                micro, macro = f1_scores(y_test[rows_of], predicted[rows_of])
                add(memory, step, learnt, experiment, "micro_f1", micro)
                add(memory, step, learnt, experiment, "macro_f1", macro)
            for k, class_name in enumerate(CLASSES):
                add(
                    memory,
                    step,
                    learnt,
                    2,
                    f"accuracy:{class_name}",
                    np.mean(predicted[y_test == k] == k),
                )
        for memory, size in learner.sizes().items():
            add(memory, step, learnt, None, "neurons", size)
    for part, seconds in learner.seconds.items():
        add("", len(order), CLASSES[order[-1]], None, f"seconds:{part}", seconds)
    add("", len(order), CLASSES[order[-1]], None, "seconds:total", time.perf_counter() - start)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["experiment"] = table["experiment"].astype("Int64")
    return table


def expected_rows(condition: Condition) -> set[tuple[str, int | None, str]]:
    """The ``(memory, experiment, metric)`` rows :func:`run_cell` writes for each step of a
    cell of ``condition`` (besides the time, written once)."""
    rows: set[tuple[str, int | None, str]] = set()
    for memory in condition.memories:
        rows |= {(memory, e, m) for e in (1, 2) for m in ("micro_f1", "macro_f1")}
        rows |= {(memory, 2, f"accuracy:{name}") for name in CLASSES}
        if condition.learner == "gdm":
            rows.add((memory, None, "neurons"))
    return rows


def cell_problem(table: pd.DataFrame, subject: str, order: str, condition: str) -> str | None:
    """What is wrong with a stored cell's table (None: it is whole), e.g. a file cut short
    by a crash or edited by hand: the columns, the cell it names, every step of the
    order with every measurement of each of the condition's memories once, scores in
    [0, 1], and the time, which is written last."""
    if list(table.columns) != list(COLUMNS):
        return f"its columns are {list(table.columns)}, not {list(COLUMNS)}"
    for column, want in (("subject", subject), ("order", order), ("condition", condition)):
        found = set(table[column].astype(str))
        if found != {want}:
            return f"it names the {column} {sorted(found)}, not {want!r}"
    if condition not in CONDITIONS:
        return f"unknown condition {condition!r}"
    n_steps = len(order.split("-"))
    steps = pd.to_numeric(table["step"], errors="coerce")
    values = pd.to_numeric(table["value"], errors="coerce")
    if steps.isna().any() or values.isna().any() or not np.isfinite(values).all():
        return "it holds steps or values that are not numbers"
    if set(steps) != set(range(1, n_steps + 1)):
        return f"it has the steps {sorted(set(steps.astype(int)))}, not 1 to {n_steps}"
    want = expected_rows(CONDITIONS[condition])
    experiment = pd.to_numeric(table["experiment"], errors="coerce")
    keys = [
        (str(m) if isinstance(m, str) else "", None if pd.isna(e) else int(e), str(k))
        for m, e, k in zip(table["memory"], experiment, table["metric"], strict=True)
    ]
    for step in range(1, n_steps + 1):
        at = [k for k, s in zip(keys, steps, strict=True) if s == step]
        measured = [k for k in at if not k[2].startswith("seconds:")]
        if len(measured) != len(want) or set(measured) != want:
            return f"step {step} lacks measurements or repeats them"
    if ("", None, "seconds:total") not in keys:
        return "it lacks the total time, which is written last"
    scores = values[table["metric"].astype(str).str.contains("f1|accuracy")]
    if not scores.between(0, 1).all():
        return "it holds scores outside [0, 1]"
    return None


def accuracy_matrix_of(cell: pd.DataFrame, memory: str, order: Order) -> np.ndarray:
    """The accuracy matrix ``R[i, j]`` of one cell's measurements (see :mod:`clifer.metrics`)."""
    R = np.full((len(order), len(order)), np.nan)
    rows = cell[(cell["memory"] == memory) & cell["metric"].str.startswith("accuracy:")]
    for step, metric, value in rows[["step", "metric", "value"]].itertuples(index=False):
        j = order.index(CLASSES.index(metric.split(":", 1)[1]))
        R[int(step) - 1, j] = value
    return R
