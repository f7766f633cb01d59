"""Hyperparameter search with hyperopt's TPE: ``python -m clifer.tune`` (or ``clifer-tune``).

Tunes one condition's learner (the GDM's thresholds, learning rates, edge ages,
epochs per episode, replay and imagination epochs; or the MLP's) for an objective
such as Experiment 2's final micro F1, on validation subjects only
(:mod:`clifer.tuning`). Each trial runs the validation subjects' cells through the
same machinery as the experiments (``--jobs N`` local processes, ``--scheduler``
a Dask cluster) and is written to ``tuning/<run>/trials.json`` as it completes, so
that running the same command again continues the search (with ``--trials`` more,
it runs more). The folder also holds:

- ``trials.csv``: one row per trial (score, parameters, time, error);
- ``best.json``: the experiment with the best trial's parameters, for
  ``python -m clifer.experiment --config tuning/<run>/best.json``;
- ``baseline``: the untuned configuration's score on the same subjects, in
  ``trials.json`` and in the printed summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from facedata.commandline import Interrupted, positive_int, prog, run_command, with_flags

from .cli import add_imagination_option, add_loader_option, add_running_options
from .experiment import check_dataset, dataset_help
from .orders import parse_orders
from .protocol import SubjectFeatures
from .runner import plan, run_cells
from .search_space import apply, hyperopt_space, typed
from .store import config_hash, write_atomically
from .tuning import TrialsFile, TuneConfig

DEFAULT_OUT = Path("tuning")
#: The options that set a field of the search (``--config`` or the default): ``{option:
#: field}``, a dotted field in the objective or the experiment; an option not given
#: leaves the search's value.
FLAGS = {
    "condition": "condition",
    "trials": "trials",
    "subjects": "validation_subjects",
    "experiment": "objective.experiment",
    "memory": "objective.memory",
    "metric": "objective.metric",
    "at": "objective.at",
    "dataset": "experiment.dataset",
    "root": "experiment.root",
    "imagination": "experiment.imagination",
    "loader": "experiment.loader",
}


def evaluate(
    cfg: TuneConfig,
    params: dict[str, Any],
    data: dict[str, SubjectFeatures],
    *,
    jobs: int = 1,
    scheduler: str | None = None,
) -> dict[str, Any]:
    """One trial: the validation subjects' cells under ``params``; its record
    (``status`` "ok" with ``score`` and per-subject ``subjects``, or "fail" with ``error``)."""
    start = time.perf_counter()
    base = cfg.experiment
    record: dict[str, Any] = {"params": typed(params)}
    try:
        settings = apply(base.learner, params)
        cells, _ = plan(list(data), parse_orders(base.orders), [cfg.condition])
        outcomes = list(
            run_cells(
                cells,
                data,
                settings,
                imagination=str(base.imagination_file()),
                seed=base.seed,
                jobs=jobs,
                scheduler=scheduler,
            )
        )
    except (ValueError, TypeError) as error:
        outcomes, record["error"] = [], f"{type(error).__name__}: {error}"
    errors = [o.error for o in outcomes if o.error]
    if errors:
        record["error"] = errors[0]
    if "error" in record:
        record.update(status="fail", score=None)
    else:
        table = pd.concat([o.table for o in outcomes], ignore_index=True)
        per_subject = cfg.objective.subject_scores(table)
        record.update(
            status="ok",
            score=float(per_subject.mean()),
            subjects={str(k): float(v) for k, v in per_subject.items()},
        )
    record["seconds"] = time.perf_counter() - start
    return record


def _trial_doc(trials, tid: int, vals: dict[str, Any], record: dict[str, Any]) -> dict:
    """A finished hyperopt trial document for a stored trial (how a search resumes)."""
    from hyperopt import JOB_STATE_DONE, STATUS_FAIL, STATUS_OK

    result = (
        {"status": STATUS_OK, "loss": -record["score"]}
        if record["status"] == "ok"
        else {"status": STATUS_FAIL}
    )
    misc = {
        "tid": tid,
        "cmd": ("domain_attachment", "FMinIter_Domain"),
        "workdir": None,
        "idxs": {k: [tid] for k in vals},
        "vals": {k: [v] for k, v in vals.items()},
    }
    doc = trials.new_trial_docs([tid], [None], [result], [misc])[0]
    doc["state"] = JOB_STATE_DONE
    return doc


def search(
    cfg: TuneConfig,
    data: dict[str, SubjectFeatures],
    store: TrialsFile,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
    on_trial=None,
) -> TrialsFile:
    """Run trials until ``store`` holds ``cfg.trials`` of them (the earlier ones are
    given to TPE first), evaluating the untuned baseline once. ``on_trial(store)``
    is called after each trial (to write the tables)."""
    from hyperopt import Trials, space_eval, tpe
    from hyperopt.base import Domain
    from tqdm import tqdm

    space = hyperopt_space(cfg.checked_space())
    domain = Domain(lambda params: 0.0, space)
    trials = Trials()
    for record in store.trials:
        trials.insert_trial_docs([_trial_doc(trials, record["tid"], record["vals"], record)])
    trials.refresh()
    if store.baseline is None:
        store.set_baseline(evaluate(cfg, {}, data, jobs=jobs, scheduler=scheduler))
    suggest = partial(tpe.suggest, n_startup_jobs=cfg.startup_trials)
    todo = max(0, cfg.trials - len(store.trials))
    for _ in tqdm(range(todo), desc="trials", disable=not progress):
        (tid,) = trials.new_trial_ids(1)
        (doc,) = suggest([tid], domain, trials, cfg.seed * 100_003 + tid)
        vals = {
            k: v[0].item() if hasattr(v[0], "item") else v[0]
            for k, v in doc["misc"]["vals"].items()
            if v
        }
        record = {
            "tid": tid,
            "vals": vals,
            **evaluate(cfg, space_eval(space, vals), data, jobs=jobs, scheduler=scheduler),
        }
        store.add(record)
        trials.insert_trial_docs([_trial_doc(trials, tid, vals, record)])
        trials.refresh()
        if record["status"] == "fail":
            print(f"trial {tid} failed: {record['error'].splitlines()[0]}", file=sys.stderr)
        if on_trial is not None:
            on_trial(store)
    return store


def best_config(cfg: TuneConfig, store: TrialsFile, reported_subjects=None) -> dict[str, Any]:
    """The experiment with the best trial's parameters, as ``clifer.experiment --config``
    reads it (all conditions, the base experiment's subjects; for real data without a
    subject list, every subject but the validation ones: ``reported_subjects``)."""
    best = store.best()
    if best is None:
        raise ValueError("no trial has succeeded yet")
    return cfg.best_experiment(best["params"], reported_subjects).to_dict()


def write_tables(cfg: TuneConfig, store: TrialsFile, reported_subjects=None) -> None:
    """``trials.csv`` and ``best.json`` from the trials so far."""
    table = store.table()
    write_atomically(store.folder / "trials.csv", lambda tmp: table.to_csv(tmp, index=False))
    if store.best() is not None:
        text = json.dumps(best_config(cfg, store, reported_subjects), indent=1)
        write_atomically(store.folder / "best.json", lambda tmp: Path(tmp).write_text(text))


def validation_data(cfg: TuneConfig, model) -> tuple[dict[str, SubjectFeatures], list | None]:
    """The validation subjects' features, and (for real data given without a subject
    list) the other subjects, which the tuned experiment reports on."""
    from .features import encode_subjects, synthetic_subjects

    base = cfg.experiment
    reported = None
    if base.dataset == "synthetic":
        faces = synthetic_subjects(
            cfg.validation_subjects, model.config.image_size, seed=cfg.validation_seed
        )
        chosen = None
    else:
        from facedata import load

        faces, report = load(base.dataset, base.root, **base.loader)
        if report.n_skipped:
            print(report, file=sys.stderr)
        chosen = cfg.validation_subjects
        if base.subjects is None:
            reported = [s for s in faces.subject_ids() if s not in set(chosen)]
    codes = None
    if base.dataset != "synthetic":  # real crops: encoded once per (model, crops), kept
        from .codes import codes_for_run

        codes = codes_for_run(faces, model, base.imagination_file())
    data, skipped = encode_subjects(
        faces, model, codes=codes, test_fraction=base.test_fraction, seed=base.seed, subjects=chosen
    )
    for subject, reason in skipped.items():
        print(f"skipped validation subject {subject}: {reason}", file=sys.stderr)
    if not data:
        raise ValueError("no validation subject can be run (see the skipped ones above)")
    return {d.subject: d for d in data}, reported


def summary(cfg: TuneConfig, store: TrialsFile) -> str:
    """The search in a few lines: the objective, the baseline, the best trial."""
    ok = [t for t in store.trials if t["status"] == "ok"]
    lines = [
        f"{cfg.condition}: {cfg.objective.describe()}, "
        f"{len(store.trials)} trials ({len(store.trials) - len(ok)} failed)"
    ]
    if store.baseline and store.baseline["status"] == "ok":
        lines.append(f"untuned: {store.baseline['score']:.4f}")
    best = store.best()
    if best is not None:
        lines.append(f"best:    {best['score']:.4f} (trial {best['tid']})")
        lines += [f"  {k} = {v}" for k, v in best["params"].items()]
    return "\n".join(lines)


def configuration(args: argparse.Namespace) -> TuneConfig:
    """The search the options ask for: ``--config``'s (or the default) with each option
    given set (:data:`FLAGS`); a real ``--dataset`` runs all its subjects unless the
    search's experiment names them."""
    cfg = TuneConfig.from_file(args.config) if args.config else TuneConfig()
    return with_flags(cfg, args, FLAGS)


def run(args: argparse.Namespace) -> int:
    from .runner import imagination_model

    cfg = configuration(args)
    base = cfg.experiment
    check_dataset(base.dataset, base.root)
    if args.show_space:
        print(space_toml(cfg.checked_space()))
        return 0
    from imagination.pretrained import describe

    from .store import file_hash

    model_file = base.imagination_file()
    print(f"imagination model: {describe(model_file)}")
    fingerprint = cfg.fingerprint(file_hash(model_file))
    name = args.run or f"{cfg.condition}-{config_hash(fingerprint)[:8]}"
    store = TrialsFile(args.out / name, fingerprint)
    for note in store.notes:
        print(note, file=sys.stderr)
    model = imagination_model(model_file)
    data, reported = validation_data(cfg, model)
    print(
        f"{store.folder}: {len(store.trials)} trials done, {cfg.trials} wanted; "
        f"{len(data)} validation subjects; {cfg.objective.describe()}"
    )
    try:
        search(
            cfg,
            data,
            store,
            jobs=args.jobs,
            scheduler=args.scheduler,
            progress=not args.quiet,
            on_trial=lambda s: write_tables(cfg, s, reported),
        )
    except KeyboardInterrupt:  # Ctrl-C: the trial under way is lost, the others are kept
        raise Interrupted(
            f"{len(store.trials)} of {cfg.trials} trials kept in {store.folder}"
        ) from None
    write_tables(cfg, store, reported)
    print(summary(cfg, store))
    if store.best() is not None:
        print(f"python -m clifer.experiment --config {store.folder / 'best.json'}")
    return 0 if store.best() is not None else 1


def space_toml(space: dict[str, dict[str, Any]]) -> str:
    """A space as the ``[space]`` table of a TOML search file."""
    lines = ["[space]"]
    for name, spec in space.items():
        items = ", ".join(f"{k} = {json.dumps(v)}" for k, v in spec.items())
        lines.append(f'"{name}" = {{ {items} }}')
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog("clifer-tune", "clifer.tune"),
        description="Tune a condition's learner with hyperopt (TPE) on validation subjects; "
        "re-running continues the search.",
    )
    parser.add_argument(
        "--config", type=Path, help="a .toml or .json search file (see clifer.tuning.TuneConfig)"
    )
    parser.add_argument("--condition", help="mlp, gdm, gdm+replay, clifer (default), clifer+replay")
    parser.add_argument(
        "--trials", type=positive_int, help="trials the search holds when done (default 30)"
    )
    parser.add_argument(
        "--experiment", type=int, choices=(1, 2), help="objective: Experiment 1 or 2 (default 2)"
    )
    parser.add_argument(
        "--memory",
        choices=("mean", "episodic", "semantic", "mlp"),
        help="objective: which memory's score (default: mean of them)",
    )
    parser.add_argument("--metric", choices=("micro_f1", "macro_f1"))
    parser.add_argument(
        "--at",
        choices=("final", "mean"),
        help="objective: after the final class, or averaged over the classes",
    )
    parser.add_argument(
        "--subjects", type=positive_int, help="synthetic: how many validation subjects"
    )
    parser.add_argument(
        "--dataset", help=dataset_help(" (real data: name validation_subjects in --config)")
    )
    parser.add_argument("--root", help="the real dataset's folder as distributed")
    add_loader_option(parser)
    add_imagination_option(parser)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--run", help="the search's folder name (default: condition-hash)")
    parser.add_argument(
        "--show-space", action="store_true", help="print the search space as TOML and stop"
    )
    add_running_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
