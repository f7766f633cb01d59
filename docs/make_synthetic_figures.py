"""Regenerate the figures and the numbers of ``docs/synthetic-faces.md``.

    python docs/make_synthetic_figures.py            # about 90 s on 2 cores

- ``figures/synthetic-faces.png``: the six expressions of six subjects
  (:func:`facedata.synthetic.expression_sheet`);
- ``figures/synthetic-clip.png``: frames of a clip with the recorded face box
  and the box OpenCV's Haar cascade finds;
- ``figures/synthetic-personalisation.png``: per-subject accuracy of HOG + PCA +
  logistic regression trained on the other subjects (leave one subject out) and
  on the subject's own clips, for subjects with individual differences and for
  the control population that expresses alike;
- the detection rate of the cascade over many subjects, expressions and frames,
  and the rendering speed.

The numbers go between ``<!-- generated:numbers -->`` and
``<!-- /generated:numbers -->`` in the page.
"""

from __future__ import annotations

import platform
import re
import time
from pathlib import Path

import cv2
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from skimage.feature import hog
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from facedata import CLASSES
from facedata import synthetic as S

DOCS = Path(__file__).resolve().parent
FIGURES = DOCS / "figures"
PAGE = DOCS / "synthetic-faces.md"
CASCADE = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"


def sheet_figure() -> None:
    """Six subjects' six expressions, with what makes each subject express differently."""
    people = S.sample_persons(6, seed=0)
    fig, axes = plt.subplots(len(people), 1, figsize=(9, 1.75 * len(people)))
    for ax, person in zip(axes, people, strict=True):
        ax.imshow(S.expression_sheet(person, size=112))
        traits = [f"gain {person.gain:.2f}", f"asymmetry {person.asymmetry:+.2f}"]
        traits += [f"rests {person.resting}"] if person.resting else []
        traits += list(person.variants)
        ax.set_title(f"{person.name}: " + ", ".join(traits), fontsize=8, loc="left")
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(FIGURES / "synthetic-faces.png", dpi=110)
    plt.close(fig)


def iou(a, b) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy / (a[2] * a[3] + b[2] * b[3] - ix * iy)


def detect(cascade, frame) -> np.ndarray | None:
    """The largest face the cascade finds (x, y, w, h), with the loaders' settings."""
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    w = frame.shape[1]
    found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(w // 5,) * 2)
    return max(found, key=lambda r: r[2] * r[3]) if len(found) else None


def detection(n_subjects: int = 24, n_frames: int = 45, step: int = 4) -> dict:
    """Detection rate (largest detection with IoU >= 0.5 against the recorded box)."""
    cascade = cv2.CascadeClassifier(CASCADE)
    hits, found, total, per_class = 0, 0, 0, np.zeros(len(CLASSES))
    for k, person in enumerate(S.sample_persons(n_subjects, seed=100)):
        for expression in range(len(CLASSES)):
            for intensity in ("low", "high"):
                frames, boxes = S.render_clip(
                    person, expression, n_frames, intensity=intensity, seed=k, talk=0.2
                )
                for i in range(0, n_frames, step):
                    box = detect(cascade, frames[i])
                    total += 1
                    found += box is not None
                    ok = box is not None and iou(box, boxes[i]) >= 0.5
                    hits += ok
                    per_class[expression] += ok
    per_frame_class = total / len(CLASSES)
    return {
        "frames": total,
        "rate": hits / total,
        "found": found / total,
        "per_class": per_class / per_frame_class,
    }


def clip_figure() -> None:
    cascade = cv2.CascadeClassifier(CASCADE)
    person = S.sample_persons(3, seed=0)[2]
    frames, boxes = S.render_clip(person, 2, 45, seed=3)
    shown = []
    for i in (0, 9, 16, 22, 30, 38, 44):
        frame = frames[i].copy()
        x, y, w, h = boxes[i]
        cv2.rectangle(frame, (x, y), (x + w, y + h), (0, 255, 0), 1)
        box = detect(cascade, frames[i])
        if box is not None:
            x, y, w, h = box
            cv2.rectangle(frame, (x, y), (x + w, y + h), (255, 0, 0), 1)
        shown.append(frame)
    fig, ax = plt.subplots(figsize=(11, 1.9))
    ax.imshow(np.hstack(shown))
    ax.set_title(
        "surprise clip, frames 0 9 16 22 30 38 44: recorded face box (green), Haar cascade (red)",
        fontsize=9,
    )
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(FIGURES / "synthetic-clip.png", dpi=110)
    plt.close(fig)


def personalisation(individual: bool, n_subjects: int = 12, size: int = 64) -> dict:
    """Leave-one-subject-out vs within-subject accuracy of HOG + PCA + logistic regression.

    Every subject has 4 clips per class (low, high, low, high intensity) of 10 jittered
    frames; within-subject models train on clips 1 and 4 and test on clips 2 and 3.
    """
    people = S.sample_persons(n_subjects, seed=0, individual=individual)
    data = S.make_dataset(
        persons=people, clips_per_class=4, frames_per_clip=10, size=size, seed=0, jitter=0.5
    )
    gray = data.images.mean(-1)
    features = np.stack([hog(g, pixels_per_cell=(8, 8), cells_per_block=(2, 2)) for g in gray])

    def model(n_components: int):
        return make_pipeline(
            StandardScaler(),
            PCA(n_components, random_state=0),
            LogisticRegression(C=0.1, max_iter=2000),
        )

    later = np.char.endswith(data.clips, "-02") | np.char.endswith(data.clips, "-03")
    cross, within = [], []
    for subject in data.subject_ids():
        own = data.subjects == subject
        cross.append(
            model(60).fit(features[~own], data.labels[~own]).score(features[own], data.labels[own])
        )
        train, test = own & ~later, own & later
        within.append(
            model(30)
            .fit(features[train], data.labels[train])
            .score(features[test], data.labels[test])
        )
    return {"cross": np.array(cross), "within": np.array(within), "n_images": len(data)}


def personalisation_figure(results: dict) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
    for ax, (title, r) in zip(axes, results.items(), strict=True):
        x = np.arange(len(r["cross"]))
        ax.bar(x - 0.2, r["cross"], 0.4, label=f"other subjects (mean {r['cross'].mean():.2f})")
        ax.bar(x + 0.2, r["within"], 0.4, label=f"own clips (mean {r['within'].mean():.2f})")
        ax.set_xticks(x, [f"S{i + 1:02d}" for i in x], fontsize=7)
        ax.set_title(title, fontsize=10)
        ax.set_ylim(0, 1.05)
        ax.axhline(1 / len(CLASSES), color="grey", lw=0.8, ls=":")
        ax.legend(fontsize=8, loc="lower left")
    axes[0].set_ylabel("accuracy on the subject")
    fig.tight_layout()
    fig.savefig(FIGURES / "synthetic-personalisation.png", dpi=110)
    plt.close(fig)


def speed() -> dict:
    """Frames per second on one core: render_face with jitter, and render_clip."""
    cv2.setNumThreads(1)
    people = S.sample_persons(6, seed=0)
    rng = np.random.default_rng(0)
    jitters = [S.Jitter.random(rng) for _ in range(1200)]
    for person in people:
        S.render_face(person, 0, size=96)
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        for i, jitter in enumerate(jitters):
            S.render_face(people[i % 6], (i // 6) % 6, 1.0, 96, jitter=jitter)
        best = min(best, time.perf_counter() - t0)
    t0 = time.perf_counter()
    S.render_clip(people[0], 2, 450, seed=1)
    clip = 450 / (time.perf_counter() - t0)
    cv2.setNumThreads(-1)
    return {"face": len(jitters) / best, "clip": clip}


def write_numbers(text: str) -> None:
    page = PAGE.read_text()
    pattern = re.compile(r"(<!-- generated:numbers -->\n).*?(<!-- /generated:numbers -->)", re.S)
    PAGE.write_text(pattern.sub(lambda m: m.group(1) + text + m.group(2), page))


def main() -> None:
    FIGURES.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    sheet_figure()
    clip_figure()
    fast = speed()
    found = detection()
    results = {
        "with individual differences": personalisation(True),
        "control: everyone expresses alike": personalisation(False),
    }
    personalisation_figure(results)
    lines = [
        f"Measured on {platform.machine()}, Python {platform.python_version()}, "
        f"OpenCV {cv2.__version__} ({time.perf_counter() - t0:.0f} s for this script):",
        "",
        f"- speed, one core: `render_face` 96x96 with jitter {fast['face']:.0f} frames/s; "
        f"`render_clip` 160x128 {fast['clip']:.0f} frames/s",
        f"- Haar cascade, {found['frames']} frames (24 subjects x 6 classes x 2 intensities x "
        f"12 frames of each clip): a face found in {found['found']:.1%}, the largest one "
        f"overlapping the recorded box (IoU >= 0.5) in {found['rate']:.1%}; per class: "
        + ", ".join(f"{c} {r:.0%}" for c, r in zip(CLASSES, found["per_class"], strict=True)),
    ]
    for title, r in results.items():
        gap = r["within"] - r["cross"]
        lines.append(
            f"- {title} ({r['n_images']} images of 64x64): leave-one-subject-out accuracy "
            f"{r['cross'].mean():.3f} (range {r['cross'].min():.2f}-{r['cross'].max():.2f}), "
            f"within-subject {r['within'].mean():.3f} (range {r['within'].min():.2f}-"
            f"{r['within'].max():.2f}); own clips better by {gap.mean():.3f} on average, "
            f"on {int((gap > 0).sum())} of {len(gap)} subjects"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    write_numbers(text)


if __name__ == "__main__":
    main()
