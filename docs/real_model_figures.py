"""Figures and tables of docs/imagination.md for the shipped ``real`` model: how it does on
real faces it never saw. Nothing of the public data sets is written into the repository
(no face images): only bar charts, loss curves and numbers.

    python docs/real_model_figures.py --fer FER_ROOT --lfw LFW_ROOT/images \
        [--model imagination/weights/real.keras] [--losses runs/real/losses.csv]

``FER_ROOT``: FER2013 as the ``fer2013`` loader reads it (the Kaggle CSV or an image-folder
copy with train/validation/test); ``LFW_ROOT/images``: Labeled Faces in the Wild,
``<person>/<photos>`` (persons with 30 photos or more are used, 40 photos each).

Writes ``docs/figures/real-quality.png`` (per class: the expression judge on real test
faces and on imagined faces, and the model's own classifier on the real test faces),
``docs/figures/real-identity.png`` (identity kept per imagined class beside the judge's
accuracy on real photos) and, given ``--losses``, ``docs/figures/real-losses.png``;
prints every figure as a Markdown table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

FIGURES = Path(__file__).resolve().parent / "figures"


def classifier_accuracy(model, faces) -> dict[str, float]:
    """The model's classifier C (trained on FER2013's train split) on real faces, per class:
    the generic, unpersonalised recogniser the experiments compare with."""
    from facedata import CLASSES

    logits = model.classifier.predict(model.prepare(faces.images), batch_size=256, verbose=0)
    said = np.argmax(logits, axis=1)
    return {
        "all": float(np.mean(said == faces.labels)),
        **{c: float(np.mean(said[faces.labels == i] == i)) for i, c in enumerate(CLASSES)},
    }


def nearest_neighbour_accuracy(features: np.ndarray, labels: np.ndarray) -> float:
    """Leave-one-out 1-NN accuracy (Euclidean) among ``features``: how much of the
    expression their distances carry across people (FER2013 has no persons, so this
    is not the within-person figure CLIFER's memories rely on)."""
    x = np.asarray(features, np.float64)
    squared = (x * x).sum(axis=1)
    d = squared[:, None] + squared[None, :] - 2 * x @ x.T
    np.fill_diagonal(d, np.inf)
    return float(np.mean(labels[np.argmin(d, axis=1)] == labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fer", type=Path, required=True, help="FER2013's folder")
    parser.add_argument("--lfw", type=Path, help="LFW's <person>/<photos> folder")
    parser.add_argument("--model", type=Path, help="a .keras CAAE (default: the shipped real)")
    parser.add_argument("--losses", type=Path, help="the training run's losses.csv")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from facedata import CLASSES
    from facedata import load as load_faces
    from imagination import load, load_pretrained
    from imagination.evaluate import ExpressionEvaluator

    model = load(args.model, compile=False) if args.model else load_pretrained("real")
    size = model.config.image_size
    FIGURES.mkdir(exist_ok=True)
    faces, _ = load_faces("fer2013", args.fer, image_size=size, progress=False)
    test = faces.for_split("test")
    report = ExpressionEvaluator(faces.for_split("train"), test, source="FER2013 test split")(model)
    print(report)
    generic = classifier_accuracy(model, test)
    table = report.table().drop(columns=["identity_kept"])
    table["classifier_C"] = [generic[c] for c in CLASSES]
    print(
        "\n| class | judge on real test faces | imagined faces named the target | ratio |"
        " C on real test faces |\n| --- | --- | --- | --- | --- |"
    )
    for c, row in table.iterrows():
        print(
            f"| {c} | {row['real_accuracy']:.3f} | {row['imagined_target_rate']:.3f} | "
            f"{row['ratio']:.2f} | {row['classifier_C']:.3f} |"
        )
    print(
        f"| all | {report.real_expression_accuracy:.3f} | {report.imagined_target_rate:.3f} |"
        f" {report.expression_ratio:.2f} | {generic['all']:.3f} |"
    )
    print(
        f"\nreconstruction L1 {report.reconstruction_l1:.4f}, mean image {report.mean_image_l1:.4f}"
    )
    from imagination.evaluate import hog_features

    codes = model.encode(test.images)
    part = codes[:, -model.config.expression_dims :] if model.config.expression_dims else codes
    print("\n1-NN among the other test faces (leave one out, across people):")
    for name, features in (
        ("codes (50-d)", codes),
        ("expression part", part),
        ("HOG of the crops", hog_features(model.prepare(test.images))),
    ):
        print(f"  {name}: {nearest_neighbour_accuracy(features, test.labels):.3f}")

    fig, ax = plt.subplots(figsize=(7, 3.2))
    x = np.arange(len(CLASSES))
    ax.bar(x - 0.27, table["real_accuracy"], 0.27, label="HOG judge, real test faces")
    ax.bar(x, table["imagined_target_rate"], 0.27, label="HOG judge, imagined: target")
    ax.bar(x + 0.27, table["classifier_C"], 0.27, label="the model's classifier C, real")
    ax.axhline(1 / 6, color="k", lw=0.8, ls=":")
    ax.set_xticks(x, CLASSES)
    ax.set_ylim(0, 1)
    ax.set_ylabel("rate")
    ax.set_title("real model on FER2013's test split (never trained on)")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(FIGURES / "real-quality.png", dpi=110)
    plt.close(fig)

    if args.lfw is not None:
        from imagination.identity_keeping import IdentityEvaluator, person_photos

        images, persons, skipped = person_photos(args.lfw, size, progress=False)
        print(f"\nLFW: {len(images)} crops of {len(set(persons))} persons; {skipped}")
        identity = IdentityEvaluator(images, persons, source="LFW")(model)
        print(identity)
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.bar(
            np.arange(len(CLASSES)),
            [identity.per_class[c] for c in CLASSES],
            label="imagined faces named as the input's person",
        )
        ax.axhline(
            identity.judge_accuracy,
            color="C1",
            lw=1.2,
            label=f"judge on real held-out photos ({identity.judge_accuracy:.2f})",
        )
        ax.axhline(1 / 12, color="k", lw=0.8, ls=":", label="chance (groups of about 12)")
        ax.set_xticks(np.arange(len(CLASSES)), CLASSES)
        ax.set_ylim(0, 1)
        ax.set_title("identity kept (LFW persons never trained on)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(FIGURES / "real-identity.png", dpi=110)
        plt.close(fig)

    if args.losses is not None:
        losses = pd.read_csv(args.losses)
        fig, axes = plt.subplots(1, 3, figsize=(10, 3))
        epochs = losses["epoch"] + 1
        axes[0].plot(epochs, losses["loss_rec"], label="L1 reconstruction")
        axes[0].plot(epochs, losses["loss_feat"], label="feature (expression head CE)")
        axes[1].plot(epochs, losses["loss_cls"], label="C on real faces")
        axes[1].plot(epochs, losses["loss_cls_g"], label="C on translations")
        axes[2].plot(epochs, losses["loss_img_d"], label="D_img")
        axes[2].plot(epochs, losses["loss_z_d"], label="D_z")
        for ax in axes:
            ax.set_xlabel("epoch")
            ax.legend(fontsize=7)
        fig.suptitle("real preset on FER2013's train split")
        fig.tight_layout()
        fig.savefig(FIGURES / "real-losses.png", dpi=110)
        plt.close(fig)


if __name__ == "__main__":
    main()
