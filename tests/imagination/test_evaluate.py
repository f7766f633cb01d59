"""The quality evaluation, checked with a perfect and a useless imagination."""

from types import SimpleNamespace

import numpy as np
import pytest

from clifer.data.dataset import from_uint8
from clifer.data.synthetic import render_face, sample_identities
from imagination.evaluate import EVAL_SEED, evaluate_quality, evaluation_faces

SIZE, SUBJECTS = 32, 5


class Oracle:
    """Knows each input's subject and draws it with any expression: perfect imagination."""

    config = SimpleNamespace(image_size=SIZE)

    def __init__(self):
        self.faces = evaluation_faces(SUBJECTS, SIZE)
        self.people = sample_identities(SUBJECTS, seed=EVAL_SEED)

    def encode(self, images):
        flat = self.faces.images.reshape(len(self.faces), -1)
        rows = [np.flatnonzero((flat == x.reshape(-1)).all(axis=1))[0] for x in images]
        return np.array([self.people.index(next(p for p in self.people
                                                 if p.name == self.faces.subjects[r]))
                         for r in rows])  # fmt: skip

    def imagine(self, z, classes):
        return np.stack([[from_uint8(render_face(self.people[i], c, 1.0, SIZE)) for c in classes]
                         for i in z])  # fmt: skip

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
    good = evaluate_quality(Oracle(), n_subjects=SUBJECTS, judge_epochs=12)
    assert good.reconstruction_l1 == 0.0 < good.mean_image_l1
    assert good.n_inputs == SUBJECTS * 6
    assert good.expression_ratio >= 0.8 and good.identity_kept >= 0.8
    assert set(good.table().columns) == {"real_accuracy", "imagined_target_rate", "ratio",
                                         "identity_kept"}  # fmt: skip
    bad = evaluate_quality(Blur(), n_subjects=SUBJECTS, judge_epochs=12)
    assert bad.reconstruction_l1 == pytest.approx(bad.mean_image_l1, rel=0.01)
    assert bad.identity_kept <= 0.4 and bad.imagined_target_rate <= 0.4
    assert "identity kept" in str(bad)
