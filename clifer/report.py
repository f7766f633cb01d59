"""Reports of an experiment's measurements: curves like the paper's Fig. 3, its Table I,
and the accuracy-matrix figures (average incremental accuracy, forgetting, backward
transfer), all from the tidy table of :mod:`clifer.protocol`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .metrics import (
    average_incremental_accuracy,
    backward_transfer,
    forgetting,
    kruskal_across_orders,
    summarise,
)

MEMORY_TITLES = {"episodic": "GDM-E", "semantic": "GDM-S"}


def curves(table: pd.DataFrame, metric: str = "micro_f1") -> pd.DataFrame:
    """Mean and 95% interval over subjects (and orders) of ``metric`` after each class,
    per condition, memory and experiment."""
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
                part = data[(data["condition"] == condition) & (data["memory"] == own)
                            & (data["experiment"] == experiment)].sort_values("step")
                if part.empty:
                    continue
                line, = ax.plot(part["step"], part["mean"], marker="o", label=condition)
                ax.fill_between(part["step"], part["low"].fillna(part["mean"]),
                                part["high"].fillna(part["mean"]), alpha=0.2,
                                color=line.get_color())
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
    after the first and after the final class, per condition, memory and experiment."""
    rows = []
    scores = table[table["metric"] == metric]
    last = scores["step"].max() if len(scores) else 0
    for (condition, memory, experiment), group in scores.groupby(
            ["condition", "memory", "experiment"], sort=False):
        for when, step in (("first", 1), ("final", last)):
            h, p = kruskal_across_orders(group[group["step"] == step])
            rows.append((condition, memory, experiment, when, group["order"].nunique(), h, p))
    return pd.DataFrame(rows, columns=["condition", "memory", "experiment", "after", "orders",
                                       "H", "p"])


def matrix_scores(table: pd.DataFrame) -> pd.DataFrame:
    """Per cell and memory: average incremental accuracy, forgetting and backward transfer
    from the accuracy matrix (see :mod:`clifer.metrics`)."""
    rows = []
    acc = table[table["metric"].str.startswith("accuracy:")]
    for (subject, order, condition, memory), cell in acc.groupby(
            ["subject", "order", "condition", "memory"], sort=False):
        learnt = (cell.sort_values("step").drop_duplicates("step")["learnt"]).tolist()
        n = len(learnt)
        R = np.full((n, n), np.nan)
        for step, metric, value in cell[["step", "metric", "value"]].itertuples(index=False):
            name = metric.split(":", 1)[1]
            if name in learnt:
                R[int(step) - 1, learnt.index(name)] = value
        rows.append((subject, order, condition, memory, average_incremental_accuracy(R),
                     forgetting(R), backward_transfer(R)))
    return pd.DataFrame(rows, columns=["subject", "order", "condition", "memory",
                                       "average_incremental_accuracy", "forgetting",
                                       "backward_transfer"])



def compact_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """The final scores of :func:`clifer.experiment.final_summary` as one row per condition
    and memory, one column per experiment and metric, each cell ``mean ± ci``."""
    if summary.empty:
        return pd.DataFrame(columns=["condition", "memory"])
    cells = summary.assign(
        column=[f"exp {int(e)} {m.replace('_', ' ')}" for e, m in
                zip(summary["experiment"], summary["metric"], strict=True)],
        text=[f"{m:.3f} ± {c:.3f}" if np.isfinite(c) else f"{m:.3f}"
              for m, c in zip(summary["mean"], summary["ci"], strict=True)])
    table = cells.pivot(index=["condition", "memory"], columns="column", values="text")
    order = list(dict.fromkeys(zip(summary["condition"], summary["memory"], strict=True)))
    table = table.reindex(pd.MultiIndex.from_tuples(order, names=["condition", "memory"]))
    return table[sorted(table.columns)].reset_index()


def time_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Per condition: mean seconds per cell by part and the share of the GDM part
    (``seconds:gdm / seconds:total``) in a cell's run."""
    rows = table[table["metric"].str.startswith("seconds:")]
    wide = rows.pivot_table(index=["condition", "subject", "order"], columns="metric",
                            values="value", aggfunc="sum")
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
