"""The scores of continual learning, checked by hand and against scikit-learn and scipy."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import f1_score

from clifer.metrics import (
    accuracy_matrix,
    average_incremental_accuracy,
    backward_transfer,
    f1_scores,
    forgetting,
    kruskal_across_orders,
    mean_ci,
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


def test_mean_ci_matches_scipy():
    from scipy import stats

    values = [0.7, 0.8, 0.9, 0.85, np.nan]
    mean, half, n = mean_ci(values)
    v = np.array(values[:4])
    low, high = stats.t.interval(0.95, 3, loc=v.mean(), scale=stats.sem(v))
    assert n == 4 and mean == pytest.approx(v.mean())
    assert (mean - half, mean + half) == pytest.approx((low, high))
    assert math.isnan(mean_ci([0.5])[1]) and mean_ci([])[2] == 0


def test_summarise_groups():
    table = pd.DataFrame({"condition": ["a", "a", "b", "b"], "value": [1.0, 3.0, 2.0, 2.0]})
    out = summarise(table, ["condition"]).set_index("condition")
    assert out.loc["a", "mean"] == 2 and out.loc["b", "ci"] == 0 and out.loc["a", "n"] == 2
    assert out.loc["a", "low"] < 2 < out.loc["a", "high"]


def test_kruskal_matches_scipy_and_degenerate_cases():
    from scipy import stats

    table = pd.DataFrame({"order": ["x"] * 3 + ["y"] * 3, "value": [1, 2, 3, 4, 5, 7.0]})
    h, p = kruskal_across_orders(table)
    expected = stats.kruskal([1, 2, 3], [4, 5, 7])
    assert (h, p) == pytest.approx((expected.statistic, expected.pvalue))
    assert all(map(math.isnan, kruskal_across_orders(table[table.order == "x"])))
    same = table.assign(value=1.0)
    assert all(map(math.isnan, kruskal_across_orders(same)))
