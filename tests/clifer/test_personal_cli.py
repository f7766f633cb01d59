"""``python -m clifer.personal``: learn a person from videos, recognise a video a second at a
time, keep the person; clear messages for bad input, with nothing changed."""

import subprocess
import sys

import cv2
import numpy as np
import pandas as pd
import pytest

from clifer.live import FaceFinder, frames
from clifer.person_store import PersonStore
from clifer.personal import main, per_second
from facedata import CLASSES
from facedata.synthetic import render_clip, sample_persons, write_video
from imagination.pretrained import pretrained_path

FPS = 15
#: The synthetic persons' faces are recognised with the model trained on synthetic faces.
SYNTHETIC_MODEL = ["--imagination", str(pretrained_path("cpu"))]


def clip(identity, expression, seconds, seed):
    """RGB frames of one synthetic person's expression, face detection-sized (320x240)."""
    n = round(FPS * seconds)
    images, _ = render_clip(
        identity, expression, n, frame_size=(320, 240), face_size=150, seed=seed
    )
    return images


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """One video per expression to learn from (1 s each), a test video of the six
    expressions in turn (1 s each, other takes), and one without a face."""
    folder = tmp_path_factory.mktemp("videos")
    ada = sample_persons(1, 3)[0]
    paths = {}
    for c, name in enumerate(CLASSES):
        paths[name] = folder / f"{name}.mp4"
        write_video(paths[name], clip(ada, c, 1.0, seed=c), FPS)
    # the test clips: the expression held (render_clip runs neutral -> apex -> neutral,
    # so the middle of a longer take is the apex)
    held = [clip(ada, c, 3.0, seed=100 + c)[15:30] for c in range(len(CLASSES))]
    paths["test"] = folder / "test.mp4"
    write_video(paths["test"], np.concatenate(held), FPS)
    paths["empty"] = folder / "empty.mp4"
    write_video(paths["empty"], np.full((10, 240, 320, 3), 90, np.uint8), FPS)
    return paths


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


def test_frames_and_faces_of_a_video(videos):
    got = list(frames(video=videos["happy"]))
    assert [f.index for f in got] == list(range(FPS))
    assert got[1].seconds == pytest.approx(1 / FPS, abs=1e-3)
    assert [f.index for f in frames(video=videos["happy"], every=4)] == [0, 4, 8, 12]
    assert len(list(frames(video=videos["test"], max_seconds=2.0))) == 2 * FPS + 1
    # the face is found on a scaled-down copy and boxed at the full frame's scale: near the
    # box the renderer recorded (calibrated to where the cascade puts it)
    finder = FaceFinder(64, detect_side=120)
    images, boxes = render_clip(
        sample_persons(1, 3)[0], 2, 3, frame_size=(320, 240), face_size=150, seed=5
    )
    for image, recorded in zip(images, boxes, strict=True):
        box, crop = finder.crop(np.ascontiguousarray(image[..., ::-1]))
        assert crop.shape == (64, 64, 3) and -1 <= crop.min() and crop.max() <= 1
        assert iou(box, recorded) > 0.7, (box, recorded)
    assert finder.crop(np.full((240, 320, 3), 90, np.uint8)) == (None, None)
    with pytest.raises(ValueError, match="not both"):
        next(frames())


def test_per_second_takes_the_most_frequent_expression():
    from clifer.live import Recognised

    face = (0, 0, 1, 1)
    answers = [
        Recognised(0, 0.0, face, 1, 0.8),
        Recognised(1, 0.25, face, 1, 0.6),
        Recognised(2, 0.5, None, -1, 0.0),
        Recognised(3, 0.75, face, 3, 0.9),
    ]
    answers += [Recognised(i, i / 4, None, -1, 0.0) for i in range(4, 8)]
    assert per_second(answers) == [
        (0, "happy", pytest.approx(0.7), 3, 4),
        (1, "no face", 0.0, 0, 4),
    ]


@pytest.mark.slow
def test_learn_then_predict_from_videos(videos, tmp_path, capsys):
    store = tmp_path / "persons"
    for name in CLASSES:
        assert (
            main(
                [
                    "learn",
                    "--person",
                    "ada",
                    "--label",
                    name,
                    "--video",
                    str(videos[name]),
                    "--store",
                    str(store),
                    *SYNTHETIC_MODEL,
                ]
            )
            == 0
        )
    out, err = capsys.readouterr()
    assert "imagination model: cpu (shipped, imagination/weights/cpu.keras)" in err
    assert "ada: learnt neutral from 15 frames (0 without a face); imagined" in out
    assert "expressions seen: neutral, happy, surprise, anger, fear, sad; saved as version 6" in out
    csv, annotated = tmp_path / "frames.csv", tmp_path / "annotated.mp4"
    assert (
        main(
            [
                "predict",
                "--person",
                "ada",
                "--video",
                str(videos["test"]),
                "--store",
                str(store),
                "--csv",
                str(csv),
                "--annotate",
                str(annotated),
                *SYNTHETIC_MODEL,
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 6 and lines[0].split()[0] == "0s"
    said = [line.split()[1] for line in lines]
    assert sum(s == c for s, c in zip(said, CLASSES, strict=True)) >= 5, said
    table = pd.read_csv(csv)
    assert len(table) == 6 * FPS and table["face"].all()
    assert (table["expression"] == np.repeat(CLASSES, FPS)).mean() >= 0.8
    assert table["confidence"].between(0, 1).all()
    capture = cv2.VideoCapture(str(annotated))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 6 * FPS
    capture.release()
    assert main(["list", "--store", str(store)]) == 0
    assert "ada: version 6 (kept: [4, 5, 6])" in capsys.readouterr().out


@pytest.mark.slow
def test_bad_input_is_a_clear_message_and_changes_nothing(videos, tmp_path, capsys):
    store = tmp_path / "persons"
    assert (
        main(
            [
                "learn",
                "--person",
                "bo",
                "--label",
                "happy",
                "--video",
                str(videos["happy"]),
                "--store",
                str(store),
            ]
        )
        == 0
    )
    # without --imagination, the shipped real-face model (named on stderr)
    assert (
        "imagination model: real (shipped, imagination/weights/real.keras)"
        in capsys.readouterr().err
    )
    cases = [
        (
            ["learn", "--person", "bo", "--label", "disgust", "--video", str(videos["sad"])],
            "unknown expression 'disgust'",
        ),
        (
            ["learn", "--person", "bo", "--label", "sad", "--video", str(videos["empty"])],
            "no face found",
        ),
        (
            ["learn", "--person", "bo", "--label", "sad", "--video", str(tmp_path / "no.mp4")],
            "no such file",
        ),
        (["predict", "--person", "cy", "--video", str(videos["test"])], "unknown person 'cy'"),
        (["predict", "--person", "bo", "--camera", "0"], "needs --seconds"),
        (
            ["predict", "--person", "bo", "--camera", "7", "--seconds", "1"],
            "camera 7 cannot be opened",
        ),
        (["predict", "--person", "bo"], "give --video FILE or --camera N"),
        (
            ["learn", "--person", "../bo", "--label", "sad", "--video", str(videos["sad"])],
            "a person's name",
        ),
    ]
    for args, message in cases:
        assert main([*args, "--store", str(store)]) == 2, args
        assert message in capsys.readouterr().err
    assert PersonStore(store).versions("bo") == [1]
    assert (
        main(["predict", "--person", "bo", "--video", str(videos["empty"]), "--store", str(store)])
        == 0
    )
    captured = capsys.readouterr()
    assert "no face" in captured.out and "no face found in 10 frames" in captured.err


def test_help():
    out = subprocess.run(
        [sys.executable, "-m", "clifer.personal", "learn", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("usage: python -m clifer.personal learn") and "--label" in out


@pytest.mark.slow
def test_two_learn_commands_on_one_person_at_once_keep_both(videos, tmp_path):
    """A person who knows happy and sad learns anger and fear in two processes at once:
    the current version knows all four (each learn reads, learns and saves under the
    person's lock)."""
    store = tmp_path / "persons"
    for name in ("happy", "sad"):
        assert (
            main(
                [
                    "learn",
                    "--person",
                    "ada",
                    "--label",
                    name,
                    "--video",
                    str(videos[name]),
                    "--store",
                    str(store),
                ]
            )
            == 0
        )
    learners = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "clifer.personal",
                "learn",
                "--person",
                "ada",
                "--label",
                name,
                "--video",
                str(videos[name]),
                "--store",
                str(store),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("anger", "fear")
    ]
    for learner in learners:
        _, err = learner.communicate(timeout=600)
        assert learner.returncode == 0, err
    from clifer.personal_model import check_state

    memory, state = PersonStore(store, check_state=check_state).load("ada")
    assert sorted(state["classes_seen"]) == ["anger", "fear", "happy", "sad"]
    assert PersonStore(store).versions("ada") == [2, 3, 4]
    assert {0, 1, 2, 3, 4, 5} <= set(memory.episodic.node_labels())  # imagined: all six


def test_output_options_are_checked_before_any_work(tmp_path, capsys):
    cases = [
        (["--csv", str(tmp_path)], "--csv"),
        (["--csv", str(tmp_path / "no" / "frames.csv")], "does not exist"),
        (["--annotate", str(tmp_path)], "is a folder"),
    ]
    for extra, message in cases:
        # a video that does not exist: the options are refused before it is looked at
        assert (
            main(
                [
                    "predict",
                    "--person",
                    "ada",
                    "--video",
                    str(tmp_path / "none.mp4"),
                    "--store",
                    str(tmp_path),
                    *extra,
                ]
            )
            == 2
        )
        assert message in capsys.readouterr().err
    for option, value in (("--every", "0"), ("--seconds", "-1"), ("--camera", "-2")):
        with pytest.raises(SystemExit) as exit_:
            main(["predict", "--person", "ada", "--camera", "0", "--seconds", "1", option, value])
        assert exit_.value.code == 2
        assert "must be" in capsys.readouterr().err
