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
    ({"colour": 1}, "unknown configuration fields \\['colour'\\]"),
    ({"conditions": ["gdm", "dream"]}, "unknown condition"),
    ({"orders": "happy,sad"}, "permutation"),
    ({"learner": {"epochs": 3}}, "unknown learner settings \\['epochs'\\]"),
    ({"learner": {"gdm": {"episodic_learning_rate": 0.1}}}, "the GDM has no parameters"),
    ({"dataset": "ravdess"}, "needs root"),
    ({"subjects": 0}, "at least 1"),
    ({"dataset": "mmi", "root": "/data/MMI", "subjects": 6}, "list of subject ids"),
    ({"dataset": "mmi", "root": "/data/MMI", "subjects": ["S001", 2]}, "list of subject ids"),
    ({"test_fraction": 1.0}, "between 0 and 1"),
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
