"""Pre-train the imagination model: ``python -m imagination.train --out DIR`` (or
``imagination-train --out DIR``).

The model's configuration is a preset's (:data:`imagination.config.PRESETS`) with the
options that set its fields; how long it trains and which epoch it keeps, the run's
settings (:class:`imagination.config.TrainSettings`: ``--epochs``, ``--keep-best``),
are the preset's too unless given. Writes into ``DIR``:

- ``checkpoint.keras`` and ``state.json``: the model, the number of epochs done and
  the run's settings, replaced atomically after every epoch; ``--resume`` continues
  from them;
- ``losses.csv``: every epoch's losses (Keras' CSVLogger, appended on resume);
- ``grids/epoch-NNN.png``: inputs beside their six imagined translations;
- ``identity.keras``: the identity network trained on the data's subjects
  (``--identity trained``);
- ``best.keras`` and ``best.json`` with ``--keep-best N``: of the last N epochs, the
  one whose imagination does best on validation faces (unseen synthetic subjects, or
  FER2013's validation split) (the worst bar's margin,
  :meth:`imagination.evaluate.QualityReport.margin`), without training state; the
  adversarial game makes the expression bar move by about 0.1 between epochs;
- ``model.keras``: the final model; ``inference.keras``: the same without
  optimiser state and identity network (a third of the size; the shipped
  ``imagination/weights/<preset>.keras`` is such a file); ``quality.txt`` with
  ``--evaluate``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from facedata import CLASSES
from facedata.commandline import positive_int, prog, run_command, with_flags

from ._files import publish
from .config import PRESETS, RUN_SETTINGS, TRAINING, TrainSettings

CHECKPOINT = "checkpoint.keras"
STATE = "state.json"
#: The options that set a field of the model's configuration (the preset's):
#: ``{option: field}``; an option not given leaves the preset's value.
MODEL_FLAGS = {
    "batch_size": "batch_size",
    "warmup_epochs": "warmup_epochs",
    "seed": "seed",
    "pair_weight": "pair_weight",
    "id_weight": "id_weight",
    "feature_weight": "feature_weight",
}
#: The options that set a field of the run's settings (:class:`TrainSettings`).
RUN_FLAGS = {"epochs": "epochs", "keep_best": "keep_best"}


def _write_json(path: Path, value: dict) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as f:
        json.dump(value, f, indent=2)
    publish(tmp, path)


def _callbacks(
    out: Path,
    grid_inputs: np.ndarray,
    grid_every: int,
    resume: bool,
    settings: TrainSettings,
    make_evaluator=None,
):
    import keras

    from .grids import write_grid

    keep_best_from = settings.epochs - settings.keep_best if settings.keep_best else None

    class EpochCheckpoint(keras.callbacks.Callback):
        """The model, the epochs done and the run's settings, replaced atomically after
        every epoch."""

        def on_epoch_end(self, epoch, logs=None):
            self.model.save(out / CHECKPOINT)
            _write_json(out / STATE, {"epochs_done": epoch + 1, **dataclasses.asdict(settings)})

    class ImaginationGrids(keras.callbacks.Callback):
        """A picture of imagined faces every ``grid_every`` epochs."""

        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % grid_every == 0:
                write_grid(out / "grids" / f"epoch-{epoch + 1:03d}.png", self.model, grid_inputs)

    class KeepBest(keras.callbacks.Callback):
        """From epoch ``keep_best_from`` (0-based) on, evaluate on validation faces and
        keep the best epoch so far as ``best.keras`` (atomically) with ``best.json``."""

        evaluator = None

        def on_epoch_end(self, epoch, logs=None):
            if keep_best_from is None or epoch < keep_best_from:
                return
            if self.evaluator is None:  # the faces and judges, once for all epochs
                self.evaluator = make_evaluator(self.model.config.image_size)
            report = self.evaluator(self.model)
            record = {
                "epoch": epoch + 1,
                "margin": report.margin(features=self.model.config.feature_weight > 0),
                "expression_ratio": report.expression_ratio,
                "identity_kept": report.identity_kept,
                "feature_nn": report.feature_nn,
                "reconstruction_l1": report.reconstruction_l1,
                "mean_image_l1": report.mean_image_l1,
            }
            best = out / "best.json"
            previous = json.loads(best.read_text()) if best.exists() else None
            persons = (
                f", identity {report.identity_kept:.2f}, features {report.feature_nn:.2f}"
                if report.has_persons
                else ""
            )
            print(
                f"epoch {epoch + 1}: validation margin {record['margin']:.3f} (ratio "
                f"{report.expression_ratio:.2f}, reconstruction {report.reconstruction_l1:.3f}"
                f" vs mean {report.mean_image_l1:.3f}{persons})"
            )
            if previous is None or record["margin"] > previous["margin"]:
                self.model.inference_copy().save(out / "best.keras")
                _write_json(best, record)

    return [
        EpochCheckpoint(),
        keras.callbacks.CSVLogger(str(out / "losses.csv"), append=resume),
        ImaginationGrids(),
        KeepBest(),
    ]


def split_spec(text: str) -> tuple[str, ...]:
    """An argparse type for ``--splits``: "all" or comma-separated split names."""
    from facedata.dataset import SPLITS

    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if names == ("all",):
        return names
    unknown = [n for n in names if n not in SPLITS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"must be 'all' or comma-separated split names of {', '.join(SPLITS)}, got {text!r}"
        )
    return names


def select_splits(faces, splits: tuple[str, ...] | None):
    """The training faces of a dataset with splits (FER2013): the named splits, or by
    default the train split alone, so that validation and test stay unseen for judging
    expressions. A dataset without splits is taken whole (naming splits for it is an
    error)."""
    present = faces.split_names()
    if not present:
        if splits not in (None, ("all",)):
            raise ValueError(
                f"--splits {','.join(splits)}: the {faces.name or 'training'} faces have no splits"
            )
        return faces
    if splits == ("all",):
        return faces
    wanted = ("train",) if splits is None else splits
    missing = [s for s in wanted if s not in present]
    if missing:
        raise ValueError(
            f"--splits: {faces.name} has no {', '.join(missing)} split "
            f"(it has {', '.join(present)})"
        )
    return faces.for_split(*wanted)


def _grid_inputs(faces, data: str, image_size: int) -> np.ndarray:
    """One face per class: of unseen synthetic subjects, or the data's first ones."""
    from .data import synthetic_faces
    from .evaluate import EVAL_SEED

    pool = faces
    if data == "synthetic":
        pool = synthetic_faces(2, image_size=image_size, seed=EVAL_SEED)
    present = [c for c in range(len(CLASSES)) if (pool.labels == c).any()]
    return pool.images[[np.flatnonzero(pool.labels == c)[0] for c in present]]


def _identity(args, cfg, faces, out: Path):
    """The identity network of ``--identity`` for a model of configuration ``cfg``."""
    from .identity_network import identity_network, train_identity_network

    spec = args.identity
    if spec is None:
        spec = "trained" if cfg.id_weight > 0 else "off"
    elif cfg.id_weight == 0 and spec.strip().lower() not in ("off", "none"):
        raise ValueError(
            f"--identity {spec} gives an identity network, but the identity loss "
            "weight is 0 (the preset's id_weight); pass --id-weight too"
        )
    if spec != "trained":
        return identity_network(spec, cfg.image_size)
    net = train_identity_network(
        faces.images,
        faces.subjects,
        cfg.image_size,
        epochs=args.identity_epochs,
        groups=faces.clips,
        seed=cfg.seed,
    )
    report = getattr(net, "training_report", {})
    if report:
        print(
            f"identity network: held-out subject accuracy {report['accuracy']:.3f} "
            f"(chance {report['chance']:.3f})"
        )
    net.save(out / "identity.keras")
    return net


def validation_evaluator(faces, data: str):
    """What ``--keep-best`` scores epochs with: unseen synthetic validation subjects, or,
    for a dataset with a validation split (FER2013), that split's faces judged by a
    judge fitted on its train split."""
    from .evaluate import (
        VALIDATION_SEED,
        VALIDATION_SUBJECTS,
        ExpressionEvaluator,
        QualityEvaluator,
    )

    if "validation" in faces.split_names() and "train" in faces.split_names():
        return lambda size: ExpressionEvaluator(
            faces.for_split("train"),
            faces.for_split("validation"),
            inputs_per_class=50,
            source=f"{data} validation",
        )
    return lambda size: QualityEvaluator(VALIDATION_SUBJECTS, seed=VALIDATION_SEED, image_size=size)


def final_evaluation(model, faces, data: str):
    """``--evaluate``: the figures on faces never trained on: FER2013's test split (its
    judge fitted on the train split) for a dataset with one, else unseen synthetic
    subjects."""
    from .evaluate import evaluate_dataset, evaluate_quality

    if {"train", "test"} <= set(faces.split_names()):
        return evaluate_dataset(model, faces, source=data)
    return evaluate_quality(model)


def resumed_run(out: Path, preset_name: str) -> tuple[int, TrainSettings]:
    """The epochs done by the run in ``out`` and the settings it was started with: those
    of its ``state.json``; a run started before the run settings left the model's
    configuration has them in its checkpoint's configuration; else ``preset_name``'s."""
    state = json.loads((out / STATE).read_text())
    stored = {k: state[k] for k in RUN_SETTINGS if k in state}
    if not stored:
        with zipfile.ZipFile(out / CHECKPOINT) as saved:
            config = json.loads(saved.read("config.json")).get("config", {}).get("config", {})
        stored = {k: config[k] for k in RUN_SETTINGS if k in config}
    return state["epochs_done"], TRAINING[preset_name].replace(**stored)


def _has_persons(dataset: str) -> bool:
    if dataset == "synthetic":
        return True
    from facedata import DATASETS

    return DATASETS[dataset].persons


def run(args: argparse.Namespace) -> int:
    if args.dataset != "synthetic" and args.root is not None:
        from facedata.loaders import check_root

        check_root(args.dataset, args.root)  # a wrong root before any work (TensorFlow's start)
    from .caae import CAAE
    from .config import preset
    from .data import steps_per_epoch, to_tf_dataset, training_faces
    from .saving import load

    if args.keep_best is not None and args.keep_best < 0:
        raise ValueError(f"--keep-best must be 0 or more epochs, got {args.keep_best}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = out / CHECKPOINT
    if checkpoint.exists() and not args.resume:
        raise ValueError(
            f"{out} already holds a training run; use --resume to continue it, or another --out"
        )
    if args.resume and not checkpoint.exists():
        raise FileNotFoundError(f"nothing to resume: no {CHECKPOINT} in {out}")

    if args.resume:
        model = load(checkpoint)
        cfg = model.config
        done, started = resumed_run(out, args.preset)
        print(f"resuming {checkpoint} after {done} epochs")
    else:
        cfg = with_flags(preset(args.preset), args, MODEL_FLAGS)
        done, started = 0, TRAINING[args.preset]
    settings = with_flags(started, args, RUN_FLAGS)
    every_face = training_faces(
        args.dataset,
        image_size=cfg.image_size,
        root=args.root,
        n_subjects=args.subjects,
        seed=cfg.seed,
    )
    faces = select_splits(every_face, args.splits)
    splits = f" ({', '.join(faces.split_names())} split)" if faces.split_names() else ""
    print(
        f"training faces: {len(faces)}{splits} of {len(faces.subject_ids())} subjects, "
        f"{cfg.image_size}x{cfg.image_size}"
    )
    if not _has_persons(args.dataset) and (cfg.pair_weight > 0 or cfg.id_weight > 0):
        print(
            f"note: {args.dataset} has no persons (each face is its own subject), so the "
            "paired translation loss and a trained identity network see no second face "
            "of anyone: consider --pair-weight 0 --id-weight 0"
        )
    if not args.resume:
        model = CAAE(cfg, identity_network=_identity(args, cfg, faces, out))
        model.compile()
    if done >= settings.epochs:
        print(f"already trained for {done} epochs (--epochs {settings.epochs})")
    else:
        # each epoch's batches depend on (seed, epoch) alone: a resumed run continues
        # with the batches an uninterrupted one would have seen
        data = to_tf_dataset(
            faces,
            cfg.batch_size,
            seed=cfg.seed,
            pairs=cfg.pair_weight > 0,
            epochs=settings.epochs,
            first_epoch=done,
        )
        model.fit(
            data,
            epochs=settings.epochs,
            steps_per_epoch=steps_per_epoch(len(faces), cfg.batch_size),
            initial_epoch=done,
            verbose=0 if args.quiet else "auto",
            callbacks=_callbacks(
                out,
                _grid_inputs(faces, args.dataset, cfg.image_size),
                args.grid_every,
                args.resume,
                settings,
                validation_evaluator(every_face, args.dataset),
            ),
        )
    model.save(out / "model.keras")
    if settings.keep_best and (out / "best.keras").exists():
        chosen = json.loads((out / "best.json").read_text())
        print(
            f"keeping epoch {chosen['epoch']} of {settings.epochs} (validation margin "
            f"{chosen['margin']:.3f})"
        )
        model = load(out / "best.keras", compile=False)
    model.inference_copy().save(out / "inference.keras")
    print(
        f"saved {out / 'model.keras'} and {out / 'inference.keras'} (without the training "
        "state; what imagination/weights/ ships)"
    )
    if args.evaluate:
        report = final_evaluation(model, every_face, args.dataset)
        (out / "quality.txt").write_text(str(report) + "\n")
        print(report)
    return 0


def _by_preset(table: dict, field: str) -> str:
    """A default of each preset for the help, e.g. ``cpu 32, paper 30, real 20`` (taken
    from the presets, so that the help says what they hold)."""
    return ", ".join(f"{name} {getattr(table[name], field):g}" for name in sorted(table))


def build_parser() -> argparse.ArgumentParser:
    from .data import add_dataset_option

    parser = argparse.ArgumentParser(
        prog=prog("imagination-train", "imagination.train"),
        description="Pre-train the imagination model (a conditional adversarial auto-encoder).",
    )
    add_dataset_option(
        parser,
        "training faces: synthetic subjects (default), or a dataset read "
        "from --root (fer2013: its train split unless --splits)",
    )
    parser.add_argument("--root", type=Path, help="the real dataset's folder as distributed")
    parser.add_argument(
        "--splits",
        type=split_spec,
        metavar="NAMES",
        help="for a dataset with splits (fer2013): comma-separated train, "
        "validation, test, or all (default: train, leaving validation and "
        "test unseen)",
    )
    parser.add_argument(
        "--subjects",
        type=positive_int,
        default=2000,
        help="synthetic persons to train on (default 2000)",
    )
    parser.add_argument(
        "--preset",
        default="cpu",
        choices=sorted(PRESETS),
        help="the model's configuration: cpu (the synthetic default), real "
        "(grey FER2013 faces), paper (default: cpu)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        help="epochs in all, warm-up included "
        f"(default: the preset's; {_by_preset(TRAINING, 'epochs')})",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        help=f"default: the preset's ({_by_preset(PRESETS, 'batch_size')})",
    )
    parser.add_argument(
        "--warmup-epochs",
        type=int,
        help="auto-encoder epochs before the "
        f"adversarial terms (default: the preset's; "
        f"{_by_preset(PRESETS, 'warmup_epochs')})",
    )
    parser.add_argument(
        "--pair-weight",
        type=float,
        help="weight of the paired translation loss (a translation against a "
        "real frame of the same person with the target expression; default: "
        f"the preset's; {_by_preset(PRESETS, 'pair_weight')})",
    )
    parser.add_argument(
        "--identity",
        help="identity loss: 'trained' (a network trained on the data's "
        "subjects), 'off', or a path to vgg-face.mat or a saved .keras network "
        "(default: 'trained' if the identity weight is above 0, else 'off')",
    )
    parser.add_argument(
        "--id-weight",
        type=float,
        help="weight of the identity loss (default: the preset's; "
        f"{_by_preset(PRESETS, 'id_weight')})",
    )
    parser.add_argument("--identity-epochs", type=positive_int, default=10)
    parser.add_argument("--out", required=True, type=Path, help="folder for the run's files")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out")
    parser.add_argument(
        "--keep-best",
        type=int,
        metavar="N",
        help="evaluate each of the last N epochs on validation faces (unseen "
        "synthetic subjects, or fer2013's validation split) and "
        "keep the best as inference.keras (seconds per epoch at "
        "64x64); 0: keep the last (default: the preset's; "
        f"{_by_preset(TRAINING, 'keep_best')})",
    )
    parser.add_argument(
        "--feature-weight",
        type=float,
        help="weight of the feature loss on the codes, of the preset's kind "
        f"(default: the preset's; {_by_preset(PRESETS, 'feature_weight')})",
    )
    parser.add_argument(
        "--grid-every", type=positive_int, default=1, help="epochs between pictures (at least 1)"
    )
    parser.add_argument(
        "--evaluate",
        action="store_true",
        help="measure the quality at the end on faces never trained on: "
        "fer2013's test split, or unseen synthetic subjects",
    )
    parser.add_argument("--seed", type=int)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
