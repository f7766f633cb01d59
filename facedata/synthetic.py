"""Synthetic expressive faces: the project's embedded default data.

Procedural RGB faces of any number of subjects, drawn with OpenCV, showing the
project's six classes (:data:`~facedata.dataset.CLASSES`: neutral, happy,
surprise, anger, fear, sad) at any intensity, as single images
(:func:`render_face`), as clips that go neutral -> apex -> neutral with head
motion, lighting changes and noise (:func:`render_clip`), as a video corpus in
the RAVDESS layout (:func:`write_ravdess_corpus`) and as a ready
:class:`~facedata.dataset.FaceDataset` (:func:`make_dataset`).

Identity
--------
Each subject (:class:`Identity`, from :func:`sample_identities`) has its own
head shape (width, chin length, jaw taper), skin tone, hair (colour, style,
volume, hairline, parting), eyes (spacing, height, size, openness, tilt, iris
colour), brows (height, length, arch, thickness, colour), nose (length,
width) and mouth (height, width, lip thickness and colour).

Expressions from action units
-----------------------------
An expression is a vector of action-unit (AU) activations in [0, ~1.3]; the
renderer moves the face parts accordingly:

====  =====================  =================================================
AU    name                   drawn as
====  =====================  =================================================
1     inner brow raiser      inner brow ends up, forehead lines
2     outer brow raiser      outer brow ends up, forehead lines
4     brow lowerer           brows down and together, a vertical furrow, upper
                             lids slightly lowered
5     upper lid raiser       upper lids up: white shows above the iris
6     cheek raiser           lower lids pushed up (squint), crow's feet,
                             deeper nasolabial folds
12    lip corner puller      corners up and out, lips part a little, folds
15    lip corner depressor   corners down
20    lip stretcher          corners sideways, lips part a little
23    lip tightener          mouth narrower, lips thinner
24    lip pressor            lips pressed thin
26    jaw drop               lower lip and chin down: an open mouth, teeth
====  =====================  =================================================

The classes combine them as in Ekman's prototypes (values at full, "high",
intensity; "low" intensity scales them by :data:`INTENSITIES` ``["low"]``):

========  ===================================================
class     action units (:data:`PROTOTYPES`)
========  ===================================================
neutral   none
happy     6 + 12
surprise  1 + 2 + 5 + 26
anger     4 + 5 + 23 + 24 (24 weaker)
fear      1 + 2 + 4 + 5 + 20 + 26
sad       1 + 4 + 15
========  ===================================================

Individual differences
----------------------
So that a model personalised to a subject beats one trained on others, every
subject also differs in *how* it expresses:

- expressivity: a gain on all its action units (0.6 to 1.25);
- asymmetry: one side of the face moves more than the other (up to 35 %);
- a resting-face offset: some subjects look a little sad, smiling, frowning,
  wide-eyed or tight-lipped at rest (added to every expression, neutral too);
- idiosyncratic variants of classes (:data:`VARIANTS`), e.g. a smile without
  cheek raise, a surprise without jaw drop, an anger with an open mouth;
- its own weights on each action unit of each class (0.75 to 1.25).

Nothing here is random at render time except through explicit seeds: the same
arguments give identical arrays.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from . import _face_render as R
from .dataset import CLASSES, FaceDataset, from_uint8
from .faces import RecordedFaces

ACTION_UNITS: tuple[str, ...] = (
    "AU1", "AU2", "AU4", "AU5", "AU6", "AU12", "AU15", "AU20", "AU23", "AU24", "AU26",
)  # fmt: skip
"""The action units the renderer draws, in the order of every AU vector."""

_AU = {name: i for i, name in enumerate(ACTION_UNITS)}
_LATERAL = np.array([name not in ("AU23", "AU24", "AU26") for name in ACTION_UNITS])


def _au_vector(**activations: float) -> np.ndarray:
    vector = np.zeros(len(ACTION_UNITS))
    for name, value in activations.items():
        vector[_AU[name]] = value
    return vector


PROTOTYPES: np.ndarray = np.stack([
    _au_vector(),
    _au_vector(AU6=0.8, AU12=1.0),
    _au_vector(AU1=1.0, AU2=1.0, AU5=1.0, AU26=1.0),
    _au_vector(AU4=1.0, AU5=0.6, AU23=0.9, AU24=0.5),
    _au_vector(AU1=0.9, AU2=0.7, AU4=0.6, AU5=1.0, AU20=1.0, AU26=0.6),
    _au_vector(AU1=0.9, AU4=0.6, AU15=1.0),
])  # fmt: skip
"""Ekman's prototypes: AU activations (columns :data:`ACTION_UNITS`) of each class
(rows in :data:`CLASSES` order) at full intensity."""

INTENSITIES: dict[str, float] = {"low": 0.55, "high": 1.0}
"""Named intensities (RAVDESS 'normal' and 'strong')."""

VARIANTS: dict[str, tuple[int, dict[str, float]]] = {
    "smile without cheek raise": (1, {"AU6": 0.0}),
    "open-mouthed smile": (1, {"AU26": 0.45}),
    "surprise without jaw drop": (2, {"AU26": 0.0}),
    "surprise with the brows only": (2, {"AU5": 0.2, "AU26": 0.3}),
    "open-mouthed anger": (3, {"AU23": 0.0, "AU24": 0.0, "AU20": 0.5, "AU26": 0.45}),
    "anger without lid raise": (3, {"AU5": 0.0}),
    "fear with a closed mouth": (4, {"AU26": 0.0}),
    "fear without brow lowering": (4, {"AU4": 0.0, "AU2": 1.0}),
    "sad mouth only": (5, {"AU1": 0.2, "AU4": 0.2}),
    "sad brows only": (5, {"AU15": 0.15}),
}
"""Idiosyncratic variants: name -> (class id, AU values that replace the prototype's)."""

RESTING_FACES: dict[str, dict[str, float]] = {
    "sad": {"AU15": 0.45, "AU1": 0.3},
    "smiling": {"AU12": 0.35},
    "frowning": {"AU4": 0.45},
    "wide-eyed": {"AU5": 0.45},
    "tight-lipped": {"AU23": 0.5},
}
"""Resting-face offsets (at most scaled by 1.2): what some subjects look like at rest."""

_SKIN = np.array([(242, 210, 186), (214, 168, 132), (168, 118, 86), (112, 74, 52)], float)
_HAIR = np.array([(28, 24, 22), (62, 42, 30), (110, 74, 46), (196, 158, 98), (150, 72, 40),
                  (156, 152, 148)], float)  # fmt: skip
_IRIS = np.array([(80, 50, 30), (50, 35, 25), (70, 110, 150), (80, 110, 70)], float)
BACKGROUND = (118, 126, 138)
"""The plain background of :func:`render_face` (RGB)."""


@dataclasses.dataclass(frozen=True)
class Identity:
    """Everything that makes one synthetic subject (lengths in canonical units: one
    unit is about half the head's width; see :mod:`facedata._face_render`)."""

    name: str
    head_w: float  # half-width of the head
    chin: float  # centre-to-chin length
    jaw: float  # how much the jaw narrows towards the chin (0..1)
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    hair_style: int  # 0 short, 1 long, 2 bob with a fringe, 3 close-cropped
    hair_volume: float
    hairline: float  # height of the hairline above the centre
    parting: float  # -1..1: where the hairline dips (0 none)
    eye_x: float  # half the distance between the eyes
    eye_y: float
    eye_w: float  # half-width of an eye
    eye_h: float  # height of the open upper lid
    eye_tilt: float  # outer corners up (> 0) or down
    iris: tuple[int, int, int]
    brow: tuple[int, int, int]
    brow_gap: float  # brow height above the eye
    brow_len: float
    brow_arch: float
    brow_thick: float  # half-thickness at the inner end
    nose_y: float
    nose_w: float
    mouth_y: float
    mouth_w: float  # half-width of the mouth at rest
    lip_thick: float
    lips: tuple[int, int, int]
    gain: float  # expressivity: scales every action unit
    asymmetry: float  # -0.35..0.35: image-left side moves more (> 0) or less
    resting: str  # name of the resting face (a key of RESTING_FACES, or "")
    rest: tuple[float, ...]  # resting-face AU offsets, added to every expression
    variants: tuple[str, ...]  # names of this subject's VARIANTS
    prototypes: tuple[tuple[float, ...], ...]  # this subject's AU table (6 x n_AU)

    def action_units(self, expression: int, intensity: float = 1.0) -> np.ndarray:
        """The AU vector of ``expression`` at ``intensity`` (before asymmetry)."""
        if not 0 <= expression < len(CLASSES):
            raise ValueError(f"expression must be a class id 0..{len(CLASSES) - 1}")
        table = np.asarray(self.prototypes[expression])
        return np.clip(self.gain * intensity * table + np.asarray(self.rest), 0.0, 1.4)


def _identity(index: int, seed: int, individual: bool = True) -> Identity:
    """Subject ``index`` of the population of ``seed`` (independent of how many are drawn);
    without ``individual`` differences it expresses exactly as :data:`PROTOTYPES`."""
    rng = np.random.default_rng([seed, index, 0x51DE])

    def u(lo: float, hi: float) -> float:
        return float(rng.uniform(lo, hi))

    def colour(palette: np.ndarray, jitter: float) -> tuple[int, int, int]:
        c = palette[rng.integers(len(palette))] * u(1 - jitter, 1 + jitter)
        return tuple(int(v) for v in np.clip(c + rng.normal(0, 5, 3), 0, 255))

    t = u(0, len(_SKIN) - 1)
    lo = int(min(t, len(_SKIN) - 2))
    skin_rgb = _SKIN[lo] + (t - lo) * (_SKIN[lo + 1] - _SKIN[lo]) + rng.normal(0, 4, 3)
    skin = tuple(int(v) for v in np.clip(skin_rgb, 0, 255))
    hair = colour(_HAIR, 0.1)
    brow = tuple(int(min(0.75 * h, 0.45 * s)) for h, s in zip(hair, skin, strict=True))
    lips = tuple(int(v) for v in np.clip(np.asarray(skin) * (0.88, 0.58, 0.6) + (18, 0, 0), 0, 255))

    table = PROTOTYPES * rng.uniform(0.75, 1.25, PROTOTYPES.shape)
    names = list(VARIANTS)
    chosen: list[str] = []
    for name in rng.permutation(names)[: rng.integers(0, 4)]:
        cls, values = VARIANTS[str(name)]
        if any(VARIANTS[c][0] == cls for c in chosen):
            continue
        chosen.append(str(name))
        for au, value in values.items():
            table[cls, _AU[au]] = value * u(0.85, 1.15)
    resting = ""
    rest = np.zeros(len(ACTION_UNITS))
    if rng.random() < 0.6:
        resting = str(rng.choice(list(RESTING_FACES)))
        scale = u(0.6, 1.2)
        for au, value in RESTING_FACES[resting].items():
            rest[_AU[au]] = value * scale
    if not individual:
        table, rest, resting, chosen = PROTOTYPES, np.zeros(len(ACTION_UNITS)), "", []
    return Identity(
        name=f"S{index + 1:02d}",
        head_w=u(0.92, 1.08), chin=u(1.3, 1.45), jaw=u(0.1, 0.35),
        skin=skin, hair=hair, hair_style=int(rng.choice(4, p=[0.35, 0.3, 0.2, 0.15])),
        hair_volume=u(0, 1), hairline=u(0.72, 0.9),
        parting=float(rng.choice([-1, 0, 1]) * u(0.5, 1.0)),
        eye_x=u(0.36, 0.43), eye_y=u(-0.12, -0.04), eye_w=u(0.18, 0.22), eye_h=u(0.085, 0.105),
        eye_tilt=u(-0.1, 0.2), iris=colour(_IRIS, 0.1), brow=brow,
        brow_gap=u(0.17, 0.24), brow_len=u(0.38, 0.5), brow_arch=u(0.02, 0.08),
        brow_thick=u(0.028, 0.045), nose_y=u(0.3, 0.4), nose_w=u(0.13, 0.19),
        mouth_y=u(0.62, 0.72), mouth_w=u(0.27, 0.35), lip_thick=u(0.065, 0.1), lips=lips,
        gain=u(0.7, 1.25) if individual else 1.0,
        asymmetry=u(-0.35, 0.35) if individual else 0.0, resting=resting,
        rest=tuple(float(v) for v in rest), variants=tuple(chosen),
        prototypes=tuple(tuple(float(v) for v in row) for row in table),
    )  # fmt: skip


def sample_identities(n: int, seed: int = 0, *, individual: bool = True) -> list[Identity]:
    """``n`` subjects of the population ``seed``; subject ``i`` does not depend on ``n``.

    With ``individual=False`` the subjects look the same as with it but all
    express alike (gain 1, no asymmetry, no resting face, no variants, the
    prototypes' AU table): the control of the personalisation experiment.
    """
    return [_identity(i, seed, individual) for i in range(n)]


def _sides(identity: Identity, aus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Image-left and image-right AU vectors: the asymmetry scales the lateral AUs."""
    k = np.where(_LATERAL, identity.asymmetry, 0.0)
    return aus * (1 + k), aus * (1 - k)


def _intensity(intensity: str | float) -> float:
    if isinstance(intensity, str):
        if intensity not in INTENSITIES:
            raise ValueError(f"intensity must be one of {sorted(INTENSITIES)} or a number")
        return INTENSITIES[intensity]
    return float(intensity)


# -- jitter and compositing --------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Jitter:
    """Per-frame nuisance: head pose, scale, position, lighting and sensor noise."""

    roll: float = 0.0  # degrees, counter-clockwise
    yaw: float = 0.0  # -1..1: the features shift sideways (a small head turn)
    pitch: float = 0.0  # -1..1: the features shift vertically (a small nod)
    scale: float = 1.0
    dx: float = 0.0  # shift, as a fraction of the image width
    dy: float = 0.0  # shift, as a fraction of the image height
    brightness: float = 1.0
    contrast: float = 1.0
    light: float = 0.0  # left-right light gradient: the right edge is 1 + light times brighter
    noise: float = 0.0  # standard deviation of the Gaussian noise, in grey levels
    seed: int = 0  # of the noise

    @classmethod
    def random(cls, rng: np.random.Generator, strength: float = 1.0) -> Jitter:
        """A random jitter; ``strength`` scales every deviation from the identity."""
        s = strength
        return cls(
            roll=float(np.clip(rng.normal(0, 2.5), -6, 6)) * s, yaw=rng.uniform(-0.3, 0.3) * s,
            pitch=rng.uniform(-0.25, 0.25) * s, scale=1 + rng.uniform(-0.04, 0.04) * s,
            dx=rng.uniform(-0.025, 0.025) * s, dy=rng.uniform(-0.025, 0.025) * s,
            brightness=1 + rng.uniform(-0.12, 0.12) * s, contrast=1 + rng.uniform(-0.1, 0.1) * s,
            light=rng.uniform(-0.15, 0.15) * s, noise=rng.uniform(1, 4) * s,
            seed=int(rng.integers(2**31)),
        )  # fmt: skip


def _composite(
    background: np.ndarray, patch: np.ndarray, matrix: np.ndarray | None, jitter: Jitter
) -> np.ndarray:
    """The RGBA face ``patch``, placed by the affine ``matrix`` (None: as is), over
    ``background`` (float32 RGB), then lit and noised as ``jitter`` says."""
    h, w = background.shape[:2]
    if matrix is not None:
        patch = cv2.warpAffine(patch, matrix, (w, h), flags=cv2.INTER_LINEAR)
    alpha = patch[..., 3:].astype(np.float32) * (1 / 255)
    out = background + (patch[..., :3].astype(np.float32) - background) * alpha
    if jitter.contrast != 1.0:
        out = (out - 128.0) * jitter.contrast + 128.0
    if jitter.brightness != 1.0 or jitter.light != 0.0:
        ramp = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :, None]
        out *= jitter.brightness * (1.0 + jitter.light * ramp)
    if jitter.noise > 0:
        rng = np.random.default_rng(jitter.seed)
        out += rng.standard_normal(out.shape, dtype=np.float32) * np.float32(jitter.noise)
    return np.clip(out, 0, 255).astype(np.uint8)


def _placement(size: int, centre: tuple[float, float], roll: float, scale: float) -> np.ndarray:
    """Affine matrix that puts a face image's centre at ``centre``, rotated and scaled."""
    matrix = cv2.getRotationMatrix2D((size / 2, size / 2), roll, scale)
    matrix[:, 2] += (centre[0] - size / 2, centre[1] - size / 2)
    return matrix


def render_face(
    identity: Identity,
    expression: int,
    intensity: float = 1.0,
    size: int = 96,
    *,
    jitter: Jitter | None = None,
    background: tuple[int, int, int] = BACKGROUND,
) -> np.ndarray:
    """``identity`` showing class ``expression`` at ``intensity`` (0 neutral, 1 full),
    as a face-centred uint8 RGB image (size, size, 3) on a plain ``background``.

    Without ``jitter`` the face is upright, centred and clean.
    """
    aL, aR = _sides(identity, identity.action_units(expression, intensity))
    j = jitter or Jitter()
    patch = R.face_patch(identity, aL, aR, size, (j.yaw, j.pitch))
    matrix = None
    if (j.roll, j.scale, j.dx, j.dy) != (0.0, 1.0, 0.0, 0.0):
        centre = (size / 2 + j.dx * size, size / 2 + j.dy * size)
        matrix = _placement(size, centre, j.roll, j.scale)
    canvas = np.empty((size, size, 3), np.float32)
    canvas[:] = background
    return _composite(canvas, patch, matrix, j)


def face_box_in(size: int) -> tuple[int, int, int, int]:
    """The face box (x, y, w, h) in an un-jittered :func:`render_face` image of ``size``."""
    cx, cy, side = R.face_box(size)
    return round(cx - side / 2), round(cy - side / 2), round(side), round(side)


# -- clips -------------------------------------------------------------------------------
def envelope(n_frames: int) -> np.ndarray:
    """Expression level of each frame of a clip: neutral for the first 10 %, a smooth
    onset to the apex at 35 %, apex to 65 %, offset back to neutral at 90 %."""
    t = (np.arange(n_frames) + 0.5) / n_frames

    def smooth(x):
        x = np.clip(x, 0.0, 1.0)
        return x * x * (3 - 2 * x)

    return np.minimum(smooth((t - 0.1) / 0.25), smooth((0.9 - t) / 0.25))


def _wobble(rng: np.random.Generator, n: int, amplitude: float) -> np.ndarray:
    """A smooth random trajectory over ``n`` frames: two sinusoids, slow and faster."""
    t = np.arange(n) / max(n, 1)
    f1, f2 = rng.uniform(0.3, 1.2), rng.uniform(1.5, 3.5)
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    return amplitude * (
        0.7 * np.sin(2 * np.pi * f1 * t + p1) + 0.3 * np.sin(2 * np.pi * f2 * t + p2)
    )


def _scene(rng: np.random.Generator, width: int, height: int, centre, unit: float) -> np.ndarray:
    """A still background (float32 RGB): a wall with a shading gradient, a darker
    panel, and the subject's shoulders and shirt under the face."""
    top, bottom = rng.uniform(90, 200, 3), rng.uniform(60, 170, 3)
    rows = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    scene = np.repeat(top + (bottom - top) * rows, width, axis=1).astype(np.float32)
    x0 = int(rng.uniform(-0.2, 0.8) * width)
    scene[:, max(x0, 0) : max(x0 + int(0.25 * width), 0)] *= rng.uniform(0.75, 0.9)
    scene = cv2.GaussianBlur(scene, (0, 0), 2.0)
    shirt = tuple(float(v) for v in rng.uniform(20, 200, 3))
    cx, cy = int(centre[0]), int(centre[1] + 2.2 * unit)
    cv2.ellipse(scene, (cx, cy + int(1.6 * unit)), (int(2.6 * unit), int(1.8 * unit)), 0, 180,
                360, shirt, -1, cv2.LINE_AA)  # fmt: skip
    cv2.rectangle(scene, (cx - int(2.6 * unit), cy + int(1.6 * unit)), (cx + int(2.6 * unit),
                  height), shirt, -1)  # fmt: skip
    return scene


def render_clip(
    identity: Identity,
    expression: int,
    n_frames: int = 45,
    *,
    intensity: str | float = "high",
    frame_size: tuple[int, int] = (160, 128),
    face_size: int = 96,
    seed: int = 0,
    talk: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """A clip of ``identity`` going neutral -> ``expression`` at ``intensity`` -> neutral.

    ``frame_size`` is (width, height) as in OpenCV; ``face_size`` is the side of the
    face image pasted into the frames (the face box is about 2/3 of it). The head
    sways, turns, nods and zooms a little, the light drifts, the sensor adds noise;
    ``talk`` > 0 moves the jaw as in speech (RAVDESS actors say a sentence).
    ``seed`` fixes the scene, the motion, the light and the noise: two clips with
    the same seed differ only in the face's expression.

    Returns ``frames``, uint8 RGB (n_frames, height, width, 3), and ``boxes``, int64
    (n_frames, 4): the face's x, y, w, h in each frame (clipped to the frame).
    """
    width, height = frame_size
    level = _intensity(intensity)
    rng = np.random.default_rng([seed, 0xC11F])  # the expression changes the face only
    home = (
        width / 2 + rng.uniform(-0.08, 0.08) * width,
        height / 2 + rng.uniform(-0.04, 0.04) * height,
    )
    unit = R.UNIT * face_size
    scene = _scene(rng, width, height, home, unit)
    roll, yaw, pitch = (
        _wobble(rng, n_frames, 3.0),
        _wobble(rng, n_frames, 0.35),
        _wobble(rng, n_frames, 0.25),
    )
    zoom = 1 + _wobble(rng, n_frames, 0.04)
    dx, dy = _wobble(rng, n_frames, 0.03 * width), _wobble(rng, n_frames, 0.02 * height)
    brightness = rng.uniform(0.88, 1.1) + _wobble(rng, n_frames, 0.04)
    light, noise = rng.uniform(-0.2, 0.2), rng.uniform(1.5, 4.0)
    speech = talk * (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_frames) / rng.uniform(6, 9)))
    levels = envelope(n_frames) * level
    noise_seeds = rng.integers(2**31, size=n_frames)

    bx, by, side = R.face_box(face_size)
    frames = np.empty((n_frames, height, width, 3), np.uint8)
    boxes = np.empty((n_frames, 4), np.int64)
    for i in range(n_frames):
        aus = identity.action_units(expression, levels[i])
        aus[_AU["AU26"]] += speech[i]
        aL, aR = _sides(identity, aus)
        patch = R.face_patch(identity, aL, aR, face_size, (yaw[i], pitch[i]))
        matrix = _placement(face_size, (home[0] + dx[i], home[1] + dy[i]), roll[i], zoom[i])
        jitter = Jitter(
            brightness=brightness[i], light=light, noise=noise, seed=int(noise_seeds[i])
        )
        frames[i] = _composite(scene, patch, matrix, jitter)
        fx, fy = matrix @ (bx, by, 1.0)
        s = side * zoom[i]
        x0, y0 = max(0, round(fx - s / 2)), max(0, round(fy - s / 2))
        boxes[i] = x0, y0, min(width, round(fx + s / 2)) - x0, min(height, round(fy + s / 2)) - y0
    return frames, boxes


# -- a RAVDESS-layout corpus ---------------------------------------------------------------
RAVDESS_EMOTIONS: dict[int, int] = {0: 1, 1: 3, 2: 8, 3: 5, 4: 6, 5: 4}
"""Project class id -> RAVDESS emotion code (01 neutral, 03 happy, 08 surprised,
05 angry, 06 fearful, 04 sad)."""

_SONG_CLASSES = (0, 1, 3, 4, 5)  # RAVDESS song has no surprise (and no disgust)


def ravdess_name(channel: int, expression: int, intensity: int, statement: int,
                 repetition: int, actor: int) -> str:  # fmt: skip
    """The RAVDESS file name of a video-only clip: ``02-VV-EE-II-SS-RR-AA.mp4``."""
    fields = (2, channel, RAVDESS_EMOTIONS[expression], intensity, statement, repetition, actor)
    return "-".join(f"{f:02d}" for f in fields) + ".mp4"


def write_video(path: str | Path, frames: np.ndarray, fps: int = 30) -> None:
    """Write RGB ``frames`` (n, H, W, 3) to an mp4 file with OpenCV's 'mp4v' codec."""
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write {path}")
    try:
        for frame in frames:
            writer.write(np.ascontiguousarray(frame[..., ::-1]))
    finally:
        writer.release()


def write_ravdess_corpus(
    out_dir: str | Path,
    n_subjects: int = 4,
    *,
    seed: int = 0,
    fps: int = 30,
    seconds: float = 3.0,
    frame_size: tuple[int, int] = (160, 128),
    repetitions: int = 2,
    statements: int = 2,
    song: bool = False,
    talk: float = 0.2,
    progress: bool = True,
) -> list[Path]:
    """Write synthetic clips in the RAVDESS video-only layout; return the video paths.

    ``out_dir/Actor_XX/02-VV-EE-II-SS-RR-XX.mp4`` for the six project classes, both
    intensities (neutral: normal only, as in RAVDESS), every statement and
    repetition, speech (``VV`` 01) and, with ``song``, song (02: no surprise, as in
    RAVDESS). Next to each video, ``<stem>.faces.csv`` holds the face box of every
    frame (:class:`facedata.faces.RecordedFaces` reads it). Actor ``k`` is subject ``k - 1`` of
    :func:`sample_identities` with ``seed``.
    """
    from tqdm import tqdm

    out_dir = Path(out_dir)
    n_frames = max(1, round(fps * seconds))
    jobs = []
    for actor, identity in enumerate(sample_identities(n_subjects, seed), start=1):
        for channel in (1, 2) if song else (1,):
            classes = range(len(CLASSES)) if channel == 1 else _SONG_CLASSES
            for expression in classes:
                for level in (1,) if expression == 0 else (1, 2):
                    for statement in range(1, statements + 1):
                        for repetition in range(1, repetitions + 1):
                            jobs.append((actor, identity, channel, expression, level,
                                         statement, repetition))  # fmt: skip
    paths = []
    for actor, identity, channel, expression, level, statement, repetition in tqdm(
        jobs, desc="synthetic RAVDESS", unit="clip", disable=not progress
    ):
        folder = out_dir / f"Actor_{actor:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / ravdess_name(channel, expression, level, statement, repetition, actor)
        key = [seed, actor, channel, expression, level, statement, repetition]
        clip_seed = int(np.random.SeedSequence(key).generate_state(1)[0])
        frames, boxes = render_clip(
            identity, expression, n_frames, intensity="high" if level == 2 else "low",
            frame_size=frame_size, seed=clip_seed, talk=talk * (1.5 if channel == 2 else 1.0),
        )  # fmt: skip
        write_video(path, frames, fps)
        recorded = RecordedFaces({i: [tuple(map(int, box))] for i, box in enumerate(boxes)})
        recorded.to_csv(RecordedFaces.sidecar(path))
        paths.append(path)
    return paths


# -- pictures and datasets -----------------------------------------------------------------
def expression_sheet(identity: Identity, size: int = 96, intensity: float = 1.0) -> np.ndarray:
    """The subject's six expressions side by side, each labelled below: uint8 RGB."""
    band = max(12, size // 6)
    sheet = np.full((size + band, size * len(CLASSES), 3), 255, np.uint8)
    scale = band / 30
    for k, name in enumerate(CLASSES):
        sheet[:size, k * size : (k + 1) * size] = render_face(identity, k, intensity, size)
        (tw, th), _ = cv2.getTextSize(name, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        org = (k * size + (size - tw) // 2, size + (band + th) // 2)
        cv2.putText(sheet, name, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1, cv2.LINE_AA)
    return sheet


def make_dataset(
    n_subjects: int = 10,
    *,
    clips_per_class: int = 4,
    frames_per_clip: int = 10,
    size: int = 96,
    seed: int = 0,
    jitter: float = 1.0,
    identities: Sequence[Identity] | None = None,
) -> FaceDataset:
    """Face-centred synthetic crops as a :class:`FaceDataset` (images in [-1, 1]).

    Every subject gets ``clips_per_class`` clips of each class, alternating low and
    high intensity; a clip's frames are taken around its apex (levels 0.8 to 1 of
    the intensity), each with its own random :class:`Jitter` of ``jitter`` strength.
    """
    identities = list(identities) if identities is not None else sample_identities(n_subjects, seed)
    images, labels, subjects, clips, frames = [], [], [], [], []
    for identity in identities:
        for expression in range(len(CLASSES)):
            for c in range(clips_per_class):
                rng = np.random.default_rng([seed, expression, c, 0xDA7A, *map(ord, identity.name)])
                level = INTENSITIES["low" if c % 2 == 0 else "high"]
                clip = f"{identity.name}-{CLASSES[expression]}-{c + 1:02d}"
                for f in range(frames_per_clip):
                    j = Jitter.random(rng, jitter)
                    images.append(
                        render_face(
                            identity, expression, level * rng.uniform(0.8, 1.0), size, jitter=j
                        )
                    )
                    labels.append(expression)
                    subjects.append(identity.name)
                    clips.append(clip)
                    frames.append(f)
    if not images:
        return FaceDataset.empty(size, "synthetic")
    x = from_uint8(np.stack(images))
    return FaceDataset(
        x, labels, subjects, clips, frames, [f"synthetic:{c}" for c in clips], "synthetic"
    )
