"""``python -m facedata prepare`` on FER2013 and one's own data, and its clear errors."""

from __future__ import annotations

import pytest
from corpora import fer_face, fer_pixels, write_clip, write_fer_csv, write_still

from facedata import FaceDataset
from facedata.__main__ import main
from facedata.dataset import CLASS_IDS

pytestmark = pytest.mark.filterwarnings("ignore:fer2013. skipped:UserWarning")


def test_prepare_fer2013(tmp_path, capsys):
    rows = [
        (3, fer_pixels(fer_face(1)), "Training"),
        (6, fer_pixels(fer_face(2)), "PublicTest"),
        (1, fer_pixels(fer_face(3)), "PrivateTest"),
        (4, "1 2 3", "PrivateTest"),
    ]
    write_fer_csv(tmp_path / "fer" / "fer2013.csv", rows)
    out = tmp_path / "fer.npz"
    args = [
        "prepare",
        "--dataset",
        "fer2013",
        "--root",
        str(tmp_path / "fer"),
        "--image-size",
        "32",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "fer2013 at" in printed and "2 face crops (no persons" in printed
    assert "crops per split and class:" in printed and "validation" in printed
    assert "class not used (disgust)" in printed and "pixel string: not 2304 values" in printed
    assert "e.g. fer2013.csv:5" in printed
    crops = FaceDataset.load(out)
    assert crops.splits.tolist() == ["train", "validation"] and crops.image_size == 32
    assert main(args) == 0 and "(from the cache)" in capsys.readouterr().out


def test_prepare_own_data_and_every_nth_frame(tmp_path, capsys):
    write_clip(tmp_path / "own" / "ann" / "Happy" / "a.mp4", 0, CLASS_IDS["happy"])
    write_still(tmp_path / "own" / "ann" / "sad" / "b.png", 0, CLASS_IDS["sad"])
    args = [
        "prepare",
        "--dataset",
        "own",
        "--root",
        str(tmp_path / "own"),
        "--no-cache",
        "--image-size",
        "32",
        "--video-frames",
        "6",
        "--quiet",
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "5 face crops from 2 clips of 1 subjects" in printed  # frames 0, 6, 12, 18 and b
    assert "crops per subject and class:" in printed


def test_clear_errors(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    for dataset in ("fer2013", "own"):
        code = main(
            [
                "prepare",
                "--dataset",
                dataset,
                "--root",
                str(tmp_path / "empty"),
                "--no-cache",
                "--quiet",
            ]
        )
        assert code == 2
        err = capsys.readouterr().err
        assert err.startswith("error:") and "Expected layouts" in err
    write_fer_csv(tmp_path / "fer" / "fer2013.csv", [(3, fer_pixels(fer_face(1)), "Training")])
    code = main(
        [
            "prepare",
            "--dataset",
            "fer2013",
            "--root",
            str(tmp_path / "fer"),
            "--faces",
            "detect",
            "--no-cache",
            "--quiet",
        ]
    )
    assert code == 2 and "fer2013 takes no option 'faces'" in capsys.readouterr().err
    code = main(
        [
            "prepare",
            "--dataset",
            "ravdess",
            "--root",
            str(tmp_path / "empty"),
            "--video-frames",
            "2",
            "--no-cache",
            "--quiet",
        ]
    )
    assert code == 2 and "ravdess takes no option 'video_frames'" in capsys.readouterr().err
