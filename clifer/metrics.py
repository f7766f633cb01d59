"""Scores of continual learning: F1, the accuracy matrix and what is read from it,
confidence intervals over subjects, and the Kruskal-Wallis test across class orders.

All functions are plain functions on arrays (or tidy pandas tables) so that the
experiment code, the reports and the tests share one definition of each number.

F1 follows scikit-learn's conventions: ``micro`` pools every prediction (for
single-label data it equals accuracy, which is what the paper reports) and
``macro`` averages the per-class F1 over the classes present in the true or the
predicted labels.

The accuracy matrix ``R`` of one run has a row per learning step (after the
``i``-th class of the order) and a column per class *in the order's positions*:
``R[i, j]`` is the accuracy on the test data of the ``j``-th class learnt, measured
after step ``i``. From it:

- average incremental accuracy (Rebuffi et al., 2017): the mean over steps of the
  accuracy on the classes seen so far (Experiment 1's accuracy, averaged);
- forgetting (Chaudhry et al., 2018): for each class but the last, the best
  accuracy it ever had before the final step minus its final accuracy, averaged;
- backward transfer (Lopez-Paz & Ranzato, 2017): the mean over classes but the
  last of ``R[T, j] - R[j, j]`` (negative when learning later classes hurt).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd


def f1_scores(y_true, y_pred) -> tuple[float, float]:
    """Micro and macro F1 of single-label predictions (scikit-learn's definitions).

    Macro F1 averages over the classes that appear in ``y_true`` or ``y_pred``; a
    class with no true and no predicted example does not count. Empty input is an
    error.
    """
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    if y_true.size == 0:
        raise ValueError("no labels to score")
    micro = float(np.mean(y_true == y_pred))
    f1s = []
    for c in np.union1d(y_true, y_pred):
        tp = np.sum((y_pred == c) & (y_true == c))
        predicted, actual = np.sum(y_pred == c), np.sum(y_true == c)
        f1s.append(0.0 if tp == 0 else 2.0 * tp / (predicted + actual))
    return micro, float(np.mean(f1s))


def accuracy_matrix(y_true, y_preds: Sequence, order: Sequence[int]) -> np.ndarray:
    """``R[i, j]``: accuracy on the test data of class ``order[j]`` after step ``i``.

    ``y_true`` are the test labels and ``y_preds[i]`` the predictions for them after
    the ``i``-th class of ``order`` was learnt. A class without test data gives NaN.
    """
    y_true = np.asarray(y_true)
    R = np.full((len(y_preds), len(order)), np.nan)
    for i, pred in enumerate(y_preds):
        pred = np.asarray(pred)
        if pred.shape != y_true.shape:
            raise ValueError(f"step {i}: {pred.size} predictions for {y_true.size} labels")
        for j, c in enumerate(order):
            rows = y_true == c
            if rows.any():
                R[i, j] = np.mean(pred[rows] == c)
    return R


def average_incremental_accuracy(R: np.ndarray) -> float:
    """Mean over steps ``i`` of the mean accuracy on the classes seen so far, ``R[i, :i+1]``."""
    R = np.asarray(R, dtype=float)
    return float(np.mean([np.nanmean(R[i, : i + 1]) for i in range(len(R))]))


def forgetting(R: np.ndarray) -> float:
    """Mean over classes ``j`` but the last of ``max_{l<T} R[l, j] - R[T, j]``.

    NaN for a single step."""
    R = np.asarray(R, dtype=float)
    T = len(R) - 1
    if T < 1:
        return math.nan
    drops = [np.nanmax(R[j:T, j]) - R[T, j] for j in range(T)]
    return float(np.nanmean(drops))


def backward_transfer(R: np.ndarray) -> float:
    """Mean over classes ``j`` but the last of ``R[T, j] - R[j, j]`` (NaN for one step)."""
    R = np.asarray(R, dtype=float)
    T = len(R) - 1
    if T < 1:
        return math.nan
    return float(np.nanmean([R[T, j] - R[j, j] for j in range(T)]))


def mean_ci(values, confidence: float = 0.95) -> tuple[float, float, int]:
    """Mean, half-width of its ``confidence`` interval (Student's t), and the count.

    NaNs are ignored; with fewer than two values the half-width is NaN.
    """
    from scipy import stats

    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n == 0:
        return math.nan, math.nan, 0
    mean = float(v.mean())
    if n < 2:
        return mean, math.nan, n
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * v.std(ddof=1) / math.sqrt(n))
    return mean, half, n


def summarise(table: pd.DataFrame, by: Sequence[str], value: str = "value",
              confidence: float = 0.95) -> pd.DataFrame:
    """Mean, CI half-width, low, high and n of ``value`` over the rows of each ``by`` group."""
    rows = []
    for key, group in table.groupby(list(by), sort=False, dropna=False):
        mean, half, n = mean_ci(group[value], confidence)
        key = key if isinstance(key, tuple) else (key,)
        rows.append((*key, mean, half, mean - half, mean + half, n))
    return pd.DataFrame(rows, columns=[*by, "mean", "ci", "low", "high", "n"])


def kruskal_across_orders(table: pd.DataFrame, value: str = "value",
                          order_column: str = "order") -> tuple[float, float]:
    """Kruskal-Wallis H and p of ``value`` grouped by class order (the paper's Table I).

    NaN when fewer than two orders have values, or when every value is the same
    (the test is undefined then).
    """
    from scipy import stats

    groups = [g[value].dropna().to_numpy() for _, g in table.groupby(order_column, sort=False)]
    groups = [g for g in groups if g.size]
    if len(groups) < 2 or np.ptp(np.concatenate(groups)) == 0:
        return math.nan, math.nan
    h, p = stats.kruskal(*groups)
    return float(h), float(p)
