"""The quality evaluation, checked with a perfect and a useless imagination."""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from facedata.dataset import from_uint8
from facedata.synthetic import render_face, sample_persons
from imagination.evaluate import (
    EVAL_SEED,
    Judge,
    QualityEvaluator,
    evaluate_quality,
    evaluation_faces,
    fit_logistic,
    hog_features,
    identity_groups,
    nearest_code_accuracy,
)

SIZE, SUBJECTS = 32, 5


class Oracle:
    """Knows each input's subject and draws it with any expression: perfect imagination."""

    config = SimpleNamespace(image_size=SIZE)

    def __init__(self, n_subjects: int = SUBJECTS):
        self.faces = evaluation_faces(n_subjects, SIZE)
        self.people = sample_persons(n_subjects, seed=EVAL_SEED)

    def encode(self, images):
        flat = self.faces.images.reshape(len(self.faces), -1)
        rows = [np.flatnonzero((flat == x.reshape(-1)).all(axis=1))[0] for x in images]
        return np.array(
            [
                self.people.index(next(p for p in self.people if p.name == self.faces.subjects[r]))
                for r in rows
            ]
        )

    def imagine(self, z, classes):
        return np.stack(
            [[from_uint8(render_face(self.people[i], c, 1.0, SIZE)) for c in classes] for i in z]
        )

    def reconstruct(self, images, labels):
        return images


class Blur(Oracle):
    """Returns the average face whatever it is asked: no identity, no expression."""

    def imagine(self, z, classes):
        mean = self.faces.images.mean(axis=0)
        return np.broadcast_to(mean, (len(z), len(list(classes)), *mean.shape))

    def reconstruct(self, images, labels):
        return np.broadcast_to(self.faces.images.mean(axis=0), images.shape)


@pytest.mark.slow
def test_perfect_and_useless_imagination():
    good = evaluate_quality(Oracle(), n_subjects=SUBJECTS)
    assert good.reconstruction_l1 == 0.0 < good.mean_image_l1
    assert good.n_inputs == SUBJECTS * 6
    assert good.expression_ratio >= 0.8 and good.identity_kept >= 0.8
    assert set(good.table().columns) == {
        "real_accuracy",
        "imagined_target_rate",
        "ratio",
        "identity_kept",
    }
    bad = evaluate_quality(Blur(), n_subjects=SUBJECTS)
    assert bad.reconstruction_l1 == pytest.approx(bad.mean_image_l1, rel=0.01)
    assert bad.identity_kept <= 0.4 and bad.imagined_target_rate <= 0.4
    assert "identity kept" in str(bad)


def test_identity_groups_by_hand():
    assert identity_groups(12).tolist() == [0] * 12
    assert identity_groups(36).tolist() == [0] * 12 + [1] * 12 + [2] * 12
    assert identity_groups(13).tolist() == [0] * 13  # round(13 / 12) = 1 group
    assert identity_groups(20).tolist() == [0] * 10 + [1] * 10
    assert identity_groups(6, 3).tolist() == [0, 0, 0, 1, 1, 1]
    assert identity_groups(1, 3).tolist() == [0]
    for bad in (1, 0, 2.5, True):
        with pytest.raises(ValueError, match="group_size"):
            identity_groups(6, bad)
    with pytest.raises(ValueError, match="subject"):
        identity_groups(0)


class Swap(Oracle):
    """Draws each input as another person of the other half of the subjects."""

    def imagine(self, z, classes):
        half = len(self.people) // 2
        return super().imagine((np.asarray(z) + half) % len(self.people), classes)


@pytest.mark.slow
def test_identity_is_judged_within_groups():
    """Six subjects in groups of three: the oracle keeps every person whatever the groups;
    drawing each input as a person of the other group is never named as the input's
    person, by one judge of all six or by its own group's judge."""
    whole, grouped = (QualityEvaluator(6, image_size=SIZE, identity_group=g) for g in (6, 3))
    assert [len(e.identity_judges) for e in (whole, grouped)] == [1, 2]
    a, b = whole(Oracle(6)), grouped(Oracle(6))
    assert a.identity_kept >= 0.8 and b.identity_kept >= 0.8
    assert whole(Swap(6)).identity_kept <= 0.4 and grouped(Swap(6)).identity_kept <= 0.4
    # the expression and reconstruction figures do not depend on the grouping
    assert (a.expression_ratio, a.reconstruction_l1) == (b.expression_ratio, b.reconstruction_l1)


def test_logistic_regression_matches_scikit_learn():
    sklearn = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 8))
    y = np.argmax(x[:, :4] @ rng.normal(size=(4, 4)) + rng.normal(scale=0.5, size=(300, 4)), 1)
    w, b = fit_logistic(x, y, 4, l2=2.0)
    # scikit-learn minimises C * sum(cross-entropy) + |w|^2 / 2, the same objective
    # (times n) when C = 1 / l2
    ref = sklearn.LogisticRegression(C=0.5, tol=1e-10, max_iter=5000).fit(x, y)
    ours, theirs = x @ w + b, ref.decision_function(x)
    # logits are defined up to a constant per row
    ours -= ours.mean(axis=1, keepdims=True)
    theirs -= theirs.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(ours, theirs, atol=2e-3)


def test_hog_judges_tell_real_expressions_and_people_apart():
    faces = evaluation_faces(4, 64, seed=EVAL_SEED + 7)
    clip = np.array([int(c.rsplit("-", 1)[1]) for c in faces.clips])
    train, test = clip < 4, clip == 4
    features = hog_features(faces.images)
    assert features.shape == (len(faces), 1764)  # 7 x 7 blocks x 4 cells x 9 bins
    judge = Judge.fit(features[train], faces.labels[train], 6)
    assert np.mean(judge.predict(features[test]) == faces.labels[test]) >= 0.9
    who = np.unique(faces.subjects, return_inverse=True)[1]
    judge = Judge.fit(features[train], who[train], 4)
    assert np.mean(judge.predict(features[test]) == who[test]) >= 0.9


def test_margin_is_the_worst_bar_by_hand():
    from imagination.evaluate import QualityReport

    def report(rate, identity, rec):
        return QualityReport(
            reconstruction_l1=rec,
            mean_image_l1=0.2,
            real_expression_accuracy=1.0,
            imagined_target_rate=rate,
            identity_kept=identity,
            per_class={},
            n_subjects=1,
            n_inputs=1,
        )

    # ratio 0.88 / 0.8 = 1.1, identity 0.96 / 0.8 = 1.2, 0.5 * 0.2 / 0.05 = 2
    assert report(0.88, 0.96, 0.05).margin() == pytest.approx(1.1)
    assert report(0.88, 0.72, 0.05).margin() == pytest.approx(0.9)  # identity fails
    assert report(0.88, 0.96, 0.125).margin() == pytest.approx(0.8)  # reconstruction fails
    # the features count once measured: 0.81 / 0.9 = 0.9
    measured = dataclasses.replace(report(0.88, 0.96, 0.05), feature_nn=0.81)
    assert measured.margin() == pytest.approx(0.9)
    assert dataclasses.replace(measured, feature_nn=1.0).margin() == pytest.approx(1.1)
    assert measured.margin(features=False) == pytest.approx(1.1)


def test_nearest_code_accuracy_by_hand():
    # one subject, codes on a line; frames of the same clip never count as neighbours
    codes = np.array([[0.0], [0.1], [1.0], [1.2], [5.0]])
    labels = np.array([0, 0, 1, 1, 0])
    clips = np.array(["a", "a", "b", "c", "d"])
    subjects = np.zeros(5, int)
    # frame 0: same-clip frame 1 excluded -> nearest is 2 (class 1): wrong
    # frame 1 -> 2: wrong; frame 2 -> 3: right; frame 3 -> 2: right; frame 4 -> 3: wrong
    assert nearest_code_accuracy(codes, labels, subjects, clips) == pytest.approx(2 / 5)
    # another subject's codes never count either: a second subject far away, all right
    codes2 = np.vstack([codes, codes[:4] + 100.0])
    labels2 = np.concatenate([labels, [1, 1, 0, 0]])
    clips2 = np.concatenate([clips, ["e", "f", "g", "h"]])
    subjects2 = np.array([0] * 5 + [1] * 4)
    # subject 1: 5->6 (1=1 right), 6->5 right, 7->8 right, 8->7 right
    assert nearest_code_accuracy(codes2, labels2, subjects2, clips2) == pytest.approx(6 / 9)
