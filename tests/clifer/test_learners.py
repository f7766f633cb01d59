"""The learners and the protocol of one cell, on features whose answer is known."""

import numpy as np
import pytest
from clifer_cases import clustered_subject as six_clusters
from clifer_cases import fit_per_class

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
    return six_clusters("S01", seed, spread, n_train, n_test)


def final(cell, metric="micro_f1", experiment=2):
    rows = cell[
        (cell.metric == metric) & (cell.experiment == experiment) & (cell.step == cell.step.max())
    ]
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
    exp2 = (
        cell[(cell.memory == "episodic") & (cell.experiment == 2) & (cell.metric == "micro_f1")]
        .sort_values("step")
        .value.to_numpy()
    )
    np.testing.assert_allclose(R.mean(axis=1), exp2)


def test_a_subject_without_a_class_is_refused():
    data = clustered_subject()
    keep = data.test_labels != 4
    broken = SubjectFeatures(
        "S02",
        data.train_features,
        data.train_labels,
        data.train_clips,
        data.test_features[keep],
        data.test_labels[keep],
    )
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


# The MLP baseline's predictions on the test frames after each class, recorded with the
# implementation before it was made fast (commit 59edafb: a keras.Sequential built and
# compiled per learner, ``model.fit(shuffle=True)`` per class after
# ``keras.utils.set_random_seed(seed + label)``, ``model.predict``), TensorFlow 2.21,
# Keras 3.15, on an x86-64 CPU. Cases: (data seed, spread, learner seed, class order,
# settings); data from ``clustered_subject(seed, spread, n_train=23, n_test=8)``.
MLP_BEFORE = [
    (
        (0, 0.6, 0, (0, 1, 2, 3, 4, 5), {"mlp_epochs": 3, "mlp_hidden": 16}),
        [
            "315141111054530043334332222225220003330330330330",
            "111141111054530023334032210225220003320300030100",
            "111141111024250023334232220222220001220300030100",
            "111141111024200023332232222222220003220300030100",
            "411141111024220023322232222222220003220300030140",
            "414142111224240043324232222222224401220300040140",
        ],
    ),
    (
        (
            1,
            0.8,
            5,
            (3, 1, 5, 0, 2, 4),
            {"mlp_epochs": 2, "mlp_hidden": 8, "mlp_learning_rate": 3e-3},
        ),
        [
            "111331131131311331131111311111311133313133333333",
            "111331131131311331131111311111311133313133333333",
            "111311131111111131111111311111311131313113133333",
            "111311131111111131111111311111311131113113113333",
            "111311131111111131131111311111311131111113353533",
            "111311131111111131133111311111311131113113353533",
        ],
    ),
    (
        (2, 1.0, 11, (5, 4, 3, 2, 1, 0), {"mlp_epochs": 4, "mlp_batch_size": 7}),
        [
            "555555555555555555555555555555555555555555555255",
            "444444544444545444444444454444554444444445455445",
            "444444444444344444444444453434334444443444443443",
            "334432332322343322232222323333333334242422323223",
            "212222232212222222222222221222522232222222222211",
            "212012530211111022122222211211512232221202112211",
        ],
    ),
    ((3, 0.6, 0, (0, 1, 2, 3, 4, 5), {}), [str(c) * 48 for c in range(6)]),
]


def mlp_steps(learner, data, order):
    """The learner's predictions on the test frames after each class of ``order``."""
    out = []
    for c in order:
        mask = data.train_labels == c
        learner.learn_class(data.train_features[mask], c, data.train_clips[mask])
        out.append("".join(map(str, learner.predict(data.test_features)["mlp"])))
    return out


@pytest.mark.parametrize(("case", "before"), MLP_BEFORE, ids=["h16", "h8-lr", "b7", "default"])
def test_mlp_predicts_as_it_did_with_fit_per_class(case, before):
    """Exactly the predictions, hence the accuracies, recorded before the MLP was made fast:
    the same initial weights, batches (Keras' shuffle order, a shorter last batch) and
    Adam steps, with the optimiser's state carried from class to class. Recorded on one
    CPU: on another, float rounding could in principle flip a near-tie here; the next
    test compares with ``model.fit`` in the same run, on any machine."""
    data_seed, spread, seed, order, settings = case
    data = clustered_subject(seed=data_seed, spread=spread, n_train=23, n_test=8)
    learner = MLPLearner(CONDITIONS["mlp"], LearnerSettings(**settings), 50, seed=seed)
    got = mlp_steps(learner, data, order)
    accuracy = [np.mean(np.array(list(p), int) == data.test_labels) for p in got]
    assert accuracy == [np.mean(np.array(list(p), int) == data.test_labels) for p in before]
    assert got == before


def test_mlp_trains_exactly_as_fit_per_class():
    """The fast MLP against ``model.fit`` per class in the same run: bit-identical weights
    after every class (seed 0 and the first class 0 included: TensorFlow's seed pair
    (0, 0) is special) and the same predictions; 23 frames a class in batches of 7 (a
    shorter last batch), 70 test frames (predicted in Keras' batches of 32)."""
    settings = LearnerSettings(mlp_epochs=3, mlp_hidden=12, mlp_batch_size=7)
    order = (0, 4, 2)
    for seed in (0, 9):
        data = clustered_subject(seed=seed, spread=0.8, n_train=23, n_test=12)
        data = SubjectFeatures(
            data.subject,
            data.train_features[:, :20],
            data.train_labels,
            data.train_clips,
            data.test_features[:70, :20],
            data.test_labels[:70],
        )
        want = fit_per_class(
            data.train_features, data.train_labels, data.test_features, order, settings, seed
        )
        learner = MLPLearner(CONDITIONS["mlp"], settings, 20, seed=seed)
        for c, (weights, predicted) in zip(order, want, strict=True):
            mask = data.train_labels == c
            learner.learn_class(data.train_features[mask], c, data.train_clips[mask])
            for got, expected in zip(learner.model.weights, weights, strict=True):
                np.testing.assert_array_equal(got.numpy(), expected)
            np.testing.assert_array_equal(learner.predict(data.test_features)["mlp"], predicted)
        assert int(learner.model.optimizer.iterations) == len(order) * 3 * 4


def test_mlp_learners_alive_together_do_not_share_a_network():
    """Learners reuse a network once its learner is gone (reset: the same results as a
    new one), and learners alive at the same time each have their own."""
    data = clustered_subject(seed=1, spread=0.8, n_train=23, n_test=8)
    settings = LearnerSettings(mlp_epochs=2, mlp_hidden=8, mlp_learning_rate=3e-3)
    order = (3, 1, 5)
    first = MLPLearner(CONDITIONS["mlp"], settings, 50, seed=5)
    other = MLPLearner(CONDITIONS["mlp"], settings, 50, seed=5)
    assert other.model is not first.model
    got = []
    for c in order:  # interleaved: each keeps its own weights and optimiser state
        for learner in (first, other):
            mask = data.train_labels == c
            learner.learn_class(data.train_features[mask], c, data.train_clips[mask])
        got.append(
            [learner.predict(data.test_features)["mlp"].tolist() for learner in (first, other)]
        )
    assert all(a == b for a, b in got)
    used = first.model
    del first
    again = MLPLearner(CONDITIONS["mlp"], settings, 50, seed=5)
    assert again.model is used  # given back, reset
    assert mlp_steps(again, data, order) == ["".join(map(str, a)) for a, _ in got]
