"""The learners and the protocol of one cell, on features whose answer is known."""

import numpy as np
import pytest

from clifer.conditions import CONDITIONS
from clifer.learners import GDMLearner, LearnerSettings, MLPLearner, episodes
from clifer.orders import DEFAULT_ORDER, order_name
from clifer.protocol import COLUMNS, SubjectFeatures, accuracy_matrix_of, run_cell


def test_episodes_are_runs_of_sequential_frames_within_a_clip():
    clips = np.array(["a", "a", "a", "b", "b", "c"])
    got = [(rows.tolist(), new) for rows, new in episodes(clips, 2)]
    assert got == [([0, 1], True), ([2], False), ([3, 4], True), ([5], True)]
    assert list(episodes(np.array([]), 5)) == []


def clustered_subject(seed=0, spread=0.05, n_train=20, n_test=8):
    """Six well separated clusters (one per class) in 50-d, 4 clips of 5 frames each."""
    rng = np.random.default_rng(seed)
    centres = 1.0 + np.eye(6, 50) * 3.0  # a shared part, as faces of one person have
    def draw(n):
        X = np.concatenate([centres[c] + spread * rng.standard_normal((n, 50)) for c in range(6)])
        return X, np.repeat(np.arange(6), n)
    X, y = draw(n_train)
    clips = np.array([f"c{label}-{i // 5}" for label, i in zip(y, np.tile(np.arange(n_train), 6),
                                                              strict=True)])
    Xt, yt = draw(n_test)
    return SubjectFeatures("S01", X, y, clips, Xt, yt)


def final(cell, metric="micro_f1", experiment=2):
    rows = cell[(cell.metric == metric) & (cell.experiment == experiment)
                & (cell.step == cell.step.max())]
    return rows.set_index("memory")["value"].to_dict()


def test_cell_table_is_tidy_and_complete():
    data = clustered_subject()
    cell = run_cell(data, DEFAULT_ORDER, CONDITIONS["gdm"], LearnerSettings())
    assert tuple(cell.columns) == COLUMNS
    assert set(cell.subject) == {"S01"} and set(cell.order) == {order_name(DEFAULT_ORDER)}
    scores = cell[cell.metric.isin(["micro_f1", "macro_f1"])]
    # 6 steps x 2 memories x 2 experiments x 2 scores
    assert len(scores) == 48 and set(scores.memory) == {"episodic", "semantic"}
    assert set(cell.metric) >= {"neurons", "seconds:gdm", "seconds:total", "accuracy:sad"}
    # Experiment 1 after the first class scores the first class's test data only: a
    # memory that knows one class is right on all of it
    first = cell[(cell.step == 1) & (cell.experiment == 1) & (cell.metric == "micro_f1")]
    assert first.value.tolist() == [1.0, 1.0]


def test_gdm_keeps_separate_classes_and_the_mlp_forgets_them():
    """Clusters far apart: GDM-E inserts neurons for each new class and keeps the old ones;
    the MLP, trained on one class at a time, ends up naming every face the last class."""
    data = clustered_subject()
    gdm = run_cell(data, DEFAULT_ORDER, CONDITIONS["gdm"], LearnerSettings())
    assert final(gdm)["episodic"] >= 0.95
    mlp = run_cell(data, DEFAULT_ORDER, CONDITIONS["mlp"], LearnerSettings(mlp_epochs=20))
    assert final(mlp)["mlp"] == pytest.approx(1 / 6, abs=0.02)
    R = accuracy_matrix_of(mlp, "mlp", DEFAULT_ORDER)
    assert R[-1, -1] == 1.0 and np.all(R[-1, :-1] == 0.0)  # the last class only
    assert np.all(np.diag(R) == 1.0)  # each class was right just after it was learnt


def test_accuracy_matrix_of_a_cell_agrees_with_experiment_2():
    data = clustered_subject(spread=0.6)  # overlapping clusters: some errors
    cell = run_cell(data, (3, 1, 5, 0, 2, 4), CONDITIONS["gdm+replay"], LearnerSettings())
    R = accuracy_matrix_of(cell, "episodic", (3, 1, 5, 0, 2, 4))
    # equal test frames per class: Experiment 2's micro F1 is the mean of the row
    exp2 = cell[(cell.memory == "episodic") & (cell.experiment == 2)
                & (cell.metric == "micro_f1")].sort_values("step").value.to_numpy()
    np.testing.assert_allclose(R.mean(axis=1), exp2)


def test_a_subject_without_a_class_is_refused():
    data = clustered_subject()
    keep = data.test_labels != 4
    broken = SubjectFeatures("S02", data.train_features, data.train_labels, data.train_clips,
                             data.test_features[keep], data.test_labels[keep])
    assert broken.missing_classes() == ["fear"]
    with pytest.raises(ValueError, match="S02 has no training or test frames of \\['fear'\\]"):
        run_cell(broken, DEFAULT_ORDER, CONDITIONS["gdm"], LearnerSettings())


def test_learners_refuse_the_wrong_condition():
    with pytest.raises(ValueError, match="not a GDM condition"):
        GDMLearner(CONDITIONS["mlp"], LearnerSettings())
    with pytest.raises(ValueError, match="give an imagination model"):
        GDMLearner(CONDITIONS["clifer"], LearnerSettings())
    with pytest.raises(ValueError, match="not the MLP condition"):
        MLPLearner(CONDITIONS["gdm"], LearnerSettings(), n_features=50)
