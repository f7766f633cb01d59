"""A person's expression recogniser in use: ``python -m clifer.personal`` (or
``clifer-personal``).

::

    python -m clifer.personal learn --person ada --label happy --video happy.mp4
    python -m clifer.personal predict --person ada --video call.mp4 [--csv frames.csv]
                                      [--annotate annotated.mp4]
    python -m clifer.personal predict --person ada --camera 0 --seconds 30
    python -m clifer.personal list

``learn`` finds the face in every frame (MTCNN every ``--detect-every`` frames,
tracked in between; ``--detector haar`` for OpenCV's cascade), learns the run as one expression
(:meth:`clifer.PersonalModel.observe`: imagination after an expression the person
has not shown before) and saves the person (a new version, replaced atomically)
in ``--store`` (default ``persons/``). ``predict`` prints a line per second (time,
the expression most frames of that second show, its mean confidence, the frames
with a face); ``--csv`` writes every frame's answer and ``--annotate`` a copy of
the video with the face box and the answer drawn on it. Bad input (a video
without faces, an unknown person, a label outside the six classes) is a clear
message, and nothing is changed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from facedata import CLASSES
from facedata.commandline import positive_float, positive_int, prog, run_command
from facedata.faces import DETECTORS
from facedata.tracking import DEFAULT_EVERY

DEFAULT_STORE = Path("persons")


def _imagination(path: str | None):
    """The model of ``--imagination`` (default: the shipped real-face model), named on
    stderr (stdout carries the answers)."""
    from imagination.pretrained import REAL_MODEL, describe, pretrained_path

    from .runner import imagination_model

    path = path or pretrained_path(REAL_MODEL)
    print(f"imagination model: {describe(path)}", file=sys.stderr)
    return imagination_model(path)


def _source(args: argparse.Namespace) -> dict:
    if (args.video is None) == (args.camera is None):
        raise ValueError("give --video FILE or --camera N")
    if args.camera is not None and args.seconds is None:
        raise ValueError("--camera needs --seconds (how long to watch)")
    return {
        "video": args.video,
        "camera": args.camera,
        "max_seconds": args.seconds,
        "every": args.every,
    }


def _finder(args: argparse.Namespace, size: int):
    """The face finder the options ask for: ``--detector`` every ``--detect-every``
    frames, tracking in between."""
    from .live import FaceFinder

    return FaceFinder(size, detector=args.detector, every=args.detect_every)


def learn(args: argparse.Namespace) -> int:
    from .live import faces_of, frames
    from .person_store import PersonStore
    from .personal_model import PersonalModel, class_id

    label = CLASSES[class_id(args.label)]
    folder = PersonStore(args.store).folder_of(args.person)  # a bad name: before any work
    source = _source(args)
    model = _imagination(args.imagination)
    finder = _finder(args, model.config.image_size)
    crops, missed = faces_of(frames(**source), finder)
    if len(crops) == 0:
        raise ValueError(
            f"no face found in {args.video or f'camera {args.camera}'} "
            f"({missed} frames read); {args.person} is unchanged"
        )
    # read, learn and save under the person's lock: a concurrent learn is not lost
    person, report, version = PersonalModel.learn(
        folder, crops, label, model, replay=not args.no_replay, imagine=not args.no_imagine
    )
    print(
        f"{args.person}: learnt {label} from {len(crops)} frames ({missed} without a face)"
        f"{'; imagined the six expressions' if report['imagined'] else ''}; memories: "
        f"GDM-E {report['episodic']}, GDM-S {report['semantic']} neurons; expressions seen: "
        f"{', '.join(person.classes_seen)}; saved as version {version} in "
        f"{folder}"
    )
    return 0


def per_second(answers) -> list[tuple[int, str, float, int, int]]:
    """``(second, expression, mean confidence, frames with a face, frames)`` for each
    whole second of answers: the expression most of its faces show ("no face" when
    none has one)."""
    by_second: dict[int, list] = {}
    for answer in answers:
        by_second.setdefault(int(answer.seconds), []).append(answer)
    out = []
    for second in sorted(by_second):
        group = by_second[second]
        faces = [a for a in group if a.label >= 0]
        if not faces:
            out.append((second, "no face", 0.0, 0, len(group)))
            continue
        label, _ = Counter(a.label for a in faces).most_common(1)[0]
        confidence = float(np.mean([a.confidence for a in faces if a.label == label]))
        out.append((second, CLASSES[label], confidence, len(faces), len(group)))
    return out


def predict(args: argparse.Namespace) -> int:
    import pandas as pd

    from .live import frames, recognise
    from .person_store import PersonStore
    from .personal_model import PersonalModel

    folder = PersonStore(args.store).folder_of(args.person)  # a bad name: before any work
    source = _source(args)
    model = _imagination(args.imagination)
    person = PersonalModel.load(folder, model)
    finder = _finder(args, model.config.image_size)
    writer, second, answers, n_frames, n_faces = None, [], [], 0, 0
    try:
        for frame, answer in recognise(person, frames(**source), finder, memory=args.memory):
            n_frames += 1
            n_faces += answer.label >= 0
            if args.csv:
                answers.append(answer)
            if args.annotate:
                writer = writer or _video_writer(args.annotate, frame.image, args)
                writer.write(_annotated(frame.image, answer))
            if second and int(answer.seconds) != int(second[0].seconds):  # a second is over
                _print_second(*per_second(second))
                second = []
            second.append(answer)
    finally:
        if writer is not None:
            writer.release()
    if not n_frames:
        raise ValueError(f"no frame could be read from {args.video or f'camera {args.camera}'}")
    _print_second(*per_second(second))
    if not n_faces:
        print(f"no face found in {n_frames} frames", file=sys.stderr)
    if args.csv:
        table = pd.DataFrame(
            [
                {
                    "frame": a.index,
                    "seconds": round(a.seconds, 3),
                    "face": a.box is not None,
                    **dict(zip("xywh", a.box or (None,) * 4, strict=True)),
                    "expression": CLASSES[a.label] if a.label >= 0 else "",
                    "confidence": round(a.confidence, 4),
                }
                for a in answers
            ]
        )
        from .store import write_atomically

        write_atomically(Path(args.csv), lambda tmp: table.to_csv(tmp, index=False))
    return 0


def _print_second(row) -> None:
    """One line of ``predict``'s output (a row of :func:`per_second`)."""
    second, expression, confidence, with_face, total = row
    print(
        f"{second:5d}s  {expression:8s}  {confidence:.2f}  ({with_face}/{total} frames "
        "with a face)",
        flush=True,
    )


def _video_writer(path: str, image: np.ndarray, args: argparse.Namespace):
    import cv2

    fps = 30.0
    if args.video:
        capture = cv2.VideoCapture(args.video)
        fps = (capture.get(cv2.CAP_PROP_FPS) or 30.0) / args.every
        capture.release()
    height, width = image.shape[:2]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"cannot write the annotated video {path}")
    return writer


def _annotated(image: np.ndarray, answer) -> np.ndarray:
    import cv2

    out = image.copy()
    if answer.box is not None:
        x, y, w, h = answer.box
        cv2.rectangle(out, (x, y), (x + w, y + h), (0, 200, 0), 2)
        text = (
            f"{CLASSES[answer.label]} {answer.confidence:.2f}" if answer.label >= 0 else "unknown"
        )
        cv2.putText(
            out,
            text,
            (x, max(15, y - 6)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.6,
            (0, 200, 0),
            2,
            cv2.LINE_AA,
        )
    return out


def list_persons(args: argparse.Namespace) -> int:
    from .person_store import PersonStore

    store = PersonStore(args.store)
    persons = store.persons()
    if not persons:
        print(f"no persons in {store.folder}")
    for name in persons:
        print(f"{name}: version {store.current(name)} (kept: {store.versions(name)})")
    return 0


def camera_index(text: str) -> int:
    """An argparse type: a camera index, a whole number >= 0."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog("clifer-personal", "clifer.personal"),
        description="Learn one person's expressions from video or a camera, recognise them, "
        "keep what was learnt.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, helptext in (
        ("learn", "learn a video (or camera run) of one expression"),
        ("predict", "name the expressions in a video or a camera"),
        ("list", "the persons kept in the store"),
    ):
        command = commands.add_parser(name, help=helptext)
        command.add_argument(
            "--store",
            type=Path,
            default=DEFAULT_STORE,
            help="the folder of persons (default: persons)",
        )
        if name == "list":
            continue
        command.add_argument("--person", required=True, help="the person's name")
        command.add_argument("--video", help="a video file")
        command.add_argument("--camera", type=camera_index, help="a camera index (OpenCV)")
        command.add_argument(
            "--seconds",
            type=positive_float,
            help="stop after this many seconds (a camera needs it)",
        )
        command.add_argument("--every", type=positive_int, default=1, help="use every N-th frame")
        command.add_argument(
            "--imagination",
            help="a .keras imagination model (default: the shipped real-face model, real)",
        )
        command.add_argument(
            "--detector",
            choices=DETECTORS,
            default=DETECTORS[0],
            help="face detector: mtcnn (default; crops aligned on the eyes) "
            "or haar (OpenCV's cascade, unaligned)",
        )
        command.add_argument(
            "--detect-every",
            type=positive_int,
            default=DEFAULT_EVERY,
            metavar="K",
            help="detect the face every K frames and track it "
            f"in between (default {DEFAULT_EVERY}; 1: detect on every frame)",
        )
        if name == "learn":
            command.add_argument(
                "--label", required=True, help=f"the expression shown: {', '.join(CLASSES)}"
            )
            command.add_argument(
                "--no-imagine", action="store_true", help="a new person learns without imagination"
            )
            command.add_argument(
                "--no-replay", action="store_true", help="a new person learns without replay"
            )
        else:
            command.add_argument("--csv", help="write every frame's answer to this CSV file")
            command.add_argument("--annotate", help="write the video with the answers drawn")
            command.add_argument(
                "--memory",
                choices=("episodic", "semantic"),
                default="episodic",
                help="which memory answers",
            )
    return parser


def _check_output(path: str | None, option: str) -> None:
    """An output file option checked before any work: not a folder, in a folder that
    exists and can be written."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"{option} {path} is a folder; give a file name")
    parent = target.parent
    if not parent.is_dir():
        raise ValueError(f"{option} {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ValueError(f"{option} {path} cannot be written")


def run(args: argparse.Namespace) -> int:
    if args.command == "predict":
        _check_output(args.csv, "--csv")
        _check_output(args.annotate, "--annotate")
    return {"learn": learn, "predict": predict, "list": list_persons}[args.command](args)


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
