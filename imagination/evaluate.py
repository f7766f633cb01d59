"""How well an imagination model works on people it never saw (the issue's part 5).

On synthetic subjects drawn with a seed the training never used:

- **reconstruction**: mean L1 error of ``reconstruct(x, y)`` against that of
  predicting the mean image of the evaluation frames;
- **expressions**: an expression classifier trained on real rendered frames of
  these subjects (other frames than the inputs) labels each imagined face; the
  rate at which it names the target class is compared with its accuracy on
  held-out real frames of the same subjects (the ratio should be >= 0.8), per class;
- **identity**: a subject classifier trained on real frames of all the subjects
  (not the inputs) names the input's subject for each imagined face (>= 0.8);
- **features** (the project's own bar, for CLIFER, whose memories compare codes by
  distance): within each subject, the nearest code among the subject's frames of
  *other* clips names the frame's expression (>= 0.9; chance is 1/6).

The two judges are logistic regressions on HOG features (:class:`Judge`), fitted
here; they see only real rendered frames, never the model's output.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from facedata import CLASSES, FaceDataset

EVAL_SEED = 8_675_309  # identities of this seed are never used for training
#: Subjects for choosing among a training run's epochs (never those of the reported figures).
VALIDATION_SEED = EVAL_SEED + 1000
#: How many validation subjects a run scores its epochs on (three times the reported 12:
#: the figures of 12 subjects move by a few hundredths between draws).
VALIDATION_SUBJECTS = 36
#: The identity bar's task: name the input's person among this many subjects (the
#: reported 12). Larger evaluations judge identity within groups of about this size, so
#: that their identity figure measures the same task (among 36 it is much harder).
IDENTITY_GROUP = 12
#: The bars of part 5: expression ratio, identity kept, reconstruction vs the mean image.
BARS = {"expression_ratio": 0.8, "identity_kept": 0.8, "reconstruction_vs_mean": 0.5}
#: The encoder's bar: within-subject nearest-code expression accuracy (CLIFER's features).
FEATURE_BAR = 0.9


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
    #: Within-subject, leave-one-clip-out nearest-code expression accuracy of the encoder.
    feature_nn: float = float("nan")

    @property
    def expression_ratio(self) -> float:
        """Imagined target rate / real-frame accuracy (>= 0.8 is the bar)."""
        return self.imagined_target_rate / max(self.real_expression_accuracy, 1e-9)

    def margin(self, features: bool = True) -> float:
        """The worst bar's margin: ``min(ratio / 0.8, identity / 0.8, 0.5 * mean / rec,
        feature_nn / 0.9)``, the last only when measured and ``features``.

        At least 1 when every bar holds; what a training run maximises when it keeps
        its best epoch (``python -m imagination.train --keep-best N``; the features
        count when the run trains them, ``feature_weight > 0``).
        """
        margins = [self.expression_ratio / BARS["expression_ratio"],
                   self.identity_kept / BARS["identity_kept"],
                   BARS["reconstruction_vs_mean"] * self.mean_image_l1
                   / max(self.reconstruction_l1, 1e-9)]
        if features and not np.isnan(self.feature_nn):
            margins.append(self.feature_nn / FEATURE_BAR)
        return min(margins)

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
            f"features: the nearest code of the same subject (another clip) names the "
            f"expression {self.feature_nn:.3f}\n"
            f"{self.table().round(3).to_string()}"
        )


def identity_groups(n_subjects: int, group_size: int = IDENTITY_GROUP) -> np.ndarray:
    """The identity group of each of ``n_subjects`` subjects: ``round(n / group_size)``
    (at least 1) contiguous groups of as equal sizes as can be."""
    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 2:
        raise ValueError(f"group_size must be an int of at least 2, got {group_size!r}")
    if n_subjects < 1:
        raise ValueError(f"need at least one subject, got {n_subjects}")
    n_groups = max(1, round(n_subjects / group_size))
    return np.arange(n_subjects) * n_groups // n_subjects


def evaluation_faces(n_subjects: int, image_size: int, *, seed: int = EVAL_SEED,
                     clips_per_class: int = 4, frames_per_clip: int = 3) -> FaceDataset:
    """Real rendered frames of unseen synthetic subjects, every class."""
    from facedata.synthetic import make_dataset

    return make_dataset(n_subjects, clips_per_class=clips_per_class,
                        frames_per_clip=frames_per_clip, size=image_size, seed=seed)  # fmt: skip


def hog_features(images: np.ndarray) -> np.ndarray:
    """Histograms of oriented gradients of images in [-1, 1] (OpenCV's HOG on grey levels).

    8x8-pixel cells, 2x2-cell blocks with a one-cell stride, 9 orientation bins:
    the shape of the brows, eyes and mouth, which carry both the expression and
    much of the identity, with little weight on colour or brightness.
    """
    import cv2

    from .grids import to_uint8

    size = images.shape[1]
    descriptor = cv2.HOGDescriptor((size, size), (16, 16), (8, 8), (8, 8), 9)
    grey = to_uint8(images.mean(axis=-1))
    return np.stack([descriptor.compute(g).ravel() for g in grey]).astype(np.float64)


@dataclasses.dataclass
class Judge:
    """A multinomial logistic regression on standardised features (HOG features of the
    images, :func:`hog_features`, computed once by the caller for all its judges).

    The judges of part 5 see only real rendered frames. On the evaluation
    subjects they are near perfect (expressions about 0.99 on held-out clips,
    subjects 1.0), so a low rate on imagined faces is the imagination's fault.
    """

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)

    @classmethod
    def fit(cls, features: np.ndarray, targets: np.ndarray, n_outputs: int, *,
            l2: float = 10.0) -> Judge:
        """Fit to ``features`` (one row per image) and integer ``targets`` in 0..n_outputs-1."""
        mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
        weights, bias = fit_logistic((features - mean) / scale, targets, n_outputs, l2=l2)
        return cls(mean, scale, weights, bias)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The most probable output for each row of features."""
        return np.argmax((features - self.mean) / self.scale @ self.weights + self.bias, axis=1)


def fit_logistic(x: np.ndarray, y: np.ndarray, n_outputs: int, *, l2: float = 1.0,
                 max_iter: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by L-BFGS: (weights, bias) minimising the mean
    cross-entropy plus ``l2 / (2 n) * |weights|^2`` (the bias is not penalised)."""
    from scipy.optimize import minimize

    n, d = x.shape
    onehot = np.eye(n_outputs)[np.asarray(y, dtype=np.int64)]

    def objective(theta):
        w, b = theta[: d * n_outputs].reshape(d, n_outputs), theta[d * n_outputs:]
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        loss = -(onehot * log_p).sum() / n + 0.5 * l2 * (w * w).sum() / n
        residual = (np.exp(log_p) - onehot) / n
        grad = np.concatenate([(x.T @ residual + l2 * w / n).ravel(), residual.sum(axis=0)])
        return loss, grad

    theta = np.zeros(d * n_outputs + n_outputs)
    result = minimize(objective, theta, jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter})
    return result.x[: d * n_outputs].reshape(d, n_outputs), result.x[d * n_outputs:]


def nearest_code_accuracy(codes: np.ndarray, labels: np.ndarray, subjects: np.ndarray,
                          clips: np.ndarray) -> float:
    """Within each subject, how often the nearest code (Euclidean) among the subject's
    frames of other clips has the frame's label: how well distances between codes
    separate one person's expressions, which is what CLIFER's memories rely on.
    Frames of the same clip are excluded, being near copies of each other."""
    labels = np.asarray(labels)
    codes = np.asarray(codes, np.float64).reshape(len(labels), -1)
    subjects, clips = np.asarray(subjects), np.asarray(clips)
    right = 0
    for s in np.unique(subjects):
        mine = np.flatnonzero(subjects == s)
        x = codes[mine]
        d = np.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
        d[clips[mine][:, None] == clips[mine][None, :]] = np.inf
        right += int(np.sum(labels[mine][np.argmin(d, axis=1)] == labels[mine]))
    return right / len(labels)


class QualityEvaluator:
    """The part-5 figures of any model on ``n_subjects`` unseen subjects, with the
    model-independent work (rendering the faces, their HOG features, fitting the two
    judges) done once, so that scoring many epochs of a run costs little more than
    encoding and imagining (``python -m imagination.train --keep-best``).

    The inputs are one frame per class of each subject (``inputs_per_subject`` of
    them), each imagined under all six classes; the judges are trained on the
    subjects' other frames. The identity judge names the input's person within its
    group of about ``identity_group`` subjects (:func:`identity_groups`; one group
    for the reported 12), so that more subjects make the figure steadier, not harder.
    """

    def __init__(self, n_subjects: int = 12, *, image_size: int = 64,
                 inputs_per_subject: int = 6, seed: int = EVAL_SEED,
                 identity_group: int = IDENTITY_GROUP):
        faces = evaluation_faces(n_subjects, image_size, seed=seed)
        subjects = faces.subject_ids()
        subject_ids = np.array([subjects.index(s) for s in faces.subjects])
        # clips are "<subject>-<class>-<k>", k = 1..clips_per_class
        clip_number = np.array([int(c.rsplit("-", 1)[1]) for c in faces.clips])
        # the inputs: the first frame of clip 1 of the first `inputs_per_subject` classes
        is_input = ((clip_number == 1) & (faces.frames == 0)
                    & (faces.labels < inputs_per_subject))
        rest = ~is_input
        # held-out real frames for the expression judge's accuracy: each class's last clip
        last_clip = clip_number == clip_number.max()
        judge_train = rest & ~last_clip
        judge_test = rest & last_clip
        real = hog_features(faces.images)
        self.image_size, self.n_subjects = image_size, len(subjects)
        self.faces, self.subject_ids, self.is_input = faces, subject_ids, is_input
        self.expression_judge = Judge.fit(real[judge_train], faces.labels[judge_train],
                                          len(CLASSES))
        # identity: one judge per group of about `identity_group` subjects (see IDENTITY_GROUP)
        self.group_of = identity_groups(len(subjects), identity_group)  # per subject
        # index within its group (groups are contiguous runs of subjects)
        self.local_id = np.arange(len(subjects)) - np.searchsorted(self.group_of, self.group_of)
        self.identity_judges = []
        for g in range(self.group_of.max() + 1):
            rows = rest & (self.group_of[subject_ids] == g)
            self.identity_judges.append(Judge.fit(real[rows], self.local_id[subject_ids[rows]],
                                                  int(np.sum(self.group_of == g))))
        self.real_said = self.expression_judge.predict(real[judge_test])
        self.real_truth = faces.labels[judge_test]
        self.mean_image = faces.images[rest].mean(axis=0)

    def __call__(self, model) -> QualityReport:
        """The report of ``model`` (anything with ``encode``, ``imagine`` and
        ``reconstruct`` on images in [-1, 1] of this evaluator's size)."""
        faces, is_input = self.faces, self.is_input
        size = int(model.config.image_size) if hasattr(model, "config") else self.image_size
        if size != self.image_size:
            raise ValueError(f"this evaluator renders {self.image_size}x{self.image_size} "
                             f"faces; the model takes {size}x{size}")
        x, y = faces.images[is_input], faces.labels[is_input]
        who = self.subject_ids[is_input]
        recon = np.asarray(model.reconstruct(x, y))
        codes = np.asarray(model.encode(faces.images))  # every frame: for the features too
        imagined = np.asarray(model.imagine(codes[is_input], classes=range(len(CLASSES))))
        n = len(x)
        flat = imagined.reshape(n * len(CLASSES), *imagined.shape[2:])
        targets = np.tile(np.arange(len(CLASSES)), n)
        owners = np.repeat(who, len(CLASSES))
        imagined_features = hog_features(flat)
        said_class = self.expression_judge.predict(imagined_features)
        kept = np.zeros(len(flat), bool)  # the owner's group's judge names the owner
        for g, judge in enumerate(self.identity_judges):
            rows = self.group_of[owners] == g
            kept[rows] = judge.predict(imagined_features[rows]) == self.local_id[owners[rows]]
        real_said, real_truth = self.real_said, self.real_truth

        per_class = {}
        for c, name in enumerate(CLASSES):
            real_acc = float(np.mean(real_said[real_truth == c] == c))
            rate = float(np.mean(said_class[targets == c] == c))
            per_class[name] = {
                "real_accuracy": real_acc,
                "imagined_target_rate": rate,
                "ratio": rate / max(real_acc, 1e-9),
                "identity_kept": float(np.mean(kept[targets == c])),
            }
        return QualityReport(
            reconstruction_l1=float(np.mean(np.abs(recon - x))),
            mean_image_l1=float(np.mean(np.abs(self.mean_image[None] - x))),
            real_expression_accuracy=float(np.mean(real_said == real_truth)),
            imagined_target_rate=float(np.mean(said_class == targets)),
            identity_kept=float(np.mean(kept)),
            per_class=per_class,
            n_subjects=self.n_subjects,
            n_inputs=n,
            feature_nn=nearest_code_accuracy(codes, faces.labels, self.subject_ids,
                                             np.asarray(faces.clips)),
        )


def evaluate_quality(model, *, n_subjects: int = 12, inputs_per_subject: int = 6,
                     seed: int = EVAL_SEED) -> QualityReport:
    """The part-5 figures of ``model`` on ``n_subjects`` unseen subjects (see
    :class:`QualityEvaluator`, which this builds and calls once)."""
    size = int(model.config.image_size) if hasattr(model, "config") else 64
    return QualityEvaluator(n_subjects, image_size=size, inputs_per_subject=inputs_per_subject,
                            seed=seed)(model)
