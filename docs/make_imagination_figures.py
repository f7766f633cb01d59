"""Figures of docs/imagination.md: what the shipped ``cpu`` model imagines for people it
never saw, and how its quality compares with the quality bars.

    python docs/make_imagination_figures.py            # uses imagination/weights/cpu.keras
    python docs/make_imagination_figures.py --model runs/cpu/model.keras \
        --losses runs/cpu/losses.csv

Writes ``docs/figures/imagination-unseen.png`` (each input beside its six
translations, as the paper's Fig. 2), ``docs/figures/imagination-quality.png``
(per class: the expression judge on real frames and on imagined faces, and the
identity judge on imagined faces) and, given the run's ``losses.csv``,
``docs/figures/imagination-losses.png``. Prints the quality report.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

FIGURES = Path(__file__).resolve().parent / "figures"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a .keras CAAE (default: the shipped cpu)")
    parser.add_argument("--losses", type=Path, help="the training run's losses.csv")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from facedata import CLASSES
    from imagination import load, load_pretrained
    from imagination.evaluate import EVAL_SEED, evaluate_quality, evaluation_faces
    from imagination.grids import write_grid

    model = load(args.model, compile=False) if args.model else load_pretrained("cpu")
    FIGURES.mkdir(exist_ok=True)

    faces = evaluation_faces(4, model.config.image_size, seed=EVAL_SEED)
    subjects = faces.subject_ids()
    picks = [
        np.flatnonzero(
            (np.asarray(faces.subjects) == s) & (faces.labels == c) & (faces.frames == 0)
        )[0]
        for s, c in zip(subjects, [1, 3, 0, 5], strict=True)
    ]
    write_grid(FIGURES / "imagination-unseen.png", model, faces.images[picks])

    report = evaluate_quality(model)
    print(report)
    table = report.table()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    x = np.arange(len(CLASSES))
    ax.bar(x - 0.27, table["real_accuracy"], 0.27, label="expression judge, real frames")
    ax.bar(x, table["imagined_target_rate"], 0.27, label="expression judge, imagined: target")
    ax.bar(x + 0.27, table["identity_kept"], 0.27, label="identity judge, imagined: input's person")
    ax.axhline(0.8, color="k", lw=0.8, ls="--")
    ax.set_xticks(x, CLASSES)
    ax.set_ylim(0, 1.05)
    ax.set_title(
        f"{report.n_subjects} unseen subjects: expression ratio "
        f"{report.expression_ratio:.2f}, identity kept {report.identity_kept:.2f}",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(FIGURES / "imagination-quality.png", dpi=120)

    if args.losses:
        losses = pd.read_csv(args.losses)
        fig, axes = plt.subplots(1, 2, figsize=(8, 3))
        losses.plot(x="epoch", y=["loss_rec", "loss_pair"], ax=axes[0])
        axes[0].set_title("L1: reconstruction and paired translation", fontsize=9)
        losses.plot(x="epoch", y=["loss_img_d", "loss_z_d", "loss_cls"], ax=axes[1])
        axes[1].set_title("discriminators and classifier", fontsize=9)
        fig.tight_layout()
        fig.savefig(FIGURES / "imagination-losses.png", dpi=120)


if __name__ == "__main__":
    main()
