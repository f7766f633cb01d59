"""The paper's experiments in one command: ``python -m clifer.experiment``.

With no arguments it runs the synthetic default: new synthetic subjects (never seen
by the shipped ``cpu`` imagination model), every condition, the paper's class
order; it prints a summary table and writes ``results/<run>/``:

- ``config.json``: the configuration and its hash;
- ``cells/*.csv``: each (subject, order, condition)'s measurements, written
  atomically as each completes (running the same command again skips them);
- ``measurements.csv``: all of them in one tidy table;
- ``summary.md``: the final scores, mean and 95% interval over subjects.

Real data: ``--dataset ravdess --root DIR`` (or mmi, baum1, mefed); everything
else through ``--config FILE`` (see :mod:`clifer.config`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from .config import ExperimentConfig
from .store import ResultStore, config_hash, file_hash, write_atomically

DEFAULT_RESULTS = Path("results")


def load_subjects(cfg: ExperimentConfig, model):
    """The configuration's subjects as features, and those skipped (with the reason)."""
    from .features import encode_subjects, synthetic_subjects

    if cfg.dataset == "synthetic":
        faces = synthetic_subjects(cfg.subjects, model.config.image_size)
        chosen = None
    else:
        from .data import load

        faces, report = load(cfg.dataset, cfg.root)
        if report.n_skipped:
            print(report, file=sys.stderr)
        chosen = cfg.subjects
    return encode_subjects(faces, model, test_fraction=cfg.test_fraction, seed=cfg.seed,
                           subjects=chosen)


def markdown_table(table: pd.DataFrame) -> str:
    """A pipe table of ``table`` (no extra dependency)."""
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in table.columns) + " |"
    rows = ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def final_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% interval over subjects of the final micro and macro F1, per
    condition, memory and experiment."""
    from .metrics import summarise

    last = table[table["step"] == table["step"].max()]
    scores = last[last["metric"].isin(["micro_f1", "macro_f1"])]
    return summarise(scores, ["condition", "memory", "experiment", "metric"])


def run(args: argparse.Namespace) -> int:
    from .orders import parse_orders
    from .runner import imagination_model, plan, run_cells

    cfg = ExperimentConfig.from_file(args.config) if args.config else ExperimentConfig()
    overrides = {k: v for k, v in (("dataset", args.dataset), ("root", args.root),
                                   ("imagination", args.imagination))
                 if v is not None}  # fmt: skip
    if args.subjects is not None:
        overrides["subjects"] = args.subjects
    if args.conditions:
        overrides["conditions"] = [c.strip() for c in args.conditions.split(",")]
    if args.orders:
        overrides["orders"] = args.orders
    if args.dataset not in (None, "synthetic") and args.subjects is None \
            and cfg.dataset == "synthetic":
        overrides["subjects"] = None
    cfg = cfg.replace(**overrides) if overrides else cfg
    model = imagination_model(cfg.imagination)
    identity = {"config": cfg.to_dict(),
                "imagination": file_hash(cfg.imagination) if cfg.imagination else "shipped-cpu"}
    if cfg.imagination is None:
        from imagination.pretrained import pretrained_path

        identity["imagination"] = file_hash(pretrained_path("cpu"))
    name = args.run or f"{cfg.dataset}-{config_hash(identity)[:8]}"
    store = ResultStore(args.results / name, identity)
    data, skipped = load_subjects(cfg, model)
    for subject, reason in skipped.items():
        print(f"skipped subject {subject}: {reason}", file=sys.stderr)
    if not data:
        raise ValueError("no subject can be run (see the skipped ones above)")
    orders = parse_orders(cfg.orders)
    todo, done = plan([d.subject for d in data], orders, cfg.conditions, store)
    print(f"{store.folder}: {len(todo)} cells to run, {len(done)} done before")
    start, failures = time.perf_counter(), []
    outcomes = run_cells(todo, {d.subject: d for d in data}, cfg.learner_settings(),
                         imagination=cfg.imagination, seed=cfg.seed, jobs=args.jobs,
                         scheduler=args.scheduler, store=store)
    from tqdm import tqdm

    for outcome in tqdm(outcomes, total=len(todo), desc="cells", disable=args.quiet):
        if outcome.error:
            failures.append(outcome)
            print(f"cell {outcome.cell.key} failed: {outcome.error}", file=sys.stderr)
    table = store.read_all()
    write_atomically(store.folder / "measurements.csv",
                     lambda tmp: table.to_csv(tmp, index=False))
    summary = final_summary(table)
    text = summary.round(3).to_string(index=False)
    write_atomically(store.folder / "summary.md", lambda tmp: Path(tmp).write_text(
        f"# {name}\n\nFinal scores after the last class, mean and 95% interval over "
        f"subjects ({len(data)} subjects, {len(orders)} order(s)).\n\n"
        + markdown_table(summary.round(3)) + "\n"))
    print(text)
    print(f"{len(todo) - len(failures)} cells in {time.perf_counter() - start:.0f} s; "
          f"results in {store.folder}")
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m clifer.experiment",
        description="CLIFER's experiments (Algorithm 1, experiments 1 and 2) on the "
                    "synthetic default or a real dataset.")
    parser.add_argument("--config", type=Path, help="a .toml or .json configuration")
    parser.add_argument("--dataset", help="synthetic (default), ravdess, mmi, baum1, mefed")
    parser.add_argument("--root", help="the real dataset's folder as distributed")
    parser.add_argument("--subjects", type=int, help="synthetic: how many new subjects")
    parser.add_argument("--conditions", help="comma-separated: mlp,gdm,gdm+replay,clifer,"
                                             "clifer+replay (default: all)")
    parser.add_argument("--orders", help="default, six, random:N, or happy,sad,...")
    parser.add_argument("--imagination", help="a .keras imagination model (default: shipped)")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--run", help="the run's folder name (default: dataset-confighash)")
    parser.add_argument("--jobs", type=int, default=1, help="local worker processes")
    parser.add_argument("--scheduler", help="a Dask scheduler address (tcp://host:8786)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (ValueError, FileNotFoundError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
