"""The scores of continual learning, checked by hand and against scikit-learn and scipy."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score

from clifer.metrics import (
    accuracy_matrix,
    average_incremental_accuracy,
    backward_transfer,
    f1_scores,
    forgetting,
    interval_text,
    kruskal_across_orders,
    mean_interval,
    paired_wilcoxon,
    summarise,
)


def test_f1_by_hand():
    # F1 = 2 tp / (predicted + actual): class 0: 2 / (3 + 2); class 1: 2 / (2 + 2); class 2: 0
    y_true = [0, 0, 1, 1, 2]
    y_pred = [0, 1, 1, 0, 0]
    micro, macro = f1_scores(y_true, y_pred)
    assert micro == pytest.approx(2 / 5)
    assert macro == pytest.approx((0.4 + 0.5 + 0) / 3)


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=60))
def test_f1_matches_scikit_learn(pairs):
    y_true, y_pred = map(np.array, zip(*pairs, strict=True))
    micro, macro = f1_scores(y_true, y_pred)
    assert micro == pytest.approx(f1_score(y_true, y_pred, average="micro"))
    assert macro == pytest.approx(f1_score(y_true, y_pred, average="macro", zero_division=0))


def test_f1_bad_input():
    with pytest.raises(ValueError, match="no labels"):
        f1_scores([], [])
    with pytest.raises(ValueError, match="3 labels but y_pred has 2"):
        f1_scores([1, 2, 3], [1, 2])


def test_accuracy_matrix_and_what_is_read_from_it():
    order = (2, 0, 1)
    y = np.array([0, 0, 1, 1, 2, 2])
    preds = [
        [2, 2, 2, 2, 2, 2],  # after class 2: only class 2 right
        [0, 0, 0, 0, 2, 0],  # after class 0: class 0 right, class 2 half
        [0, 1, 1, 1, 1, 1],  # after class 1: class 0 half, class 1 right, class 2 lost
    ]
    R = accuracy_matrix(y, preds, order)
    np.testing.assert_array_equal(R, [[1, 0, 0], [0.5, 1, 0], [0, 0.5, 1]])
    # seen-so-far accuracy per step: 1, (0.5 + 1) / 2, (0 + 0.5 + 1) / 3
    assert average_incremental_accuracy(R) == pytest.approx((1 + 0.75 + 0.5) / 3)
    # class 2: best before the end 1, final 0 -> 1; class 0: best 1, final 0.5 -> 0.5
    assert forgetting(R) == pytest.approx(0.75)
    # R[T, j] - R[j, j]: class 2: 0 - 1, class 0: 0.5 - 1
    assert backward_transfer(R) == pytest.approx(-0.75)
    assert math.isnan(forgetting(R[:1])) and math.isnan(backward_transfer(R[:1]))


def test_accuracy_matrix_class_without_test_data_is_nan():
    R = accuracy_matrix([0, 0], [[0, 1]], (0, 1))
    assert R[0, 0] == 0.5 and math.isnan(R[0, 1])
    with pytest.raises(ValueError, match="step 0: 1 predictions for 2 labels"):
        accuracy_matrix([0, 0], [[0]], (0, 1))


def test_interval_of_constant_scores_is_the_constant():
    assert mean_interval([0.3] * 5) == (0.3, 0.3, 0.3, 5)
    assert mean_interval([1.0, 1.0, np.nan]) == (1.0, 1.0, 1.0, 2)
    one = mean_interval([0.5])
    assert one[0] == 0.5 and math.isnan(one[1]) and math.isnan(one[2]) and one[3] == 1
    assert mean_interval([])[3] == 0 and math.isnan(mean_interval([np.nan])[0])


def test_interval_near_one_stays_inside_and_is_asymmetric():
    from scipy import stats

    v = np.array([1.0, 1.0, 0.97, 0.95, 1.0, 0.98])
    mean, low, high, n = mean_interval(v)
    assert n == 6 and mean == pytest.approx(v.mean())
    assert high == 1.0 and low < mean < high  # t would give mean + 0.02 > 1
    t_high = stats.t.interval(0.95, 5, loc=v.mean(), scale=stats.sem(v))[1]
    assert t_high > 1
    assert high - mean < mean - low


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0]), min_size=2, max_size=12))
def test_intervals_stay_within_the_scores(values):
    mean, low, high, n = mean_interval(values, resamples=2_000)
    assert 0 <= min(values) <= low <= mean <= high <= max(values) <= 1
    assert n == len(values)


def test_interval_is_seeded_and_as_wide_as_t_for_symmetric_scores():
    from scipy import stats

    v = np.random.default_rng(3).normal(0.5, 0.1, 30)
    assert mean_interval(v) == mean_interval(v)
    _, low, high, _ = mean_interval(v)
    t_low, t_high = stats.t.interval(0.95, 29, loc=v.mean(), scale=stats.sem(v))
    # the expanded percentile bootstrap (Hesterberg 2015) is about as wide as t
    assert (high - low) == pytest.approx(t_high - t_low, rel=0.1)
    # two subjects: the interval is their range (never the t interval's +-6 around them)
    assert mean_interval([0.1, 0.9])[1:3] == (0.1, 0.9)


def test_interval_text():
    assert interval_text(0.9, 0.8, 1.0) == "0.900 [0.800, 1.000]"
    assert interval_text(0.5, math.nan, math.nan) == "0.500"


def test_summarise_groups():
    table = pd.DataFrame({"condition": ["a", "a", "b", "b"], "value": [1.0, 3.0, 2.0, 2.0]})
    out = summarise(table, ["condition"]).set_index("condition")
    assert out.loc["a", "mean"] == 2 and out.loc["b", "ci"] == 0 and out.loc["a", "n"] == 2
    assert out.loc["a", "low"] == 1 and out.loc["a", "high"] == 3  # two values: their range
    assert out.loc["b", "low"] == out.loc["b", "high"] == 2


def test_summarise_averages_a_subjects_orders_first():
    # S1 has two orders (0.2, 0.4 -> 0.3), S2 one (0.9): the mean is over subjects
    table = pd.DataFrame(
        {
            "subject": ["S1", "S1", "S2"],
            "order": ["o1", "o2", "o1"],
            "condition": "c",
            "value": [0.2, 0.4, 0.9],
        }
    )
    out = summarise(table, ["condition"]).iloc[0]
    assert out["mean"] == pytest.approx(0.6) and out["n"] == 2
    assert (out["low"], out["high"]) == pytest.approx((0.3, 0.9))
    rows = summarise(table, ["condition"], unit=None).iloc[0]
    assert rows["mean"] == pytest.approx(0.5) and rows["n"] == 3


def test_kruskal_matches_scipy_and_degenerate_cases():
    from scipy import stats

    table = pd.DataFrame({"order": ["x"] * 3 + ["y"] * 3, "value": [1, 2, 3, 4, 5, 7.0]})
    h, p = kruskal_across_orders(table)
    expected = stats.kruskal([1, 2, 3], [4, 5, 7])
    assert (h, p) == pytest.approx((expected.statistic, expected.pvalue))
    assert all(map(math.isnan, kruskal_across_orders(table[table.order == "x"])))
    same = table.assign(value=1.0)
    assert kruskal_across_orders(same) == (0.0, 1.0)  # all equal: no order differs


def test_wilcoxon_by_hand():
    # d = x - y: five positive, one negative of the smallest size: ranks 2..6 positive,
    # rank 1 negative, W = 1. Of the 2**6 equally likely signings, those with a negative
    # rank sum <= 1 are {} and {1}: P = 2/64, two-sided p = 4/64
    x = [0.5, 0.6, 0.7, 0.8, 0.9, 0.40]
    y = [0.4, 0.4, 0.4, 0.4, 0.4, 0.45]
    out = paired_wilcoxon(x, y)
    assert (out["n"], out["wins"], out["ties"], out["losses"]) == (6, 5, 0, 1)
    assert out["W"] == 1 and out["p"] == pytest.approx(4 / 64) and out["note"] == ""
    assert out["median_difference"] == pytest.approx(0.25)
    # all six above: only the all-positive signing is as extreme: p = 2 * 1/64
    assert paired_wilcoxon([1] * 6, [0.5] * 6)["p"] == pytest.approx(2 / 64)


def test_wilcoxon_with_ties_is_exact_given_the_ranks():
    from scipy import stats

    # |d| = 0.1 (x3), 0.2 (x2), 0.3: ranks 2, 2, 2, 4.5, 4.5, 6; one 0.1 negative: W = 2.
    # Signings with a negative rank sum <= 2: {} and each of the three 2s: P = 4/64,
    # p = 8/64. scipy's method="exact" assumes no ties and says 6/64; its default
    # (a permutation test up to 13 pairs with ties) agrees with the hand count.
    d = np.array([0.1, 0.1, 0.2, 0.2, 0.3, -0.1])
    out = paired_wilcoxon(0.5 + d, np.full(6, 0.5))
    assert out["W"] == 2 and out["p"] == pytest.approx(8 / 64)
    assert "tied ranks" in out["note"]
    assert stats.wilcoxon(d, method="exact").pvalue == pytest.approx(6 / 64)
    assert stats.wilcoxon(d).pvalue == pytest.approx(8 / 64)
    # zeros are dropped (scipy's default): 7 pairs, 2 equal, the 5 others all above
    out = paired_wilcoxon([1, 1, 1, 1, 1, 0.5, 0.5], [0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.5])
    assert (out["n"], out["ties"]) == (7, 2) and out["p"] == pytest.approx(2 / 32)
    assert "2 zero difference(s) dropped" in out["note"]


def test_wilcoxon_degenerate_cases():
    same = paired_wilcoxon([0.9] * 6, [0.9] * 6)
    assert (same["W"], same["p"], same["note"]) == (0.0, 1.0, "all equal")
    few = paired_wilcoxon([1, 1, 1], [0, 0, 0])
    assert math.isnan(few["p"]) and few["note"].startswith("n too small")
    assert few["wins"] == 3
    nans = paired_wilcoxon([1, np.nan, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, np.nan])
    assert nans["n"] == 5 and nans["note"].startswith("n too small")
    with pytest.raises(ValueError, match="3 scores paired with 2"):
        paired_wilcoxon([1, 2, 3], [1, 2])


def test_wilcoxon_matches_scipy_permutation():
    from scipy import stats

    rng = np.random.default_rng(7)
    for _ in range(12):  # tied and zero differences, as frame-count scores give
        d = rng.integers(-2, 4, int(rng.integers(6, 10))) / 10
        out = paired_wilcoxon(0.5 + d, np.full(d.size, 0.5))
        nonzero = d[d != 0]
        if nonzero.size < 2:
            continue
        expected = stats.wilcoxon(nonzero, method=stats.PermutationMethod())
        assert out["p"] == pytest.approx(expected.pvalue)
        assert out["W"] == pytest.approx(expected.statistic)
