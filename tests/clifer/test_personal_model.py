"""PersonalModel: one person learnt one expression at a time on the shipped model, kept on
disk in versions, with clear errors for bad input."""

import dataclasses
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from clifer import PersonalModel
from clifer.learners import LearnerSettings
from clifer.person_store import DamagedPersonError, PersonStore
from clifer.personal_model import class_activations
from clifer.store import file_hash
from facedata import CLASSES


@pytest.fixture(scope="module")
def model():
    from imagination import load_pretrained

    return load_pretrained()


@pytest.fixture(scope="module")
def person():
    """One new synthetic person: two clips of eight frames of each expression (the
    first clip to learn from, the second to recognise)."""
    from facedata.synthetic import make_dataset

    data = make_dataset(1, clips_per_class=2, frames_per_clip=8, size=64, seed=4242)
    learn, test = {}, {}
    for c in range(len(CLASSES)):
        rows = np.flatnonzero(data.labels == c)
        clips = sorted(set(data.clips[rows]))
        learn[c] = data.images[rows[data.clips[rows] == clips[0]]]
        test[c] = data.images[rows[data.clips[rows] == clips[1]]]
    return learn, test


@pytest.fixture(scope="module")
def learnt(model, person):
    learn, _ = person
    pm = PersonalModel(model, seed=1)
    reports = [pm.observe(learn[c], CLASSES[c]) for c in range(len(CLASSES))]
    return pm, reports


@pytest.mark.slow
def test_a_person_learnt_one_expression_at_a_time_is_recognised(learnt, person):
    pm, reports = learnt
    _, test = person
    assert [r["label"] for r in reports] == list(CLASSES) and all(r["imagined"] for r in reports)
    assert pm.classes_seen == list(CLASSES) and pm.n_observed == 48
    frames = np.concatenate([test[c] for c in range(6)])
    truth = np.repeat(np.arange(6), 8)
    labels, confidence = pm.predict(frames)
    assert labels.shape == confidence.shape == (48,)
    assert np.all((confidence > 0) & (confidence <= 1))
    right = labels == truth
    assert np.mean(right) >= 0.8
    if not right.all():  # the mistakes are the less confident answers
        assert confidence[~right].mean() < confidence[right].mean()
    assert pm.predict_names(frames[:1]) == [CLASSES[labels[0]]]
    # a second run of an expression already known is learnt without imagination
    again = pm.observe(person[0][1], "happy")
    assert again["new_class"] is False and again["imagined"] is False


@pytest.mark.slow
def test_imagination_names_expressions_the_person_has_not_shown(model, person):
    """After one expression alone, the imagined faces let the memory name others; without
    imagination everything is the one class seen."""
    learn, test = person
    others = np.concatenate([test[c] for c in range(6) if c != 1])
    truth = np.repeat([c for c in range(6) if c != 1], 8)
    plain = PersonalModel(model, imagine=False, seed=1)
    plain.observe(learn[1], "happy")
    assert set(plain.predict(others)[0]) == {1}
    imagining = PersonalModel(model, seed=1)
    imagining.observe(learn[1], "happy")
    labels, _ = imagining.predict(others)
    assert len(set(labels)) >= 3 and np.mean(labels == truth) >= 0.6


@pytest.mark.slow
def test_bad_input_is_a_clear_error_and_changes_nothing(model, person):
    learn, _ = person
    pm = PersonalModel(model, seed=1)
    with pytest.raises(ValueError, match="learnt nothing"):
        pm.predict(learn[0])
    pm.observe(learn[0], "neutral")
    before = (pm.sizes(), pm.n_observed, list(pm.classes_seen))
    cases = [
        ((learn[0], "disgust"), "unknown expression"),
        ((learn[0], 6), "one of"),
        ((learn[0], True), "one of"),
        ((learn[0][..., :1], "happy"), "face crops"),
        ((learn[0][:0], "happy"), "no frames"),
        ((learn[0] * 3, "happy"), "in \\[-1, 1\\]"),
        ((np.full_like(learn[0], np.nan), "happy"), "NaN"),
        ((learn[0][:, :, :40], "happy"), "square"),
        ((learn[0][:, :4, :4], "happy"), "at least 8x8"),
        ((learn[0].astype(np.int32), "happy"), "uint8"),
    ]
    for args, message in cases:
        with pytest.raises(ValueError, match=message):
            pm.observe(*args)
    assert (pm.sizes(), pm.n_observed, list(pm.classes_seen)) == before
    # uint8 crops of any square size are converted and resized
    pixels = np.rint((learn[0] + 1) * 127.5).astype(np.uint8)
    big = np.repeat(np.repeat(pixels, 2, axis=1), 2, axis=2)
    assert pm.predict(big)[0].shape == (8,)


@pytest.mark.slow
def test_a_person_is_kept_in_versions_and_loads_as_it_was(learnt, person, model, tmp_path):
    pm, _ = learnt
    frames = np.concatenate([person[1][c] for c in range(6)])
    expected = pm.predict(frames)
    assert pm.save(tmp_path / "ada") == 1
    loaded = PersonalModel.load(tmp_path / "ada", model)
    for a, b in zip(loaded.predict(frames), expected, strict=True):
        np.testing.assert_array_equal(a, b)
    assert loaded.classes_seen == pm.classes_seen and loaded.n_observed == pm.n_observed
    store = PersonStore(tmp_path)
    for n in (2, 3, 4):
        assert pm.save(tmp_path / "ada") == n
    assert store.versions("ada") == [2, 3, 4] and store.current("ada") == 4
    assert store.persons() == ["ada"]
    # a damaged current version: a clear error naming the others, which still load
    memory = tmp_path / "ada" / "v000004" / "memory.npz"
    memory.write_bytes(memory.read_bytes()[:-100])
    with pytest.raises(DamagedPersonError, match=r"version 4 .* other versions kept: \[2, 3\]"):
        PersonalModel.load(tmp_path / "ada", model)
    assert PersonalModel.load(tmp_path / "ada", model, version=3).n_observed == pm.n_observed
    # a memory file that is not one, with a matching checksum, is as clear an error
    v2 = tmp_path / "ada" / "v000002"
    (v2 / "memory.npz").write_bytes(b"not a zip file")
    record = json.loads((v2 / "person.json").read_text())
    record["memory_sha256"] = file_hash(v2 / "memory.npz", 64)
    (v2 / "person.json").write_text(json.dumps(record))
    with pytest.raises(DamagedPersonError, match="version 2"):
        PersonalModel.load(tmp_path / "ada", model, version=2)
    # memories learnt with another shared model are refused
    memory, state = PersonStore(tmp_path).load("ada", 3)
    PersonStore(tmp_path).save("ada", memory, {**state, "imagination": "0" * 16})
    with pytest.raises(ValueError, match=r"another imagination model.*load it with that"):
        PersonalModel.load(tmp_path / "ada", model, version=5)
    # learnt with the shipped cpu model, loaded with the default (real): the message says
    # which model to pass
    with pytest.raises(ValueError, match=r"the shipped 'cpu' model: pass .*cpu\.keras"):
        PersonalModel.load(tmp_path / "ada", version=3)
    with pytest.raises(ValueError, match="unknown person 'bob'"):
        PersonalModel.load(tmp_path / "bob", model)
    with pytest.raises(ValueError, match="a person's name"):
        pm.save(tmp_path / ".ada")


def test_two_processes_saving_one_person_leave_whole_versions(tmp_path):
    """Writers in two processes at once: every version kept loads, and the current one is
    one of them (no file mixes two writers)."""
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        from gwr import GrowingDualMemory
        from clifer.person_store import PersonStore
        seed = int(sys.argv[1])
        rng = np.random.default_rng(seed)
        store = PersonStore({str(tmp_path)!r}, keep=50)
        for i in range(8):
            memory = GrowingDualMemory(random_state=seed)
            memory.partial_fit(rng.normal(size=(20 + i, 5)), np.arange(20 + i) % 3, epochs=1)
            store.save("ada", memory, {{"writer": seed, "round": i}})
    """)
    writers = [subprocess.Popen([sys.executable, "-c", script, str(seed)]) for seed in (1, 2)]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    store = PersonStore(tmp_path, keep=50)
    assert store.versions("ada") == list(range(1, 17))
    for version in store.versions("ada"):
        memory, state = store.load("ada", version)
        assert memory.episodic.n_features_in_ == 5 and state["writer"] in (1, 2)
    _, state = store.load("ada")
    assert state["round"] == 7
    assert not [p for p in (tmp_path / "ada").iterdir() if p.name.startswith(".new-")]


def test_class_activations_by_a_plain_loop():
    from gwr import GammaGWR

    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 4))
    y = np.r_[np.zeros(20, int), np.full(20, 2), np.full(20, 5)]
    X[y == 2] += 3.0
    X[y == 5] -= 3.0
    net = GammaGWR(activation_threshold=0.5, random_state=0).partial_fit(X, y, epochs=2)
    queries = rng.normal(size=(7, 4)) * 3
    got = class_activations(net, queries)
    W, labels = net.weights_, net.node_labels()
    for i, q in enumerate(queries):
        for c in range(6):
            d = [np.sqrt(np.sum((q - w) ** 2)) for w, k in zip(W, labels, strict=True) if k == c]
            assert got[i, c] == pytest.approx(np.exp(-min(d)) if d else 0.0)
    assert (got[:, [1, 3, 4]] == 0).all() and (got[:, [0, 2, 5]] > 0).all()


# -- concurrent learning and damaged records --------------------------------------------
def _memory(seed, label, n=12):
    from gwr import GrowingDualMemory

    rng = np.random.default_rng(seed)
    memory = GrowingDualMemory(random_state=seed)
    return memory.partial_fit(rng.normal(size=(n, 5)), np.full(n, label), epochs=1)


def test_two_processes_updating_one_person_lose_no_update(tmp_path):
    """Read-learn-write under the person's lock: two processes each add five classes'
    worth of updates to one person at once (each update sleeps between reading and
    writing, so without the lock they would read the same version and one would be lost);
    the last version holds all ten."""
    script = textwrap.dedent(f"""
        import sys, time
        import numpy as np
        from clifer.person_store import PersonStore
        writer = int(sys.argv[1])
        store = PersonStore({str(tmp_path)!r}, keep=50)

        def change(kept):
            memory, state = kept
            rng = np.random.default_rng(len(state["updates"]))
            x = rng.normal(size=(6, 5))
            memory.partial_fit(x, np.full(6, writer), epochs=1)
            time.sleep(0.2)
            return memory, {{"updates": [*state["updates"], writer]}}

        for _ in range(5):
            store.update("ada", change)
    """)
    from clifer.person_store import PersonStore

    PersonStore(tmp_path, keep=50).save("ada", _memory(0, 0), {"updates": []})
    writers = [subprocess.Popen([sys.executable, "-c", script, str(w)]) for w in (1, 2)]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    store = PersonStore(tmp_path, keep=50)
    memory, state = store.load("ada")
    assert sorted(state["updates"]) == [1] * 5 + [2] * 5
    assert store.versions("ada") == list(range(1, 12))
    labels = set(memory.episodic.node_labels()) | set(memory.semantic.node_labels())
    assert {1, 2} <= labels


def test_an_update_that_fails_saves_nothing(tmp_path):
    store = PersonStore(tmp_path)
    store.save("ada", _memory(0, 0), {"n": 1})

    def change(kept):
        raise ValueError("no face found")

    with pytest.raises(ValueError, match="no face found"):
        store.update("ada", change)
    assert store.versions("ada") == [1]
    assert store.update("bo", lambda kept: (_memory(1, 2), {"new": kept is None})) == 1
    assert store.load("bo")[1] == {"new": True}


def _rewrite(path, edit, recompute=True):
    """Edit a person.json record; with ``recompute``, its own checksum is made to match."""
    from clifer.person_store import _record_hash

    record = json.loads(path.read_text())
    edit(record)
    if recompute:
        record["sha256"] = _record_hash(record)
    path.write_text(json.dumps(record))


@pytest.mark.parametrize(
    "edit, recompute, message",
    [
        (
            lambda r: r["state"].update(classes_seen=["happy", "sad", "fear"]),
            False,
            "person.json does not match its checksum",
        ),
        (
            lambda r: r["state"]["settings"].update(episode_epoch=3),
            True,
            "settings has no fields \\['episode_epoch'\\]",
        ),
        (
            lambda r: r["state"]["settings"].update(episode_epochs=0),
            True,
            "settings.episode_epochs must be a whole number >= 1, got 0",
        ),
        (lambda r: r["state"].pop("seed"), True, "the state lacks the fields \\['seed'\\]"),
        (lambda r: r["state"].update(mood="calm"), True, "the state has no fields \\['mood'\\]"),
        (lambda r: r["state"].update(classes_seen=["happy", "joy"]), True, "classes_seen must"),
        (lambda r: r["state"].update(n_observed=-3), True, "n_observed must be a whole number"),
        (lambda r: r["state"].update(replay="yes"), True, "replay must be true or false"),
        (lambda r: r["state"].update(imagination=None), True, "imagination must be"),
        (lambda r: r.update(format_version=9), True, "format version 9"),
        (lambda r: r.update(extra=1), True, "has the fields"),
        (lambda r: r.update(state=[]), True, "state is not a table"),
    ],
)
def test_damaged_person_metadata_is_a_clear_error(tmp_path, edit, recompute, message):
    from clifer.personal_model import check_state

    store = PersonStore(tmp_path, check_state=check_state)
    state = {
        "classes_seen": ["happy", "sad"],
        "n_observed": 30,
        "settings": dataclasses.asdict(LearnerSettings()),
        "replay": True,
        "imagine": True,
        "seed": 0,
        "imagination": "0123456789abcdef",
    }
    store.save("ada", _memory(0, 1), state)
    store.save("ada", _memory(0, 1), state)
    assert store.load("ada")[1] == state
    _rewrite(tmp_path / "ada" / "v000002" / "person.json", edit, recompute)
    with pytest.raises(
        DamagedPersonError, match=f"version 2 .*{message}.*other versions kept: \\[1\\]"
    ):
        store.load("ada")
    assert store.load("ada", 1)[1] == state


def test_a_record_of_the_first_format_still_loads(tmp_path):
    store = PersonStore(tmp_path)
    store.save("ada", _memory(0, 1), {"n": 1})
    folder = tmp_path / "ada" / "v000001"
    record = json.loads((folder / "person.json").read_text())
    (folder / "person.json").write_text(
        json.dumps({"format": "clifer-person", "memory_sha256": record["memory_sha256"], "n": 1})
    )
    assert store.load("ada")[1] == {"n": 1}


def test_names_with_a_trailing_newline_are_refused(tmp_path):
    store = PersonStore(tmp_path)
    for name in ("ada\n", "ada\n\n", "\nada", "ad\na"):
        with pytest.raises(ValueError, match="a person's name"):
            store.folder_of(name)
    assert store.folder_of("ada.v2") == tmp_path / "ada.v2"


def test_kept_files_have_the_modes_of_files_written_in_place(tmp_path):
    import os
    import stat

    from clifer.store import write_atomically

    mask = os.umask(0o022)
    try:
        PersonStore(tmp_path).save("ada", _memory(0, 1), {"n": 1})
        write_atomically(tmp_path / "result.csv", lambda tmp: open(tmp, "w").close())
    finally:
        os.umask(mask)
    version = tmp_path / "ada" / "v000001"
    assert stat.S_IMODE(version.stat().st_mode) == 0o755
    for path in (
        version / "memory.npz",
        version / "person.json",
        tmp_path / "ada" / "CURRENT",
        tmp_path / "result.csv",
    ):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
