"""Reports from a hand-made tidy table: Table I, the accuracy-matrix scores, Fig. 3."""

import numpy as np
import pandas as pd
import pytest
from clifer_cases import tidy
from scipy import stats

from clifer.report import curves, matrix_scores, plot_curves, table_one


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
    # every value the same after the first class: no order differs (not NaN)
    assert (out.loc["first", "H"], out.loc["first", "p"]) == (0.0, 1.0)
    assert out.loc["first", "note"] == "all equal" and out.loc["final", "note"] == ""
    assert out.loc["final", "orders"] == 2


def test_table_one_with_one_order_is_undefined():
    rows = [
        (f"S{s}", "o1", "gdm", "episodic", step, "x", 2, "micro_f1", 0.5 + s / 10)
        for s in range(3)
        for step in (1, 6)
    ]
    out = table_one(tidy(rows))
    assert out["H"].isna().all() and (out["note"] == "one order").all()


def test_matrix_scores_by_hand():
    # order: neutral then happy; after step 1 neutral 1.0; after step 2 neutral 0.5, happy 1.0
    rows = [
        ("S0", "o", "gdm", "episodic", 1, "neutral", 2, "accuracy:neutral", 1.0),
        ("S0", "o", "gdm", "episodic", 1, "neutral", 2, "accuracy:happy", 0.0),
        ("S0", "o", "gdm", "episodic", 2, "happy", 2, "accuracy:neutral", 0.5),
        ("S0", "o", "gdm", "episodic", 2, "happy", 2, "accuracy:happy", 1.0),
    ]
    out = matrix_scores(tidy(rows)).iloc[0]
    assert out.average_incremental_accuracy == pytest.approx((1.0 + 0.75) / 2)
    assert out.forgetting == pytest.approx(0.5)
    assert out.backward_transfer == pytest.approx(-0.5)


def test_curves_and_their_figure(tmp_path):
    rows = [
        (f"S{s}", "o", c, m, step, "x", e, "micro_f1", v)
        for s, v in enumerate([0.6, 0.8])
        for c, m in (("gdm", "episodic"), ("mlp", "mlp"))
        for step in (1, 2)
        for e in (1, 2)
    ]
    data = curves(tidy(rows))
    one = data[(data.condition == "gdm") & (data.step == 2) & (data.experiment == 1)].iloc[0]
    assert one["mean"] == pytest.approx(0.7) and one["n"] == 2
    path = plot_curves(tidy(rows), tmp_path / "fig3.png")
    assert path.stat().st_size > 10_000


def test_compact_summary_and_time_shares_by_hand():
    from clifer.report import compact_summary, final_summary, subject_gdm_share, time_shares

    rows = [
        (f"S{s}", "o", "gdm", "episodic", 6, "sad", 2, "micro_f1", v)
        for s, v in enumerate([0.8, 0.9, 1.0])
    ]
    rows += [(f"S{s}", "o", "mlp", "mlp", 6, "sad", 2, "micro_f1", 0.2) for s in range(3)]
    # subject S0: gdm cell 1 s of 2 s, mlp cell 6 s (no GDM part): share 1 / 8
    rows += [
        ("S0", "o", "gdm", "", 6, "sad", None, "seconds:gdm", 1.0),
        ("S0", "o", "gdm", "", 6, "sad", None, "seconds:total", 2.0),
        ("S0", "o", "mlp", "", 6, "sad", None, "seconds:mlp", 5.0),
        ("S0", "o", "mlp", "", 6, "sad", None, "seconds:total", 6.0),
    ]
    table = tidy(rows)
    compact = compact_summary(final_summary(table)).set_index("condition")
    # mean 0.9; three subjects: the bootstrap interval is their range (the t interval,
    # 0.9 ± 0.248, would reach 1.148); constant scores: [c, c]
    assert compact.loc["gdm", "exp 2 micro f1 final"] == "0.900 [0.800, 1.000]"
    assert compact.loc["mlp", "exp 2 micro f1 final"] == "0.200 [0.200, 0.200]"
    assert compact.loc["gdm", "exp 1 micro f1 final"] == "-"  # not measured here
    shares = subject_gdm_share(table)
    assert shares["S0"] == pytest.approx(1 / 8)
    times = time_shares(table).set_index("condition")
    assert times.loc["gdm", "gdm share"] == pytest.approx(0.5)
    assert times.loc["mlp", "mlp"] == pytest.approx(5.0)


def curve_rows(subject, condition, memory, exp1, exp2, order="o"):
    """Tidy micro F1 rows of one cell: ``exp1`` and ``exp2`` are the curves (step 1..)."""
    return [
        (subject, order, condition, memory, step, "x", e, "micro_f1", v)
        for e, curve in ((1, exp1), (2, exp2))
        for step, v in enumerate(curve, 1)
    ]


def test_cell_scores_read_first_mean_and_final():
    from clifer.report import cell_scores, finals_coincide

    rows = curve_rows("S0", "gdm", "episodic", [1.0, 0.5, 0.6], [0.2, 0.4, 0.6])
    scores = cell_scores(tidy(rows)).set_index(["experiment", "score"])["value"]
    assert scores[(2, "first")] == pytest.approx(0.2)
    assert scores[(2, "mean")] == pytest.approx(0.4)  # (0.2 + 0.4 + 0.6) / 3
    assert scores[(1, "mean")] == pytest.approx(0.7)
    assert scores[(1, "final")] == scores[(2, "final")] == pytest.approx(0.6)
    assert finals_coincide(cell_scores(tidy(rows)))
    other = curve_rows("S0", "gdm", "episodic", [1.0, 0.5, 0.7], [0.2, 0.4, 0.6])
    assert not finals_coincide(cell_scores(tidy(other)))


def test_summary_says_once_what_coincides():
    from clifer.report import cell_scores, compact_summary, console_summary, score_summary

    rows = []
    for s, v in enumerate([0.8, 0.9, 1.0]):
        rows += curve_rows(f"S{s}", "gdm", "episodic", [1.0, v], [0.5, v])
    summary = score_summary(cell_scores(tidy(rows)))
    compact = compact_summary(summary, coincide=True).iloc[0]
    assert compact["final micro f1"] == "0.900 [0.800, 1.000]"
    assert compact["exp 2 micro f1 first"] == "0.500 [0.500, 0.500]"
    assert compact["exp 2 micro f1 mean"] == "0.700 [0.650, 0.750]"
    assert "exp 1 micro f1 final" not in compact
    split = compact_summary(summary, coincide=False).iloc[0]
    assert split["exp 1 micro f1 final"] == split["exp 2 micro f1 final"]
    text = console_summary(summary, True, 3)
    assert "Experiments 1 and 2 coincide there" in text and "macro" not in text
    assert text.count("0.900 [0.800, 1.000]") == 1


def test_paired_tests_clifer_against_gdm_and_replay():
    from clifer.report import cell_scores, paired_tests, paired_text

    rows = []
    # six subjects: clifer's exp 2 curve is above gdm's for every subject; finals equal
    for s in range(6):
        rows += curve_rows(f"S{s}", "gdm", "episodic", [1.0, 0.9], [0.2, 0.9])
        rows += curve_rows(f"S{s}", "clifer", "episodic", [1.0, 0.9], [0.5 + s / 100, 0.9])
    # two orders of S0 for gdm+replay: averaged before pairing
    for s in range(6):
        rows += curve_rows(f"S{s}", "gdm+replay", "episodic", [1.0, 0.8], [0.3, 0.8])
    rows += curve_rows("S0", "gdm+replay", "episodic", [1.0, 1.0], [0.3, 1.0], order="o2")
    tests = paired_tests(cell_scores(tidy(rows)), coincide=True)
    tests = tests.set_index(["comparison", "experiment", "score"])
    final = tests.loc[("clifer vs gdm", "1 and 2", "final")]
    assert (final["n"], final["ties"], final["p"], final["note"]) == (6, 6, 1.0, "all equal")
    mean2 = tests.loc[("clifer vs gdm", "2", "mean")]
    # all six above, no ties: p = 2 / 2**6
    assert (mean2["wins"], mean2["W"]) == (6, 0) and mean2["p"] == pytest.approx(2 / 64)
    assert mean2["clifer mean"] == pytest.approx(
        np.mean([(0.5 + s / 100 + 0.9) / 2 for s in range(6)])
    )
    replay = tests.loc[("clifer vs gdm+replay", "1 and 2", "final")]
    # S0's gdm+replay final is (0.8 + 1.0) / 2 = 0.9: a tie; the five others win 0.9 - 0.8
    assert (replay["n"], replay["wins"], replay["ties"]) == (6, 5, 1)
    assert replay["p"] == pytest.approx(2 / 32) and "1 zero difference(s)" in replay["note"]
    assert set(tests.reset_index()["memory"]) == {"GDM-E"}
    text = paired_text(tests.reset_index())
    assert text.iloc[0]["wins / ties / losses"] == "0 / 6 / 0"
    few = paired_tests(cell_scores(tidy(rows[: 4 * 4])), coincide=True)
    assert (few["note"].str.startswith("n too small")).all()
    assert paired_text(few).iloc[0]["p"] == "-"
    assert paired_tests(cell_scores(tidy(curve_rows("S0", "gdm", "episodic", [1], [1])))).empty


@pytest.mark.slow
def test_a_small_run_summarises_steps_and_pairs(tmp_path, capsys):
    from clifer.experiment import main

    args = [
        "--subjects",
        "2",
        "--conditions",
        "gdm,clifer",
        "--results",
        str(tmp_path),
        "--run",
        "small",
        "--quiet",
        "--no-baselines",
    ]
    assert main(args) == 0
    folder = tmp_path / "small"
    out = capsys.readouterr().out
    assert "Experiments 1 and 2 coincide there" in out
    assert "final micro f1" in out and "exp 2 micro f1 mean" in out
    assert "exp 2 micro f1 first" in out and "exp 1 micro f1 final" not in out
    summary = (folder / "summary.md").read_text()
    assert "| final micro f1 | final macro f1 | exp 1 micro f1 mean |" in summary
    assert "## Paired tests: clifer against gdm and gdm+replay" in summary
    assert "n too small (< 6 subjects)" in summary and "± " not in summary
    table = pd.read_csv(folder / "summary.csv")
    assert set(table["score"]) == {"first", "mean", "final"}
    assert table["low"].between(0, 1).all() and table["high"].between(0, 1).all()
    assert (table["low"] <= table["mean"] + 1e-12).all()
    assert (table["mean"] <= table["high"] + 1e-12).all()
    tests = pd.read_csv(folder / "wilcoxon.csv")
    assert set(tests["comparison"]) == {"clifer vs gdm"} and (tests["n"] == 2).all()
    assert set(tests["score"]) == {"final", "mean"} and tests["p"].isna().all()


def test_markdown_table_by_hand():
    from clifer.report import markdown_table

    table = pd.DataFrame({"condition": ["gdm", "clifer"], "n": [3, 4]})
    assert markdown_table(table) == (
        "| condition | n |\n| --- | --- |\n| gdm | 3 |\n| clifer | 4 |"
    )


def test_write_reports_writes_every_file_of_a_run(tmp_path):
    """The reports of a hand-made table of two orders: summary.md with each part, its
    scores in summary.csv, Table I (two orders), the paired tests and Fig. 3."""
    from clifer.report import write_reports

    rows = []
    for s in range(3):
        for order in ("o1", "o2"):
            for condition, shift in (("gdm", 0.0), ("clifer", 0.1)):
                rows += curve_rows(
                    f"S{s}",
                    condition,
                    "episodic",
                    [1.0, 0.5 + shift],
                    [0.3 + shift, 0.5 + shift],
                    order=order,
                )
                rows += [
                    (f"S{s}", order, condition, "", 2, "x", None, "seconds:gdm", 1.0),
                    (f"S{s}", order, condition, "", 2, "x", None, "seconds:total", 4.0),
                ]
    text = write_reports(tmp_path, tidy(rows), 3, 2, "hand-made", model="cpu")
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("# hand-made\n") and "Imagination model: cpu." in summary
    for part in (
        "## Paired tests",
        "## The accuracy matrix",
        "## Time",
        "## Table I: class orders",
        "Kruskal-Wallis",
    ):
        assert part in summary
    assert "take 25.0% of a subject's run on average (at most 25.0%" in summary
    scores = pd.read_csv(tmp_path / "summary.csv").set_index(["condition", "experiment", "score"])
    assert scores.loc[("clifer", 2, "final"), "mean"] == pytest.approx(0.6)
    assert scores.loc[("gdm", 2, "first"), "mean"] == pytest.approx(0.3)
    assert set(pd.read_csv(tmp_path / "table1.csv")["orders"]) == {2}
    assert set(pd.read_csv(tmp_path / "wilcoxon.csv")["comparison"]) == {"clifer vs gdm"}
    assert (tmp_path / "fig3-micro_f1.png").stat().st_size > 10_000
    assert text.startswith("micro F1, mean [95% interval] over 3 subject(s).")


def test_failure_summary_groups_the_cells_by_their_error(tmp_path):
    from types import SimpleNamespace

    from clifer.report import failure_summary

    def failed(subject, error):
        return SimpleNamespace(cell=SimpleNamespace(key=(subject, "o", "gdm")), error=error)

    failures = [
        failed("S1", "ValueError: a\nTraceback 1"),
        failed("S2", "ValueError: a\nT2"),
        failed("S3", "KeyError: b"),
    ]
    text = failure_summary(failures, 5, tmp_path / "failures.log")
    assert text.splitlines() == [
        f"3 of 5 cells failed (whole errors in {tmp_path / 'failures.log'}); the same "
        "command runs them again and keeps the others:",
        "  2 cells: ValueError: a",
        "  1 cell: KeyError: b",
    ]
    log = (tmp_path / "failures.log").read_text()
    assert log.startswith("cell S1/o/gdm:\nValueError: a\nTraceback 1\n\ncell S2/o/gdm:")


def test_example_faces_take_the_middle_of_the_first_neutral_clip():
    from types import SimpleNamespace

    from clifer.report import example_faces

    # S1: a happy clip, then a neutral clip of three frames; S2: no neutral clip
    images = np.stack([np.full((8, 8, 3), v / 10 - 0.5, np.float32) for v in range(7)])
    faces = SimpleNamespace(
        images=images,
        subjects=np.array(["S1"] * 5 + ["S2"] * 2),
        labels=np.array([1, 1, 0, 0, 0, 2, 2]),
        clips=np.array(["h", "h", "n", "n", "n", "a", "a"]),
    )
    picked = example_faces(faces, ["S1", "S2"], 8)
    assert picked.shape == (2, 8, 8, 3)
    np.testing.assert_allclose(picked[:, 0, 0, 0], [images[3, 0, 0, 0], images[6, 0, 0, 0]])
