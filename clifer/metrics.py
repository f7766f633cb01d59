"""Scores of continual learning: F1, the accuracy matrix and what is read from it,
confidence intervals over subjects (a seeded bootstrap: they stay inside the scores'
range), the Kruskal-Wallis test across class orders, and the Wilcoxon signed-rank
test of two conditions paired by subject.

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


#: Resamples of the bootstrap intervals, and their seed (every interval is reproducible).
BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 0


def mean_interval(
    values,
    confidence: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float, float, int]:
    """Mean, the ends of its ``confidence`` interval, and the count of ``values``.

    The interval is a seeded **percentile bootstrap** of the mean (``resamples`` resamples
    of the values with replacement; the values are one per subject), *expanded* for small
    samples (Hesterberg, "What teachers should know about the bootstrap", The American
    Statistician 69(4), 2015): the percentiles are read at the tail ``Phi(-sqrt(n / (n -
    1)) t_{n-1})`` instead of ``(1 - confidence) / 2``, so that for symmetric data it is
    as wide as Student's t interval while keeping the bootstrap's shape.

    Why a bootstrap: every resampled mean is a mean of observed scores, so the interval
    lies within ``[min, max]`` of the values; a score bounded in [0, 1] (F1, accuracy)
    gets an interval inside [0, 1], asymmetric near the bounds, where the t interval
    (mean ± t s / sqrt(n)) leaves them (0.97 ± 0.05 reads as up to 1.02). Why not a
    Wilson interval: it is for a binomial count of independent trials, and the scores
    here are means over subjects of per-subject F1s (frames of one clip are not
    independent, subjects differ, macro F1 and forgetting are not counts). Why not BCa:
    its acceleration is undefined for constant or heavily tied scores and unstable for a
    handful of subjects. Why expanded: the plain percentile interval is about as narrow
    as a z interval with the plug-in deviation, about 30% narrower than t for six
    subjects, and covers less than it says.

    NaNs are ignored. Constant values give ``[c, c]``; one value gives NaN ends; with
    two to four values the interval is their range (the expanded tail is below the
    chance of drawing the smallest value every time): a floor, not a 95% interval.
    """
    from scipy import stats

    v = np.asarray(values, dtype=float).ravel()
    v = v[~np.isnan(v)]
    n = v.size
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    if np.ptp(v) == 0:
        c = float(v[0])
        return (c, math.nan, math.nan, 1) if n == 1 else (c, c, c, n)
    mean = float(v.mean())
    alpha = 1.0 - confidence
    tail = float(stats.norm.sf(math.sqrt(n / (n - 1)) * stats.t.isf(alpha / 2, n - 1)))
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    chunk = max(1, 1_000_000 // n)
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        means[start:stop] = v[rng.integers(0, n, (stop - start, n))].mean(axis=1)
    low, high = np.quantile(means, [tail, 1.0 - tail])
    lo, hi = float(v.min()), float(v.max())
    # a mean of k copies of the minimum can be an ulp off it: snap to the range
    low = lo if low - lo < 1e-12 else min(float(low), mean)
    high = hi if hi - high < 1e-12 else max(float(high), mean)
    return mean, low, high, n


def interval_text(mean: float, low: float, high: float, digits: int = 3) -> str:
    """``mean [low, high]`` (``mean`` alone when the interval is undefined)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def summarise(
    table: pd.DataFrame,
    by: Sequence[str],
    value: str = "value",
    confidence: float = 0.95,
    unit: str | None = "subject",
) -> pd.DataFrame:
    """Mean, interval (:func:`mean_interval`) and n of ``value`` per ``by`` group.

    When ``table`` has a ``unit`` column (``subject``) not in ``by``, each unit's rows are
    averaged first (a subject's class orders are not independent replicates): the mean is
    over subjects, the interval resamples subjects and ``n`` counts them. Columns:
    ``*by, mean, ci, low, high, n``; ``ci`` is half the interval's width, kept for tables
    that print ``mean ± ci``; the interval itself is ``[low, high]``, not symmetric about
    the mean near 0 or 1.
    """
    by = list(by)
    per_unit = unit is not None and unit in table.columns and unit not in by
    rows = []
    for key, group in table.groupby(by, sort=False, dropna=False):
        values = group[value].astype(float)
        if per_unit:
            values = values.groupby(group[unit], sort=False).mean()
        mean, low, high, n = mean_interval(values, confidence)
        key = key if isinstance(key, tuple) else (key,)
        rows.append((*key, mean, (high - low) / 2, low, high, n))
    return pd.DataFrame(rows, columns=[*by, "mean", "ci", "low", "high", "n"])


def kruskal_across_orders(
    table: pd.DataFrame, value: str = "value", order_column: str = "order"
) -> tuple[float, float]:
    """Kruskal-Wallis H and p of ``value`` grouped by class order (the paper's Table I).

    Every value the same: H = 0 and p = 1 (no order differs from another; scipy's H is
    0 / 0 there and it returns NaN with a warning). NaN when fewer than two orders have
    values (there is nothing to compare).
    """
    from scipy import stats

    groups = [
        g[value].dropna().to_numpy(dtype=float) for _, g in table.groupby(order_column, sort=False)
    ]
    groups = [g for g in groups if g.size]
    if len(groups) < 2:
        return math.nan, math.nan
    if np.ptp(np.concatenate(groups)) == 0:
        return 0.0, 1.0
    h, p = stats.kruskal(*groups)
    return float(h), float(p)


#: Fewer subjects than this and the signed-rank test is not reported: with n pairs the
#: smallest two-sided p is 2 / 2**n, 0.0625 for five, so the test could never reach 0.05.
WILCOXON_MIN_SUBJECTS = 6


def _signed_rank_p(d: np.ndarray) -> float:
    """Two-sided p of the signed-rank statistic for the nonzero differences ``d``, from
    its exact null distribution *given their ranks* (ties share the average rank): each
    rank is + or - with probability 1/2. This is what scipy computes with
    ``method=PermutationMethod()`` (by enumeration, slowly); here the distribution of the
    sum is built by convolution, exact for any n."""
    from scipy import stats

    twice = np.rint(2 * stats.rankdata(np.abs(d))).astype(np.int64)  # ranks are k / 2
    observed = int(twice[d > 0].sum())
    dist = np.zeros(int(twice.sum()) + 1)
    dist[0] = 1.0
    for r in twice:
        shifted = np.zeros_like(dist)
        shifted[r:] = dist[:-r]
        dist = (dist + shifted) / 2
    lower, upper = dist[: observed + 1].sum(), dist[observed:].sum()
    return float(min(1.0, 2 * min(lower, upper)))


def paired_wilcoxon(x, y, min_n: int = WILCOXON_MIN_SUBJECTS) -> dict:
    """Wilcoxon signed-rank test of paired scores ``x`` against ``y`` (one pair a subject).

    Returns ``n`` (pairs without NaN), ``wins``, ``ties``, ``losses`` (``x`` above, equal
    to, below ``y``), ``median_difference`` (of ``x - y``), ``W`` (scipy's statistic: the
    smaller of the positive and negative rank sums), ``p`` (two-sided) and ``note``:

    - fewer than ``min_n`` pairs: W and p NaN, note ``n too small`` (see
      :data:`WILCOXON_MIN_SUBJECTS`; scipy would return a p that cannot be small);
    - every difference zero: W = 0, p = 1, note ``all equal`` (scipy 1.17 returns the
      same with a division warning; older versions raised an error);
    - zero differences are dropped (scipy's default ``zero_method="wilcox"``), and the
      note counts them;
    - without ties or zeros p is scipy's default (its exact distribution up to 50
      pairs, the normal approximation above); with tied absolute differences or zeros
      (scores that are fractions of a few test frames tie often) scipy (1.17) runs a
      permutation test up to 13 pairs (exact, but seconds per test) and the normal
      approximation above, and its ``method="exact"`` assumes neither and is wrong
      there; p is then the exact distribution given the ranks for any n
      (:func:`_signed_rank_p`, equal to scipy's permutation test), and the note says so
      (``tied ranks; p exact given them``).
    """
    from scipy import stats

    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"{x.size} scores paired with {y.size}")
    keep = ~(np.isnan(x) | np.isnan(y))
    raw = x[keep] - y[keep]
    d = np.round(raw, 12)  # 0.9 - 0.8 and 0.7 - 0.6 are one tie, not two values
    n = int(d.size)
    out = {
        "n": n,
        "wins": int((d > 0).sum()),
        "ties": int((d == 0).sum()),
        "losses": int((d < 0).sum()),
        "median_difference": float(np.median(raw)) if n else math.nan,
        "W": math.nan,
        "p": math.nan,
        "note": "",
    }
    if n < min_n:
        out["note"] = f"n too small (< {min_n} subjects)"
        return out
    nonzero = d[d != 0]
    if nonzero.size == 0:
        out.update(W=0.0, p=1.0, note="all equal")
        return out
    result = stats.wilcoxon(nonzero)
    out["W"] = float(result.statistic)
    notes = []
    if nonzero.size < n:
        notes.append(f"{n - nonzero.size} zero difference(s) dropped")
    if np.unique(np.abs(nonzero)).size < nonzero.size:
        notes.append("tied ranks")
    if notes:
        out["p"] = _signed_rank_p(nonzero)
        notes.append("p exact given them")
    else:
        out["p"] = float(result.pvalue)
    out["note"] = "; ".join(notes)
    return out
