"""The paper's experiments in one command: ``python -m clifer.experiment``.

With no arguments it runs the synthetic default: new synthetic subjects (never seen
by the shipped ``cpu`` imagination model; a real dataset runs the shipped ``real``
model), every condition, the paper's class
order; it prints a summary table and writes ``results/<run>/``:

- ``config.json``: the configuration and its hash;
- ``cells/*.csv``: each (subject, order, condition)'s measurements, written
  atomically as each completes (running the same command again skips them);
- ``measurements.csv``: all of them in one tidy table;
- ``summary.md``: the scores after the first class, their mean over the steps and
  after the last class, mean and 95% bootstrap interval over subjects (also as
  ``summary.csv``), Wilcoxon signed-rank tests of ``clifer`` against ``gdm`` and
  ``gdm+replay`` paired by subject (also as ``wilcoxon.csv``), the accuracy-matrix
  scores, the time by part, and Table I;
- ``fig3-micro_f1.png``: F1 against the classes seen, with 95% bands (the paper's Fig. 3);
- ``fig2-imagined.png``: a face of each subject beside its six imagined expressions
  (the paper's Fig. 2);
- ``table1.csv``: Kruskal-Wallis H-tests across class orders after the first and the
  final class (the paper's Table I; it needs two orders or more, ``--orders six``);
- ``baselines.csv``: the baselines' measurements in the cells' format, computed once
  and kept (:mod:`clifer.baselines`: HOG 1-NN on the person's own training crops, the
  imagination model's generic classifier, chance), summarised in ``summary.md`` and
  printed; on by default, for the synthetic faces too (they take seconds, and CLIFER's
  figures mean little without them), ``--no-baselines`` skips them;
- ``failures.log``: the whole error of each cell that failed (a summary is printed).

A cell file that is not whole (cut short, edited) is set aside as ``.damaged`` and
the cell runs again. Every setting and option is checked before any work. Ctrl-C
stops the cells in flight and says how many are kept; the same command resumes.

Real data: ``--dataset ravdess --root DIR`` (or mmi, baum1s, mefed, own: one's own
recordings) runs the shipped real-face model, its crops' codes encoded once and kept
(:mod:`clifer.codes`); everything else through ``--config FILE`` (see :mod:`clifer.config`).
A dataset without persons (fer2013) is refused before any work: CLIFER learns
one person at a time; FER2013 serves pre-training and judging expressions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from .cli import add_loader_option, add_running_options, positive_int, run_command
from .config import ExperimentConfig
from .protocol import cell_problem
from .store import ResultStore, config_hash, file_hash, write_atomically

DEFAULT_RESULTS = Path("results")
FAILURES = "failures.log"  # the whole errors of the cells that failed in the last run


def check_dataset(dataset: str, root: str | None = None) -> None:
    """A clear error, before any work, for a root that matches none of the dataset's
    layouts (the error prints them). A dataset without persons (FER2013) is refused
    by the configuration itself (:class:`clifer.config.ExperimentConfig`)."""
    if dataset == "synthetic" or root is None:
        return
    from facedata.loaders import check_root

    check_root(dataset, root)


def dataset_help(extra: str = "") -> str:
    """The ``--dataset`` help: the names the registry knows, those without persons apart."""
    from facedata import DATASETS

    with_persons = [name for name, e in DATASETS.items() if e.persons]
    without = [name for name, e in DATASETS.items() if not e.persons]
    text = f"synthetic (default), {', '.join(with_persons)}"
    if without:
        text += f" ({', '.join(without)}: no persons, refused)"
    return text + extra


def load_faces(cfg: ExperimentConfig, model):
    """The configuration's face crops, and the subjects to run (None: all)."""
    from .features import synthetic_subjects

    if cfg.dataset == "synthetic":
        return synthetic_subjects(cfg.subjects, model.config.image_size), None
    from facedata import load

    faces, report = load(cfg.dataset, cfg.root, **cfg.loader)
    if report.n_skipped:
        print(report, file=sys.stderr)
    return faces, cfg.subjects


def example_faces(faces, subjects: list[str], size: int, limit: int = 8):
    """A face of each of the first ``limit`` subjects for the Fig. 2 grid: the middle
    frame of the subject's first neutral clip (of its first clip if it has none),
    resized to the imagination model's input size."""
    import numpy as np

    from .features import resized

    picked = []
    for subject in subjects[:limit]:
        own = np.flatnonzero(faces.subjects == subject)
        neutral = own[faces.labels[own] == 0]
        pool = neutral if len(neutral) else own
        clip = np.flatnonzero(faces.clips[pool] == faces.clips[pool[0]])
        picked.append(pool[clip[len(clip) // 2]])
    return resized(faces.images[picked], size)


def _share_sentence(shares: pd.Series) -> str:
    if shares.empty:
        return "No GDM condition ran.\n"
    return (f"The memories (training, replay, learning the imagined faces, predicting) take "
            f"{shares.mean():.1%} of a subject's run on average (at most {shares.max():.1%}; "
            "every condition counted).\n")


def write_reports(folder: Path, table: pd.DataFrame, n_subjects: int, n_orders: int,
                  title: str, baselines: pd.DataFrame | None = None,
                  model: str = "") -> str:
    """Write summary.md, summary.csv (the scores of :func:`final_summary`), wilcoxon.csv
    (:func:`clifer.report.paired_tests`), fig3-micro_f1.png and table1.csv from the
    measurements (and the baselines' part of summary.md from ``baselines``, the table of
    :mod:`clifer.baselines`); returns the console's summary
    (:func:`clifer.report.console_summary`)."""
    from .metrics import WILCOXON_MIN_SUBJECTS, summarise
    from .report import (
        cell_scores,
        compact_summary,
        console_summary,
        finals_coincide,
        matrix_scores,
        paired_tests,
        paired_text,
        plot_curves,
        score_summary,
        scores_legend,
        subject_gdm_share,
        table_one,
        time_shares,
    )

    cells = cell_scores(table)
    summary, coincide = score_summary(cells), finals_coincide(cells)
    write_atomically(folder / "summary.csv", lambda tmp: summary.to_csv(tmp, index=False))
    tests = paired_tests(cells, coincide=coincide)
    write_atomically(folder / "wilcoxon.csv", lambda tmp: tests.to_csv(tmp, index=False))
    scores = matrix_scores(table)
    matrix = summarise(scores.melt(id_vars=["subject", "order", "condition", "memory"],
                                   var_name="metric", value_name="value"),
                       ["condition", "memory", "metric"]).drop(columns="ci")
    parts = [f"# {title}\n",
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
             (markdown_table(paired_text(tests)) if len(tests) else
              "Needs `clifer` and `gdm` or `gdm+replay` among the conditions.") + "\n"]
    if baselines is not None:
        from .baselines import summary_markdown

        parts.append(summary_markdown(baselines))
    parts += ["## The accuracy matrix\n",
              "Average incremental accuracy, forgetting and backward transfer (each "
              "class's test accuracy after each step), mean and 95% interval.\n",
              markdown_table(matrix.round(3)) + "\n",
              "## Time\n",
              "Mean seconds per cell by part; `gdm share`: the memories' part of a cell's "
              "time.\n",
              markdown_table(time_shares(table).round(3)) + "\n",
              _share_sentence(subject_gdm_share(table)),
              "## Table I: class orders\n"]
    if n_orders > 1:
        table1 = table_one(table)
        write_atomically(folder / "table1.csv", lambda tmp: table1.to_csv(tmp, index=False))
        parts += ["Kruskal-Wallis H-test of micro F1 across class orders, after the first "
                  "and after the final class.\n", markdown_table(table1.round(4)) + "\n"]
    else:
        parts.append("One class order only: Table I compares orders (`--orders six`).\n")
    write_atomically(folder / "summary.md", lambda tmp: Path(tmp).write_text("\n".join(parts)))
    plot_curves(table, folder / "fig3-micro_f1.png")
    return console_summary(summary, coincide, n_subjects)


def markdown_table(table: pd.DataFrame) -> str:
    """A pipe table of ``table`` (no extra dependency)."""
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in table.columns) + " |"
    rows = ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def final_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% interval over subjects of micro and macro F1 after the first class,
    their mean over the steps and after the last class (``score``: first, mean, final),
    per condition, memory, experiment and metric (:func:`clifer.report.score_summary`)."""
    from .report import cell_scores, score_summary

    return score_summary(cell_scores(table))


def run(args: argparse.Namespace) -> int:
    from .orders import parse_orders
    from .runner import imagination_model, plan, run_cells

    cfg = ExperimentConfig.from_file(args.config) if args.config else ExperimentConfig()
    overrides = {k: v for k, v in (("dataset", args.dataset), ("root", args.root),
                                   ("imagination", args.imagination))
                 if v is not None}  # fmt: skip
    if args.subjects is not None:
        overrides["subjects"] = args.subjects
    if args.loader:
        overrides["loader"] = {**cfg.loader, **dict(args.loader)}
    if args.conditions is not None:
        overrides["conditions"] = [c.strip() for c in args.conditions.split(",") if c.strip()]
    if args.orders is not None:
        overrides["orders"] = args.orders
    if args.dataset not in (None, "synthetic") and args.subjects is None \
            and cfg.dataset == "synthetic":
        overrides["subjects"] = None
    cfg = cfg.replace(**overrides) if overrides else cfg
    check_dataset(cfg.dataset, cfg.root)
    from imagination.pretrained import describe

    model_file = cfg.imagination_file()
    model = imagination_model(model_file)
    print(f"imagination model: {describe(model_file)}")
    identity = {"config": cfg.to_dict(), "imagination": file_hash(model_file)}
    name = args.run or f"{cfg.dataset}-{config_hash(identity)[:8]}"
    store = ResultStore(args.results / name, identity, check=cell_problem)
    from .features import encode_subjects

    faces, chosen = load_faces(cfg, model)
    codes = None
    if cfg.dataset != "synthetic":  # real crops: encoded once per (model, crops), kept
        from .codes import codes_for_run

        codes = codes_for_run(faces, model, model_file, progress=not args.quiet)
    data, skipped = encode_subjects(faces, model, codes=codes, test_fraction=cfg.test_fraction,
                                    seed=cfg.seed, subjects=chosen)
    for subject, reason in skipped.items():
        print(f"skipped subject {subject}: {reason}", file=sys.stderr)
    if not data:
        raise ValueError("no subject can be run (see the skipped ones above)")
    orders = parse_orders(cfg.orders)
    todo, done = plan([d.subject for d in data], orders, cfg.conditions, store)
    for note in store.notes:
        print(note, file=sys.stderr)
    print(f"{store.folder}: {len(todo)} cells to run, {len(done)} done before")
    start, failures = time.perf_counter(), []
    outcomes = run_cells(todo, {d.subject: d for d in data}, cfg.learner_settings(),
                         imagination=str(model_file), seed=cfg.seed, jobs=args.jobs,
                         scheduler=args.scheduler, store=store)
    from tqdm import tqdm

    try:
        for outcome in tqdm(outcomes, total=len(todo), desc="cells", disable=args.quiet):
            if outcome.error:
                failures.append(outcome)
                tqdm.write(f"cell {'/'.join(outcome.cell.key)} failed: "
                           f"{outcome.error.splitlines()[0]}", file=sys.stderr)
    except KeyboardInterrupt:  # Ctrl-C: the workers stopped, every stored cell kept
        from .cli import Interrupted

        outcomes.close()
        kept = plan([d.subject for d in data], orders, cfg.conditions, store)[1]
        raise Interrupted(f"{len(kept)} of {len(todo) + len(done)} cells kept in "
                          f"{store.folder}") from None
    if failures:
        print(failure_summary(failures, len(todo), store.folder / FAILURES), file=sys.stderr)
    table = store.read_all()
    if table.empty:
        print(f"no cell has completed: nothing to report in {store.folder}", file=sys.stderr)
        return 1
    write_atomically(store.folder / "measurements.csv",
                     lambda tmp: table.to_csv(tmp, index=False))
    baselines = None
    if args.baselines:
        from .baselines import load_or_compute

        baselines, computed = load_or_compute(
            store.folder, faces, [d.subject for d in data], orders, model,
            test_fraction=cfg.test_fraction, seed=cfg.seed)
        if not computed:
            print(f"baselines: kept from {store.folder / 'baselines.csv'}")
    scores = write_reports(store.folder, table, len(data), len(orders), name, baselines,
                           model=describe(model_file))
    from imagination.grids import write_grid

    write_grid(store.folder / "fig2-imagined.png", model,
               example_faces(faces, [d.subject for d in data], model.config.image_size))
    print(scores)
    if baselines is not None:
        from .baselines import summary as baseline_summary

        print("baselines (experiment 2, all six classes):")
        print(baseline_summary(baselines).to_string(index=False))
    print(f"{len(todo) - len(failures)} cells in {time.perf_counter() - start:.0f} s; "
          f"results in {store.folder}")
    return 1 if failures else 0


def failure_summary(failures: list, n_cells: int, log: Path) -> str:
    """What went wrong, once: the failed cells grouped by their error's first line (the
    whole errors are written to ``log``)."""
    from collections import Counter

    text = "\n\n".join(f"cell {'/'.join(o.cell.key)}:\n{o.error}" for o in failures)
    write_atomically(log, lambda tmp: Path(tmp).write_text(text + "\n"))
    reasons = Counter(o.error.splitlines()[0] for o in failures)
    lines = [f"{len(failures)} of {n_cells} cells failed (whole errors in {log}); the same "
             "command runs them again and keeps the others:"]
    lines += [f"  {n} cell{'s' if n > 1 else ''}: {reason}" for reason, n in reasons.most_common()]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m clifer.experiment",
        description="CLIFER's experiments (Algorithm 1, experiments 1 and 2) on the "
                    "synthetic default or a real dataset.")
    parser.add_argument("--config", type=Path, help="a .toml or .json configuration")
    parser.add_argument("--dataset", help=dataset_help())
    parser.add_argument("--root", help="the real dataset's folder as distributed (an error "
                        "prints the layouts it may have)")
    parser.add_argument("--subjects", type=positive_int,
                        help="synthetic: how many new subjects")
    add_loader_option(parser)
    parser.add_argument("--conditions", help="comma-separated: mlp,gdm,gdm+replay,clifer,"
                                             "clifer+replay (default: all)")
    parser.add_argument("--orders", help="default, six, random:N, or happy,sad,...")
    parser.add_argument("--imagination", help="a .keras imagination model (default: the "
                        "shipped cpu model for the synthetic faces, real for real datasets)")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--run", help="the run's folder name (default: dataset-confighash)")
    parser.add_argument("--baselines", action=argparse.BooleanOptionalAction, default=True,
                        help="HOG 1-NN on each person's own crops, the imagination model's "
                             "generic classifier and chance beside CLIFER's figures "
                             "(baselines.csv, computed once; default: on)")
    add_running_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
