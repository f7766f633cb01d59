"""Measure the figures of docs/datasets.md, "Face detection": faces found and false faces
per detector (MTCNN, the default, and OpenCV's Haar cascade), on photo sets.

    python docs/detection_figures.py                       # the photos that ship in packages
    python docs/detection_figures.py --faces LFW/images/George_W_Bush \\
        --faces COURSE/Resources/Faces --non-faces SCENES/data --sheet flagged.png

Sets that ship in packages (always measured):

- *packaged faces*: scikit-image's ``astronaut`` and ``camera`` and matplotlib's
  ``grace_hopper``, and the 100 faces of scikit-image's ``lfw_subset`` (25x25,
  enlarged 4 times with a 30-pixel border, as in the tests);
- *packaged non-faces*: the 100 non-faces of ``lfw_subset`` (same treatment) and 18
  scikit-image photos without a human face (tests/facedata/photos.py lists them).

``--faces DIR`` (repeatable): every image under DIR shows a face. Counted: images in
which a face is found, and images in which a face box holds the image's centre (how
LFW names the pictured person: "the face that contains the central pixel").

``--non-faces DIR`` (repeatable): images expected to show no face. Counted: images
with at least one face box, and boxes. A scene photo may show people after all, so
the images with boxes are listed (and drawn, with ``--sheet FILE``, on a contact
sheet) for a check by eye; docs/datasets.md gives that check's result.

Prints a Markdown table: per set and detector, the counts and the mean time per image.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "facedata"))  # the packaged photo sets

from photos import FACE_PHOTOS, NON_FACE_PHOTOS, lfw_subset, non_face_bgr  # noqa: E402

from facedata.faces import DETECTORS, detector_named  # noqa: E402

SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".ppm", ".tif", ".tiff")


def images_under(folder: Path) -> list[Path]:
    """Every image file under ``folder``, in name order."""
    found = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES)
    if not found:
        raise SystemExit(f"no images under {folder}")
    return found


def measure(detector, images, faces: bool) -> dict:
    """Counts over ``images`` (pairs of a name and a loader of a BGR image)."""
    found = centred = boxes = 0
    flagged, seconds = [], 0.0
    for name, load in images:
        image = load()
        start = time.perf_counter()
        found_boxes = detector.detect(image)
        seconds += time.perf_counter() - start
        height, width = image.shape[:2]
        boxes += len(found_boxes)
        found += bool(found_boxes)
        centred += any(
            x <= width / 2 <= x + w and y <= height / 2 <= y + h for x, y, w, h in found_boxes
        )
        if found_boxes and not faces:
            flagged.append((name, found_boxes))
    return {
        "images": len(images),
        "found": found,
        "centred": centred,
        "boxes": boxes,
        "flagged": flagged,
        "ms": 1000 * seconds / max(1, len(images)),
    }


def packaged_sets() -> list[tuple[str, bool, list]]:
    lfw = lfw_subset()
    faces = [(name, loader) for name, (loader, _) in sorted(FACE_PHOTOS.items())]
    faces += [(f"lfw_subset[{i}]", lambda i=i: lfw[i]) for i in range(100)]
    non_faces = [(f"lfw_subset[{i}]", lambda i=i: lfw[i]) for i in range(100, 200)]
    non_faces += [(name, lambda name=name: non_face_bgr(name)) for name in NON_FACE_PHOTOS]
    return [
        ("packaged faces (3 photos + LFW subset's 100 faces)", True, faces),
        ("packaged non-faces (LFW subset's 100 + 18 photos)", False, non_faces),
    ]


def folder_set(folder: Path, faces: bool) -> tuple[str, bool, list]:
    paths = images_under(folder)
    loaders = [
        (str(p.relative_to(folder)), lambda p=p: cv2.imread(str(p), cv2.IMREAD_COLOR))
        for p in paths
    ]
    return (
        f"{'faces' if faces else 'non-faces'}: {folder.name}/ ({len(paths)} images)",
        faces,
        loaders,
    )


def contact_sheet(path: Path, flagged: dict[str, list], roots: dict[str, Path]) -> None:
    """The flagged non-face images, boxes drawn (red MTCNN, green Haar), 160 pixels each."""
    colours = {"mtcnn": (0, 0, 255), "haar": (0, 200, 0)}
    tiles = []
    for (label, name), by_detector in sorted(flagged.items()):
        root = roots.get(label)
        image = (
            cv2.imread(str(root / name))
            if root is not None
            else non_face_bgr(name)
            if name in NON_FACE_PHOTOS
            else None
        )
        if image is None:
            continue
        for detector, boxes in by_detector.items():
            for x, y, w, h in boxes:
                cv2.rectangle(image, (x, y), (x + w, y + h), colours[detector], 2)
        tile = cv2.resize(image, (160, 160), interpolation=cv2.INTER_AREA)
        cv2.putText(
            tile, str(len(tiles)), (3, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 255, 255), 1
        )
        tiles.append(tile)
    if not tiles:
        return
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % 10)
    rows = [np.hstack(tiles[i : i + 10]) for i in range(0, len(tiles), 10)]
    cv2.imwrite(str(path), np.vstack(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--faces",
        type=Path,
        action="append",
        default=[],
        help="a folder of photos that each show a face (repeatable)",
    )
    parser.add_argument(
        "--non-faces",
        type=Path,
        action="append",
        default=[],
        help="a folder of photos expected to show no face (repeatable)",
    )
    parser.add_argument("--sheet", type=Path, help="draw the flagged non-face images here (.png)")
    parser.add_argument("--detectors", nargs="+", choices=DETECTORS, default=list(DETECTORS))
    args = parser.parse_args(argv)
    sets = packaged_sets()
    roots = {}
    for folder in args.faces:
        sets.append(folder_set(folder, True))
    for folder in args.non_faces:
        sets.append(folder_set(folder, False))
        roots[sets[-1][0]] = folder
    detectors = {name: detector_named(name) for name in args.detectors}
    for detector in detectors.values():  # load the cascade, build and trace the networks
        detector.detect(FACE_PHOTOS["astronaut"][0]())
    print("| set | detector | images | a face found | a face on the centre | boxes | ms/image |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    flagged: dict[tuple[str, str], dict] = {}
    for label, faces, images in sets:
        for name, detector in detectors.items():
            r = measure(detector, images, faces)
            share = f"{r['found']} ({100 * r['found'] / r['images']:.1f}%)"
            centred = f"{r['centred']} ({100 * r['centred'] / r['images']:.1f}%)" if faces else ""
            print(
                f"| {label} | {name} | {r['images']} | {share} | {centred} | {r['boxes']} "
                f"| {r['ms']:.0f} |",
                flush=True,
            )
            for image_name, boxes in r["flagged"]:
                flagged.setdefault((label, image_name), {})[name] = boxes
    if flagged:
        print("\nnon-face images with a face box (check them by eye):")
        for (label, name), by_detector in sorted(flagged.items()):
            print(f"  {label} :: {name}: " + "; ".join(f"{d} {b}" for d, b in by_detector.items()))
    if args.sheet:
        contact_sheet(args.sheet, flagged, roots)
        print(f"\ncontact sheet: {args.sheet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
