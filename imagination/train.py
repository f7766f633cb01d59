"""Pre-train the imagination model: ``python -m imagination.train --out DIR``.

Writes into ``DIR``:

- ``checkpoint.keras`` and ``state.json``: the model and the number of epochs
  done, replaced atomically after every epoch; ``--resume`` continues from them;
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
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from facedata import CLASSES
from facedata._quiet import parse_args
from facedata.argtypes import positive_int

from ._files import publish

CHECKPOINT = "checkpoint.keras"
STATE = "state.json"


def _write_json(path: Path, value: dict) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as f:
        json.dump(value, f, indent=2)
    publish(tmp, path)


def _callbacks(out: Path, grid_inputs: np.ndarray, grid_every: int, resume: bool,
               keep_best_from: int | None = None, make_evaluator=None):
    import keras

    from .grids import write_grid

    class EpochCheckpoint(keras.callbacks.Callback):
        """The model and the epochs done, replaced atomically after every epoch."""

        def on_epoch_end(self, epoch, logs=None):
            self.model.save(out / CHECKPOINT)
            _write_json(out / STATE, {"epochs_done": epoch + 1})

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
            record = {"epoch": epoch + 1,
                      "margin": report.margin(features=self.model.config.feature_weight > 0),
                      "expression_ratio": report.expression_ratio,
                      "identity_kept": report.identity_kept,
                      "feature_nn": report.feature_nn,
                      "reconstruction_l1": report.reconstruction_l1,
                      "mean_image_l1": report.mean_image_l1}
            best = out / "best.json"
            previous = json.loads(best.read_text()) if best.exists() else None
            persons = (f", identity {report.identity_kept:.2f}, features "
                       f"{report.feature_nn:.2f}" if report.has_persons else "")
            print(f"epoch {epoch + 1}: validation margin {record['margin']:.3f} (ratio "
                  f"{report.expression_ratio:.2f}, reconstruction {report.reconstruction_l1:.3f}"
                  f" vs mean {report.mean_image_l1:.3f}{persons})")
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
            f"must be 'all' or comma-separated split names of {', '.join(SPLITS)}, got {text!r}")
    return names


def select_splits(faces, splits: tuple[str, ...] | None):
    """The training faces of a dataset with splits (FER2013): the named splits, or by
    default the train split alone, so that validation and test stay unseen for judging
    expressions. A dataset without splits is taken whole (naming splits for it is an
    error)."""
    present = faces.split_names()
    if not present:
        if splits not in (None, ("all",)):
            raise ValueError(f"--splits {','.join(splits)}: the {faces.name or 'training'} "
                             "faces have no splits")  # fmt: skip
        return faces
    if splits == ("all",):
        return faces
    wanted = ("train",) if splits is None else splits
    missing = [s for s in wanted if s not in present]
    if missing:
        raise ValueError(f"--splits: {faces.name} has no {', '.join(missing)} split "
                         f"(it has {', '.join(present)})")  # fmt: skip
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


def _identity(args, faces, image_size: int, out: Path):
    from .identity import identity_network, train_identity_network

    spec = args.identity
    if spec is None:
        spec = "trained" if args.id_weight > 0 else "off"
    elif args.id_weight == 0 and spec.strip().lower() not in ("off", "none"):
        raise ValueError(f"--identity {spec} gives an identity network, but the identity loss "
                         "weight is 0 (the preset's id_weight); pass --id-weight too")
    if spec != "trained":
        return identity_network(spec, image_size)
    net = train_identity_network(faces.images, faces.subjects, image_size,
                                 epochs=args.identity_epochs, groups=faces.clips,
                                 seed=args.seed or 0)  # fmt: skip
    report = getattr(net, "training_report", {})
    if report:
        print(f"identity network: held-out subject accuracy {report['accuracy']:.3f} "
              f"(chance {report['chance']:.3f})")  # fmt: skip
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
        return lambda size: ExpressionEvaluator(faces.for_split("train"),
                                                faces.for_split("validation"),
                                                inputs_per_class=50, source=f"{data} validation")
    return lambda size: QualityEvaluator(VALIDATION_SUBJECTS, seed=VALIDATION_SEED,
                                         image_size=size)


def final_evaluation(model, faces, data: str):
    """``--evaluate``: the figures on faces never trained on: FER2013's test split (its
    judge fitted on the train split) for a dataset with one, else unseen synthetic
    subjects."""
    from .evaluate import evaluate_dataset, evaluate_quality

    if {"train", "test"} <= set(faces.split_names()):
        return evaluate_dataset(model, faces, source=data)
    return evaluate_quality(model)


def _has_persons(dataset: str) -> bool:
    if dataset == "synthetic":
        return True
    from facedata import DATASETS

    return DATASETS[dataset].persons


def run(args: argparse.Namespace) -> int:
    if args.dataset != "synthetic" and args.root is not None:
        from facedata.loaders import check_root

        check_root(args.dataset, args.root)  # a wrong root before any work (TensorFlow's start)
    from .caae import CAAE, load
    from .config import preset
    from .data import steps_per_epoch, to_tf_dataset, training_faces

    if args.keep_best is not None and args.keep_best < 0:
        raise ValueError(f"--keep-best must be 0 or more epochs, got {args.keep_best}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = out / CHECKPOINT
    if checkpoint.exists() and not args.resume:
        raise ValueError(f"{out} already holds a training run; use --resume to continue it, "
                         "or another --out")  # fmt: skip
    if args.resume and not checkpoint.exists():
        raise FileNotFoundError(f"nothing to resume: no {CHECKPOINT} in {out}")

    overrides = {k: v for k, v in (("batch_size", args.batch_size),
                                   ("warmup_epochs", args.warmup_epochs), ("seed", args.seed),
                                   ("pair_weight", args.pair_weight), ("id_weight", args.id_weight),
                                   ("feature_weight", args.feature_weight),
                                   ("epochs", args.epochs), ("keep_best", args.keep_best))
                 if v is not None}  # fmt: skip
    if args.resume:
        model = load(checkpoint)
        done = json.loads((out / STATE).read_text())["epochs_done"]
        cfg = model.config
        print(f"resuming {checkpoint} after {done} epochs")
    else:
        cfg = preset(args.preset, **overrides)
        done = 0
    args.epochs, args.id_weight = args.epochs or cfg.epochs, cfg.id_weight
    if args.keep_best is None:
        args.keep_best = cfg.keep_best
    every_face = training_faces(args.dataset, image_size=cfg.image_size, root=args.root,
                                n_subjects=args.subjects, seed=cfg.seed)
    faces = select_splits(every_face, args.splits)
    splits = f" ({', '.join(faces.split_names())} split)" if faces.split_names() else ""
    print(f"training faces: {len(faces)}{splits} of {len(faces.subject_ids())} subjects, "
          f"{cfg.image_size}x{cfg.image_size}")  # fmt: skip
    if not _has_persons(args.dataset) and (cfg.pair_weight > 0 or args.id_weight > 0):
        print(f"note: {args.dataset} has no persons (each face is its own subject), so the "
              "paired translation loss and a trained identity network see no second face "
              "of anyone: consider --pair-weight 0 --id-weight 0")  # fmt: skip
    if not args.resume:
        model = CAAE(cfg, identity_network=_identity(args, faces, cfg.image_size, out))
        model.compile()
    if done >= args.epochs:
        print(f"already trained for {done} epochs (--epochs {args.epochs})")
    else:
        # each epoch's batches depend on (seed, epoch) alone: a resumed run continues
        # with the batches an uninterrupted one would have seen
        data = to_tf_dataset(faces, cfg.batch_size, seed=cfg.seed, pairs=cfg.pair_weight > 0,
                             epochs=args.epochs, first_epoch=done)
        model.fit(data, epochs=args.epochs, steps_per_epoch=steps_per_epoch(len(faces),
                                                                            cfg.batch_size),
                  initial_epoch=done, verbose=0 if args.quiet else "auto",
                  callbacks=_callbacks(out, _grid_inputs(faces, args.dataset, cfg.image_size),
                                       args.grid_every, args.resume,
                                       args.epochs - args.keep_best if args.keep_best else None,
                                       validation_evaluator(every_face, args.dataset)))
    model.save(out / "model.keras")
    if args.keep_best and (out / "best.keras").exists():
        chosen = json.loads((out / "best.json").read_text())
        print(f"keeping epoch {chosen['epoch']} of {args.epochs} (validation margin "
              f"{chosen['margin']:.3f})")
        model = load(out / "best.keras", compile=False)
    model.inference_copy().save(out / "inference.keras")
    print(f"saved {out / 'model.keras'} and {out / 'inference.keras'} (without the training "
          "state; what imagination/weights/ ships)")
    if args.evaluate:
        report = final_evaluation(model, every_face, args.dataset)
        (out / "quality.txt").write_text(str(report) + "\n")
        print(report)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from facedata import DATASETS

    from .config import PRESETS

    parser = argparse.ArgumentParser(
        prog="python -m imagination.train",
        description="Pre-train the imagination model (a conditional adversarial auto-encoder).",
    )
    parser.add_argument("--dataset", "--data", dest="dataset", default="synthetic",
                        choices=["synthetic", *sorted(DATASETS)],
                        help="training faces: synthetic subjects (default), or a dataset read "
                        "from --root (fer2013: its train split unless --splits)")
    parser.add_argument("--root", type=Path, help="the real dataset's folder as distributed")
    parser.add_argument("--splits", type=split_spec, metavar="NAMES",
                        help="for a dataset with splits (fer2013): comma-separated train, "
                        "validation, test, or all (default: train, leaving validation and "
                        "test unseen)")
    parser.add_argument("--subjects", type=int, default=2000,
                        help="synthetic identities to train on (default 2000)")
    parser.add_argument("--preset", default="cpu", choices=sorted(PRESETS),
                        help="the model's configuration: cpu (the synthetic default), real "
                        "(grey FER2013 faces), paper (default: cpu)")
    parser.add_argument("--epochs", type=int, help="epochs in all, warm-up included "
                        "(default: the preset's; cpu 32, real 20, paper 30)")
    parser.add_argument("--batch-size", type=int, help="default: the preset's")
    parser.add_argument("--warmup-epochs", type=int, help="auto-encoder epochs before the "
                        "adversarial terms (default: the preset's)")
    parser.add_argument("--pair-weight", type=float,
                        help="weight of the paired translation loss (a translation against a "
                        "real frame of the same person with the target expression; default: "
                        "the preset's)")
    parser.add_argument("--identity",
                        help="identity loss: 'trained' (a network trained on the data's "
                        "subjects), 'off', or a path to vgg-face.mat or a saved .keras network "
                        "(default: 'trained' if the identity weight is above 0, else 'off')")
    parser.add_argument("--id-weight", type=float,
                        help="weight of the identity loss (default: the preset's; paper 0.33, "
                        "cpu and real 0)")
    parser.add_argument("--identity-epochs", type=int, default=10)
    parser.add_argument("--out", required=True, type=Path, help="folder for the run's files")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out")
    parser.add_argument("--keep-best", type=int, metavar="N",
                        help="evaluate each of the last N epochs on validation faces (unseen "
                             "synthetic subjects, or fer2013's validation split) and "
                             "keep the best as inference.keras (seconds per epoch at "
                             "64x64); 0: keep the last (default: the preset's; cpu 8, real 6)")
    parser.add_argument("--feature-weight", type=float,
                        help="weight of the feature loss on the codes, of the preset's kind "
                             "(default: the preset's; cpu and real: 1, classify)")
    parser.add_argument("--grid-every", type=positive_int, default=1,
                        help="epochs between pictures (at least 1)")
    parser.add_argument("--evaluate", action="store_true",
                        help="measure the quality at the end on faces never trained on: "
                        "fer2013's test split, or unseen synthetic subjects")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parse_args(build_parser(), argv)  # --verbose; TensorFlow quiet without it
    try:
        return run(args)
    except (FileNotFoundError, ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
