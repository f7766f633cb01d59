"""Rendering synthetic persons: single faces, expression sheets and clips.

:func:`render_face` draws a person's face, upright and centred or with a
:class:`Jitter` of head pose, lighting and noise; :func:`render_clip` films a
person going neutral -> apex -> neutral (:func:`envelope`) in front of a still
scene, with head motion, lighting changes and noise, and returns each frame's
face box. The face itself is drawn by :mod:`facedata.synthetic.drawing`.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from ..dataset import CLASSES
from . import drawing
from .persons import AU_INDEX, SyntheticPerson, intensity_level

BACKGROUND = (118, 126, 138)
"""The plain background of :func:`render_face` (RGB)."""


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
        """A random jitter; ``strength`` scales every deviation from no jitter."""
        s = strength
        return cls(
            roll=float(np.clip(rng.normal(0, 2.5), -6, 6)) * s,
            yaw=rng.uniform(-0.3, 0.3) * s,
            pitch=rng.uniform(-0.25, 0.25) * s,
            scale=1 + rng.uniform(-0.04, 0.04) * s,
            dx=rng.uniform(-0.025, 0.025) * s,
            dy=rng.uniform(-0.025, 0.025) * s,
            brightness=1 + rng.uniform(-0.12, 0.12) * s,
            contrast=1 + rng.uniform(-0.1, 0.1) * s,
            light=rng.uniform(-0.15, 0.15) * s,
            noise=rng.uniform(1, 4) * s,
            seed=int(rng.integers(2**31)),
        )


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
    person: SyntheticPerson,
    expression: int,
    intensity: float = 1.0,
    size: int = 96,
    *,
    jitter: Jitter | None = None,
    background: tuple[int, int, int] = BACKGROUND,
) -> np.ndarray:
    """``person`` showing class ``expression`` at ``intensity`` (0 neutral, 1 full),
    as a face-centred uint8 RGB image (size, size, 3) on a plain ``background``.

    Without ``jitter`` the face is upright, centred and clean.
    """
    aL, aR = person.sides(person.action_units(expression, intensity))
    j = jitter or Jitter()
    patch = drawing.face_patch(person, aL, aR, size, (j.yaw, j.pitch))
    matrix = None
    if (j.roll, j.scale, j.dx, j.dy) != (0.0, 1.0, 0.0, 0.0):
        centre = (size / 2 + j.dx * size, size / 2 + j.dy * size)
        matrix = _placement(size, centre, j.roll, j.scale)
    canvas = np.empty((size, size, 3), np.float32)
    canvas[:] = background
    return _composite(canvas, patch, matrix, j)


def face_box_in(size: int) -> tuple[int, int, int, int]:
    """The face box (x, y, w, h) in an un-jittered :func:`render_face` image of ``size``."""
    cx, cy, side = drawing.face_box(size)
    return round(cx - side / 2), round(cy - side / 2), round(side), round(side)


def expression_sheet(person: SyntheticPerson, size: int = 96, intensity: float = 1.0) -> np.ndarray:
    """The person's six expressions side by side, each labelled below: uint8 RGB."""
    band = max(12, size // 6)
    sheet = np.full((size + band, size * len(CLASSES), 3), 255, np.uint8)
    scale = band / 30
    for k, name in enumerate(CLASSES):
        sheet[:size, k * size : (k + 1) * size] = render_face(person, k, intensity, size)
        (tw, th), _ = cv2.getTextSize(name, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        org = (k * size + (size - tw) // 2, size + (band + th) // 2)
        cv2.putText(sheet, name, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1, cv2.LINE_AA)
    return sheet


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
    panel, and the person's shoulders and shirt under the face."""
    top, bottom = rng.uniform(90, 200, 3), rng.uniform(60, 170, 3)
    rows = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    scene = np.repeat(top + (bottom - top) * rows, width, axis=1).astype(np.float32)
    x0 = int(rng.uniform(-0.2, 0.8) * width)
    scene[:, max(x0, 0) : max(x0 + int(0.25 * width), 0)] *= rng.uniform(0.75, 0.9)
    scene = cv2.GaussianBlur(scene, (0, 0), 2.0)
    shirt = tuple(float(v) for v in rng.uniform(20, 200, 3))
    cx, cy = int(centre[0]), int(centre[1] + 2.2 * unit)
    cv2.ellipse(
        scene,
        (cx, cy + int(1.6 * unit)),
        (int(2.6 * unit), int(1.8 * unit)),
        0,
        180,
        360,
        shirt,
        -1,
        cv2.LINE_AA,
    )
    cv2.rectangle(
        scene,
        (cx - int(2.6 * unit), cy + int(1.6 * unit)),
        (cx + int(2.6 * unit), height),
        shirt,
        -1,
    )
    return scene


def render_clip(
    person: SyntheticPerson,
    expression: int,
    n_frames: int = 45,
    *,
    intensity: str | float = "high",
    frame_size: tuple[int, int] = (160, 128),
    face_size: int = 96,
    seed: int = 0,
    talk: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """A clip of ``person`` going neutral -> ``expression`` at ``intensity`` -> neutral.

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
    level = intensity_level(intensity)
    rng = np.random.default_rng([seed, 0xC11F])  # the expression changes the face only
    home = (
        width / 2 + rng.uniform(-0.08, 0.08) * width,
        height / 2 + rng.uniform(-0.04, 0.04) * height,
    )
    unit = drawing.UNIT * face_size
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

    bx, by, side = drawing.face_box(face_size)
    frames = np.empty((n_frames, height, width, 3), np.uint8)
    boxes = np.empty((n_frames, 4), np.int64)
    for i in range(n_frames):
        aus = person.action_units(expression, levels[i])
        aus[AU_INDEX["AU26"]] += speech[i]
        aL, aR = person.sides(aus)
        patch = drawing.face_patch(person, aL, aR, face_size, (yaw[i], pitch[i]))
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
