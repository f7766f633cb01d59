"""``python -m imagination.train``'s data options: ``--dataset`` (alias ``--data``) and
``--splits`` (no training here)."""

import argparse

import numpy as np
import pytest

from facedata import FaceDataset
from facedata.dataset import from_uint8
from imagination.train import build_parser, main, select_splits, split_spec


def test_dataset_and_its_alias(tmp_path):
    parser = build_parser()
    args = parser.parse_args(["--dataset", "fer2013", "--root", str(tmp_path), "--out", "o"])
    assert args.dataset == "fer2013" and args.root == tmp_path and args.splits is None
    assert parser.parse_args(["--data", "own", "--out", "o"]).dataset == "own"
    assert parser.parse_args(["--out", "o"]).dataset == "synthetic"
    args = parser.parse_args(["--dataset", "fer2013", "--splits", "train,validation", "--out", "o"])
    assert args.splits == ("train", "validation")


@pytest.mark.parametrize("text", ["dev", "train,PublicTest", "", "all,train"])
def test_bad_split_names_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="comma-separated split names"):
        split_spec(text)


def test_bad_dataset_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--dataset", "celeba", "--out", "o"])
    assert "invalid choice: 'celeba'" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_grid_every_must_be_positive(value, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--grid-every", value, "--out", "o"])
    assert "--grid-every: must be a whole number >= 1" in capsys.readouterr().err
    assert build_parser().parse_args(["--grid-every", "3", "--out", "o"]).grid_every == 3


def faces(splits) -> FaceDataset:
    n = len(splits)
    pixels = np.zeros((n, 4, 4, 3), np.uint8)
    return FaceDataset(
        from_uint8(pixels),
        np.arange(n) % 6,
        [f"s{i}" for i in range(n)],
        [f"c{i}" for i in range(n)],
        np.full(n, -1),
        ["f"] * n,
        "fer2013",
        splits=splits,
    )


def test_select_splits():
    data = faces(["train", "validation", "test", "train"])
    assert select_splits(data, None).clips.tolist() == ["c0", "c3"]  # train by default
    assert len(select_splits(data, ("all",))) == 4
    assert select_splits(data, ("test", "validation")).clips.tolist() == ["c1", "c2"]
    with pytest.raises(ValueError, match="has no test split"):
        select_splits(faces(["train", "validation"]), ("test",))
    plain = faces(["", ""])
    assert len(select_splits(plain, None)) == 2 and len(select_splits(plain, ("all",))) == 2
    with pytest.raises(ValueError, match="have no splits"):
        select_splits(plain, ("train",))


def test_a_wrong_root_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(["--dataset", "fer2013", "--root", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    )
    assert "no dataset folder" in capsys.readouterr().err and not out.exists()
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "other.csv").write_text("id,value\n1,2\n")  # not FER2013's columns
    assert main(["--dataset", "fer2013", "--root", str(tmp_path / "x"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Expected layouts" in err and "emotion,pixels,Usage" in err and not out.exists()
