"""Hyperparameter search: the space, the objective, the trials file, resuming, the CLI."""

import json

import numpy as np
import pandas as pd
import pytest
from clifer_cases import clustered_subject, tidy

from clifer import tune
from clifer.conditions import CONDITIONS
from clifer.config import ExperimentConfig
from clifer.learners import LearnerSettings
from clifer.protocol import SubjectFeatures
from clifer.search_space import apply, check_space, default_space, hyperopt_space, typed
from clifer.store import config_hash
from clifer.tuning import Objective, TrialsFile, TuneConfig, _plain

pytest.importorskip("hyperopt")


# six well-separated classes in 50-d, two clips of five frames per class
DATA = {name: clustered_subject(name, i) for i, name in enumerate(["V01", "V02"])}

SMALL_SPACE = {
    "gdm.episodic_activation_threshold": {"dist": "uniform", "low": 0.001, "high": 0.5},
    "episode_epochs": {"dist": "quniform", "low": 1, "high": 4, "q": 1},
}


def small(**overrides):
    return TuneConfig(
        **{
            "condition": "gdm",
            "trials": 4,
            "startup_trials": 2,
            "space": SMALL_SPACE,
            "validation_subjects": 2,
            **overrides,
        }
    )


def identity(cfg):
    return cfg.fingerprint("model-hash")


# -- the space ------------------------------------------------------------------------------
def test_default_spaces_hold_the_defaults_and_fit_the_condition():
    from clifer.search_space import parameter_defaults

    defaults = parameter_defaults()
    for name, condition in CONDITIONS.items():
        space = check_space(default_space(condition))
        assert ("replay_epochs" in space) == condition.replay, name
        assert ("imagination_epochs" in space) == condition.imagination, name
        for parameter, spec in space.items():
            assert spec["low"] <= defaults[parameter] <= spec["high"], (name, parameter)


@pytest.mark.parametrize(
    "space, message",
    [
        ({}, "empty"),
        (None, "empty"),
        ({"gdm.no_such": {"dist": "uniform", "low": 0, "high": 1}}, "no parameters"),
        ({"episode_epochs": {"dist": "normal", "low": 0, "high": 1}}, "unknown dist"),
        ({"episode_epochs": {"dist": "uniform", "low": 0}}, "takes"),
        ({"episode_epochs": {"dist": "uniform", "low": 2, "high": 1}}, "low < high"),
        ({"episode_epochs": {"dist": "loguniform", "low": 0, "high": 1}}, "low > 0"),
        ({"episode_epochs": {"dist": "uniform", "low": "a", "high": 1}}, "finite number"),
        ({"episode_epochs": {"dist": "quniform", "low": 1, "high": 5, "q": 0}}, "positive"),
        ({"gdm.aging": {"dist": "choice", "options": []}}, "non-empty"),
        ({"episode_epochs": 3}, "table"),
    ],
)
def test_a_malformed_space_is_a_clear_error(space, message):
    with pytest.raises(ValueError, match=message):
        check_space(space)


def test_values_are_typed_and_applied_to_the_learner_table():
    params = typed(
        {
            "episode_epochs": np.float64(7.0),
            "gdm.episodic_max_age": 350.0,
            "gdm.episodic_activation_threshold": np.float64(0.25),
        }
    )
    assert params == {
        "episode_epochs": 7,
        "gdm.episodic_max_age": 350,
        "gdm.episodic_activation_threshold": 0.25,
    }
    assert type(params["episode_epochs"]) is int
    table = {"replay_epochs": 2, "gdm": {"semantic_epsilon_b": 0.05}}
    base = LearnerSettings.from_dict(table)
    settings = apply(base, params)
    assert settings.to_dict() == {
        "replay_epochs": 2,
        "episode_epochs": 7,
        "gdm": {
            "semantic_epsilon_b": 0.05,
            "episodic_max_age": 350,
            "episodic_activation_threshold": 0.25,
        },
    }
    assert settings.episode_epochs == 7 and settings.gdm["episodic_max_age"] == 350
    assert base.to_dict() == table  # not changed
    # no gdm parameter: no gdm table written; a value equal to the default is written
    assert apply(LearnerSettings(), {"episode_epochs": 10.0}).to_dict() == {"episode_epochs": 10}
    assert apply(LearnerSettings(), {}) == LearnerSettings()
    with pytest.raises(ValueError, match=r"learner\.gdm\.episodic_max_age must be"):
        apply(base, {"gdm.episodic_max_age": 0})


def test_the_hyperopt_space_draws_within_the_bounds():
    from hyperopt.pyll import stochastic

    space = check_space(
        {
            **SMALL_SPACE,
            "gdm.semantic_epsilon_b": {"dist": "loguniform", "low": 1e-3, "high": 1e-1},
            "gdm.aging": {"dist": "choice", "options": ["bmu", "global"]},
        }
    )
    expr = hyperopt_space(space)
    rng = np.random.default_rng(0)
    draws = [stochastic.sample(expr, rng=rng) for _ in range(200)]
    eps = np.array([d["gdm.semantic_epsilon_b"] for d in draws])
    assert 1e-3 <= eps.min() and eps.max() <= 1e-1
    assert np.mean(eps < 1e-2) > 0.3  # log-uniform: a decade holds half the draws
    assert {d["gdm.aging"] for d in draws} == {"bmu", "global"}
    assert {d["episode_epochs"] for d in draws} <= {1.0, 2.0, 3.0, 4.0}


# -- the objective ----------------------------------------------------------------------------
def measurements():
    rows = []
    for subject, base in (("A", 0.5), ("B", 0.7)):
        for step in (1, 2):
            for memory, bonus in (("episodic", 0.2), ("semantic", 0.0)):
                for experiment in (1, 2):
                    value = base + bonus + 0.1 * step + (0.01 if experiment == 1 else 0)
                    rows.append(
                        (subject, "o", "gdm", memory, step, "x", experiment, "micro_f1", value)
                    )
    return tidy(rows)


def test_the_objective_scores_by_hand():
    table = measurements()
    final_e = Objective(memory="episodic").subject_scores(table)
    assert final_e.to_dict() == pytest.approx({"A": 0.9, "B": 1.1})
    mean_final = Objective().subject_scores(table)  # mean of the two memories
    assert mean_final.to_dict() == pytest.approx({"A": 0.8, "B": 1.0})
    over_steps = Objective(memory="semantic", experiment=1, at="mean").subject_scores(table)
    assert over_steps.to_dict() == pytest.approx({"A": 0.66, "B": 0.86})
    with pytest.raises(ValueError, match="nothing"):
        Objective(metric="macro_f1").subject_scores(table)


@pytest.mark.parametrize(
    "objective, message",
    [
        ({"experiment": 3}, "1 or 2"),
        ({"memory": "both"}, "memory"),
        ({"at": "best"}, "at"),
        ({"metric": "accuracy"}, "metric"),
        ({"goal": "max"}, "the objective has no fields"),
    ],
)
def test_a_bad_objective_is_a_clear_error(objective, message):
    with pytest.raises(ValueError, match=message):
        TuneConfig(objective=objective)


def test_bad_search_configurations_are_clear_errors():
    with pytest.raises(ValueError, match="unknown condition"):
        TuneConfig(condition="gdm+imagination")
    with pytest.raises(ValueError, match="reports the memory"):
        TuneConfig(condition="mlp", objective={"memory": "episodic"})
    with pytest.raises(ValueError, match="trials"):
        TuneConfig(trials=0)
    with pytest.raises(ValueError, match="seed"):
        TuneConfig(validation_seed=2020)  # the experiment's subjects
    with pytest.raises(ValueError, match="list the ids"):
        TuneConfig(experiment={"dataset": "ravdess", "root": "/x", "subjects": None})
    with pytest.raises(ValueError, match="must not include"):
        TuneConfig(
            experiment={"dataset": "mmi", "root": "/x", "subjects": ["S1", "S2"]},
            validation_subjects=["S2"],
        )
    with pytest.raises(ValueError, match=r"the search has no fields .* did you mean 'condition'"):
        TuneConfig.from_dict({"condtion": "gdm"})
    for field in ("seed", "validation_seed"):
        with pytest.raises(ValueError, match=f"{field} must be a whole number >= 0, got 'x'"):
            TuneConfig(**{field: "x"})
    with pytest.raises(ValueError, match="no parameters"):
        TuneConfig(space={"gdm.alpha": {"dist": "uniform", "low": 0, "high": 1}})


# -- the search -----------------------------------------------------------------------------
def test_a_search_runs_resumes_and_refuses_another_searchs_trials(tmp_path):
    cfg = small()
    store = tune.search(cfg, DATA, TrialsFile(tmp_path / "s", identity(cfg)), progress=False)
    assert [t["tid"] for t in store.trials] == [0, 1, 2, 3]
    assert store.baseline["status"] == "ok" and store.baseline["params"] == {}
    for t in store.trials:
        assert t["status"] == "ok" and set(t["subjects"]) == {"V01", "V02"}
        assert 0.001 <= t["params"]["gdm.episodic_activation_threshold"] <= 0.5
        assert t["params"]["episode_epochs"] in (1, 2, 3, 4)
        assert t["score"] == pytest.approx(np.mean(list(t["subjects"].values())))
    # the file holds what was run; reopening and asking for more continues the search
    held = json.loads((tmp_path / "s" / "trials.json").read_text())
    assert held["trials"] == store.trials
    more = cfg.replace(trials=6)
    again = TrialsFile(tmp_path / "s", identity(more))
    assert len(again.trials) == 4
    tune.search(more, DATA, again, progress=False)
    assert [t["tid"] for t in again.trials] == list(range(6))
    assert again.trials[:4] == store.trials
    # a trial's score is what evaluating its parameters gives
    t = again.trials[5]
    assert tune.evaluate(cfg, t["params"], DATA)["score"] == pytest.approx(t["score"])
    with pytest.raises(ValueError, match="another search"):
        TrialsFile(tmp_path / "s", identity(cfg.replace(condition="gdm+replay")))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "trials.json").write_text("{not json")
    with pytest.raises(ValueError, match="not a trials file"):
        TrialsFile(tmp_path / "bad", identity(cfg))


def test_a_search_is_repeatable_and_tpe_follows_the_scores(tmp_path):
    cfg = small(trials=12, startup_trials=4)
    a = tune.search(cfg, DATA, TrialsFile(tmp_path / "a", identity(cfg)), progress=False)
    b = tune.search(cfg, DATA, TrialsFile(tmp_path / "b", identity(cfg)), progress=False)
    assert [t["params"] for t in a.trials] == [t["params"] for t in b.trials]
    # a search stopped after 7 trials and resumed proposes what the uninterrupted one did
    c = tune.search(
        cfg.replace(trials=7), DATA, TrialsFile(tmp_path / "c", identity(cfg)), progress=False
    )
    c = tune.search(cfg, DATA, TrialsFile(tmp_path / "c", identity(cfg)), progress=False)
    assert [t["params"] for t in c.trials] == [t["params"] for t in a.trials]
    # an activation threshold near 0 keeps GDM-E at two neurons: the scores differ
    scores = {t["tid"]: t["score"] for t in a.trials}
    assert max(scores.values()) > min(scores.values())
    best = a.best()
    assert best["score"] == max(scores.values())


def test_failed_trials_are_kept_and_reported(tmp_path, capsys):
    s = DATA["V02"]
    keep = s.test_labels != 3  # no test frames of anger: every cell of V02 fails
    broken = {
        **DATA,
        "V02": SubjectFeatures(
            "V02",
            s.train_features,
            s.train_labels,
            s.train_clips,
            s.test_features[keep],
            s.test_labels[keep],
        ),
    }
    cfg = small(trials=2)
    store = tune.search(cfg, broken, TrialsFile(tmp_path / "f", identity(cfg)), progress=False)
    assert [t["status"] for t in store.trials] == ["fail", "fail"]
    assert "anger" in store.trials[0]["error"]
    assert "failed" in capsys.readouterr().err
    assert store.best() is None
    with pytest.raises(ValueError, match="no trial has succeeded"):
        tune.best_config(cfg, store)


def test_the_best_configuration_is_an_experiment_config(tmp_path):
    cfg = small(experiment={"subjects": 4, "learner": {"replay_epochs": 2}})
    store = tune.search(cfg, DATA, TrialsFile(tmp_path / "s", identity(cfg)), progress=False)
    tune.write_tables(cfg, store)
    best = json.loads((tmp_path / "s" / "best.json").read_text())
    loaded = ExperimentConfig.from_dict(best)
    assert loaded.subjects == 4 and loaded.conditions == list(CONDITIONS)
    settings = loaded.learner
    params = store.best()["params"]
    assert settings.replay_epochs == 2 and settings.episode_epochs == params["episode_epochs"]
    assert (
        settings.gdm["episodic_activation_threshold"] == params["gdm.episodic_activation_threshold"]
    )
    table = pd.read_csv(tmp_path / "s" / "trials.csv")
    assert list(table["tid"]) == [0, 1, 2, 3] and "episode_epochs" in table.columns
    real = small(experiment={"dataset": "mmi", "root": "/x"}, validation_subjects=["V01"])
    assert tune.best_config(real, store, ["S1", "S2"])["subjects"] == ["S1", "S2"]


@pytest.mark.slow
def test_a_search_on_a_dask_cluster_gives_the_serial_trials(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    cfg = small(trials=3)
    serial = tune.search(cfg, DATA, TrialsFile(tmp_path / "serial", identity(cfg)), progress=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = tune.search(
            cfg,
            DATA,
            TrialsFile(tmp_path / "dask", identity(cfg)),
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert [t["params"] for t in remote.trials] == [t["params"] for t in serial.trials]
    assert [t["subjects"] for t in remote.trials] == [t["subjects"] for t in serial.trials]


def test_the_command_line_reads_a_search_file_and_reports_errors(tmp_path, capsys):
    path = tmp_path / "search.toml"
    path.write_text('condition = "gdm"\n[space]\n')
    assert tune.main(["--config", str(path), "--out", str(tmp_path)]) == 2
    assert "empty" in capsys.readouterr().err
    path.write_text(
        'condition = "gdm"\n[space]\n'
        '"gdm.episodic_activation_threshold" = { dist = "uniform", low = 0.1, '
        "high = 0.5 }\n"
    )
    assert tune.main(["--config", str(path), "--show-space"]) == 0
    out = capsys.readouterr().out
    assert '"gdm.episodic_activation_threshold" = { dist = "uniform"' in out
    assert tune.main(["--condition", "gdm", "--memory", "mlp", "--show-space"]) == 2
    assert "reports the memory" in capsys.readouterr().err


@pytest.mark.slow
def test_a_small_real_search_from_the_command_line(tmp_path, capsys):
    """The synthetic validation subjects encoded by the shipped model, two trials, then
    one more on a rerun; the best configuration runs as an experiment config."""

    def args(condition="gdm", trials=2):
        return [
            "--condition",
            condition,
            "--subjects",
            "2",
            "--trials",
            str(trials),
            "--out",
            str(tmp_path),
            "--run",
            "s",
            "--quiet",
        ]

    assert tune.main(args()) == 0
    out = capsys.readouterr().out
    assert "0 trials done, 2 wanted; 2 validation subjects" in out and "untuned:" in out
    held = json.loads((tmp_path / "s" / "trials.json").read_text())
    assert held["identity"]["validation_seed"] == 31 and len(held["trials"]) == 2
    assert set(held["baseline"]["subjects"]) == {"S01", "S02"}
    assert tune.main(args(trials=3)) == 0  # the same search, continued to 3 trials
    assert "2 trials done, 3 wanted" in capsys.readouterr().out
    assert len(pd.read_csv(tmp_path / "s" / "trials.csv")) == 3
    cfg = ExperimentConfig.from_file(tmp_path / "s" / "best.json")
    assert cfg.subjects == 6 and cfg.learner.gdm
    assert tune.main(args("gdm+replay")) == 2  # another search, the same folder
    assert "another search" in capsys.readouterr().err


def test_the_documented_example_search_reads():
    from pathlib import Path

    path = Path(__file__).parents[2] / "docs" / "examples" / "tune-gdm-semantic.toml"
    cfg = TuneConfig.from_file(path)
    assert cfg.condition == "gdm" and cfg.objective == Objective(memory="semantic")
    assert cfg.validation_subjects == 24 and cfg.experiment.orders == "six"
    assert cfg.checked_space() == check_space(default_space(CONDITIONS["gdm"]))


@pytest.mark.slow
def test_a_search_on_a_corpus_in_the_ravdess_layout(tmp_path, capsys):
    """Real data: the search runs on the named validation subject only, and best.json
    reports on the others."""
    from facedata.synthetic import write_ravdess_corpus

    write_ravdess_corpus(tmp_path / "corpus", 2, seconds=2.0, progress=False)
    search = tmp_path / "search.json"
    search.write_text(
        json.dumps(
            {
                "condition": "gdm",
                "trials": 2,
                "validation_subjects": ["Actor_01"],
                "experiment": {"dataset": "ravdess", "root": str(tmp_path / "corpus")},
                "space": SMALL_SPACE,
            }
        )
    )
    assert (
        tune.main(["--config", str(search), "--out", str(tmp_path), "--run", "r", "--quiet"]) == 0
    )
    assert "1 validation subjects" in capsys.readouterr().out
    held = json.loads((tmp_path / "r" / "trials.json").read_text())
    assert all(set(t["subjects"]) == {"Actor_01"} for t in held["trials"])
    best = ExperimentConfig.from_file(tmp_path / "r" / "best.json")
    assert best.dataset == "ravdess" and best.subjects == ["Actor_02"]


@pytest.mark.parametrize(
    "space, message",
    [
        (
            {"gdm.episodic_habituation_threshold": {"dist": "uniform", "low": 0.5, "high": 3}},
            "gdm.episodic_habituation_threshold can draw 3.0.*"
            "learner.gdm.episodic_habituation_threshold must be",
        ),
        (
            {"episode_epochs": {"dist": "quniform", "low": -5, "high": 5, "q": 1}},
            "episode_epochs can draw -5.*learner.episode_epochs must be a whole number >= 1",
        ),
        (
            {"episode_size": {"dist": "quniform", "low": 0.2, "high": 5, "q": 1}},
            "episode_size can draw 0",
        ),
        (
            {"mlp_learning_rate": {"dist": "uniform", "low": -0.1, "high": 0.1}},
            "mlp_learning_rate can draw -0.1",
        ),
        (
            {"gdm.aging": {"dist": "choice", "options": ["bmu", "sometimes"]}},
            "gdm.aging can draw 'sometimes'",
        ),
    ],
)
def test_a_space_that_can_draw_a_value_the_learner_refuses_is_refused_when_read(space, message):
    with pytest.raises(ValueError, match=message):
        small(space=space)


# -- damaged trials files -------------------------------------------------------------------
def _damage_trial(tmp_path, edit):
    cfg = small(trials=3)
    tune.search(cfg, DATA, TrialsFile(tmp_path / "s", identity(cfg)), progress=False)
    path = tmp_path / "s" / "trials.json"
    held = json.loads(path.read_text())
    edit(held)
    path.write_text(json.dumps(held))
    return cfg, path


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda h: h["trials"][1].pop("vals"), "trial 1 is damaged \\(it lacks \\['vals'\\]"),
        (
            lambda h: h["trials"][2]["params"].update(
                {"episode_epoch": h["trials"][2]["params"].pop("episode_epochs")}
            ),
            "trial 2 is damaged \\(its params name",
        ),
        (
            lambda h: h["trials"][0]["vals"].update(
                {
                    "gdm.episodic_act": h["trials"][0]["vals"].pop(
                        "gdm.episodic_activation_threshold"
                    )
                }
            ),
            "trial 0 is damaged \\(its vals name",
        ),
        (lambda h: h["trials"][1].update(score=None), "its status is ok but its score is None"),
        (lambda h: h["trials"][1].update(status="done"), "its status is 'done'"),
        (lambda h: h["trials"][2].update(tid=7), "its tid is 7, not 2"),
        (
            lambda h: h["trials"][0]["vals"].update({"episode_epochs": "two"}),
            "its value of episode_epochs is 'two'",
        ),
        (lambda h: h["trials"].append(3), "trial 3 is damaged \\(it is not a table"),
        (lambda h: h.update(trials={}), "its trials are not a list"),
    ],
)
def test_a_damaged_trial_is_a_clear_error_and_the_file_is_kept(tmp_path, edit, message):
    cfg, path = _damage_trial(tmp_path, edit)
    before = path.read_text()
    with pytest.raises(ValueError, match=message):
        TrialsFile(tmp_path / "s", identity(cfg))
    assert path.read_text() == before  # nothing lost


def test_a_damaged_baseline_runs_again(tmp_path):
    cfg, _ = _damage_trial(tmp_path, lambda h: h["baseline"].pop("status"))
    store = TrialsFile(tmp_path / "s", identity(cfg))
    assert store.baseline is None and "baseline is damaged" in store.notes[0]
    tune.search(cfg, DATA, store, progress=False)
    assert store.baseline["status"] == "ok" and len(store.trials) == 3


def test_the_command_line_reports_a_damaged_trials_file(tmp_path, capsys):
    search = tmp_path / "search.json"
    search.write_text(
        json.dumps(
            {"condition": "gdm", "trials": 1, "space": SMALL_SPACE, "validation_subjects": 2}
        )
    )
    folder = tmp_path / "out" / "s"
    folder.mkdir(parents=True)
    cfg = TuneConfig.from_file(search)
    from clifer.store import file_hash
    from imagination.pretrained import pretrained_path

    ident = cfg.fingerprint(file_hash(pretrained_path("cpu")))
    store = TrialsFile(folder, ident)
    store.add(
        {
            "tid": 0,
            "vals": {},
            "params": {},
            "status": "ok",
            "score": 0.5,
            "subjects": {},
            "seconds": 1.0,
        }
    )
    assert (
        tune.main(
            ["--config", str(search), "--out", str(tmp_path / "out"), "--run", "s", "--quiet"]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "trial 0 is damaged" in err and "Traceback" not in err


# -- the configuration, typed once, and the hashes that key trials files ----------------------
def test_the_objective_and_the_experiment_are_typed_once_with_the_condition():
    cfg = TuneConfig.from_dict(
        {
            "condition": "gdm",
            "objective": {"memory": "semantic"},
            "experiment": {"orders": "six", "conditions": ["mlp"]},
        }
    )
    assert cfg.objective == Objective(memory="semantic")
    assert isinstance(cfg.experiment, ExperimentConfig)
    assert cfg.experiment.conditions == ["gdm"] and cfg.experiment.orders == "six"
    other = cfg.replace(condition="gdm+replay")
    assert other.experiment.conditions == ["gdm+replay"]
    assert TuneConfig(objective=Objective(at="mean")).objective.at == "mean"
    assert TuneConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match=r"objective has no fields .*did you mean 'memory'"):
        TuneConfig(objective={"memroy": "semantic"})
    with pytest.raises(ValueError, match=r"configuration has no .*did you mean 'orders'"):
        TuneConfig(experiment={"order": "six"})
    with pytest.raises(ValueError, match=r"learner\.episode_epochs must be a whole number"):
        TuneConfig(experiment={"learner": {"episode_epochs": 0}})
    with pytest.raises(ValueError, match="experiment must be a table"):
        TuneConfig(experiment=["six"])


# config_hash of the search's fingerprint with the model hash "model-hash", and of the best
# configuration of a search (tune.best_config), computed with the code before the settings
# were typed (when objective and experiment were the tables as given): a trials file and a
# results folder made then are found again.
FINGERPRINTS_BEFORE = [
    ({}, "102f4e337ab923f6"),
    (
        {
            "condition": "gdm",
            "objective": {"memory": "semantic"},
            "experiment": {"orders": "six", "learner": {"replay_epochs": 2}},
        },
        "0a98d9cb4acc4105",
    ),
    ({"condition": "mlp", "objective": {"memory": "mlp", "at": "mean"}}, "7ed5b316fce4f30f"),
]


@pytest.mark.parametrize("values, expected", FINGERPRINTS_BEFORE)
def test_a_searchs_fingerprint_is_the_one_it_had(values, expected):
    cfg = TuneConfig.from_dict(values)
    assert config_hash(_plain(cfg.fingerprint("model-hash"))) == expected


def test_the_best_configuration_is_the_one_it_was(tmp_path):
    cfg = TuneConfig(
        condition="gdm",
        experiment={
            "subjects": 4,
            "learner": {"replay_epochs": 2, "episode_epochs": 10, "gdm": {"semantic_max_age": 100}},
        },
    )
    store = TrialsFile(tmp_path / "s", cfg.fingerprint("m"))
    store.add(
        {
            "tid": 0,
            "vals": {},
            "params": {"episode_epochs": 10, "gdm.episodic_max_age": 350},
            "status": "ok",
            "score": 0.5,
            "subjects": {},
            "seconds": 1.0,
        }
    )
    best = tune.best_config(cfg, store)
    assert best["learner"] == {
        "replay_epochs": 2,
        "episode_epochs": 10,
        "gdm": {"semantic_max_age": 100, "episodic_max_age": 350},
    }
    assert config_hash(best) == "9f3afea757b39ace"
    real = TuneConfig(
        condition="gdm", experiment={"dataset": "mmi", "root": "/x"}, validation_subjects=["V01"]
    )
    assert config_hash(tune.best_config(real, store, ["S1", "S2"])) == "28aa13201858cab1"
    # the file keeps the key it has always had
    assert set(json.loads(store.path.read_text())) == {"hash", "identity", "baseline", "trials"}
