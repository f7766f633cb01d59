"""One person's expression recogniser: the Growing Dual Memory of Algorithm 1 on top of a
shared imagination model, learning one expression at a time and kept on disk.

:class:`PersonalModel` is what a user of CLIFER holds for each person:
:meth:`~PersonalModel.observe` learns a run of one expression's face crops (an
episode stream, as in Algorithm 1; after a class the person has not shown before,
imagination adds the faces of each expression decoded from the new class's
winners), :meth:`~PersonalModel.predict` names the expression of face crops with
a confidence, and :meth:`~PersonalModel.save` / :meth:`PersonalModel.load` keep the
person's memories apart from the shared model (:mod:`clifer.person_store`).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np

from facedata import CLASS_IDS, CLASSES
from gwr import class_activations

from .checks import flag, known_keys, prefixed, table, whole
from .conditions import CONDITIONS
from .learners import GDMLearner, LearnerSettings


def class_id(label: int | str) -> int:
    """A class id from a name (``"happy"``) or an id (0-5); anything else: ValueError."""
    if isinstance(label, str):
        if label not in CLASS_IDS:
            raise ValueError(
                f"unknown expression {label!r}; the six classes are {', '.join(CLASSES)}"
            )
        return CLASS_IDS[label]
    if (
        isinstance(label, bool)
        or not isinstance(label, int | np.integer)
        or not 0 <= label < len(CLASSES)
    ):
        raise ValueError(f"an expression is one of {', '.join(CLASSES)} (or 0-5), got {label!r}")
    return int(label)


def model_fingerprint(model) -> str:
    """A short hash of a model's weights: which shared model a person's memories
    were learnt with (codes of another encoder mean nothing to them)."""
    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(np.asarray(weight)).tobytes())
    return digest.hexdigest()[:16]


def shipped_model_named(fingerprint: str) -> str | None:
    """The name of the shipped imagination model with this weight fingerprint, if any
    (a person learnt with ``cpu`` before ``real`` became the default is told so)."""
    from imagination import load_pretrained
    from imagination.pretrained import shipped

    for name in shipped():
        try:
            if model_fingerprint(load_pretrained(name)) == fingerprint:
                return name
        except (OSError, ValueError, TypeError):
            continue
    return None


#: The smallest face crop a person's model takes (a smaller one holds no face to speak of).
MIN_CROP = 8


class PersonalModel:
    """One person's memories on a shared imagination model.

    Parameters
    ----------
    imagination : a trained :class:`imagination.CAAE`; None loads the shipped ``real``
        model (trained on real faces; for the synthetic faces pass
        ``imagination.load_pretrained("cpu")``).
    settings : the loop settings and GDM parameters (:class:`LearnerSettings`).
    replay : pseudo-rehearsal after every episode (``clifer+replay``; default) or not.
    imagine : learn imagined faces after each new class (default) or not.
    seed : seeds the memories' first neurons.

    Attributes
    ----------
    classes_seen : the expressions observed, in the order first seen.
    n_observed : frames observed so far.
    """

    def __init__(
        self,
        imagination=None,
        *,
        settings: LearnerSettings | None = None,
        replay: bool = True,
        imagine: bool = True,
        seed: int = 0,
    ):
        if settings is not None and not isinstance(settings, LearnerSettings):
            raise ValueError(f"settings must be a LearnerSettings, got {settings!r}")
        self.replay = flag(replay, "replay")
        self.imagine = flag(imagine, "imagine")
        self.seed = whole(seed, "seed", minimum=0)
        if imagination is None:
            from imagination import load_pretrained
            from imagination.pretrained import REAL_MODEL

            imagination = load_pretrained(REAL_MODEL)
        self.imagination = imagination
        self.settings = settings or LearnerSettings()
        condition = CONDITIONS["gdm+replay" if self.replay else "gdm"]
        self._learner = GDMLearner(condition, self.settings, imagination, seed)
        self.classes_seen: list[str] = []
        self.n_observed = 0

    # -- faces to codes ------------------------------------------------------------------
    def _faces(self, frames: Any) -> np.ndarray:
        """Face crops as the model's input: (n, S, S, 3) floats in [-1, 1].

        ``frames``: square face crops of any side from :data:`MIN_CROP`, (n, H, H, 3) or
        one (H, H, 3), uint8 or floats in [-1, 1] (:func:`imagination.inputs.check_images`),
        resized to the model's side.
        """
        from imagination.inputs import check_images

        from .features import resized

        faces = check_images(frames, name="frames", single=True)
        if faces.shape[1] < MIN_CROP:
            raise ValueError(
                f"frames must be face crops of at least {MIN_CROP}x{MIN_CROP} pixels, "
                f"got {faces.shape[1]}x{faces.shape[2]}"
            )
        return resized(faces, self.imagination.config.image_size)

    def features(self, frames: Any) -> np.ndarray:
        """The encoder's codes of face crops (what the memories learn and recognise)."""
        return self.imagination.encode(self._faces(frames)).astype(np.float64)

    # -- learning and recognising --------------------------------------------------------
    def observe(self, frames: Any, label: int | str) -> dict[str, Any]:
        """Learn a run of sequential face crops of one expression.

        The frames are cut into episodes of ``settings.episode_size``; each trains
        GDM-E, then GDM-S (and replay, if on). After an expression not seen before,
        imagination: GDM-E's winners for these frames decoded under each of the six
        labels, encoded again, and learnt. Bad input (an unknown label, frames that
        are not face crops) is an error and changes nothing. Returns what was done.
        """
        c = class_id(label)
        codes = self.features(frames)
        new = CLASSES[c] not in self.classes_seen
        clips = np.zeros(len(codes), np.int64)  # one run of sequential frames
        self._learner.learn_class(codes, c, clips, imagine=self.imagine and new)
        if new:
            self.classes_seen.append(CLASSES[c])
        self.n_observed += len(codes)
        return {
            "label": CLASSES[c],
            "frames": len(codes),
            "new_class": new,
            "imagined": self.imagine and new,
            **self.sizes(),
        }

    def _check_learnt(self) -> None:
        if not self.classes_seen:
            raise ValueError("this person has learnt nothing yet: observe some expressions first")

    def predict_features(
        self, codes: np.ndarray, memory: str = "episodic"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Class ids and confidences for encoder codes (see :meth:`predict`)."""
        self._check_learnt()
        gdm = self._learner.memory
        labels = gdm.predict(codes, memory=memory)
        if memory == "episodic":
            network, inputs = gdm.episodic, codes
        else:
            network, inputs = gdm.semantic, gdm.episodic.transform(codes)
        shares = class_activations(network, inputs, n_classes=len(CLASSES))
        total = shares.sum(axis=1)
        picked = shares[np.arange(len(labels)), np.maximum(labels, 0)]
        confidence = np.where((labels >= 0) & (total > 0), picked / np.maximum(total, 1e-300), 0.0)
        return labels.astype(np.int64), confidence

    def predict(self, frames: Any, memory: str = "episodic") -> tuple[np.ndarray, np.ndarray]:
        """Each face crop's expression id and a confidence in [0, 1].

        The class is the memory's own answer (the label of the best-matching neuron;
        -1, confidence 0, where it has none). The confidence is that class's share of
        the classes' activations, each class's being ``exp(-d)`` for its nearest
        neuron (the GWR's activation): near 1 when the face is far closer to this
        class than to any other, 1/k when k classes are equally near.
        """
        return self.predict_features(self.features(frames), memory)

    def predict_names(self, frames: Any, memory: str = "episodic") -> list[str]:
        """:meth:`predict`'s classes by name (``"unknown"`` for -1)."""
        labels, _ = self.predict(frames, memory)
        return [CLASSES[k] if k >= 0 else "unknown" for k in labels]

    def sizes(self) -> dict[str, int]:
        """Neurons in GDM-E and GDM-S."""
        if not self.classes_seen and not self._learner.fitted:
            return {"episodic": 0, "semantic": 0}
        return self._learner.sizes()

    # -- keeping ---------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """What :meth:`save` writes beside the memories (JSON-able)."""
        return {
            "classes_seen": list(self.classes_seen),
            "n_observed": self.n_observed,
            "settings": asdict(self.settings),
            "replay": self.replay,
            "imagine": self.imagine,
            "seed": self.seed,
            "imagination": model_fingerprint(self.imagination),
        }

    def save(self, folder: str | os.PathLike) -> int:
        """Keep this person's memories in their own ``folder`` (``persons/ada``: the
        folder's name is the person's), as a new version replaced atomically; returns
        the version's number (:class:`clifer.person_store.PersonStore`). Another process
        may be learning the same person: :meth:`learn` keeps both."""
        self._check_learnt()
        folder = Path(folder)
        return _store_of(folder).save(folder.name, self._learner.memory, self.state())

    @classmethod
    def load(
        cls, folder: str | os.PathLike, imagination=None, version: int | None = None
    ) -> PersonalModel:
        """A person kept by :meth:`save` in ``folder``, on the shared model it was learnt
        with (another model is an error); ``version`` picks an earlier one."""
        folder = Path(folder)
        kept = _store_of(folder).load(folder.name, version)
        return cls._from_kept(kept, imagination, folder.name)

    @classmethod
    def learn(
        cls, folder: str | os.PathLike, frames: Any, label: int | str, imagination=None, **new: Any
    ) -> tuple[PersonalModel, dict[str, Any], int]:
        """Learn a run of one expression into the person kept in ``folder`` and keep the
        result, safely beside other processes learning the same person: the current
        version is read, :meth:`observe` d and saved as a new version while the person's
        lock is held, so a concurrent ``learn`` starts from this one's result and no
        update is lost. A person not kept yet starts as ``PersonalModel(imagination,
        **new)``. Returns ``(model, observe's report, version)``; on an error nothing is
        saved."""
        folder = Path(folder)
        if imagination is None:
            from imagination import load_pretrained
            from imagination.pretrained import REAL_MODEL

            imagination = load_pretrained(REAL_MODEL)
        done: dict[str, Any] = {}

        def change(kept):
            person = (
                cls._from_kept(kept, imagination, folder.name)
                if kept is not None
                else cls(imagination, **new)
            )
            done["report"] = person.observe(frames, label)
            done["person"] = person
            return person._learner.memory, person.state()

        version = _store_of(folder).update(folder.name, change)
        return done["person"], done["report"], version

    @classmethod
    def _from_kept(
        cls, kept: tuple[Any, dict[str, Any]], imagination, person: str
    ) -> PersonalModel:
        """A model from a kept ``(memory, state)`` (the state is checked by the store)."""
        memory, state = kept
        settings = LearnerSettings(**state["settings"])
        model = cls(
            imagination,
            settings=settings,
            replay=state["replay"],
            imagine=state["imagine"],
            seed=state["seed"],
        )
        if model_fingerprint(model.imagination) != state["imagination"]:
            shipped = shipped_model_named(state["imagination"])
            hint = (
                f"the shipped {shipped!r} model: pass imagination=load_pretrained("
                f"{shipped!r}) (--imagination imagination/weights/{shipped}.keras)"
                if shipped
                else "load it with that model"
            )
            raise ValueError(
                f"person {person!r} was learnt with another imagination model "
                f"(weights {state['imagination']}): {hint}"
            )
        model._learner.restore(memory)
        model.classes_seen = list(state["classes_seen"])
        model.n_observed = int(state["n_observed"])
        return model


#: The fields of a kept person's state (:meth:`PersonalModel.state`).
STATE_FIELDS = (
    "classes_seen",
    "n_observed",
    "settings",
    "replay",
    "imagine",
    "seed",
    "imagination",
)


def check_state(state: dict[str, Any]) -> None:
    """A kept person's state checked field by field (``person.json``): unknown or missing
    fields and bad values are a ValueError naming the field."""
    known_keys(state, STATE_FIELDS, "the state")
    missing = [name for name in STATE_FIELDS if name not in state]
    if missing:
        raise ValueError(f"the state lacks the fields {missing}")
    seen = state["classes_seen"]
    if (
        not isinstance(seen, list)
        or len(set(map(str, seen))) != len(seen)
        or not all(isinstance(c, str) and c in CLASS_IDS for c in seen)
    ):
        raise ValueError(
            f"classes_seen must list distinct expressions of {list(CLASSES)}, got {seen!r}"
        )
    whole(state["n_observed"], "n_observed", minimum=len(seen))
    flag(state["replay"], "replay")
    flag(state["imagine"], "imagine")
    whole(state["seed"], "seed", minimum=0)
    fingerprint = state["imagination"]
    if not isinstance(fingerprint, str) or not re.fullmatch(r"[0-9a-f]{16}", fingerprint):
        raise ValueError(
            f"imagination must be a model's fingerprint (16 hex digits), got {fingerprint!r}"
        )
    table(state["settings"], "settings")
    known_keys(state["settings"], [f.name for f in fields(LearnerSettings)], "settings")
    with prefixed("settings."):
        LearnerSettings(**state["settings"])


def _store_of(folder: Path):
    """The store that keeps the person of ``folder`` (its parent), checking states."""
    from .person_store import PersonStore

    return PersonStore(folder.parent, check_state=check_state)
