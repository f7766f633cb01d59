"""The paper's experiments in one command: ``python -m clifer.experiment`` (or
``clifer-experiment``).

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

(The reports are :mod:`clifer.report`'s; this module is the command: it reads the
options, runs the cells and calls the reports.)

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

from facedata.commandline import Interrupted, positive_int, prog, run_command, with_flags

from .cli import add_imagination_option, add_loader_option, add_running_options
from .config import ExperimentConfig
from .protocol import cell_problem
from .report import failure_summary, plot_imagined, write_reports
from .store import ResultStore, config_hash, file_hash, write_atomically

DEFAULT_RESULTS = Path("results")
FAILURES = "failures.log"  # the whole errors of the cells that failed in the last run
#: The options that set a field of the configuration (``--config`` or the default):
#: ``{option: field}``; an option not given leaves the configuration's value.
FLAGS = {
    "dataset": "dataset",
    "root": "root",
    "imagination": "imagination",
    "subjects": "subjects",
    "loader": "loader",
    "conditions": "conditions",
    "orders": "orders",
}


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


def configuration(args: argparse.Namespace) -> ExperimentConfig:
    """The experiment the options ask for: ``--config``'s (or the default) with each
    option given set (:data:`FLAGS`); a real ``--dataset`` runs all its subjects unless
    ``--subjects`` says which."""
    cfg = ExperimentConfig.from_file(args.config) if args.config else ExperimentConfig()
    return with_flags(cfg, args, FLAGS)


def run(args: argparse.Namespace) -> int:
    from .orders import parse_orders
    from .runner import imagination_model, plan, run_cells

    cfg = configuration(args)
    check_dataset(cfg.dataset, cfg.root)
    from imagination.pretrained import describe

    model_file = cfg.imagination_file()
    model = imagination_model(model_file)
    print(f"imagination model: {describe(model_file)}")
    fingerprint = {"config": cfg.to_dict(), "imagination": file_hash(model_file)}
    name = args.run or f"{cfg.dataset}-{config_hash(fingerprint)[:8]}"
    store = ResultStore(args.results / name, fingerprint, check=cell_problem)
    from .features import encode_subjects

    faces, chosen = load_faces(cfg, model)
    codes = None
    if cfg.dataset != "synthetic":  # real crops: encoded once per (model, crops), kept
        from .codes import codes_for_run

        codes = codes_for_run(faces, model, model_file, progress=not args.quiet)
    data, skipped = encode_subjects(
        faces, model, codes=codes, test_fraction=cfg.test_fraction, seed=cfg.seed, subjects=chosen
    )
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
    outcomes = run_cells(
        todo,
        {d.subject: d for d in data},
        cfg.learner,
        imagination=str(model_file),
        seed=cfg.seed,
        jobs=args.jobs,
        scheduler=args.scheduler,
        store=store,
    )
    from tqdm import tqdm

    try:
        for outcome in tqdm(outcomes, total=len(todo), desc="cells", disable=args.quiet):
            if outcome.error:
                failures.append(outcome)
                tqdm.write(
                    f"cell {'/'.join(outcome.cell.key)} failed: {outcome.error.splitlines()[0]}",
                    file=sys.stderr,
                )
    except KeyboardInterrupt:  # Ctrl-C: the workers stopped, every stored cell kept
        outcomes.close()
        kept = plan([d.subject for d in data], orders, cfg.conditions, store)[1]
        raise Interrupted(
            f"{len(kept)} of {len(todo) + len(done)} cells kept in {store.folder}"
        ) from None
    if failures:
        print(failure_summary(failures, len(todo), store.folder / FAILURES), file=sys.stderr)
    table = store.read_all()
    if table.empty:
        print(f"no cell has completed: nothing to report in {store.folder}", file=sys.stderr)
        return 1
    write_atomically(store.folder / "measurements.csv", lambda tmp: table.to_csv(tmp, index=False))
    baselines = None
    if args.baselines:
        from .baselines import load_or_compute

        baselines, computed = load_or_compute(
            store.folder,
            faces,
            [d.subject for d in data],
            orders,
            model,
            test_fraction=cfg.test_fraction,
            seed=cfg.seed,
        )
        if not computed:
            print(f"baselines: kept from {store.folder / 'baselines.csv'}")
    scores = write_reports(
        store.folder, table, len(data), len(orders), name, baselines, model=describe(model_file)
    )
    plot_imagined(store.folder / "fig2-imagined.png", model, faces, [d.subject for d in data])
    print(scores)
    if baselines is not None:
        from .baselines import summary as baseline_summary

        print("baselines (experiment 2, all six classes):")
        print(baseline_summary(baselines).to_string(index=False))
    print(
        f"{len(todo) - len(failures)} cells in {time.perf_counter() - start:.0f} s; "
        f"results in {store.folder}"
    )
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog("clifer-experiment", "clifer.experiment"),
        description="CLIFER's experiments (Algorithm 1, experiments 1 and 2) on the "
        "synthetic default or a real dataset.",
    )
    parser.add_argument("--config", type=Path, help="a .toml or .json configuration")
    parser.add_argument("--dataset", help=dataset_help())
    parser.add_argument(
        "--root",
        help="the real dataset's folder as distributed (an error prints the layouts it may have)",
    )
    parser.add_argument("--subjects", type=positive_int, help="synthetic: how many new subjects")
    add_loader_option(parser)
    parser.add_argument(
        "--conditions",
        help="comma-separated: mlp,gdm,gdm+replay,clifer,clifer+replay (default: all)",
    )
    parser.add_argument("--orders", help="default, six, random:N, or happy,sad,...")
    add_imagination_option(parser)
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--run", help="the run's folder name (default: dataset-confighash)")
    parser.add_argument(
        "--baselines",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="HOG 1-NN on each person's own crops, the imagination model's "
        "generic classifier and chance beside CLIFER's figures "
        "(baselines.csv, computed once; default: on)",
    )
    add_running_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
