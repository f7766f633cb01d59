"""``--dataset``: FER2013 (no persons) and a wrong root are refused before any work."""

import json

import numpy as np
import pytest

from clifer.experiment import check_dataset
from clifer.experiment import main as experiment
from clifer.tune import main as tune


@pytest.fixture
def fer_root(tmp_path):
    """A FER2013 CSV of one grey happy face."""
    (tmp_path / "fer").mkdir()
    pixels = " ".join(["128"] * 48 * 48)
    (tmp_path / "fer" / "fer2013.csv").write_text(f"emotion,pixels,Usage\n3,{pixels},Training\n")
    return tmp_path / "fer"


def test_the_experiment_refuses_fer2013(fer_root, tmp_path, capsys):
    results = tmp_path / "results"
    assert (
        experiment(["--dataset", "fer2013", "--root", str(fer_root), "--results", str(results)])
        == 2
    )
    err = capsys.readouterr().err
    assert "fer2013 has no persons" in err and "pre-training" in err
    assert "imagination.train --dataset fer2013" in err
    assert not results.exists()  # before any work
    config = tmp_path / "fer.json"
    config.write_text(json.dumps({"dataset": "fer2013", "root": str(fer_root)}))
    assert experiment(["--config", str(config), "--results", str(results)]) == 2
    assert "fer2013 has no persons" in capsys.readouterr().err and not results.exists()


def test_the_search_refuses_fer2013(fer_root, tmp_path, capsys):
    out = tmp_path / "tuning"
    assert tune(["--dataset", "fer2013", "--root", str(fer_root), "--out", str(out)]) == 2
    assert "fer2013 has no persons" in capsys.readouterr().err and not out.exists()


def test_a_root_that_matches_no_layout_prints_the_layouts(tmp_path, capsys):
    (tmp_path / "photos").mkdir()
    results = tmp_path / "results"
    assert (
        experiment(
            ["--dataset", "own", "--root", str(tmp_path / "photos"), "--results", str(results)]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "Expected layouts" in err and "path,person,expression" in err
    assert not results.exists()
    with pytest.raises(FileNotFoundError, match="no dataset folder"):
        check_dataset("ravdess", str(tmp_path / "nowhere"))
    check_dataset("synthetic")  # nothing to check


def test_the_help_lists_the_datasets(capsys):
    with pytest.raises(SystemExit):
        experiment(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "own" in text and "fer2013: no persons, refused" in text


def test_loader_options_are_checked_when_the_config_is_made():
    from clifer.config import ExperimentConfig

    cfg = ExperimentConfig(dataset="own", root="photos", loader={"faces": "whole"})
    assert cfg.loader == {"faces": "whole"}
    with pytest.raises(ValueError, match=r"own loader has no option.*did you mean 'faces'"):
        ExperimentConfig(dataset="own", root="photos", loader={"facez": "whole"})
    with pytest.raises(ValueError, match="synthetic faces have none"):
        ExperimentConfig(loader={"faces": "whole"})
    with pytest.raises(ValueError, match="loader"):
        ExperimentConfig(dataset="own", root="photos", loader=["faces"])


def test_the_loader_option_parses_key_value():
    import argparse

    from clifer.cli import loader_option

    assert loader_option("faces=whole") == ("faces", "whole")
    assert loader_option(" video_frames = 5 ") == ("video_frames", 5)
    for bad in ("faces", "=whole", "two words=x"):
        with pytest.raises(argparse.ArgumentTypeError, match="KEY=VALUE"):
            loader_option(bad)


@pytest.mark.slow
def test_an_experiment_on_ones_own_face_crops_runs_the_real_model(tmp_path, capsys):
    """Face crops in the own layout (two persons, each expression in three takes), read
    as they are (--loader faces=whole): the shipped real-face model runs by default and
    says so, and the baselines stand beside CLIFER."""
    import cv2

    from facedata import CLASSES
    from facedata.synthetic import make_dataset

    faces = make_dataset(2, clips_per_class=3, frames_per_clip=1, size=64, seed=5)
    for i, (image, label, subject) in enumerate(
        zip(faces.images, faces.labels, faces.subjects, strict=True)
    ):
        folder = (
            tmp_path
            / "photos"
            / f"person{faces.subject_ids().index(subject)}"
            / CLASSES[label]
            / f"take{i}"
        )  # each photo its own clip
        folder.mkdir(parents=True, exist_ok=True)
        pixels = np.clip((image + 1) * 127.5, 0, 255).astype(np.uint8)[..., ::-1]
        cv2.imwrite(str(folder / f"{i:03d}.png"), pixels)
    results = tmp_path / "results"
    assert (
        experiment(
            [
                "--dataset",
                "own",
                "--root",
                str(tmp_path / "photos"),
                "--loader",
                "faces=whole",
                "--conditions",
                "gdm,clifer",
                "--results",
                str(results),
                "--run",
                "own",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "imagination model: real (shipped, imagination/weights/real.keras)" in out
    summary = (results / "own" / "summary.md").read_text()
    assert "Imagination model: real (shipped" in summary and "Baselines" in summary
    kept = json.loads((results / "own" / "config.json").read_text())["config"]
    assert kept["config"]["loader"] == {"faces": "whole"}


def test_the_experiments_options_set_its_configuration(tmp_path):
    """Each option given sets its field of --config's configuration; the others keep the
    file's values; --loader adds to the file's loader table; a real --dataset runs all
    its subjects unless --subjects says which."""
    from clifer.experiment import build_parser, configuration

    config = tmp_path / "own.json"
    config.write_text(
        json.dumps(
            {
                "dataset": "own",
                "root": "photos",
                "orders": "six",
                "loader": {"detector": "haar"},
                "seed": 4,
            }
        )
    )
    args = build_parser().parse_args(
        [
            "--config",
            str(config),
            "--conditions",
            "gdm, clifer",
            "--loader",
            "faces=whole",
            "--loader",
            "detector=mtcnn",
        ]
    )
    cfg = configuration(args)
    assert cfg.conditions == ["gdm", "clifer"] and cfg.orders == "six" and cfg.seed == 4
    assert cfg.loader == {"detector": "mtcnn", "faces": "whole"}
    assert args.loader == {"faces": "whole", "detector": "mtcnn"}  # the options as given
    assert configuration(build_parser().parse_args([])).subjects == 6  # the default
    assert configuration(build_parser().parse_args(["--subjects", "2"])).subjects == 2
    real = configuration(build_parser().parse_args(["--dataset", "ravdess", "--root", "r"]))
    assert (real.dataset, real.root, real.subjects) == ("ravdess", "r", None)


def test_the_searchs_options_set_its_objective_and_experiment(tmp_path):
    from clifer.tune import build_parser, configuration

    config = tmp_path / "search.json"
    config.write_text(
        json.dumps(
            {
                "validation_subjects": ["p1"],
                "objective": {"at": "mean"},
                "experiment": {
                    "dataset": "own",
                    "root": "elsewhere",
                    "loader": {"detector": "haar"},
                },
            }
        )
    )
    args = build_parser().parse_args(
        [
            "--config",
            str(config),
            "--metric",
            "macro_f1",
            "--root",
            "photos",
            "--loader",
            "faces=whole",
            "--trials",
            "7",
        ]
    )
    values = configuration(args).to_dict()
    assert values["trials"] == 7 and values["validation_subjects"] == ["p1"]
    assert values["objective"]["metric"] == "macro_f1" and values["objective"]["at"] == "mean"
    experiment = values["experiment"]
    assert (experiment["dataset"], experiment["root"]) == ("own", "photos")
    assert experiment["loader"] == {"detector": "haar", "faces": "whole"}
    assert experiment.get("subjects") is None
    plain = configuration(build_parser().parse_args(["--subjects", "3"])).to_dict()
    assert plain["validation_subjects"] == 3 and plain["trials"] == 30
