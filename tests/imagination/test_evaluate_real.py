"""The evaluation on real data's shapes: faces without persons (FER2013's splits), a
per-person data set, and photos of known people for identity; checked with a perfect and
a useless imagination on synthetic faces, and by hand."""

import numpy as np
import pytest

from facedata import FaceDataset
from imagination.evaluate import (
    EVAL_SEED,
    ExpressionEvaluator,
    QualityEvaluator,
    check_person_faces,
    clip_ranks,
    complete_subjects,
    evaluate_dataset,
    evaluation_faces,
)
from imagination.identity_keeping import IdentityEvaluator

from .test_evaluate import SIZE, Oracle


def _without_persons(faces: FaceDataset, split: str) -> FaceDataset:
    """The faces as FER2013's loader gives them: each image its own subject, in a split."""
    n = len(faces)
    names = np.array([f"{split}-{i}" for i in range(n)])
    return FaceDataset(
        faces.images,
        faces.labels,
        names,
        names,
        np.zeros(n, int),
        faces.paths,
        name="fer-like",
        splits=np.full(n, split),
    )


def test_clip_ranks_by_hand():
    n = 6
    faces = FaceDataset(
        np.zeros((n, 32, 32, 3), np.float32),
        np.array([0, 0, 0, 1, 1, 0]),
        np.array(["a", "a", "a", "a", "a", "b"]),
        np.array(["a/x2", "a/x1", "a/x2", "a/y", "a/z", "b/q"]),
        np.array([1, 0, 0, 0, 0, 0]),
        np.array([""] * n),
    )
    # per (subject, class), clips numbered by name: a/x1 = 1, a/x2 = 2; a/y, a/z; b/q
    assert clip_ranks(faces).tolist() == [2, 1, 2, 1, 2, 1]


def test_complete_subjects_and_their_check():
    faces = evaluation_faces(3, SIZE, clips_per_class=2, frames_per_clip=1)
    drop = (
        (faces.subjects == faces.subject_ids()[1]) & (faces.labels == 4) & (clip_ranks(faces) == 2)
    )
    partial = faces[~drop]
    kept, dropped = complete_subjects(partial)
    assert dropped == [faces.subject_ids()[1]] and len(kept.subject_ids()) == 2
    check_person_faces(kept, SIZE)
    with pytest.raises(ValueError, match="two clips or more; not so for 1"):
        check_person_faces(partial, SIZE)
    with pytest.raises(ValueError, match="the model takes 64x64"):
        check_person_faces(kept, 64)


class Bank(Oracle):
    """Imagines each class as a real face of that class (of another person), and
    reconstructs perfectly: the expressions of a perfect imagination, no identity."""

    def __init__(self, bank: FaceDataset):
        self.bank = bank

    def encode(self, images):
        return np.zeros(len(images), int)

    def imagine(self, z, classes):
        faces = [self.bank.images[np.flatnonzero(self.bank.labels == c)[0]] for c in classes]
        return np.stack([faces] * len(z))


class MeanFace(Bank):
    """The average face whatever it is asked: no expression."""

    def imagine(self, z, classes):
        mean = self.bank.images.mean(axis=0)
        return np.broadcast_to(mean, (len(z), len(list(classes)), *mean.shape))

    def reconstruct(self, images, labels):
        return np.broadcast_to(self.bank.images.mean(axis=0), images.shape)


@pytest.mark.slow
def test_faces_without_persons_perfect_and_useless_imagination():
    pool = _without_persons(evaluation_faces(6, SIZE, seed=EVAL_SEED + 3), "train")
    test = _without_persons(evaluation_faces(4, SIZE, seed=EVAL_SEED + 4), "test")
    evaluator = ExpressionEvaluator(pool, test, inputs_per_class=5, source="fer-like test")
    assert len(evaluator.inputs) == 30
    good = evaluator(Bank(pool))
    assert good.reconstruction_l1 == 0.0 < good.mean_image_l1
    # the judge tells new people's expressions well above chance (1/6); the bank's faces,
    # which it was fitted on, it names right
    assert good.real_expression_accuracy >= 0.4 and good.expression_ratio >= 0.8
    assert not good.has_persons and np.isnan(good.identity_kept)
    # without persons the margin is the worse of expression and reconstruction
    assert good.margin() == pytest.approx(good.expression_ratio / 0.8)
    text = str(good)
    assert text.startswith("fer-like test: 30 inputs\n")
    assert "identity" not in text
    bad = evaluator(MeanFace(pool))
    assert bad.imagined_target_rate <= 0.4 and bad.margin() < 0.6
    # a data set with splits is judged on its test split, the judge fitted on train
    both = FaceDataset.concatenate([pool, test])
    report = evaluate_dataset(Bank(pool), both)
    assert report.n_inputs == 6 * min(100, int(np.bincount(test.labels).min()))
    with pytest.raises(ValueError, match="needs train and test"):
        evaluate_dataset(Bank(pool), pool)


@pytest.mark.slow
def test_a_per_person_data_set_is_judged_like_the_synthetic_subjects():
    """The same faces through ``faces=`` give the figures of the synthetic evaluation, and
    the HOG 1-NN beside the codes' 1-NN."""
    faces = evaluation_faces(SUBJECTS := 5, SIZE)
    own = QualityEvaluator(image_size=SIZE, faces=faces)(Oracle(SUBJECTS))
    built_in = QualityEvaluator(SUBJECTS, image_size=SIZE)(Oracle(SUBJECTS))
    assert own.identity_kept == built_in.identity_kept >= 0.8
    assert own.expression_ratio == built_in.expression_ratio
    assert 0.0 <= own.hog_nn <= 1.0 and "the same on HOG features" in str(own)


@pytest.mark.slow
def test_identity_on_photos_of_known_people():
    """Eight people's faces: drawing each input as its own person keeps them all (up to
    the judge), drawing it as another person keeps none."""
    faces = evaluation_faces(8, SIZE, clips_per_class=2, frames_per_clip=1)
    persons = faces.subjects
    evaluator = IdentityEvaluator(
        faces.images, persons, inputs_per_person=2, identity_group=8, source="people"
    )
    assert len(evaluator.judges) == 1 and evaluator.judge_accuracy >= 0.8
    grouped = IdentityEvaluator(faces.images, persons, inputs_per_person=2, identity_group=4)
    assert len(grouped.judges) == 2
    oracle = Oracle(8)
    oracle.faces = faces
    good = evaluator(oracle)
    assert good.identity_kept >= 0.8 and good.n_inputs == 16 and good.n_persons == 8
    from .test_evaluate import Swap

    swap = Swap(8)
    swap.faces = faces
    assert evaluator(swap).identity_kept <= 0.2  # each drawn as another of the eight
    assert "identity kept in" in str(good) and "ratio" in str(good)
    with pytest.raises(ValueError, match="needs 6 or more"):
        IdentityEvaluator(faces.images[:5], persons[:5])
