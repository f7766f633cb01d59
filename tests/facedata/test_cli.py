"""``python -m facedata``: synth, prepare, faces."""

import subprocess
import sys

import cv2
import numpy as np

from facedata import FaceDataset
from facedata.__main__ import main


def test_synth_then_prepare_end_to_end(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    assert main(["synth", "--out", str(corpus), "--subjects", "2", "--seconds", "1.5",
                 "--quiet"]) == 0  # fmt: skip
    assert "2 subjects" in capsys.readouterr().out
    videos = sorted(corpus.glob("Actor_*/*.mp4"))
    assert videos and {v.parent.name for v in videos} == {"Actor_01", "Actor_02"}
    out = tmp_path / "crops.npz"
    args = ["prepare", "--dataset", "ravdess", "--root", str(corpus), "--faces", "recorded",
            "--cache-dir", str(tmp_path / "cache"), "--out", str(out), "--quiet"]  # fmt: skip
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
    code = main(["prepare", "--dataset", "mmi", "--root", str(tmp_path / "nowhere"), "--quiet",
                 "--no-cache"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Sessions" in err  # names the expected layout


def test_help_of_every_command():
    for command in ([], ["synth"], ["prepare"], ["faces"]):
        out = subprocess.run([sys.executable, "-m", "facedata", *command, "--help"],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
        assert out.startswith("usage: python -m facedata")
