"""How well an imagination model works on people it never saw (the issue's part 5).

On synthetic subjects drawn with a seed the training never used:

- **reconstruction**: mean L1 error of ``reconstruct(x, y)`` against that of
  predicting the mean image of the evaluation frames;
- **expressions**: an expression classifier trained on real rendered frames of
  these subjects (other frames than the inputs) labels each imagined face; the
  rate at which it names the target class is compared with its accuracy on
  held-out real frames of the same subjects (the ratio should be >= 0.8), per class;
- **identity**: a subject classifier trained on real frames of all the subjects
  (not the inputs) names the input's subject for each imagined face (>= 0.8).

The two judges are small convolutional networks trained here; they see only
real rendered frames, never the model's output.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from clifer.data import CLASSES, FaceDataset

EVAL_SEED = 8_675_309  # identities of this seed are never used for training


@dataclasses.dataclass
class QualityReport:
    """The part-5 figures of one model on unseen subjects."""

    reconstruction_l1: float
    mean_image_l1: float
    real_expression_accuracy: float
    imagined_target_rate: float
    identity_kept: float
    per_class: dict  # class -> {"real_accuracy", "imagined_target_rate", "ratio", "identity_kept"}
    n_subjects: int
    n_inputs: int

    @property
    def expression_ratio(self) -> float:
        """Imagined target rate / real-frame accuracy (>= 0.8 is the bar)."""
        return self.imagined_target_rate / max(self.real_expression_accuracy, 1e-9)

    def table(self):
        """Per-class figures as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.per_class).T.loc[list(CLASSES)]

    def __str__(self) -> str:
        return (
            f"unseen subjects: {self.n_subjects}, inputs: {self.n_inputs}\n"
            f"reconstruction L1 {self.reconstruction_l1:.4f} "
            f"(mean image {self.mean_image_l1:.4f})\n"
            f"expressions: imagined faces get their target class {self.imagined_target_rate:.3f}, "
            f"real frames are classified right {self.real_expression_accuracy:.3f} "
            f"(ratio {self.expression_ratio:.2f})\n"
            f"identity kept in {self.identity_kept:.3f} of the imagined faces\n"
            f"{self.table().round(3).to_string()}"
        )


def evaluation_faces(n_subjects: int, image_size: int, *, seed: int = EVAL_SEED,
                     clips_per_class: int = 4, frames_per_clip: int = 3) -> FaceDataset:
    """Real rendered frames of unseen synthetic subjects, every class."""
    from clifer.data.synthetic import make_dataset

    return make_dataset(n_subjects, clips_per_class=clips_per_class,
                        frames_per_clip=frames_per_clip, size=image_size, seed=seed)  # fmt: skip


def train_judge(images: np.ndarray, labels: np.ndarray, n_outputs: int, *, epochs: int = 15,
                seed: int = 0):
    """A small CNN classifier of images in [-1, 1] (the expression or identity judge)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    size = images.shape[1]
    model = keras.Sequential([
        keras.Input((size, size, 3)),
        layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(64, 3, padding="same", activation="relu"), layers.GlobalAveragePooling2D(),
        layers.Dense(64, activation="relu"), layers.Dense(n_outputs, activation="softmax"),
    ])  # fmt: skip
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
                  jit_compile=False)  # fmt: skip
    model.fit(images, labels, epochs=epochs, batch_size=32, verbose=0, shuffle=True)
    return model


def _predict(model, images: np.ndarray) -> np.ndarray:
    return np.argmax(model.predict(images, batch_size=256, verbose=0), axis=1)


def evaluate_quality(model, *, n_subjects: int = 12, inputs_per_subject: int = 6,
                     seed: int = EVAL_SEED, judge_epochs: int = 15) -> QualityReport:
    """The part-5 figures of ``model`` (anything with ``encode``, ``imagine`` and
    ``reconstruct`` on images in [-1, 1]) on ``n_subjects`` unseen subjects.

    The inputs are one frame per class of each subject (``inputs_per_subject``
    of them), each imagined under all six classes; the judges are trained on the
    subjects' other frames.
    """
    size = int(model.config.image_size) if hasattr(model, "config") else None
    faces = evaluation_faces(n_subjects, size or 64, seed=seed)
    subjects = faces.subject_ids()
    subject_ids = np.array([subjects.index(s) for s in faces.subjects])
    # clips are "<subject>-<class>-<k>", k = 1..clips_per_class
    clip_number = np.array([int(c.rsplit("-", 1)[1]) for c in faces.clips])
    # the inputs: the first frame of clip 1 of the first `inputs_per_subject` classes
    is_input = (clip_number == 1) & (faces.frames == 0) & (faces.labels < inputs_per_subject)
    rest = ~is_input
    # held-out real frames for the expression judge's accuracy: each class's last clip
    last_clip = clip_number == clip_number.max()
    judge_train = rest & ~last_clip
    judge_test = rest & last_clip
    expression_judge = train_judge(faces.images[judge_train], faces.labels[judge_train],
                                   len(CLASSES), epochs=judge_epochs, seed=seed)  # fmt: skip
    identity_judge = train_judge(faces.images[rest], subject_ids[rest], len(subjects),
                                 epochs=judge_epochs, seed=seed + 1)  # fmt: skip

    x, y, who = faces.images[is_input], faces.labels[is_input], subject_ids[is_input]
    recon = np.asarray(model.reconstruct(x, y))
    mean_image = faces.images[rest].mean(axis=0)
    z = model.encode(x)
    imagined = np.asarray(model.imagine(z, classes=range(len(CLASSES))))  # (n, 6, H, W, 3)
    n = len(x)
    flat = imagined.reshape(n * len(CLASSES), *imagined.shape[2:])
    targets = np.tile(np.arange(len(CLASSES)), n)
    owners = np.repeat(who, len(CLASSES))
    said_class = _predict(expression_judge, flat)
    said_subject = _predict(identity_judge, flat)
    real_said = _predict(expression_judge, faces.images[judge_test])
    real_truth = faces.labels[judge_test]

    per_class = {}
    for c, name in enumerate(CLASSES):
        real_acc = float(np.mean(real_said[real_truth == c] == c))
        rate = float(np.mean(said_class[targets == c] == c))
        per_class[name] = {
            "real_accuracy": real_acc,
            "imagined_target_rate": rate,
            "ratio": rate / max(real_acc, 1e-9),
            "identity_kept": float(np.mean(said_subject[targets == c] == owners[targets == c])),
        }
    return QualityReport(
        reconstruction_l1=float(np.mean(np.abs(recon - x))),
        mean_image_l1=float(np.mean(np.abs(mean_image[None] - x))),
        real_expression_accuracy=float(np.mean(real_said == real_truth)),
        imagined_target_rate=float(np.mean(said_class == targets)),
        identity_kept=float(np.mean(said_subject == owners)),
        per_class=per_class,
        n_subjects=len(subjects),
        n_inputs=n,
    )
