"""Experiment configs: files, defaults, and clear errors for what the learner does not have."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clifer.config import ExperimentConfig
from clifer.learners import LearnerSettings
from clifer.store import config_hash


def test_defaults_are_the_synthetic_default():
    cfg = ExperimentConfig()
    assert cfg.dataset == "synthetic" and cfg.subjects == 6 and cfg.orders == "default"
    assert cfg.conditions == ["mlp", "gdm", "gdm+replay", "clifer", "clifer+replay"]
    s = cfg.learner
    assert (s.episode_size, s.episode_epochs, s.replay_epochs, s.imagination_epochs) == (
        5,
        10,
        3,
        5,
    )


def test_a_real_dataset_takes_all_its_subjects_by_default(tmp_path):
    toml = tmp_path / "real.toml"  # TOML has no null: leaving subjects out means all
    toml.write_text('dataset = "ravdess"\nroot = "/data/RAVDESS"\n')
    assert ExperimentConfig.from_file(toml).subjects is None
    assert ExperimentConfig(dataset="mmi", root="/x", subjects=["S001"]).subjects == ["S001"]
    assert ExperimentConfig().to_dict()["subjects"] == 6  # the default run's hash is kept


def test_toml_and_json_files(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text(
        'subjects = 3\nconditions = ["gdm", "clifer"]\norders = "six"\n'
        "[learner]\nepisode_epochs = 4\n[learner.gdm]\n"
        "episodic_activation_threshold = 0.9\n"
    )
    cfg = ExperimentConfig.from_file(toml)
    assert cfg.subjects == 3 and cfg.learner.episode_epochs == 4
    assert cfg.learner.gdm == {"episodic_activation_threshold": 0.9}
    as_json = tmp_path / "c.json"
    as_json.write_text(json.dumps(cfg.to_dict()))
    assert ExperimentConfig.from_file(as_json) == cfg


@pytest.mark.parametrize(
    "values, message",
    [
        ({"colour": 1}, "the configuration has no fields \\['colour'\\]"),
        ({"conditions": ["gdm", "dream"]}, "unknown condition"),
        ({"orders": "happy,sad"}, "permutation"),
        ({"learner": {"epochs": 3}}, "learner has no settings \\['epochs'\\]"),
        ({"learner": {"episode_epoch": 3}}, "did you mean 'episode_epochs'"),
        ({"learner": {"gdm": {"episodic_learning_rate": 0.1}}}, "learner.gdm has no parameters"),
        ({"dataset": "ravdess"}, "needs root"),
        ({"subjects": 0}, "at least 1"),
        ({"dataset": "mmi", "root": "/data/MMI", "subjects": 6}, "list of subject ids"),
        ({"dataset": "mmi", "root": "/data/MMI", "subjects": ["S001", 2]}, "list of subject ids"),
        ({"test_fraction": 1.0}, r"test_fraction must be a number in \(0.0, 1.0\), got 1.0"),
        ({"test_fraction": "a third"}, "test_fraction must be a number"),
        ({"seed": -1}, "seed must be a whole number >= 0, got -1"),
        ({"seed": 1.5}, "seed must be a whole number"),
        ({"dataset": "ravdes", "root": "/x"}, "dataset must be synthetic or one of"),
        ({"conditions": []}, "no condition given"),
        ({"conditions": 3}, "conditions must be a list"),
        ({"orders": 5}, "orders must be a name"),
        ({"orders": [[0, 1, 2, 3, 4, 5.5]]}, "orders: an order holds class names or ids"),
        ({"learner": []}, "learner must be a table"),
        ({"learner": {"gdm": {"episodic_max_ag": 9}}}, "did you mean 'episodic_max_age'"),
    ],
)
def test_bad_configs(values, message):
    with pytest.raises(ValueError, match=message):
        ExperimentConfig.from_dict(values)


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        ExperimentConfig.from_file(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("subjects = = 3")
    with pytest.raises(ValueError, match="cannot read"):
        ExperimentConfig.from_file(bad)
    other = tmp_path / "c.yaml"
    other.write_text("subjects: 3")
    with pytest.raises(ValueError, match=r"\.toml or \.json"):
        ExperimentConfig.from_file(other)


# Each setting that used to make every cell fail (or run an untrained MLP to the end) is
# refused when the configuration is read, naming the field, its value and what is allowed.
@pytest.mark.parametrize(
    "learner, message",
    [
        ({"episode_epochs": -1}, "learner.episode_epochs must be a whole number >= 1, got -1"),
        ({"episode_size": 0}, "learner.episode_size must be a whole number >= 1, got 0"),
        ({"replay_epochs": 0}, "learner.replay_epochs must be a whole number >= 1, got 0"),
        ({"imagination_epochs": 2.5}, "learner.imagination_epochs must be a whole number"),
        ({"mlp_hidden": 0}, "learner.mlp_hidden must be a whole number >= 1, got 0"),
        ({"mlp_epochs": -5}, "learner.mlp_epochs must be a whole number >= 1, got -5"),
        ({"mlp_epochs": 0}, "learner.mlp_epochs must be a whole number >= 1, got 0"),
        ({"mlp_batch_size": True}, "learner.mlp_batch_size must be a whole number"),
        ({"mlp_learning_rate": -1}, r"learner.mlp_learning_rate must be a number > 0.0, got -1"),
        ({"mlp_learning_rate": float("nan")}, "learner.mlp_learning_rate must be a number"),
        (
            {"gdm": {"episodic_activation_threshold": 7}},
            "learner.gdm.episodic_activation_threshold must be .*1.0.*, got 7",
        ),
        ({"gdm": {"semantic_max_age": 0}}, "learner.gdm.semantic_max_age must be .*1.*, got 0"),
        ({"gdm": {"semantic_labels": "guessed"}}, "learner.gdm.semantic_labels must be one of"),
        ({"gdm": {"aging": "sometimes"}}, "learner.gdm.aging must be one of"),
        ({"gdm": {"random_state": 3}}, "learner.gdm has no parameters \\['random_state'\\]"),
        ({"gdm": 0.4}, "learner.gdm must be a table"),
    ],
)
def test_bad_learner_settings_are_refused_when_read(tmp_path, learner, message):
    with pytest.raises(ValueError, match=message):
        ExperimentConfig.from_dict({"learner": learner})
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"learner": learner}))
    with pytest.raises(ValueError, match=message):
        ExperimentConfig.from_file(path)


def test_every_default_setting_is_accepted_and_checked_types_are_kept():
    assert LearnerSettings() == ExperimentConfig().learner
    cfg = ExperimentConfig(conditions=["gdm", "clifer"], root=None)
    assert cfg.conditions == ["gdm", "clifer"]
    assert ExperimentConfig(conditions="gdm,clifer").conditions == ["gdm", "clifer"]


def test_a_dataset_without_persons_is_refused_when_read():
    with pytest.raises(ValueError, match="fer2013 has no persons"):
        ExperimentConfig(dataset="fer2013", root="/data/fer2013")


# -- the tables written back: the hashes that key results folders ---------------------------
# config_hash of the tables below, computed with the code before the settings were typed
# (when ``learner`` was the table as given): a results folder made then is found again.
HASHES_BEFORE = [
    ({}, "ba864c91ad91308a"),
    ({"learner": {"episode_epochs": 10, "gdm": {}}}, "2a5b9de1cdfe2aa7"),
    (
        {
            "subjects": 3,
            "conditions": ["gdm", "clifer"],
            "orders": "six",
            "learner": {"episode_epochs": 4, "gdm": {"episodic_activation_threshold": 0.9}},
        },
        "5b266d7c198ac11c",
    ),
    ({"dataset": "ravdess", "root": "/data/R", "loader": {"detector": "haar"}}, "530cda06bafc3234"),
]


@pytest.mark.parametrize("values, expected", HASHES_BEFORE)
def test_a_configurations_hash_is_the_one_it_had(values, expected):
    cfg = ExperimentConfig.from_dict(values)
    assert config_hash(cfg.to_dict()) == expected
    assert config_hash(ExperimentConfig.from_dict(cfg.to_dict()).to_dict()) == expected


def test_the_default_runs_results_folder_is_the_one_it_had():
    """What ``clifer.experiment`` hashes: the configuration and the model's hash."""
    identity = {"config": ExperimentConfig().to_dict(), "imagination": "0123456789abcdef"}
    assert config_hash(identity) == "2d94ddd9fe1e143c"


def test_the_learner_is_typed_once_and_written_back_as_given():
    cfg = ExperimentConfig.from_dict({"learner": {"episode_epochs": 10, "replay_epochs": 2}})
    assert isinstance(cfg.learner, LearnerSettings) and cfg.learner.replay_epochs == 2
    # a default written out stays written (the table's hash); equal settings are equal
    assert cfg.to_dict()["learner"] == {"episode_epochs": 10, "replay_epochs": 2}
    assert cfg.learner == LearnerSettings(replay_epochs=2)
    assert LearnerSettings(replay_epochs=2).to_dict() == {"replay_epochs": 2}
    assert LearnerSettings().to_dict() == {} and ExperimentConfig().to_dict()["learner"] == {}
    # settings given as they are, or changed, keep what they write
    assert ExperimentConfig(learner=cfg.learner).to_dict() == cfg.to_dict()
    changed = cfg.learner.replace(mlp_hidden=32)
    assert changed.to_dict() == {"episode_epochs": 10, "replay_epochs": 2, "mlp_hidden": 32}
    assert cfg.replace(seed=3).learner.to_dict() == cfg.learner.to_dict()
    with pytest.raises(ValueError, match=r"learner\.mlp_hidden must be a whole number"):
        cfg.learner.replace(mlp_hidden=0)
    # the caller's tables are not shared
    gdm = {"episodic_max_age": 300}
    settings = LearnerSettings.from_dict({"gdm": gdm})
    gdm["episodic_max_age"] = 7
    assert settings.gdm == {"episodic_max_age": 300}
    written = settings.to_dict()
    written["gdm"]["episodic_max_age"] = 7
    assert settings.gdm == {"episodic_max_age": 300}


LEARNER_VALUES = {
    "episode_size": st.integers(1, 20),
    "episode_epochs": st.integers(1, 20),
    "replay_epochs": st.integers(1, 5),
    "imagination_epochs": st.integers(1, 5),
    "mlp_hidden": st.integers(1, 128),
    "mlp_epochs": st.integers(1, 50),
    "mlp_batch_size": st.integers(1, 64),
    "mlp_learning_rate": st.floats(1e-5, 1.0, allow_nan=False),
    "gdm": st.fixed_dictionaries(
        {},
        optional={
            "episodic_activation_threshold": st.floats(0.01, 0.99),
            "semantic_max_age": st.integers(1, 5000),
            "aging": st.sampled_from(["bmu", "global"]),
        },
    ),
}


@given(
    learner=st.fixed_dictionaries({}, optional=LEARNER_VALUES),
    subjects=st.integers(1, 30),
    seed=st.integers(0, 99),
    orders=st.sampled_from(["default", "six", "random:3"]),
)
def test_a_configuration_reads_back_from_its_table(learner, subjects, seed, orders):
    """Any table of valid settings: read, written and read again, the same settings and
    the same table (the learner's as it was given)."""
    values = {"subjects": subjects, "seed": seed, "orders": orders, "learner": learner}
    cfg = ExperimentConfig.from_dict(values)
    table = cfg.to_dict()
    assert table["learner"] == learner
    assert {k: table[k] for k in values} == values
    again = ExperimentConfig.from_dict(json.loads(json.dumps(table)))
    assert again == cfg and again.to_dict() == table
    for name, value in learner.items():
        assert getattr(cfg.learner, name) == value


def test_a_new_dataset_takes_its_kinds_subjects():
    real = ExperimentConfig().replace(dataset="ravdess", root="/data/R")
    assert real.subjects is None  # all, not the synthetic default's six
    assert real.replace(dataset="synthetic", root=None).subjects == 6
    assert real.replace(dataset="mmi", subjects=["S1"]).subjects == ["S1"]
    assert ExperimentConfig(subjects=3).replace(seed=1).subjects == 3
    with pytest.raises(ValueError, match="list of subject ids"):
        ExperimentConfig().replace(dataset="ravdess", root="/data/R", subjects=3)
