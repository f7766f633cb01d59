"""Lay out a public per-person expression set for ``facedata.load("own", OUT_DIR)``: a
``manifest.csv`` (``path,person,expression,clip,frame``, the format of
:mod:`facedata.own`) beside the set's images, linked (or copied) under ``OUT_DIR/images``.

    python docs/real_sets.py jaffe  SOURCE_DIR OUT_DIR      # JAFFE, e.g. KA.AN1.39.tiff
    python docs/real_sets.py ckplus SOURCE_DIR OUT_DIR      # CK+48: <emotion>/S010_004_00000017.png
    python docs/real_sets.py kdef   SOURCE_DIR OUT_DIR      # KDEF: AF01/AF01ANS.JPG (frontal only)

SOURCE_DIR is a copy of the set as distributed (searched recursively, by file name);
nothing here downloads anything, and no image belongs in this repository. The sets'
licences restrict redistribution: obtain each from its owners (JAFFE: zenodo.org
record 3451524; CK+: the University of Pittsburgh; KDEF: kdef.se).

What each set gives the experiment (which splits each person's frames by clip,
:meth:`facedata.FaceDataset.split_by_clip`, and needs two clips of a class per person):

- ``jaffe``: 10 women, about 3 photos of each of 7 expressions; each photo is its own
  clip; whole-head photos, so faces are detected (the loader's default).
- ``ckplus``: the CK+48 crops (48x48, the last frames of each posed sequence), no
  neutral; each sequence is its own clip (``--clip-per photo``: each frame, whose
  train and test frames then come from one sequence); crops already, so load them
  with ``faces="whole"``.
- ``kdef``: 70 people, 7 expressions, two sessions (A, B); the straight-on angle
  (``S``) only; each photo is its own clip (two per class and person).

Disgust and contempt are written with their names: the loader drops them and counts
them. A summary is printed: persons, images, and how many persons have at least two
clips of every one of the six classes (those the experiment can run).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository's packages
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facedata import CLASSES

#: The two-letter codes of JAFFE and KDEF file names.
JAFFE_CODES = {
    "AN": "anger",
    "DI": "disgust",
    "FE": "fear",
    "HA": "happy",
    "NE": "neutral",
    "SA": "sad",
    "SU": "surprise",
}
KDEF_CODES = {
    "AF": "fear",
    "AN": "anger",
    "DI": "disgust",
    "HA": "happy",
    "NE": "neutral",
    "SA": "sad",
    "SU": "surprise",
}
#: CK+48's folder names.
CKPLUS_FOLDERS = {
    "anger": "anger",
    "contempt": "contempt",
    "disgust": "disgust",
    "fear": "fear",
    "happy": "happy",
    "sadness": "sad",
    "surprise": "surprise",
}

JAFFE_NAME = re.compile(r"^([A-Z]{2})\.([A-Z]{2})\d*\.(\d+)\.tiff?$", re.IGNORECASE)
CKPLUS_NAME = re.compile(r"^(S\d+)_(\d+)_(\d+)\.png$", re.IGNORECASE)
KDEF_NAME = re.compile(r"^([AB])([FM])(\d{2})([A-Z]{2})(S|HL|HR|FL|FR)\.jpe?g$", re.IGNORECASE)


@dataclass(frozen=True)
class Item:
    """One image of the set: where it is and what the manifest says of it."""

    source: Path
    person: str
    expression: str
    clip: str
    frame: int


def jaffe_items(source: Path, clip_per: str = "photo") -> tuple[list[Item], Counter]:
    """JAFFE's ``<person>.<EXPRESSION><n>.<number>.tiff``: each photo its own clip."""
    items, skipped = [], Counter()
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        match = JAFFE_NAME.match(path.name)
        if match is None:
            skipped["name not of the set"] += 1
            continue
        person, code = match.group(1).upper(), match.group(2).upper()
        if code not in JAFFE_CODES:
            skipped[f"unknown code {code}"] += 1
            continue
        items.append(Item(path, person, JAFFE_CODES[code], path.stem, 0))
    return items, skipped


def ckplus_items(source: Path, clip_per: str = "sequence") -> tuple[list[Item], Counter]:
    """CK+48's ``<emotion>/S<subject>_<sequence>_<frame>.png``: each sequence its own clip
    (``clip_per="photo"``: each frame)."""
    items, skipped = [], Counter()
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        match = CKPLUS_NAME.match(path.name)
        expression = CKPLUS_FOLDERS.get(path.parent.name.lower())
        if match is None or expression is None:
            skipped["name or folder not of the set"] += 1
            continue
        person, sequence, frame = match.group(1).upper(), match.group(2), int(match.group(3))
        clip = sequence if clip_per == "sequence" else f"{sequence}_{frame:08d}"
        items.append(Item(path, person, expression, clip, frame))
    return items, skipped


def kdef_items(source: Path, clip_per: str = "photo") -> tuple[list[Item], Counter]:
    """KDEF's ``<session><gender><id><EXPRESSION><angle>.JPG``, the straight-on angle only:
    each photo its own clip; the person is gender and id (``F01``)."""
    items, skipped = [], Counter()
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        match = KDEF_NAME.match(path.name)
        if match is None:
            skipped["name not of the set"] += 1
            continue
        session, gender, number, code, angle = (g.upper() for g in match.groups())
        if angle != "S":
            skipped["not the straight-on angle"] += 1
            continue
        if code not in KDEF_CODES:
            skipped[f"unknown code {code}"] += 1
            continue
        items.append(Item(path, f"{gender}{number}", KDEF_CODES[code], f"{session}{code}", 0))
    return items, skipped


SETS = {
    "jaffe": (jaffe_items, "photo"),
    "ckplus": (ckplus_items, "sequence"),
    "kdef": (kdef_items, "photo"),
}


def write_set(items: list[Item], out: Path, copy: bool = False) -> Path:
    """Link (or copy) the images to ``out/images/<person>/`` and write ``out/manifest.csv``
    (paths relative to it); the manifest's path."""
    out.mkdir(parents=True, exist_ok=True)
    rows, used = [], set()
    for item in sorted(items, key=lambda i: (i.person, i.clip, i.frame, i.source.name)):
        target = out / "images" / item.person / item.source.name
        if target in used:
            raise ValueError(f"two images of {item.person} are named {item.source.name}")
        used.add(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        if copy:
            shutil.copy2(item.source, target)
        else:
            os.symlink(item.source.resolve(), target)
        rows.append(
            (
                target.relative_to(out).as_posix(),
                item.person,
                item.expression,
                item.clip,
                item.frame,
            )
        )
    manifest = out / "manifest.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "person", "expression", "clip", "frame"])
        writer.writerows(rows)
    return manifest


def summary(items: list[Item]) -> str:
    """Persons, images, images per expression, and the persons with two clips or more of
    every one of the six classes."""
    clips: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for item in items:
        clips[item.person][item.expression].add(item.clip)
    full = [p for p, by in clips.items() if all(len(by[c]) >= 2 for c in CLASSES)]
    per_class = Counter(item.expression for item in items)
    lines = [
        f"{len(clips)} persons, {len(items)} images",
        "images per expression: " + ", ".join(f"{k} {v}" for k, v in sorted(per_class.items())),
        f"persons with >= 2 clips of each of the six classes ({', '.join(CLASSES)}): "
        f"{len(full)}" + (f" ({', '.join(sorted(full))})" if full else ""),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python docs/real_sets.py",
        description="Write manifest.csv (facedata's 'own' layout) for a copy of a public "
        "per-person expression set, its images linked under OUT_DIR/images.",
    )
    parser.add_argument("set", choices=sorted(SETS), help="which set SOURCE_DIR holds")
    parser.add_argument("source", type=Path, help="the set's folder as distributed")
    parser.add_argument("out", type=Path, help="where manifest.csv and images/ go")
    parser.add_argument(
        "--copy",
        action="store_true",
        help="copy the images (default: symbolic links to SOURCE_DIR)",
    )
    parser.add_argument(
        "--clip-per",
        choices=("photo", "sequence"),
        help="what one clip is (default: a sequence for ckplus, a photo "
        "otherwise; photo for ckplus puts frames of one sequence on "
        "both sides of the split)",
    )
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        parser.error(f"{args.source} is not a folder")
    find, default_clip = SETS[args.set]
    clip_per = args.clip_per or default_clip
    if clip_per == "sequence" and args.set != "ckplus":
        parser.error("--clip-per sequence is for ckplus (its photos come in sequences)")
    items, skipped = find(args.source, clip_per)
    if not items:
        print(f"no {args.set} image found under {args.source}", file=sys.stderr)
        return 1
    manifest = write_set(items, args.out, args.copy)
    print(f"{manifest}: {summary(items)}")
    for reason, n in skipped.most_common():
        print(f"  not listed: {n} files ({reason})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
