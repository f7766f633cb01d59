"""``python -m facedata``: synth, prepare, faces; and what every command line of the
project shares (:mod:`facedata.commandline`): errors, flags over configs, entry points."""

import argparse
import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from facedata import FaceDataset
from facedata.__main__ import main
from facedata.commandline import (
    BAD_INPUT,
    KeyValues,
    flag_values,
    positive_float,
    positive_int,
    prog,
    run_command,
    with_flags,
    with_values,
)

ROOT = Path(__file__).resolve().parents[2]


def test_synth_then_prepare_end_to_end(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    assert (
        main(["synth", "--out", str(corpus), "--subjects", "2", "--seconds", "1.5", "--quiet"]) == 0
    )
    assert "2 subjects" in capsys.readouterr().out
    videos = sorted(corpus.glob("Actor_*/*.mp4"))
    assert videos and {v.parent.name for v in videos} == {"Actor_01", "Actor_02"}
    out = tmp_path / "crops.npz"
    args = [
        "prepare",
        "--dataset",
        "ravdess",
        "--root",
        str(corpus),
        "--faces",
        "recorded",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "ravdess at" in printed and "face crops from" in printed
    crops = FaceDataset.load(out)
    assert len(crops) > 0 and set(crops.subjects) == {"Actor_01", "Actor_02"}
    assert crops.images.shape[1:] == (96, 96, 3)
    assert main(args) == 0  # the second time from the cache
    assert "(from the cache)" in capsys.readouterr().out


def test_faces_picture(tmp_path, capsys):
    out = tmp_path / "faces.png"
    assert main(["faces", "--out", str(out), "--subjects", "2", "--size", "64"]) == 0
    picture = cv2.imread(str(out))
    assert picture is not None and picture.shape[0] >= 2 * 64 and picture.shape[1] >= 6 * 64
    assert np.std(picture) > 10  # not a blank image


def test_missing_root_is_a_clear_error(tmp_path, capsys):
    code = main(
        [
            "prepare",
            "--dataset",
            "mmi",
            "--root",
            str(tmp_path / "nowhere"),
            "--quiet",
            "--no-cache",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Sessions" in err  # names the expected layout


def test_help_of_every_command():
    for command in ([], ["synth"], ["prepare"], ["faces"]):
        out = subprocess.run(
            [sys.executable, "-m", "facedata", *command, "--help"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out.startswith("usage: python -m facedata")


# --- what every command line shares (facedata.commandline) ---


@pytest.fixture
def _as_it_was(monkeypatch):
    """What run_command sets for a command's workers is undone after the test."""
    from facedata import _quiet

    monkeypatch.delenv(_quiet.ENVIRONMENT, raising=False)
    monkeypatch.delenv(_quiet.LOG_LEVEL, raising=False)
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad value"),
        TypeError("bad type"),
        FileNotFoundError("no such file x"),
        NotADirectoryError("x is not a folder"),
        PermissionError("x cannot be written"),
    ],
)
def test_bad_input_is_one_line_and_status_2(error, capsys, _as_it_was):
    def run(args):
        raise error

    assert run_command(argparse.ArgumentParser(), run, []) == BAD_INPUT == 2
    assert capsys.readouterr().err == f"error: {error}\n"


def test_a_video_that_cannot_be_read_is_bad_input(capsys, _as_it_was):
    from facedata.video import VideoError

    def run(args):
        raise VideoError("camera 7 cannot be opened")

    assert run_command(argparse.ArgumentParser(), run, []) == 2
    assert capsys.readouterr().err == "error: camera 7 cannot be opened\n"


def test_a_bug_is_not_hidden_as_bad_input(_as_it_was):
    def run(args):
        raise KeyError("a bug")

    with pytest.raises(KeyError, match="a bug"):
        run_command(argparse.ArgumentParser(), run, [])


def test_the_command_gets_its_arguments_and_gives_its_status(_as_it_was):
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=positive_int)
    assert run_command(parser, lambda args: args.n + args.verbose, ["--n", "3"]) == 3
    with pytest.raises(SystemExit) as stop:  # a bad option: argparse's own message
        run_command(parser, lambda args: 0, ["--n", "0"])
    assert stop.value.code == 2


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("12", 12)])
def test_positive_int(text, value):
    assert positive_int(text) == value


@pytest.mark.parametrize("text", ["0", "-3", "1.5", "two", ""])
def test_positive_int_refuses(text):
    with pytest.raises(argparse.ArgumentTypeError, match="whole number >= 1"):
        positive_int(text)


def test_positive_float():
    assert positive_float("0.25") == 0.25
    for text in ("0", "-1", "nan", "inf", "x"):
        with pytest.raises(argparse.ArgumentTypeError, match="number > 0"):
            positive_float(text)


@dataclasses.dataclass(frozen=True)
class Inner:
    metric: str = "micro_f1"
    at: str = "final"


@dataclasses.dataclass(frozen=True)
class Settings:
    dataset: str = "synthetic"
    subjects: int | None = 6
    loader: dict = dataclasses.field(default_factory=dict)
    inner: Inner = Inner()
    table: dict = dataclasses.field(default_factory=lambda: {"a": 1, "sub": {"x": 1}})

    def __post_init__(self):
        if self.dataset != "synthetic" and self.subjects is not None:
            raise ValueError("a real dataset takes no number of subjects")


def test_flags_given_set_their_fields_and_the_others_keep_the_config():
    args = argparse.Namespace(dataset=None, subjects=3, metric=None, loader=None)
    flags = {
        "dataset": "dataset",
        "subjects": "subjects",
        "metric": "inner.metric",
        "loader": "loader",
    }
    assert flag_values(args, flags) == {"subjects": 3}
    assert with_flags(Settings(), args, flags) == Settings(subjects=3)
    nothing = argparse.Namespace(dataset=None, subjects=None, metric=None, loader=None)
    config = Settings(loader={"faces": "whole"})
    assert with_flags(config, nothing, flags) is config
    with pytest.raises(AttributeError):  # a flag the parser does not have: a bug
        flag_values(nothing, {"seed": "seed"})


def test_values_are_set_in_one_replace_and_nested_and_merged():
    config = Settings(loader={"faces": "whole", "detector": "haar"})
    # both fields at once: one after the other would be refused by __post_init__
    real = with_values(config, {"dataset": "own", "subjects": None})
    assert (real.dataset, real.subjects) == ("own", None)
    # a dict value is merged into the field's dict; a dotted name reaches a nested one
    out = with_values(
        config,
        {"loader": {"detector": "mtcnn"}, "inner.at": "mean", "table.b": 2, "table.sub.y": 2},
    )
    assert out.loader == {"faces": "whole", "detector": "mtcnn"}
    assert out.inner == Inner(at="mean") and out.table == {"a": 1, "b": 2, "sub": {"x": 1, "y": 2}}
    assert config.loader == {"faces": "whole", "detector": "haar"}  # not changed
    assert with_values({"a": 1}, {"b": {"c": 2}}) == {"a": 1, "b": {"c": 2}}
    # a flag given wins over a value set only when no flag sets the field
    args = argparse.Namespace(subjects=4)
    assert with_flags(Settings(), args, {"subjects": "subjects"}, subjects=None).subjects == 4


def test_key_value_options_make_one_dict():
    parser = argparse.ArgumentParser()
    parser.add_argument("--opt", type=lambda t: tuple(t.split("=")), action=KeyValues)
    assert parser.parse_args([]).opt is None
    assert parser.parse_args(["--opt", "a=1", "--opt", "b=2", "--opt", "a=3"]).opt == {
        "a": "3",
        "b": "2",
    }


def test_usage_names_the_entry_point_it_was_started_by(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["/somewhere/bin/clifer-tune"])
    assert prog("clifer-tune", "clifer.tune") == "clifer-tune"
    monkeypatch.setattr(sys, "argv", ["/somewhere/clifer/tune.py"])
    assert prog("clifer-tune", "clifer.tune") == "python -m clifer.tune"


ENTRY_POINTS = {
    "facedata": "facedata.__main__:main",
    "clifer-experiment": "clifer.experiment:main",
    "clifer-tune": "clifer.tune:main",
    "clifer-personal": "clifer.personal:main",
    "imagination-train": "imagination.train:main",
    "imagination-evaluate": "imagination.evaluate:main",
}


def test_the_entry_points_are_declared_for_each_command():
    import importlib

    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == ENTRY_POINTS
    for target in ENTRY_POINTS.values():
        module, _, function = target.partition(":")
        assert callable(getattr(importlib.import_module(module), function))


@pytest.mark.parametrize("script", ["facedata", "clifer-tune"])
def test_an_installed_entry_point_runs_its_command(script):
    path = shutil.which(script, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.skip(
            f"{script} is not installed next to {sys.executable} (pip install -e . installs it)"
        )
    out = subprocess.run(
        [path, "--help"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.startswith(f"usage: {script} ")
