"""The synthetic persons: how each looks and how each expresses, from action units.

Each person (:class:`SyntheticPerson`, from :func:`sample_persons`) has its own
head shape (width, chin length, jaw taper), skin tone, hair (colour, style,
volume, hairline, parting), eyes (spacing, height, size, openness, tilt, iris
colour), brows (height, length, arch, thickness, colour), nose (length, width)
and mouth (height, width, lip thickness and colour), and expresses the project's
six classes by action units (:data:`ACTION_UNITS`, :data:`PROTOTYPES`) in its
own way (:data:`VARIANTS`, :data:`RESTING_FACES`; the package's docstring has
the tables).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..dataset import CLASSES

ACTION_UNITS: tuple[str, ...] = (
    "AU1", "AU2", "AU4", "AU5", "AU6", "AU12", "AU15", "AU20", "AU23", "AU24", "AU26",
)  # fmt: skip
"""The action units the renderer draws, in the order of every AU vector."""

AU_INDEX: dict[str, int] = {name: i for i, name in enumerate(ACTION_UNITS)}
"""Action unit name -> its index in an AU vector."""

LATERAL: np.ndarray = np.array([name not in ("AU23", "AU24", "AU26") for name in ACTION_UNITS])
"""Which action units move each side of the face on its own (the asymmetry scales them)."""


def _au_vector(**activations: float) -> np.ndarray:
    vector = np.zeros(len(ACTION_UNITS))
    for name, value in activations.items():
        vector[AU_INDEX[name]] = value
    return vector


PROTOTYPES: np.ndarray = np.stack(
    [
        _au_vector(),
        _au_vector(AU6=0.8, AU12=1.0),
        _au_vector(AU1=1.0, AU2=1.0, AU5=1.0, AU26=1.0),
        _au_vector(AU4=1.0, AU5=0.6, AU23=0.9, AU24=0.5),
        _au_vector(AU1=0.9, AU2=0.7, AU4=0.6, AU5=1.0, AU20=1.0, AU26=0.6),
        _au_vector(AU1=0.9, AU4=0.6, AU15=1.0),
    ]
)
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
"""Resting-face offsets (at most scaled by 1.2): what some persons look like at rest."""

_SKIN = np.array([(242, 210, 186), (214, 168, 132), (168, 118, 86), (112, 74, 52)], float)
_HAIR = np.array(
    [(28, 24, 22), (62, 42, 30), (110, 74, 46), (196, 158, 98), (150, 72, 40), (156, 152, 148)],
    float,
)
_IRIS = np.array([(80, 50, 30), (50, 35, 25), (70, 110, 150), (80, 110, 70)], float)


@dataclasses.dataclass(frozen=True)
class SyntheticPerson:
    """Everything that makes one synthetic person (lengths in canonical units: one
    unit is about half the head's width; see :mod:`facedata.synthetic.drawing`)."""

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
    variants: tuple[str, ...]  # names of this person's VARIANTS
    prototypes: tuple[tuple[float, ...], ...]  # this person's AU table (6 x n_AU)

    def action_units(self, expression: int, intensity: float = 1.0) -> np.ndarray:
        """The AU vector of ``expression`` at ``intensity`` (before asymmetry)."""
        if not 0 <= expression < len(CLASSES):
            raise ValueError(f"expression must be a class id 0..{len(CLASSES) - 1}")
        table = np.asarray(self.prototypes[expression])
        return np.clip(self.gain * intensity * table + np.asarray(self.rest), 0.0, 1.4)

    def sides(self, aus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Image-left and image-right AU vectors: the asymmetry scales the lateral AUs."""
        k = np.where(LATERAL, self.asymmetry, 0.0)
        return aus * (1 + k), aus * (1 - k)


def _person(index: int, seed: int, individual: bool = True) -> SyntheticPerson:
    """Person ``index`` of the population of ``seed`` (independent of how many are drawn);
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
            table[cls, AU_INDEX[au]] = value * u(0.85, 1.15)
    resting = ""
    rest = np.zeros(len(ACTION_UNITS))
    if rng.random() < 0.6:
        resting = str(rng.choice(list(RESTING_FACES)))
        scale = u(0.6, 1.2)
        for au, value in RESTING_FACES[resting].items():
            rest[AU_INDEX[au]] = value * scale
    if not individual:
        table, rest, resting, chosen = PROTOTYPES, np.zeros(len(ACTION_UNITS)), "", []
    return SyntheticPerson(
        name=f"S{index + 1:02d}",
        head_w=u(0.92, 1.08),
        chin=u(1.3, 1.45),
        jaw=u(0.1, 0.35),
        skin=skin,
        hair=hair,
        hair_style=int(rng.choice(4, p=[0.35, 0.3, 0.2, 0.15])),
        hair_volume=u(0, 1),
        hairline=u(0.72, 0.9),
        parting=float(rng.choice([-1, 0, 1]) * u(0.5, 1.0)),
        eye_x=u(0.36, 0.43),
        eye_y=u(-0.12, -0.04),
        eye_w=u(0.18, 0.22),
        eye_h=u(0.085, 0.105),
        eye_tilt=u(-0.1, 0.2),
        iris=colour(_IRIS, 0.1),
        brow=brow,
        brow_gap=u(0.17, 0.24),
        brow_len=u(0.38, 0.5),
        brow_arch=u(0.02, 0.08),
        brow_thick=u(0.028, 0.045),
        nose_y=u(0.3, 0.4),
        nose_w=u(0.13, 0.19),
        mouth_y=u(0.62, 0.72),
        mouth_w=u(0.27, 0.35),
        lip_thick=u(0.065, 0.1),
        lips=lips,
        gain=u(0.7, 1.25) if individual else 1.0,
        asymmetry=u(-0.35, 0.35) if individual else 0.0,
        resting=resting,
        rest=tuple(float(v) for v in rest),
        variants=tuple(chosen),
        prototypes=tuple(tuple(float(v) for v in row) for row in table),
    )


def sample_persons(n: int, seed: int = 0, *, individual: bool = True) -> list[SyntheticPerson]:
    """``n`` persons of the population ``seed``; person ``i`` does not depend on ``n``.

    With ``individual=False`` the persons look the same as with it but all
    express alike (gain 1, no asymmetry, no resting face, no variants, the
    prototypes' AU table): the control of the personalisation experiment.
    """
    return [_person(i, seed, individual) for i in range(n)]


def intensity_level(intensity: str | float) -> float:
    """An intensity as a number: a name of :data:`INTENSITIES`, or the number itself."""
    if isinstance(intensity, str):
        if intensity not in INTENSITIES:
            raise ValueError(f"intensity must be one of {sorted(INTENSITIES)} or a number")
        return INTENSITIES[intensity]
    return float(intensity)
