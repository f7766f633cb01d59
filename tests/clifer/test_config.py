"""Experiment configs: files, defaults, and clear errors for what the learner does not have."""

import json

import pytest

from clifer.config import ExperimentConfig


def test_defaults_are_the_synthetic_default():
    cfg = ExperimentConfig()
    assert cfg.dataset == "synthetic" and cfg.subjects == 6 and cfg.orders == "default"
    assert cfg.conditions == ["mlp", "gdm", "gdm+replay", "clifer", "clifer+replay"]
    s = cfg.learner_settings()
    assert (s.episode_size, s.episode_epochs, s.replay_epochs, s.imagination_epochs) == (
        5, 10, 3, 5)


def test_a_real_dataset_takes_all_its_subjects_by_default(tmp_path):
    toml = tmp_path / "real.toml"  # TOML has no null: leaving subjects out means all
    toml.write_text('dataset = "ravdess"\nroot = "/data/RAVDESS"\n')
    assert ExperimentConfig.from_file(toml).subjects is None
    assert ExperimentConfig(dataset="mmi", root="/x", subjects=["S001"]).subjects == ["S001"]
    assert ExperimentConfig().to_dict()["subjects"] == 6  # the default run's hash is kept


def test_toml_and_json_files(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text('subjects = 3\nconditions = ["gdm", "clifer"]\norders = "six"\n'
                    "[learner]\nepisode_epochs = 4\n[learner.gdm]\n"
                    "episodic_activation_threshold = 0.9\n")
    cfg = ExperimentConfig.from_file(toml)
    assert cfg.subjects == 3 and cfg.learner_settings().episode_epochs == 4
    assert cfg.learner_settings().gdm == {"episodic_activation_threshold": 0.9}
    as_json = tmp_path / "c.json"
    as_json.write_text(json.dumps(cfg.to_dict()))
    assert ExperimentConfig.from_file(as_json) == cfg


@pytest.mark.parametrize("values, message", [
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
])
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
@pytest.mark.parametrize("learner, message", [
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
    ({"gdm": {"episodic_activation_threshold": 7}},
     "learner.gdm.episodic_activation_threshold must be .*1.0.*, got 7"),
    ({"gdm": {"semantic_max_age": 0}}, "learner.gdm.semantic_max_age must be .*1.*, got 0"),
    ({"gdm": {"semantic_labels": "guessed"}}, "learner.gdm.semantic_labels must be one of"),
    ({"gdm": {"aging": "sometimes"}}, "learner.gdm.aging must be one of"),
    ({"gdm": {"random_state": 3}}, "learner.gdm has no parameters \\['random_state'\\]"),
    ({"gdm": 0.4}, "learner.gdm must be a table"),
])
def test_bad_learner_settings_are_refused_when_read(tmp_path, learner, message):
    with pytest.raises(ValueError, match=message):
        ExperimentConfig.from_dict({"learner": learner})
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"learner": learner}))
    with pytest.raises(ValueError, match=message):
        ExperimentConfig.from_file(path)


def test_every_default_setting_is_accepted_and_checked_types_are_kept():
    from clifer.learners import LearnerSettings

    assert LearnerSettings() == ExperimentConfig().learner_settings()
    cfg = ExperimentConfig(conditions=["gdm", "clifer"], root=None)
    assert cfg.conditions == ["gdm", "clifer"]
    assert ExperimentConfig(conditions="gdm,clifer").conditions == ["gdm", "clifer"]


def test_a_dataset_without_persons_is_refused_when_read():
    with pytest.raises(ValueError, match="fer2013 has no persons"):
        ExperimentConfig(dataset="fer2013", root="/data/fer2013")
