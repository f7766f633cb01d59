"""Baselines beside CLIFER's figures: what a person's own crops give without any continual
learner, what a classifier that never saw the person gives, and chance.

- ``hog-1nn``: per person and class order, after each class, a 1-nearest-neighbour
  classifier (Euclidean distance on HOG features, :func:`imagination.evaluate.hog_features`)
  whose memory is every training crop of the classes seen so far: a learner that
  forgets nothing and stores everything, on features that know nothing of faces;
- ``generic``: the imagination model's classifier network C (image -> logits; for the
  shipped ``real`` model trained on FER2013's real faces), on each person's test crops
  as the model sees them (:meth:`imagination.caae.CAAE.prepare`): no personalisation,
  the same at every step;
- ``chance``: a uniform guess among the six classes, 1/6.

Each is scored exactly as the experiment's learners (:func:`clifer.protocol.run_cell`):
on the same split of each person's clips (:meth:`facedata.FaceDataset.split_by_clip`
with the experiment's test fraction and seed, as :func:`clifer.features.encode_subjects`),
Experiment 1 on the test crops of the classes seen so far, Experiment 2 on those of
all six, micro F1 (the accuracy) and macro F1, and each class's accuracy. The result is
a table in the cells' long format (:data:`clifer.protocol.COLUMNS`; the baseline's name
in ``condition``, ``memory`` is ``"baseline"``), so the experiment's summaries apply.

The kernels are plain functions on arrays (:func:`squared_distances`,
:func:`one_nn_predictions`, :func:`step_scores`, :func:`curve_rows`); the tables are
built by :func:`hog_1nn_table`, :func:`generic_table` and :func:`chance_table`, all
three by :func:`baseline_table`, kept in a run's folder by :func:`load_or_compute`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from facedata import CLASSES

from .metrics import f1_scores, interval_text, summarise
from .orders import Order, order_name
from .protocol import COLUMNS

#: The baselines, by their name in the table's ``condition`` column, with their titles.
BASELINES = {
    "hog-1nn": "HOG 1-NN (own training crops of the classes seen)",
    "generic": "generic classifier (the imagination model's C, not personal)",
    "chance": "chance (uniform guess among six classes)",
}
MEMORY = "baseline"
FILE = "baselines.csv"
CHANCE = 1.0 / len(CLASSES)


# -- kernels ------------------------------------------------------------------------------


def squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``D[i, j] = ||a[i] - b[j]||^2`` (float64, never negative)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"features of shapes {a.shape} and {b.shape} cannot be compared")
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)


def one_nn_predictions(train_x, train_y, test_x, order: Sequence[int]) -> np.ndarray:
    """``P[s, i]``: the label of ``test_x[i]``'s nearest training row (Euclidean) among the
    rows of the classes ``order[:s + 1]``, after each step ``s`` of ``order``. Ties go to
    the first such row. Every class of ``order`` needs a training row."""
    train_y = np.asarray(train_y)
    missing = [c for c in order if not np.any(train_y == c)]
    if missing:
        raise ValueError(f"no training rows of classes {missing}")
    d = squared_distances(test_x, train_x)
    out = np.empty((len(order), d.shape[0]), dtype=train_y.dtype)
    for step in range(len(order)):
        columns = np.flatnonzero(np.isin(train_y, list(order[: step + 1])))
        out[step] = train_y[columns[np.argmin(d[:, columns], axis=1)]]
    return out


def step_scores(y_test, predicted, seen: Iterable[int]) -> list[tuple[int, str, float]]:
    """``(experiment, metric, value)`` of one step, as :func:`clifer.protocol.run_cell`
    scores a memory: micro and macro F1 on the test rows of the classes ``seen``
    (Experiment 1) and on all of them (Experiment 2), and the accuracy on each class's
    test rows (Experiment 2; NaN for a class without any)."""
    y_test, predicted = np.asarray(y_test), np.asarray(predicted)
    rows: list[tuple[int, str, float]] = []
    mask = np.isin(y_test, list(seen))
    for experiment, rows_of in ((1, mask), (2, np.ones_like(mask))):
        micro, macro = f1_scores(y_test[rows_of], predicted[rows_of])
        rows += [(experiment, "micro_f1", micro), (experiment, "macro_f1", macro)]
    for k, name in enumerate(CLASSES):
        of_k = y_test == k
        value = float(np.mean(predicted[of_k] == k)) if of_k.any() else math.nan
        rows.append((2, f"accuracy:{name}", value))
    return rows


def curve_rows(
    subject: str, order: Order, baseline: str, y_test, predictions: Sequence
) -> pd.DataFrame:
    """The long-format table (:data:`clifer.protocol.COLUMNS`) of one subject and order:
    ``predictions[s]`` are the baseline's labels for ``y_test`` after step ``s``."""
    if len(predictions) != len(order):
        raise ValueError(
            f"{len(predictions)} steps of predictions for an order of {len(order)} classes"
        )
    name, rows = order_name(order), []
    for step, (c, predicted) in enumerate(zip(order, predictions, strict=True), start=1):
        for experiment, metric, value in step_scores(y_test, predicted, order[:step]):
            rows.append(
                (subject, name, baseline, MEMORY, step, CLASSES[c], experiment, metric, value)
            )
    return _table(rows)


def _table(rows: list[tuple]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["experiment"] = table["experiment"].astype("Int64")
    return table


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else _table([])


# -- the tables ---------------------------------------------------------------------------


def _split(dataset, test_fraction: float, seed: int, subjects: Iterable[str]):
    """Each subject's training crops (sorted by clip and frame, as the experiment's) and
    test crops, from the experiment's split of the whole dataset."""
    train, test = dataset.split_by_clip(test_fraction, seed)
    for subject in subjects:
        tr, te = train.for_subject(subject), test.for_subject(subject)
        yield subject, tr[np.lexsort((tr.frames, tr.clips))], te


def hog_1nn_table(
    dataset,
    subjects: Iterable[str],
    orders: Sequence[Order],
    *,
    image_size: int,
    test_fraction: float = 0.3,
    seed: int = 0,
) -> pd.DataFrame:
    """The HOG 1-NN baseline's measurements for each subject and order; crops resized to
    ``image_size`` (what the imagination model sees) before their HOG features."""
    from imagination.evaluate import hog_features

    from .features import resized

    parts = []
    for subject, tr, te in _split(dataset, test_fraction, seed, subjects):
        if not len(tr) or not len(te):
            raise ValueError(f"subject {subject} has no training or no test crops")
        train_x = hog_features(resized(tr.images, image_size))
        test_x = hog_features(resized(te.images, image_size))
        for order in orders:
            predictions = one_nn_predictions(train_x, tr.labels, test_x, order)
            parts.append(curve_rows(subject, order, "hog-1nn", te.labels, predictions))
    return _concat(parts)


def generic_predictions(model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The labels the imagination model's classifier C gives ``images`` ((n, S, S, 3) in
    [-1, 1], S the model's size), seen as the model sees them: :meth:`CAAE.prepare`
    (checked, grey for a grey model), or :func:`imagination.inputs.check_images` for a
    model without it."""
    prepare = getattr(model, "prepare", None)
    if prepare is None:
        from imagination.inputs import check_images

        x = check_images(images, model.config.image_size)
    else:
        x = prepare(images)
    logits = [
        np.asarray(model.classifier(x[i : i + batch_size], training=False))
        for i in range(0, len(x), batch_size)
    ]
    return np.argmax(np.concatenate(logits), axis=1)


def generic_table(
    dataset,
    subjects: Iterable[str],
    orders: Sequence[Order],
    model,
    *,
    test_fraction: float = 0.3,
    seed: int = 0,
) -> pd.DataFrame:
    """The generic classifier's measurements: its labels of each subject's test crops
    (the same at every step), scored after each step of each order."""
    from .features import resized

    parts = []
    for subject, _, te in _split(dataset, test_fraction, seed, subjects):
        if not len(te):
            raise ValueError(f"subject {subject} has no test crops")
        predicted = generic_predictions(model, resized(te.images, model.config.image_size))
        for order in orders:
            parts.append(curve_rows(subject, order, "generic", te.labels, [predicted] * len(order)))
    return _concat(parts)


def chance_table(subjects: Iterable[str], orders: Sequence[Order]) -> pd.DataFrame:
    """Chance, 1/6, as micro F1 (the accuracy) of both experiments and each class's
    accuracy, for each subject, order and step (the expected score of a uniform guess)."""
    rows = []
    for subject in subjects:
        for order in orders:
            for step, c in enumerate(order, start=1):
                common = (subject, order_name(order), "chance", MEMORY, step, CLASSES[c])
                rows += [(*common, e, "micro_f1", CHANCE) for e in (1, 2)]
                rows += [(*common, 2, f"accuracy:{name}", CHANCE) for name in CLASSES]
    return _table(rows)


def baseline_table(
    dataset,
    subjects: Sequence[str],
    orders: Sequence[Order],
    model,
    *,
    test_fraction: float = 0.3,
    seed: int = 0,
) -> pd.DataFrame:
    """All three baselines' measurements (HOG 1-NN, generic classifier, chance)."""
    subjects = list(subjects)
    return _concat(
        [
            hog_1nn_table(
                dataset,
                subjects,
                orders,
                image_size=model.config.image_size,
                test_fraction=test_fraction,
                seed=seed,
            ),
            generic_table(dataset, subjects, orders, model, test_fraction=test_fraction, seed=seed),
            chance_table(subjects, orders),
        ]
    )


def table_problem(
    table: pd.DataFrame, subjects: Sequence[str], orders: Sequence[Order]
) -> str | None:
    """What keeps a stored baselines table from serving this run (None: it serves): its
    columns, and every baseline measured for every subject and order."""
    if list(table.columns) != list(COLUMNS):
        return f"its columns are {list(table.columns)}"
    want = {(str(s), order_name(o)) for s in subjects for o in orders}
    for baseline in BASELINES:
        part = table[table["condition"] == baseline]
        found = set(zip(part["subject"].astype(str), part["order"].astype(str), strict=True))
        if found != want:
            return f"its {baseline} rows are not those of this run's subjects and orders"
    return None


def load_or_compute(
    folder: str | Path,
    dataset,
    subjects: Sequence[str],
    orders: Sequence[Order],
    model,
    *,
    test_fraction: float = 0.3,
    seed: int = 0,
) -> tuple[pd.DataFrame, bool]:
    """The run's baselines: ``folder/baselines.csv`` when it holds them for these subjects
    and orders (the run folder's configuration fixes the rest), else computed and
    written (atomically); the table and whether it was computed now."""
    from .store import write_atomically

    path = Path(folder) / FILE
    if path.is_file():
        try:
            table = pd.read_csv(path, dtype={"subject": str, "order": str})
            table["experiment"] = table["experiment"].astype("Int64")
            if table_problem(table, subjects, orders) is None:
                return table, False
        except (OSError, ValueError, KeyError, pd.errors.ParserError):
            pass
    table = baseline_table(dataset, subjects, orders, model, test_fraction=test_fraction, seed=seed)
    write_atomically(path, lambda tmp: table.to_csv(tmp, index=False))
    return table, True


# -- the summary --------------------------------------------------------------------------


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per baseline, Experiment 2 (all six classes) micro F1, the accuracy, after the first
    and after the last class, and macro F1 after the last: mean and 95% interval over
    subjects (a subject's orders averaged first; :func:`clifer.metrics.mean_interval`), as
    text (``mean [low, high]``), with the number of (subject, order)."""
    columns = [
        "baseline",
        "exp 2 micro f1 after the first class",
        "exp 2 micro f1 after the last class",
        "exp 2 macro f1 after the last class",
        "n",
    ]
    if table.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    exp2 = table[table["experiment"] == 2]
    for baseline, part in exp2.groupby("condition", sort=False):
        last = part["step"].max()
        texts = []
        for step, metric in ((1, "micro_f1"), (last, "micro_f1"), (last, "macro_f1")):
            scores = part[(part["step"] == step) & (part["metric"] == metric)]
            if scores.empty:
                texts.append("-")
                continue
            s = summarise(scores, ["condition"]).iloc[0]
            texts.append(interval_text(s["mean"], s["low"], s["high"]))
        n = part.drop_duplicates(["subject", "order"]).shape[0]
        rows.append((BASELINES.get(baseline, baseline), *texts, n))
    return pd.DataFrame(rows, columns=columns)


def summary_markdown(table: pd.DataFrame) -> str:
    """The summary's "Baselines" part (Markdown)."""
    from .report import markdown_table

    return "\n".join(
        [
            "## Baselines\n",
            "Scored like CLIFER on the same split, Experiment 2 (the test crops of all six "
            "classes); mean and 95% interval over subjects. HOG 1-NN keeps every "
            "training crop of the classes seen (nothing forgotten, nothing imagined); the "
            "generic classifier never saw the person and is the same at every step; chance "
            f"is 1/{len(CLASSES)} ({CHANCE:.3f}). All measurements are in `{FILE}`.\n",
            markdown_table(summary(table)) + "\n",
        ]
    )
