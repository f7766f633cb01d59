"""Command line of the face data: ``python -m facedata {synth,prepare,faces}`` (or
``facedata {synth,prepare,faces}``).

- ``synth``: write a synthetic corpus in the RAVDESS layout.
- ``prepare``: load a dataset (real or synthetic, FER2013, one's own) into face
  crops, fill the cache, print the load report, optionally save the crops.
- ``faces``: a picture of synthetic subjects' six expressions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .commandline import positive_float, positive_int, prog, run_command


def _synth(args: argparse.Namespace) -> int:
    from .synthetic import write_ravdess_corpus

    paths = write_ravdess_corpus(
        args.out,
        n_subjects=args.subjects,
        seed=args.seed,
        fps=args.fps,
        seconds=args.seconds,
        progress=not args.quiet,
    )
    print(f"wrote {len(paths)} videos of {args.subjects} subjects to {args.out} (RAVDESS layout)")
    return 0


def _prepare(args: argparse.Namespace) -> int:
    from .loaders import load

    cache: bool | Path = False if args.no_cache else (args.cache_dir or True)
    given = {
        k: v
        for k, v in (
            ("faces", args.faces),
            ("detector", args.detector),
            ("video_frames", args.video_frames),
        )
        if v is not None
    }
    dataset, report = load(
        args.dataset,
        args.root,
        image_size=args.image_size,
        cache=cache,
        progress=not args.quiet,
        **given,
    )
    print(report)
    if args.out:
        dataset.save(args.out)
        print(f"saved {len(dataset)} crops to {args.out}")
    return 0 if len(dataset) else 1


def _faces(args: argparse.Namespace) -> int:
    import cv2

    from .synthetic import expression_sheet, sample_persons

    persons = sample_persons(args.subjects, seed=args.seed)
    sheet = np.concatenate([expression_sheet(p, size=args.size) for p in persons], axis=0)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(args.out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR)):
        print(f"could not write {args.out} (use a .png or .jpg name)", file=sys.stderr)
        return 1
    print(f"wrote the six expressions of {args.subjects} subjects to {args.out}")
    return 0


def _video_frames(text: str) -> str | int:
    """An argparse type: "chunks" or a whole number >= 1."""
    if text == "chunks":
        return text
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be 'chunks' or a whole number >= 1, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog("facedata", "facedata"),
        description="Face data: synthetic corpora, dataset preparation, expression pictures.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    synth = sub.add_parser("synth", help="write a synthetic corpus in the RAVDESS layout")
    synth.add_argument("--out", required=True, type=Path, help="folder to write Actor_XX/ into")
    synth.add_argument(
        "--subjects", type=positive_int, default=4, help="number of subjects (default 4)"
    )
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--fps", type=positive_int, default=30)
    synth.add_argument("--seconds", type=positive_float, default=3.0, help="length of each clip")
    synth.add_argument("--quiet", action="store_true", help="no progress bar")
    synth.set_defaults(run=_synth)

    from ._pipeline import FACE_MODES
    from .faces import DETECTORS
    from .loaders import DATASETS

    layouts = "\n\n".join(entry.describe() for entry in DATASETS.values())
    prepare = sub.add_parser(
        "prepare",
        help="load a dataset into face crops (and the cache)",
        description="Load a dataset into face crops, fill the cache and print the load "
        "report (crops per subject or split and class; what was converted, and "
        "what was skipped and why).",
        epilog=f"the layouts read:\n\n{layouts}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    prepare.add_argument("--dataset", required=True, choices=sorted(DATASETS))
    prepare.add_argument(
        "--root",
        required=True,
        type=Path,
        help="the dataset as distributed (a folder; for fer2013 and an own "
        "manifest also the CSV itself)",
    )
    prepare.add_argument(
        "--image-size", type=positive_int, default=96, help="side of the face crops"
    )
    prepare.add_argument(
        "--faces",
        choices=FACE_MODES,
        help="find faces with the detector, or use recorded boxes where a "
        "corpus has them (default auto: recorded when present), or take "
        "each image whole (pre-cropped faces; fer2013 always does)",
    )
    prepare.add_argument(
        "--video-frames",
        type=_video_frames,
        metavar="chunks|N",
        help="own: a video's frames, the paper's 500 ms chunks (default) or every N-th frame",
    )
    prepare.add_argument(
        "--detector",
        choices=DETECTORS,
        help="face detector: mtcnn (default; crops aligned on the eyes) or "
        "haar (OpenCV's cascade, faster, unaligned)",
    )
    prepare.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    prepare.add_argument("--cache-dir", type=Path, help="cache folder (default ~/.cache/clifer)")
    prepare.add_argument("--out", type=Path, help="also save the crops to this .npz file")
    prepare.add_argument("--quiet", action="store_true", help="no progress bar")
    prepare.set_defaults(run=_prepare)

    faces = sub.add_parser("faces", help="a picture of synthetic subjects' six expressions")
    faces.add_argument("--out", required=True, type=Path, help="image file (.png)")
    faces.add_argument("--subjects", type=positive_int, default=3)
    faces.add_argument("--seed", type=int, default=0)
    faces.add_argument("--size", type=positive_int, default=96, help="side of each face")
    faces.set_defaults(run=_faces)
    return parser


def run(args: argparse.Namespace) -> int:
    """The sub-command's own function (``synth``, ``prepare`` or ``faces``)."""
    return args.run(args)


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
