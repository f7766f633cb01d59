"""Reports from a hand-made tidy table: Table I, the accuracy-matrix scores, Fig. 3."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from clifer.report import curves, matrix_scores, plot_curves, table_one


def tidy(rows):
    return pd.DataFrame(rows, columns=["subject", "order", "condition", "memory", "step",
                                       "learnt", "experiment", "metric", "value"])


def test_table_one_is_kruskal_wallis_across_orders():
    rows = []
    values = {"o1": [0.9, 0.8, 0.85], "o2": [0.5, 0.6, 0.55]}
    for order, finals in values.items():
        for s, final in enumerate(finals):
            rows.append((f"S{s}", order, "gdm", "episodic", 1, "neutral", 2, "micro_f1", 1.0))
            rows.append((f"S{s}", order, "gdm", "episodic", 6, "sad", 2, "micro_f1", final))
    out = table_one(tidy(rows)).set_index("after")
    expected = stats.kruskal(values["o1"], values["o2"])
    assert out.loc["final", "H"] == pytest.approx(expected.statistic)
    assert out.loc["final", "p"] == pytest.approx(expected.pvalue)
    assert np.isnan(out.loc["first", "H"])  # every value the same: undefined
    assert out.loc["final", "orders"] == 2


def test_matrix_scores_by_hand():
    # order: neutral then happy; after step 1 neutral 1.0; after step 2 neutral 0.5, happy 1.0
    rows = [("S0", "o", "gdm", "episodic", 1, "neutral", 2, "accuracy:neutral", 1.0),
            ("S0", "o", "gdm", "episodic", 1, "neutral", 2, "accuracy:happy", 0.0),
            ("S0", "o", "gdm", "episodic", 2, "happy", 2, "accuracy:neutral", 0.5),
            ("S0", "o", "gdm", "episodic", 2, "happy", 2, "accuracy:happy", 1.0)]
    out = matrix_scores(tidy(rows)).iloc[0]
    assert out.average_incremental_accuracy == pytest.approx((1.0 + 0.75) / 2)
    assert out.forgetting == pytest.approx(0.5)
    assert out.backward_transfer == pytest.approx(-0.5)


def test_curves_and_their_figure(tmp_path):
    rows = [(f"S{s}", "o", c, m, step, "x", e, "micro_f1", v)
            for s, v in enumerate([0.6, 0.8]) for c, m in (("gdm", "episodic"), ("mlp", "mlp"))
            for step in (1, 2) for e in (1, 2)]
    data = curves(tidy(rows))
    one = data[(data.condition == "gdm") & (data.step == 2) & (data.experiment == 1)].iloc[0]
    assert one["mean"] == pytest.approx(0.7) and one["n"] == 2
    path = plot_curves(tidy(rows), tmp_path / "fig3.png")
    assert path.stat().st_size > 10_000


def test_compact_summary_and_time_shares_by_hand():
    from clifer.experiment import final_summary
    from clifer.report import compact_summary, subject_gdm_share, time_shares

    rows = [(f"S{s}", "o", "gdm", "episodic", 6, "sad", 2, "micro_f1", v)
            for s, v in enumerate([0.8, 0.9, 1.0])]
    rows += [(f"S{s}", "o", "mlp", "mlp", 6, "sad", 2, "micro_f1", 0.2) for s in range(3)]
    # subject S0: gdm cell 1 s of 2 s, mlp cell 6 s (no GDM part): share 1 / 8
    rows += [("S0", "o", "gdm", "", 6, "sad", None, "seconds:gdm", 1.0),
             ("S0", "o", "gdm", "", 6, "sad", None, "seconds:total", 2.0),
             ("S0", "o", "mlp", "", 6, "sad", None, "seconds:mlp", 5.0),
             ("S0", "o", "mlp", "", 6, "sad", None, "seconds:total", 6.0)]
    table = tidy(rows)
    compact = compact_summary(final_summary(table)).set_index("condition")
    # mean 0.9, t interval half-width t(0.975, 2) * 0.1 / sqrt(3) = 0.248
    assert compact.loc["gdm", "exp 2 micro f1"] == "0.900 ± 0.248"
    assert compact.loc["mlp", "exp 2 micro f1"] == "0.200 ± 0.000"
    shares = subject_gdm_share(table)
    assert shares["S0"] == pytest.approx(1 / 8)
    times = time_shares(table).set_index("condition")
    assert times.loc["gdm", "gdm share"] == pytest.approx(0.5)
    assert times.loc["mlp", "mlp"] == pytest.approx(5.0)
