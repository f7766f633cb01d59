"""How well an imagination model works on people it never saw, against the quality bars.

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
from pathlib import Path

import numpy as np

from facedata import CLASSES, FaceDataset

EVAL_SEED = 8_675_309  # persons of this seed are never used for training
#: Subjects for choosing among a training run's epochs (never those of the reported figures).
VALIDATION_SEED = EVAL_SEED + 1000
#: How many validation subjects a run scores its epochs on (three times the reported 12:
#: the figures of 12 subjects move by a few hundredths between draws).
VALIDATION_SUBJECTS = 36
#: The identity bar's task: name the input's person among this many subjects (the
#: reported 12). Larger evaluations judge identity within groups of about this size, so
#: that their identity figure measures the same task (among 36 it is much harder).
IDENTITY_GROUP = 12
#: The quality bars: expression ratio, identity kept, reconstruction vs the mean image.
BARS = {"expression_ratio": 0.8, "identity_kept": 0.8, "reconstruction_vs_mean": 0.5}
#: The encoder's bar: within-subject nearest-code expression accuracy (CLIFER's features).
FEATURE_BAR = 0.9


@dataclasses.dataclass
class QualityReport:
    """The quality figures of one model on unseen subjects."""

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
    #: The same 1-NN on HOG features of the faces (what the codes are compared with).
    hog_nn: float = float("nan")
    #: Where the faces came from (a data set's name and split, or synthetic subjects).
    source: str = "synthetic subjects"

    @property
    def expression_ratio(self) -> float:
        """Imagined target rate / real-frame accuracy (>= 0.8 is the bar)."""
        return self.imagined_target_rate / max(self.real_expression_accuracy, 1e-9)

    @property
    def has_persons(self) -> bool:
        """Whether identity and per-person codes were measured (faces of known persons)."""
        return not np.isnan(self.identity_kept)

    def margin(self, features: bool = True) -> float:
        """The worst bar's margin: ``min(ratio / 0.8, identity / 0.8, 0.5 * mean / rec,
        feature_nn / 0.9)``, the last only when measured and ``features``.

        At least 1 when every bar holds; what a training run maximises when it keeps
        its best epoch (``python -m imagination.train --keep-best N``; the features
        count when the run trains them, ``feature_weight > 0``).
        """
        margins = [
            self.expression_ratio / BARS["expression_ratio"],
            BARS["reconstruction_vs_mean"] * self.mean_image_l1 / max(self.reconstruction_l1, 1e-9),
        ]
        if self.has_persons:
            margins.append(self.identity_kept / BARS["identity_kept"])
        if features and not np.isnan(self.feature_nn):
            margins.append(self.feature_nn / FEATURE_BAR)
        return min(margins)

    def table(self):
        """Per-class figures as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.per_class).T.loc[list(CLASSES)]

    def __str__(self) -> str:
        lines = [
            (
                f"{self.source}: {self.n_subjects} subjects, {self.n_inputs} inputs"
                if self.has_persons
                else f"{self.source}: {self.n_inputs} inputs"
            ),
            f"reconstruction L1 {self.reconstruction_l1:.4f} (mean image {self.mean_image_l1:.4f})",
            f"expressions: imagined faces get their target class {self.imagined_target_rate:.3f},"
            f" real faces are classified right {self.real_expression_accuracy:.3f} "
            f"(ratio {self.expression_ratio:.2f})",
        ]
        if self.has_persons:
            lines += [
                f"identity kept in {self.identity_kept:.3f} of the imagined faces",
                f"codes: the nearest code of the same subject (another clip) names the expression"
                f" {self.feature_nn:.3f} (the same on HOG features: {self.hog_nn:.3f})",
            ]
        table = self.table()
        if not self.has_persons:
            table = table.drop(columns=["identity_kept"])
        return "\n".join([*lines, table.round(3).to_string()])


def identity_groups(n_subjects: int, group_size: int = IDENTITY_GROUP) -> np.ndarray:
    """The identity group of each of ``n_subjects`` subjects: ``round(n / group_size)``
    (at least 1) contiguous groups of as equal sizes as can be."""
    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 2:
        raise ValueError(f"group_size must be an int of at least 2, got {group_size!r}")
    if n_subjects < 1:
        raise ValueError(f"need at least one subject, got {n_subjects}")
    n_groups = max(1, round(n_subjects / group_size))
    return np.arange(n_subjects) * n_groups // n_subjects


def evaluation_faces(
    n_subjects: int,
    image_size: int,
    *,
    seed: int = EVAL_SEED,
    clips_per_class: int = 4,
    frames_per_clip: int = 3,
) -> FaceDataset:
    """Real rendered frames of unseen synthetic subjects, every class."""
    from facedata.synthetic import make_dataset

    return make_dataset(
        n_subjects,
        clips_per_class=clips_per_class,
        frames_per_clip=frames_per_clip,
        size=image_size,
        seed=seed,
    )


class GroupJudges:
    """Identity judges: one :class:`Judge` per group of about ``group_size`` persons
    (:func:`identity_groups`), each fitted on its persons' rows of ``features``, so that
    naming a person among more people measures the same task as among a dozen."""

    def __init__(
        self,
        features: np.ndarray,
        persons: np.ndarray,
        n_persons: int,
        group_size: int = IDENTITY_GROUP,
    ):
        persons = np.asarray(persons)
        self.group_of = identity_groups(n_persons, group_size)  # per person
        # index within its group (groups are contiguous runs of persons)
        self.local_id = np.arange(n_persons) - np.searchsorted(self.group_of, self.group_of)
        self.judges = []
        for g in range(self.group_of.max() + 1):
            rows = self.group_of[persons] == g
            self.judges.append(
                Judge.fit(
                    features[rows], self.local_id[persons[rows]], int(np.sum(self.group_of == g))
                )
            )

    def __len__(self) -> int:
        return len(self.judges)

    def named(self, features: np.ndarray, owners: np.ndarray) -> np.ndarray:
        """Per row, whether the judge of its owner's group names the owner (persons are
        indices ``0 .. n_persons - 1``)."""
        owners = np.asarray(owners)
        right = np.zeros(len(owners), bool)
        for g, judge in enumerate(self.judges):
            rows = self.group_of[owners] == g
            if rows.any():
                right[rows] = judge.predict(features[rows]) == self.local_id[owners[rows]]
        return right


def clip_ranks(faces: FaceDataset) -> np.ndarray:
    """Each frame's clip number within its (subject, class), 1-based, in the order of the
    clips' names: which clip is an input (1) and which holds out real frames (the last)."""
    ranks = np.zeros(len(faces), np.int64)
    keys = np.char.add(
        np.char.add(np.asarray(faces.subjects, str), "\x00"), faces.labels.astype(str)
    )
    for key in np.unique(keys):
        rows = np.flatnonzero(keys == key)
        _, rank = np.unique(np.asarray(faces.clips)[rows], return_inverse=True)
        ranks[rows] = rank + 1
    return ranks


def _first_frames(faces: FaceDataset) -> np.ndarray:
    """Per frame, the smallest frame number of its clip."""
    first = {}
    for clip, frame in zip(faces.clips, faces.frames, strict=True):
        first[clip] = min(first.get(clip, frame), frame)
    return np.array([first[c] for c in faces.clips])


def _last_clips(faces: FaceDataset, ranks: np.ndarray) -> np.ndarray:
    """Per frame, the largest clip number of its (subject, class)."""
    last = {}
    for key in zip(faces.subjects, faces.labels, ranks, strict=True):
        last[key[:2]] = max(last.get(key[:2], 0), key[2])
    return np.array([last[k] for k in zip(faces.subjects, faces.labels, strict=True)])


def check_person_faces(faces: FaceDataset, image_size: int) -> None:
    """Raise unless ``faces`` can be judged per person: the model's size, and each
    subject with every class in at least two clips (an input and a held-out clip)."""
    if faces.image_size != image_size:
        raise ValueError(
            f"the faces are {faces.image_size}x{faces.image_size}; the model "
            f"takes {image_size}x{image_size}"
        )
    short = []
    for subject in faces.subject_ids():
        mine = faces.for_subject(subject)
        for c, name in enumerate(CLASSES):
            if len(np.unique(mine.clips[mine.labels == c])) < 2:
                short.append(f"{subject}/{name}")
    if short:
        raise ValueError(
            f"every subject needs each of the six classes in two clips or "
            f"more; not so for {len(short)}: {', '.join(short[:8])}"
            + (" ..." if len(short) > 8 else "")
            + " (keep only the complete subjects)"
        )


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

    The judges of the quality bars see only real rendered frames. On the evaluation
    subjects they are near perfect (expressions about 0.99 on held-out clips,
    subjects 1.0), so a low rate on imagined faces is the imagination's fault.
    """

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)

    @classmethod
    def fit(
        cls, features: np.ndarray, targets: np.ndarray, n_outputs: int, *, l2: float = 10.0
    ) -> Judge:
        """Fit to ``features`` (one row per image) and integer ``targets`` in 0..n_outputs-1."""
        mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
        weights, bias = fit_logistic((features - mean) / scale, targets, n_outputs, l2=l2)
        return cls(mean, scale, weights, bias)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The most probable output for each row of features."""
        return np.argmax((features - self.mean) / self.scale @ self.weights + self.bias, axis=1)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, n_outputs: int, *, l2: float = 1.0, max_iter: int = 500
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by L-BFGS: (weights, bias) minimising the mean
    cross-entropy plus ``l2 / (2 n) * |weights|^2`` (the bias is not penalised)."""
    from scipy.optimize import minimize

    n, d = x.shape
    onehot = np.eye(n_outputs)[np.asarray(y, dtype=np.int64)]

    def objective(theta):
        w, b = theta[: d * n_outputs].reshape(d, n_outputs), theta[d * n_outputs :]
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        loss = -(onehot * log_p).sum() / n + 0.5 * l2 * (w * w).sum() / n
        residual = (np.exp(log_p) - onehot) / n
        grad = np.concatenate([(x.T @ residual + l2 * w / n).ravel(), residual.sum(axis=0)])
        return loss, grad

    theta = np.zeros(d * n_outputs + n_outputs)
    result = minimize(objective, theta, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    return result.x[: d * n_outputs].reshape(d, n_outputs), result.x[d * n_outputs :]


def nearest_code_accuracy(
    codes: np.ndarray, labels: np.ndarray, subjects: np.ndarray, clips: np.ndarray
) -> float:
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
    """The quality figures of any model on ``n_subjects`` unseen subjects, with the
    model-independent work (rendering the faces, their HOG features, fitting the two
    judges) done once, so that scoring many epochs of a run costs little more than
    encoding and imagining (``python -m imagination.train --keep-best``).

    The inputs are one frame per class of each subject (``inputs_per_subject`` of
    them), each imagined under all six classes; the judges are trained on the
    subjects' other frames. The identity judge names the input's person within its
    group of about ``identity_group`` subjects (:func:`identity_groups`; one group
    for the reported 12), so that more subjects make the figure steadier, not harder.
    """

    def __init__(
        self,
        n_subjects: int = 12,
        *,
        image_size: int = 64,
        inputs_per_subject: int = 6,
        seed: int = EVAL_SEED,
        identity_group: int = IDENTITY_GROUP,
        faces: FaceDataset | None = None,
    ):
        if faces is None:
            faces = evaluation_faces(n_subjects, image_size, seed=seed)
        else:
            check_person_faces(faces, image_size)
        subjects = faces.subject_ids()
        subject_ids = np.array([subjects.index(s) for s in faces.subjects])
        clip_number = clip_ranks(faces)
        # the inputs: the first frame of each subject's first clip of the first
        # `inputs_per_subject` classes
        first_frame = faces.frames == _first_frames(faces)
        is_input = (clip_number == 1) & first_frame & (faces.labels < inputs_per_subject)
        rest = ~is_input
        # held-out real frames for the expression judge's accuracy: each class's last clip
        last_clip = clip_number == _last_clips(faces, clip_number)
        judge_train = rest & ~last_clip
        judge_test = rest & last_clip
        real = hog_features(faces.images)
        self.real_features = real
        self.image_size, self.n_subjects = image_size, len(subjects)
        self.faces, self.subject_ids, self.is_input = faces, subject_ids, is_input
        self.expression_judge = Judge.fit(
            real[judge_train], faces.labels[judge_train], len(CLASSES)
        )
        # identity: one judge per group of about `identity_group` subjects (see IDENTITY_GROUP)
        self.identity_judges = GroupJudges(
            real[rest], subject_ids[rest], len(subjects), identity_group
        )
        self.real_said = self.expression_judge.predict(real[judge_test])
        self.real_truth = faces.labels[judge_test]
        self.mean_image = faces.images[rest].mean(axis=0)

    def __call__(self, model) -> QualityReport:
        """The report of ``model`` (anything with ``encode``, ``imagine`` and
        ``reconstruct`` on images in [-1, 1] of this evaluator's size)."""
        faces, is_input = self.faces, self.is_input
        size = int(model.config.image_size) if hasattr(model, "config") else self.image_size
        if size != self.image_size:
            raise ValueError(
                f"this evaluator renders {self.image_size}x{self.image_size} "
                f"faces; the model takes {size}x{size}"
            )
        x, y = faces.images[is_input], faces.labels[is_input]
        who = self.subject_ids[is_input]
        recon = np.asarray(model.reconstruct(x, y))
        x, mean_image = _as_seen(model, x, self.mean_image)
        codes = np.asarray(model.encode(faces.images))  # every frame: for the features too
        imagined = np.asarray(model.imagine(codes[is_input], classes=range(len(CLASSES))))
        n = len(x)
        flat = imagined.reshape(n * len(CLASSES), *imagined.shape[2:])
        targets = np.tile(np.arange(len(CLASSES)), n)
        owners = np.repeat(who, len(CLASSES))
        imagined_features = hog_features(flat)
        said_class = self.expression_judge.predict(imagined_features)
        kept = self.identity_judges.named(imagined_features, owners)
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
            mean_image_l1=float(np.mean(np.abs(mean_image[None] - x))),
            real_expression_accuracy=float(np.mean(real_said == real_truth)),
            imagined_target_rate=float(np.mean(said_class == targets)),
            identity_kept=float(np.mean(kept)),
            per_class=per_class,
            n_subjects=self.n_subjects,
            n_inputs=n,
            feature_nn=nearest_code_accuracy(
                codes, faces.labels, self.subject_ids, np.asarray(faces.clips)
            ),
            hog_nn=nearest_code_accuracy(
                self.real_features, faces.labels, self.subject_ids, np.asarray(faces.clips)
            ),
        )


def _as_seen(model, images: np.ndarray, mean_image: np.ndarray):
    """Real faces and their mean as ``model`` sees them (grey for a grey model), so that
    its reconstructions are compared with what it was given."""
    if getattr(getattr(model, "config", None), "grey", False):
        from .preprocess import to_grey

        return to_grey(images), to_grey(mean_image[None])[0]
    return images, mean_image


class ExpressionEvaluator:
    """Expression and reconstruction figures on faces without persons (FER2013's test or
    validation split): the judge is fitted on ``pool`` (other real faces, e.g. the train
    split), scored on every face of ``test``, and ``inputs_per_class`` faces of each class
    of ``test`` are reconstructed and imagined under the six classes.

    Identity and per-person codes need persons: they are NaN in its reports.
    """

    def __init__(
        self,
        pool: FaceDataset,
        test: FaceDataset,
        *,
        inputs_per_class: int = 100,
        judge_faces: int = 6000,
        seed: int = 0,
        source: str = "",
    ):
        if pool.image_size != test.image_size:
            raise ValueError(
                f"judge faces of {pool.image_size} px and test faces of {test.image_size} px"
            )
        rng = np.random.default_rng(seed)
        missing = [n for c, n in enumerate(CLASSES) if not np.any(test.labels == c)]
        if missing or not all(np.any(pool.labels == c) for c in range(len(CLASSES))):
            raise ValueError(
                f"both the judge's faces and the test faces need every class; "
                f"the test faces lack {missing}"
            )
        chosen = rng.permutation(len(pool))[:judge_faces]
        judge_rows = np.sort(chosen)
        self.expression_judge = Judge.fit(
            hog_features(pool.images[judge_rows]), pool.labels[judge_rows], len(CLASSES)
        )
        self.real_said = self.expression_judge.predict(hog_features(test.images))
        self.real_truth = test.labels
        inputs = np.concatenate(
            [
                rng.permutation(np.flatnonzero(test.labels == c))[:inputs_per_class]
                for c in range(len(CLASSES))
            ]
        )
        self.inputs = test[np.sort(inputs)]
        self.mean_image = pool.images[judge_rows].mean(axis=0)
        self.image_size = test.image_size
        self.source = source or test.name or "faces"

    def __call__(self, model) -> QualityReport:
        """The report of ``model`` (with ``encode``, ``imagine`` and ``reconstruct``)."""
        size = int(model.config.image_size) if hasattr(model, "config") else self.image_size
        if size != self.image_size:
            raise ValueError(
                f"these faces are {self.image_size}x{self.image_size}; the model "
                f"takes {size}x{size}"
            )
        x, y = self.inputs.images, self.inputs.labels
        recon = np.asarray(model.reconstruct(x, y))
        imagined = np.asarray(model.imagine(model.encode(x), classes=range(len(CLASSES))))
        x, mean_image = _as_seen(model, x, self.mean_image)
        flat = imagined.reshape(len(x) * len(CLASSES), *imagined.shape[2:])
        targets = np.tile(np.arange(len(CLASSES)), len(x))
        said = self.expression_judge.predict(hog_features(flat))
        per_class = {}
        for c, name in enumerate(CLASSES):
            real_acc = float(np.mean(self.real_said[self.real_truth == c] == c))
            rate = float(np.mean(said[targets == c] == c))
            per_class[name] = {
                "real_accuracy": real_acc,
                "imagined_target_rate": rate,
                "ratio": rate / max(real_acc, 1e-9),
                "identity_kept": float("nan"),
            }
        return QualityReport(
            reconstruction_l1=float(np.mean(np.abs(recon - x))),
            mean_image_l1=float(np.mean(np.abs(mean_image[None] - x))),
            real_expression_accuracy=float(np.mean(self.real_said == self.real_truth)),
            imagined_target_rate=float(np.mean(said == targets)),
            identity_kept=float("nan"),
            per_class=per_class,
            n_subjects=len(self.inputs),
            n_inputs=len(x),
            source=self.source,
        )


def evaluate_quality(
    model, *, n_subjects: int = 12, inputs_per_subject: int = 6, seed: int = EVAL_SEED
) -> QualityReport:
    """The quality figures of ``model`` on ``n_subjects`` unseen subjects (see
    :class:`QualityEvaluator`, which this builds and calls once)."""
    size = int(model.config.image_size) if hasattr(model, "config") else 64
    return QualityEvaluator(
        n_subjects, image_size=size, inputs_per_subject=inputs_per_subject, seed=seed
    )(model)


def complete_subjects(faces: FaceDataset) -> tuple[FaceDataset, list[str]]:
    """The faces of the subjects with each of the six classes in two clips or more (what
    :class:`QualityEvaluator` needs), and the ids of the others."""
    keep, dropped = [], []
    for subject in faces.subject_ids():
        mine = faces.for_subject(subject)
        counts = [len(np.unique(mine.clips[mine.labels == c])) for c in range(len(CLASSES))]
        (keep if min(counts) >= 2 else dropped).append(subject)
    return faces[np.isin(faces.subjects, keep)], dropped


def evaluate_dataset(
    model, faces: FaceDataset, *, identity_group: int = IDENTITY_GROUP, source: str = ""
) -> QualityReport:
    """The figures of ``model`` on a loaded real data set: with splits (FER2013), the test
    split judged by a judge fitted on the train split; with persons, every complete
    subject (:func:`complete_subjects`), each class's first clip imagined, identity judged
    within groups of about ``identity_group`` persons."""
    source = source or faces.name or "faces"
    names = faces.split_names()
    if names:
        if not {"train", "test"} <= set(names):
            raise ValueError(f"{source} has the splits {names}; judging needs train and test")
        return ExpressionEvaluator(
            faces.for_split("train"), faces.for_split("test"), source=f"{source} test split"
        )(model)
    complete, dropped = complete_subjects(faces)
    if not len(complete):
        raise ValueError(f"no subject of {source} has every class in two clips or more")
    report = QualityEvaluator(
        image_size=model.config.image_size, faces=complete, identity_group=identity_group
    )(model)
    report.source = f"{source} ({len(dropped)} incomplete subjects left out)" if dropped else source
    return report


def build_parser():
    """The command line of ``python -m imagination.evaluate`` (``imagination-evaluate``)."""
    import argparse

    from facedata.commandline import positive_int, prog

    from .data import add_dataset_option

    parser = argparse.ArgumentParser(
        prog=prog("imagination-evaluate", "imagination.evaluate"),
        description="How well an imagination model reconstructs, imagines expressions, keeps "
        "identity and separates one person's expressions in its codes, on faces it never saw.",
    )
    parser.add_argument(
        "--model",
        default="real",
        help="a shipped model's name (cpu, real) or a .keras file (default: real)",
    )
    add_dataset_option(
        parser,
        "synthetic subjects never trained on (default), fer2013 (its test "
        "split), or a data set with persons read from --root",
    )
    parser.add_argument("--root", type=Path, help="the data set's folder")
    parser.add_argument(
        "--faces",
        help="how the own layout finds faces (e.g. whole for face crops); default: the loader's",
    )
    parser.add_argument(
        "--group",
        type=positive_int,
        default=IDENTITY_GROUP,
        help=f"identity is judged within groups of about this many persons "
        f"(default {IDENTITY_GROUP})",
    )
    parser.add_argument(
        "--identity-root",
        type=Path,
        metavar="DIR",
        help="also judge identity on photos of known people, "
        "DIR/<person>/<photos> (e.g. Labeled Faces in the Wild): persons "
        "with 30 photos or more, 40 each",
    )
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    return parser


def run(args) -> int:
    """A model's figures on faces it never saw, printed (and written to ``--out``)."""
    from .pretrained import describe, pretrained_path, shipped
    from .saving import load

    path = pretrained_path(args.model) if args.model in shipped() else Path(args.model)
    model = load(path, compile=False)
    print(f"imagination model: {describe(path)}")
    if args.dataset == "synthetic":
        report = evaluate_quality(model)
    else:
        from facedata import load as load_faces

        if args.root is None:
            raise ValueError(f"--root is needed to read {args.dataset}")
        options = {"faces": args.faces} if args.faces else {}
        faces, load_report = load_faces(
            args.dataset, args.root, image_size=model.config.image_size, **options
        )
        print(load_report)
        report = evaluate_dataset(model, faces, identity_group=args.group, source=args.dataset)
    text = str(report)
    if args.identity_root is not None:
        from .identity_keeping import IdentityEvaluator, person_photos

        images, persons, skipped = person_photos(args.identity_root, model.config.image_size)
        print(", ".join(f"{v} {k}" for k, v in skipped.items()))
        identity = IdentityEvaluator(
            images, persons, identity_group=args.group, source=args.identity_root.name
        )(model)
        text += f"\n{identity}"
    print(text)
    if args.out:
        args.out.write_text(f"{text}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m imagination.evaluate``: a model's figures on faces it never saw."""
    from facedata.commandline import run_command

    return run_command(build_parser(), run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
