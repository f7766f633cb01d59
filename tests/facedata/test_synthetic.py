"""The synthetic expressive-faces generator: shapes, determinism, clips, the RAVDESS-layout
corpus, detection by OpenCV's Haar cascade, and that personalisation matters."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from facedata import CLASSES
from facedata import synthetic as S
from facedata.faces import RecordedFaces


@pytest.fixture(scope="module")
def people():
    return S.sample_persons(6, seed=3)


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    return ix * iy / (aw * ah + bw * bh - ix * iy)


# -- persons and single faces ---------------------------------------------------------------
def test_persons_are_deterministic_and_independent_of_n():
    assert S.sample_persons(3, seed=5) == S.sample_persons(5, seed=5)[:3]
    assert S.sample_persons(2, seed=5) != S.sample_persons(2, seed=6)
    names = [p.name for p in S.sample_persons(12)]
    assert len(set(names)) == 12


def test_persons_differ_in_appearance_and_in_expressing():
    people = S.sample_persons(20, seed=0)
    assert len({p.skin for p in people}) == 20
    assert len({p.hair_style for p in people}) >= 3
    assert len({round(p.gain, 3) for p in people}) == 20
    assert any(p.variants for p in people) and any(p.resting for p in people)
    resting = next(p for p in people if p.resting)
    assert resting.action_units(0).max() > 0  # a resting face shows in neutral
    plain = S.sample_persons(20, seed=0, individual=False)
    assert [p.skin for p in plain] == [p.skin for p in people]
    for p in plain:
        np.testing.assert_allclose(p.action_units(3, 0.5), 0.5 * S.PROTOTYPES[3])


def test_prototypes_follow_ekman():
    au = {name: i for i, name in enumerate(S.ACTION_UNITS)}
    active = {
        CLASSES[k]: {a for a in S.ACTION_UNITS if S.PROTOTYPES[k, au[a]] > 0}
        for k in range(len(CLASSES))
    }
    assert active == {
        "neutral": set(),
        "happy": {"AU6", "AU12"},
        "surprise": {"AU1", "AU2", "AU5", "AU26"},
        "anger": {"AU4", "AU5", "AU23", "AU24"},
        "fear": {"AU1", "AU2", "AU4", "AU5", "AU20", "AU26"},
        "sad": {"AU1", "AU4", "AU15"},
    }


@pytest.mark.parametrize("size", [48, 96, 128])
def test_render_face_shape_dtype_and_determinism(people, size):
    face = S.render_face(people[0], 1, 1.0, size)
    assert face.shape == (size, size, 3) and face.dtype == np.uint8
    assert face.min() < 60 and face.max() > 150  # dark features, bright skin
    jitter = S.Jitter.random(np.random.default_rng(1))
    a = S.render_face(people[0], 2, 0.7, size, jitter=jitter)
    b = S.render_face(people[0], 2, 0.7, size, jitter=jitter)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, S.render_face(people[0], 2, 0.7, size))


def test_expressions_change_only_the_face(people):
    size = 96
    x, y, w, h = S.face_box_in(size)
    neutral = S.render_face(people[1], 0, 1.0, size).astype(int)
    for k in range(1, len(CLASSES)):
        changed = np.abs(S.render_face(people[1], k, 1.0, size).astype(int) - neutral).sum(-1) > 24
        assert changed.sum() > 30, CLASSES[k]
        ys, xs = np.nonzero(changed)
        inside = (xs >= x) & (xs < x + w) & (ys >= y) & (ys < y + h + 0.1 * h)
        assert inside.mean() > 0.97, CLASSES[k]


def test_bad_arguments(people):
    with pytest.raises(ValueError):
        S.render_face(people[0], 6)
    with pytest.raises(ValueError):
        S.render_clip(people[0], 1, 5, intensity="extreme")


def _digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def test_outputs_are_those_of_the_recorded_generator():
    """Faces, clips and datasets are bit for bit what the generator drew when these digests
    were recorded: data sets, caches and shipped models made from them stay valid. (A new
    OpenCV may draw anti-aliased edges differently; then re-record and say so.)"""
    p = S.sample_persons(3, seed=3)
    jitter = S.Jitter.random(np.random.default_rng(1))
    faces = S.render_face(p[1], 2, 0.8, 48), S.render_face(p[2], 5, 1.0, 48, jitter=jitter)
    assert _digest(*faces) == "708c6e20d8ecd920"
    assert _digest(*S.render_clip(p[0], 4, 6, intensity="low", seed=5, talk=0.3)) == (
        "4fc90b53bc6bb0f7"
    )
    data = S.make_dataset(2, clips_per_class=1, frames_per_clip=2, size=32, seed=2)
    assert _digest(data.images, data.labels) == "7e2ed7bbef986457"


# -- clips ---------------------------------------------------------------------------------
def test_clip_shapes_boxes_and_determinism(people):
    frames, boxes = S.render_clip(people[2], 4, 20, frame_size=(160, 128), seed=7)
    assert frames.shape == (20, 128, 160, 3) and frames.dtype == np.uint8
    assert boxes.shape == (20, 4) and boxes.dtype == np.int64
    x, y, w, h = boxes.T
    assert (x >= 0).all() and (y >= 0).all() and (x + w <= 160).all() and (y + h <= 128).all()
    assert (w > 128 / 3).all() and (np.abs(w - h) <= 2).all()
    again = S.render_clip(people[2], 4, 20, frame_size=(160, 128), seed=7)
    np.testing.assert_array_equal(frames, again[0])
    np.testing.assert_array_equal(boxes, again[1])
    other, _ = S.render_clip(people[2], 4, 20, frame_size=(160, 128), seed=8)
    assert not np.array_equal(frames, other)


def test_clip_goes_neutral_apex_neutral_inside_the_box(people):
    n = 30
    neutral, boxes = S.render_clip(people[3], 0, n, seed=11)
    surprise, boxes2 = S.render_clip(people[3], 2, n, seed=11)
    np.testing.assert_array_equal(boxes, boxes2)  # same seed: same motion
    changed = np.abs(surprise.astype(int) - neutral.astype(int)).sum(-1) > 30
    per_frame = changed.sum(axis=(1, 2))
    assert per_frame[0] == 0 and per_frame[-1] == 0
    assert n // 3 <= int(np.argmax(per_frame)) < 2 * n // 3
    middle = per_frame[int(0.35 * n) : int(0.65 * n)]
    assert middle.min() > 0.8 * per_frame.max()
    for i in range(n):  # what the expression changes lies in the face box (or just under it)
        ys, xs = np.nonzero(changed[i])
        x, y, w, h = boxes[i]
        inside = (xs >= x) & (xs < x + w) & (ys >= y) & (ys < y + 1.15 * h)
        assert inside.size == 0 or inside.mean() > 0.97


def test_envelope():
    e = S.envelope(90)
    assert e[:9].max() == 0 and e[-9:].max() == 0
    assert e[32:58].min() == 1.0
    assert np.all(np.diff(e[:45]) >= 0) and np.all(np.diff(e[45:]) <= 0)


# -- the RAVDESS-layout corpus ------------------------------------------------------------
def test_ravdess_corpus_layout_and_videos(tmp_path: Path):
    paths = S.write_ravdess_corpus(
        tmp_path, 2, seed=1, seconds=0.5, statements=1, repetitions=2, song=True, progress=False
    )
    # speech: neutral x 1 intensity + 5 classes x 2; song: no surprise -> 1 + 4 x 2
    assert len(paths) == 2 * 2 * (11 + 9)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Actor_01", "Actor_02"]
    code_to_class = {v: k for k, v in S.RAVDESS_EMOTIONS.items()}
    seen = set()
    for path in paths:
        fields = [int(f) for f in path.stem.split("-")]
        assert len(fields) == 7 and path.suffix == ".mp4"
        modality, channel, emotion, intensity, statement, repetition, actor = fields
        assert modality == 2 and channel in (1, 2) and statement == 1 and repetition in (1, 2)
        assert path.parent.name == f"Actor_{actor:02d}"
        assert emotion in code_to_class and intensity in (1, 2)
        assert not (emotion == 1 and intensity == 2)  # neutral has no strong intensity
        assert not (channel == 2 and emotion == 8)  # no sung surprise
        seen.add(code_to_class[emotion])
    assert seen == set(range(len(CLASSES)))

    video = paths[3]
    cap = cv2.VideoCapture(str(video))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame[..., ::-1])
    cap.release()
    assert len(frames) == 15 and frames[0].shape == (128, 160, 3)
    recorded = RecordedFaces.for_video(video)
    assert recorded.frames() == list(range(15))
    boxes = np.array([recorded.box(i) for i in range(15)])
    actor = int(video.stem[-2:])
    emotion = {v: k for k, v in S.RAVDESS_EMOTIONS.items()}[int(video.stem.split("-")[2])]
    # the clip is reproducible from its name: re-render and compare with the decoded video
    person = S.sample_persons(actor, seed=1)[actor - 1]
    fields = [int(f) for f in video.stem.split("-")]
    key = [1, actor, fields[1], emotion, fields[3], fields[4], fields[5]]
    clip_seed = int(np.random.SeedSequence(key).generate_state(1)[0])
    rendered, rendered_boxes = S.render_clip(
        person,
        emotion,
        15,
        intensity="high" if fields[3] == 2 else "low",
        seed=clip_seed,
        talk=0.2 * (1.5 if fields[1] == 2 else 1.0),
    )
    np.testing.assert_array_equal(boxes, rendered_boxes)
    assert np.abs(np.stack(frames).astype(int) - rendered).mean() < 8  # codec loss only


# -- detection and personalisation ----------------------------------------------------------
def test_haar_cascade_finds_the_faces():
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    hits = total = 0
    for k, person in enumerate(S.sample_persons(8, seed=4)):
        for expression in range(len(CLASSES)):
            frames, boxes = S.render_clip(person, expression, 12, seed=k, talk=0.2)
            for i in (2, 6, 10):
                gray = cv2.cvtColor(frames[i], cv2.COLOR_RGB2GRAY)
                found = cascade.detectMultiScale(
                    gray, scaleFactor=1.1, minNeighbors=5, minSize=(160 // 5, 160 // 5)
                )
                total += 1
                if len(found):
                    largest = max(found, key=lambda r: r[2] * r[3])
                    hits += iou(largest, boxes[i]) >= 0.5
    assert hits / total >= 0.9


def test_personalisation_matters():
    """HOG + PCA + logistic regression: a model of the subject's own clips beats one
    trained on the other subjects by a wide margin."""
    from skimage.feature import hog
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = S.make_dataset(8, clips_per_class=4, frames_per_clip=6, size=48, seed=2, jitter=0.25)
    assert data.images.shape == (8 * 6 * 4 * 6, 48, 48, 3)
    assert -1.0 <= data.images.min() and data.images.max() <= 1.0
    gray = data.images.mean(-1)
    features = np.stack([hog(g, pixels_per_cell=(8, 8), cells_per_block=(2, 2)) for g in gray])

    def model(n_components):
        return make_pipeline(
            StandardScaler(),
            PCA(n_components, random_state=0),
            LogisticRegression(C=0.1, max_iter=1000),
        )

    cross, within = [], []
    for subject in data.subject_ids():
        own = data.subjects == subject
        cross.append(
            model(40).fit(features[~own], data.labels[~own]).score(features[own], data.labels[own])
        )
        later = np.char.endswith(data.clips, "-02") | np.char.endswith(data.clips, "-03")
        test = own & later  # one low- and one high-intensity clip of each class
        train = own & ~test
        within.append(
            model(20)
            .fit(features[train], data.labels[train])
            .score(features[test], data.labels[test])
        )
    print(f"within-subject {np.mean(within):.3f}, cross-subject {np.mean(cross):.3f}")
    assert np.mean(within) >= np.mean(cross) + 0.15
    assert np.mean(within) > 0.8


def test_expression_sheet(people):
    sheet = S.expression_sheet(people[0], size=64)
    assert sheet.dtype == np.uint8 and sheet.shape[1] == 6 * 64 and sheet.shape[0] > 64
    np.testing.assert_array_equal(sheet[:64, 64:128], S.render_face(people[0], 1, 1.0, 64))
