"""Reports of an experiment's measurements: curves like the paper's Fig. 3, its Table I,
the accuracy-matrix figures (average incremental accuracy, forgetting, backward
transfer), the scores of each cell read from its curve (after the first class, mean
over the steps, after the last class) with their summary and the paired Wilcoxon tests
of ``clifer`` against the memories without imagination, all from the tidy table of
:mod:`clifer.protocol`. Intervals are the seeded bootstrap of
:func:`clifer.metrics.mean_interval`, over subjects.

:func:`write_reports` writes them into a run's folder (``summary.md``, ``summary.csv``,
``wilcoxon.csv``, ``table1.csv``, ``fig3-micro_f1.png``), :func:`plot_imagined` the
paper's Fig. 2 and :func:`failure_summary` the cells that failed (``failures.log``);
:mod:`clifer.experiment` runs the cells and calls them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .metrics import (
    WILCOXON_MIN_SUBJECTS,
    average_incremental_accuracy,
    backward_transfer,
    forgetting,
    interval_text,
    kruskal_across_orders,
    paired_wilcoxon,
    summarise,
)
from .store import write_atomically

MEMORY_TITLES = {"episodic": "GDM-E", "semantic": "GDM-S"}


def curves(table: pd.DataFrame, metric: str = "micro_f1") -> pd.DataFrame:
    """Mean and 95% interval over subjects (a subject's orders averaged) of ``metric``
    after each class, per condition, memory and experiment."""
    rows = table[table["metric"] == metric]
    return summarise(rows, ["condition", "memory", "experiment", "step"])


def plot_curves(table: pd.DataFrame, path: str | Path, metric: str = "micro_f1") -> Path:
    """Fig. 3: ``metric`` against the number of classes seen, with 95% bands; one panel per
    experiment and memory (GDM-E, GDM-S); the MLP baseline drawn in both memories' panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = curves(table, metric)
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True, sharey=True)
    for row, experiment in enumerate((1, 2)):
        for col, memory in enumerate(("episodic", "semantic")):
            ax = axes[row, col]
            for condition in dict.fromkeys(data["condition"]):
                own = "mlp" if condition == "mlp" else memory
                part = data[
                    (data["condition"] == condition)
                    & (data["memory"] == own)
                    & (data["experiment"] == experiment)
                ].sort_values("step")
                if part.empty:
                    continue
                (line,) = ax.plot(part["step"], part["mean"], marker="o", label=condition)
                ax.fill_between(
                    part["step"],
                    part["low"].fillna(part["mean"]),
                    part["high"].fillna(part["mean"]),
                    alpha=0.2,
                    color=line.get_color(),
                )
            ax.set_title(f"Experiment {experiment}, {MEMORY_TITLES[memory]}")
            ax.set_ylim(0, 1.02)
            ax.grid(alpha=0.3)
            if row == 1:
                ax.set_xlabel("classes seen")
            if col == 0:
                ax.set_ylabel(metric.replace("_", " "))
    axes[0, 0].legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def table_one(table: pd.DataFrame, metric: str = "micro_f1") -> pd.DataFrame:
    """The paper's Table I: a Kruskal-Wallis H-test across class orders of ``metric``
    after the first and after the final class, per condition, memory and experiment.
    Every value the same gives H = 0 and p = 1, noted ``all equal``; fewer than two
    orders with values gives NaN, noted ``one order``."""
    rows = []
    scores = table[table["metric"] == metric]
    last = scores["step"].max() if len(scores) else 0
    for (condition, memory, experiment), group in scores.groupby(
        ["condition", "memory", "experiment"], sort=False
    ):
        for when, step in (("first", 1), ("final", last)):
            at = group[group["step"] == step]
            h, p = kruskal_across_orders(at)
            values = at["value"].dropna()
            note = (
                "one order"
                if values.groupby(at["order"]).size().size < 2
                else "all equal"
                if values.nunique() == 1
                else ""
            )
            rows.append((condition, memory, experiment, when, group["order"].nunique(), h, p, note))
    return pd.DataFrame(
        rows, columns=["condition", "memory", "experiment", "after", "orders", "H", "p", "note"]
    )


def matrix_scores(table: pd.DataFrame) -> pd.DataFrame:
    """Per cell and memory: average incremental accuracy, forgetting and backward transfer
    from the accuracy matrix (see :mod:`clifer.metrics`)."""
    rows = []
    acc = table[table["metric"].str.startswith("accuracy:")]
    for (subject, order, condition, memory), cell in acc.groupby(
        ["subject", "order", "condition", "memory"], sort=False
    ):
        learnt = (cell.sort_values("step").drop_duplicates("step")["learnt"]).tolist()
        n = len(learnt)
        R = np.full((n, n), np.nan)
        for step, metric, value in cell[["step", "metric", "value"]].itertuples(index=False):
            name = metric.split(":", 1)[1]
            if name in learnt:
                R[int(step) - 1, learnt.index(name)] = value
        rows.append(
            (
                subject,
                order,
                condition,
                memory,
                average_incremental_accuracy(R),
                forgetting(R),
                backward_transfer(R),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "subject",
            "order",
            "condition",
            "memory",
            "average_incremental_accuracy",
            "forgetting",
            "backward_transfer",
        ],
    )


def cell_scores(table: pd.DataFrame, metrics=("micro_f1", "macro_f1")) -> pd.DataFrame:
    """Per cell, memory, experiment and metric, the scores read from its curve of
    ``metric`` against the classes seen: ``first`` (after the first class), ``mean`` (over
    every step: the area under Fig. 3's curve over its width) and ``final`` (after the
    last class). Long format: subject, order, condition, memory, experiment, metric,
    score, value."""
    keys = ["subject", "order", "condition", "memory", "experiment", "metric"]
    rows = table[table["metric"].isin(list(metrics))]
    columns = [*keys, "score", "value"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows.assign(experiment=rows["experiment"].astype(int))
    last = rows["step"].max()
    parts = {
        "first": rows[rows["step"] == 1].groupby(keys, sort=False)["value"].mean(),
        "mean": rows.groupby(keys, sort=False)["value"].mean(),
        "final": rows[rows["step"] == last].groupby(keys, sort=False)["value"].mean(),
    }
    out = pd.concat(
        [part.reset_index().assign(score=score) for score, part in parts.items()], ignore_index=True
    )
    return out[columns]


def score_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% interval over subjects of each score of :func:`cell_scores`, per
    condition, memory, experiment, metric and score (``summary.csv``)."""
    return summarise(scores, ["condition", "memory", "experiment", "metric", "score"])


def finals_coincide(scores: pd.DataFrame) -> bool:
    """Whether every cell's Experiment 1 and Experiment 2 scores after the last class are
    the same (they are when every order has all six classes: both score them all)."""
    final = scores[scores["score"] == "final"]
    keys = ["subject", "order", "condition", "memory", "metric"]
    one = final[final["experiment"] == 1].set_index(keys)["value"].rename("one")
    two = final[final["experiment"] == 2].set_index(keys)["value"].rename("two")
    both = pd.concat([one, two], axis=1, join="outer")
    if both.empty or both.isna().any().any():
        return False
    return bool(np.allclose(both["one"], both["two"], rtol=0, atol=1e-12))


def _columns(coincide: bool, macro: bool) -> list[tuple[int, str, str, str]]:
    """(experiment, metric, score, label) of the summary's columns."""
    picks = []
    for metric in ("micro_f1", "macro_f1") if macro else ("micro_f1",):
        name = metric.replace("_", " ")
        if coincide:
            picks.append((2, metric, "final", f"final {name}"))
        else:
            picks += [(e, metric, "final", f"exp {e} {name} final") for e in (1, 2)]
    picks += [
        (1, "micro_f1", "mean", "exp 1 micro f1 mean"),
        (2, "micro_f1", "mean", "exp 2 micro f1 mean"),
        (2, "micro_f1", "first", "exp 2 micro f1 first"),
    ]
    return picks


def compact_summary(
    summary: pd.DataFrame, coincide: bool = False, macro: bool = True
) -> pd.DataFrame:
    """The scores of :func:`score_summary` as one row per condition and memory, each cell
    ``mean [low, high]``: after the last class (micro, and macro F1 with ``macro``; one
    column per experiment unless they ``coincide``, see :func:`finals_coincide`), the
    mean over steps of both experiments and Experiment 2 after the first class (all six
    classes tested after one was learnt; Experiment 1 then tests that one alone)."""
    picks = _columns(coincide, macro)
    if summary.empty:
        return pd.DataFrame(columns=["condition", "memory", *(p[3] for p in picks)])
    texts = {
        (r.condition, r.memory, int(r.experiment), r.metric, r.score): interval_text(
            r.mean, r.low, r.high
        )
        for r in summary.itertuples()
    }
    order = list(dict.fromkeys(zip(summary["condition"], summary["memory"], strict=True)))
    rows = [
        (
            condition,
            memory,
            *(
                texts.get((condition, memory, e, metric, score), "-")
                for e, metric, score, _ in picks
            ),
        )
        for condition, memory in order
    ]
    return pd.DataFrame(rows, columns=["condition", "memory", *(p[3] for p in picks)])


def paired_tests(
    scores: pd.DataFrame,
    condition: str = "clifer",
    against=("gdm", "gdm+replay"),
    metric: str = "micro_f1",
    coincide: bool = False,
) -> pd.DataFrame:
    """Wilcoxon signed-rank tests (:func:`clifer.metrics.paired_wilcoxon`) of
    ``condition`` against each of ``against``, paired by subject (a subject's orders
    averaged), per memory, on ``metric`` after the last class (once when the experiments
    ``coincide``) and on its mean over steps in each experiment (``wilcoxon.csv``)."""
    columns = [
        "comparison",
        "memory",
        "experiment",
        "score",
        "n",
        f"{condition} mean",
        "other mean",
        "median difference",
        "wins",
        "ties",
        "losses",
        "W",
        "p",
        "note",
    ]
    per_subject = (
        scores[scores["metric"] == metric]
        .groupby(["condition", "memory", "experiment", "score", "subject"])["value"]
        .mean()
    )
    tests = [
        ("final", 2 if coincide else 1),
        *([] if coincide else [("final", 2)]),
        ("mean", 1),
        ("mean", 2),
    ]
    rows = []
    have = set(per_subject.index.get_level_values("condition"))
    for other in against:
        if condition not in have or other not in have:
            continue
        for memory in ("episodic", "semantic"):
            for score, experiment in tests:

                def values(name, memory=memory, experiment=experiment, score=score):
                    try:
                        return per_subject.loc[(name, memory, experiment, score)]
                    except KeyError:
                        return pd.Series(dtype=float)

                mine, theirs = values(condition), values(other)
                subjects = mine.index.intersection(theirs.index)
                if subjects.empty:
                    continue
                x, y = mine[subjects].to_numpy(), theirs[subjects].to_numpy()
                test = paired_wilcoxon(x, y)
                rows.append(
                    (
                        f"{condition} vs {other}",
                        MEMORY_TITLES.get(memory, memory),
                        "1 and 2" if score == "final" and coincide else str(experiment),
                        score,
                        test["n"],
                        float(np.mean(x)),
                        float(np.mean(y)),
                        test["median_difference"],
                        test["wins"],
                        test["ties"],
                        test["losses"],
                        test["W"],
                        test["p"],
                        test["note"],
                    )
                )
    return pd.DataFrame(rows, columns=columns)


def time_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Per condition: mean seconds per cell by part and the share of the GDM part
    (``seconds:gdm / seconds:total``) in a cell's run."""
    rows = table[table["metric"].str.startswith("seconds:")]
    wide = rows.pivot_table(
        index=["condition", "subject", "order"], columns="metric", values="value", aggfunc="sum"
    )
    wide.columns = [c.split(":", 1)[1] for c in wide.columns]
    if "gdm" in wide:
        wide["gdm share"] = wide["gdm"] / wide["total"]
    return wide.groupby(level="condition", sort=False).mean().reset_index()


def subject_gdm_share(table: pd.DataFrame) -> pd.Series:
    """Per subject: the memories' share of the subject's run, ``sum(seconds:gdm) /
    sum(seconds:total)`` over all the subject's cells (every condition and order)."""
    rows = table[table["metric"].isin(["seconds:gdm", "seconds:total"])]
    sums = rows.pivot_table(index="subject", columns="metric", values="value", aggfunc="sum")
    if "seconds:gdm" not in sums:
        return pd.Series(dtype=float, name="gdm share")
    return (sums["seconds:gdm"] / sums["seconds:total"]).rename("gdm share")


def scores_legend(coincide: bool) -> str:
    """What the summary's score columns mean."""
    final = (
        "`final`: after the last class (Experiments 1 and 2 coincide there: both test "
        "all six classes, so it is given once)"
        if coincide
        else "`final`: after the last class, per experiment"
    )
    return (
        f"{final}; `mean`: the mean over the six steps (the area under Fig. 3's "
        "curve over its width); `first`: after the first class, Experiment 2 (all six "
        "classes tested after one was learnt)"
    )


def console_summary(summary: pd.DataFrame, coincide: bool, n_subjects: int) -> str:
    """The console's table: micro F1 of :func:`compact_summary` (no macro F1; every score
    is in summary.md and summary.csv), under a line saying what it shows."""
    head = (
        f"micro F1, mean [95% interval] over {n_subjects} subject(s).\n"
        + scores_legend(coincide).replace("`", "").replace("; ", ";\n")
        + "."
    )
    return head + "\n" + compact_summary(summary, coincide, macro=False).to_string(index=False)


def paired_text(tests: pd.DataFrame) -> pd.DataFrame:
    """:func:`paired_tests` as printed in summary.md (3 decimals, p 4, ``-`` for none)."""

    def number(value, digits):
        return f"{value:.{digits}f}" if np.isfinite(value) else "-"

    if tests.empty:
        return tests
    out = tests.copy()
    for column in out.columns[5:8]:
        out[column] = [number(v, 3) for v in out[column]]
    out["wins / ties / losses"] = [
        f"{w} / {t} / {lost}"
        for w, t, lost in zip(out["wins"], out["ties"], out["losses"], strict=True)
    ]
    out["W"] = [number(v, 1) for v in out["W"]]
    out["p"] = [number(v, 4) for v in out["p"]]
    return out[[*out.columns[:8], "wins / ties / losses", "W", "p", "note"]]


def markdown_table(table: pd.DataFrame) -> str:
    """A pipe table of ``table`` (no extra dependency)."""
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in table.columns) + " |"
    rows = ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def final_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% interval over subjects of micro and macro F1 after the first class,
    their mean over the steps and after the last class (``score``: first, mean, final),
    per condition, memory, experiment and metric (:func:`score_summary` of
    :func:`cell_scores`)."""
    return score_summary(cell_scores(table))


def _share_sentence(shares: pd.Series) -> str:
    if shares.empty:
        return "No GDM condition ran.\n"
    return (
        f"The memories (training, replay, learning the imagined faces, predicting) take "
        f"{shares.mean():.1%} of a subject's run on average (at most {shares.max():.1%}; "
        "every condition counted).\n"
    )


def write_reports(
    folder: Path,
    table: pd.DataFrame,
    n_subjects: int,
    n_orders: int,
    title: str,
    baselines: pd.DataFrame | None = None,
    model: str = "",
) -> str:
    """Write summary.md, summary.csv (the scores of :func:`final_summary`), wilcoxon.csv
    (:func:`paired_tests`), fig3-micro_f1.png and table1.csv from the measurements (and
    the baselines' part of summary.md from ``baselines``, the table of
    :mod:`clifer.baselines`); returns the console's summary (:func:`console_summary`)."""
    cells = cell_scores(table)
    summary, coincide = score_summary(cells), finals_coincide(cells)
    write_atomically(folder / "summary.csv", lambda tmp: summary.to_csv(tmp, index=False))
    tests = paired_tests(cells, coincide=coincide)
    write_atomically(folder / "wilcoxon.csv", lambda tmp: tests.to_csv(tmp, index=False))
    scores = matrix_scores(table)
    matrix = summarise(
        scores.melt(
            id_vars=["subject", "order", "condition", "memory"],
            var_name="metric",
            value_name="value",
        ),
        ["condition", "memory", "metric"],
    ).drop(columns="ci")
    parts = [
        f"# {title}\n",
        *([f"Imagination model: {model}.\n"] if model else []),
        f"Scores, mean and 95% interval `[low, high]` over subjects ({n_subjects} "
        f"subjects, {n_orders} order(s), a subject's orders averaged; a seeded "
        f"bootstrap of the subjects, inside [0, 1]). {scores_legend(coincide)}. "
        f"Every score of both experiments is in `summary.csv`.\n",
        markdown_table(compact_summary(summary, coincide)) + "\n",
        "## Paired tests: clifer against gdm and gdm+replay\n",
        "Wilcoxon signed-rank test (two-sided) of micro F1, paired by subject (a "
        "subject's orders averaged); `wins / ties / losses`: the subjects where "
        "`clifer` is above, equal to, below the other. Fewer than "
        f"{WILCOXON_MIN_SUBJECTS} subjects: not tested (`n too small`: with "
        f"{WILCOXON_MIN_SUBJECTS - 1} the smallest p possible is "
        f"{2 / 2 ** (WILCOXON_MIN_SUBJECTS - 1):.4f}); every difference zero: p = 1 "
        "(`all equal`); zero differences are dropped, and with tied differences p is "
        "exact given the ties. Also in `wilcoxon.csv`.\n",
        (
            markdown_table(paired_text(tests))
            if len(tests)
            else "Needs `clifer` and `gdm` or `gdm+replay` among the conditions."
        )
        + "\n",
    ]
    if baselines is not None:
        from .baselines import summary_markdown

        parts.append(summary_markdown(baselines))
    parts += [
        "## The accuracy matrix\n",
        "Average incremental accuracy, forgetting and backward transfer (each "
        "class's test accuracy after each step), mean and 95% interval.\n",
        markdown_table(matrix.round(3)) + "\n",
        "## Time\n",
        "Mean seconds per cell by part; `gdm share`: the memories' part of a cell's time.\n",
        markdown_table(time_shares(table).round(3)) + "\n",
        _share_sentence(subject_gdm_share(table)),
        "## Table I: class orders\n",
    ]
    if n_orders > 1:
        table1 = table_one(table)
        write_atomically(folder / "table1.csv", lambda tmp: table1.to_csv(tmp, index=False))
        parts += [
            "Kruskal-Wallis H-test of micro F1 across class orders, after the first "
            "and after the final class.\n",
            markdown_table(table1.round(4)) + "\n",
        ]
    else:
        parts.append("One class order only: Table I compares orders (`--orders six`).\n")
    write_atomically(folder / "summary.md", lambda tmp: Path(tmp).write_text("\n".join(parts)))
    plot_curves(table, folder / "fig3-micro_f1.png")
    return console_summary(summary, coincide, n_subjects)


def example_faces(faces, subjects: list[str], size: int, limit: int = 8) -> np.ndarray:
    """A face of each of the first ``limit`` subjects for the Fig. 2 grid: the middle
    frame of the subject's first neutral clip (of its first clip if it has none),
    resized to the imagination model's input size."""
    from .features import resized

    picked = []
    for subject in subjects[:limit]:
        own = np.flatnonzero(faces.subjects == subject)
        neutral = own[faces.labels[own] == 0]
        pool = neutral if len(neutral) else own
        clip = np.flatnonzero(faces.clips[pool] == faces.clips[pool[0]])
        picked.append(pool[clip[len(clip) // 2]])
    return resized(faces.images[picked], size)


def plot_imagined(path: str | Path, model, faces, subjects: list[str]) -> Path:
    """The paper's Fig. 2: a face of each subject (:func:`example_faces`) beside its six
    expressions as ``model`` imagines them."""
    from imagination.grids import write_grid

    return write_grid(path, model, example_faces(faces, subjects, model.config.image_size))


def failure_summary(failures: list, n_cells: int, log: Path) -> str:
    """What went wrong, once: the failed cells grouped by their error's first line (the
    whole errors are written to ``log``)."""
    from collections import Counter

    text = "\n\n".join(f"cell {'/'.join(o.cell.key)}:\n{o.error}" for o in failures)
    write_atomically(log, lambda tmp: Path(tmp).write_text(text + "\n"))
    reasons = Counter(o.error.splitlines()[0] for o in failures)
    lines = [
        f"{len(failures)} of {n_cells} cells failed (whole errors in {log}); the same "
        "command runs them again and keeps the others:"
    ]
    lines += [f"  {n} cell{'s' if n > 1 else ''}: {reason}" for reason, n in reasons.most_common()]
    return "\n".join(lines)
