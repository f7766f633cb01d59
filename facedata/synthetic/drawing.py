"""Drawing a synthetic person's face from action units (for :mod:`facedata.synthetic.rendering`).

A face is drawn in *canonical units*: the origin is between the eyes' line and
the nose, x to the person's left on the picture's right, y downwards, and one
unit is about half the width of the head. Everything is drawn with OpenCV at
twice the output size (anti-aliased polygons and lines, sub-pixel coordinates)
and shrunk with ``INTER_AREA``.

The parts of a face that do not move (hair, head, ears, neck and the soft
shading: darker eye sockets and face border, a bright nose bridge, forehead and
cheeks, shadows beside and under the nose) form a *base* image, drawn once per
person and size and cached; a frame copies the base, stretches its lower part
for a dropped jaw, and draws the moving parts (brows, eyes, nose, mouth,
wrinkles) on top. The shading is what OpenCV's Haar cascade keys on (dark eye
regions and brows between a bright forehead and bright cheeks, a bright nose
bridge, a darker mouth), so the faces are found like photographed ones.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from .persons import AU_INDEX, SyntheticPerson

SUPERSAMPLE = 2
"""Faces are drawn at this multiple of the output size, then shrunk."""

UNIT = 0.31
"""One canonical unit, as a fraction of the face image's side."""

CENTRE_Y = 0.47
"""The canonical origin's height, as a fraction of the face image's side."""

FACE_BOX = (0.0, 0.15, 2.35)
"""The face box in canonical units: centre x, centre y and side (brows to chin,
cheek to cheek: where a face detector puts its box)."""

# The index of each action unit in an AU vector.
AU1, AU2, AU4, AU5, AU6, AU12, AU15, AU20, AU23, AU24, AU26 = (
    AU_INDEX[f"AU{n}"] for n in (1, 2, 4, 5, 6, 12, 15, 20, 23, 24, 26)
)

_SHIFT = 4  # OpenCV sub-pixel bits
_ONE = 1 << _SHIFT
_AA = cv2.LINE_AA


class _Canvas:
    """Maps canonical units to fixed-point pixels of a supersampled face image."""

    def __init__(self, size: int, offset: tuple[float, float] = (0.0, 0.0)):
        side = size * SUPERSAMPLE
        self.unit = UNIT * side
        self.cx = side / 2 + offset[0] * self.unit
        self.cy = CENTRE_Y * side + offset[1] * self.unit

    def pts(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Fixed-point int32 polygon (n, 2) of canonical points."""
        px = (self.cx + np.asarray(x) * self.unit) * _ONE
        py = (self.cy + np.asarray(y) * self.unit) * _ONE
        return np.stack([px, py], axis=-1).round().astype(np.int32)

    def px(self, length: float) -> int:
        """A canonical length in whole pixels (for line thickness), at least 1."""
        return max(1, round(length * self.unit))


def _rgba(colour, alpha: int = 255) -> tuple[int, int, int, int]:
    r, g, b = (min(255, max(0, int(c))) for c in colour)
    return (r, g, b, alpha)


def _shade(colour, factor: float) -> tuple[int, int, int, int]:
    """``colour`` darkened (factor < 1) or lightened (factor > 1)."""
    return _rgba([c * factor for c in colour])


def _fill(img, canvas: _Canvas, x, y, colour) -> None:
    cv2.fillPoly(img, [canvas.pts(x, y)], colour, _AA, _SHIFT)


def _fill_between(img, canvas: _Canvas, x, top, bottom, colour) -> None:
    """Fill the region between two curves over the same ``x``."""
    _fill(img, canvas, np.concatenate([x, x[::-1]]), np.concatenate([top, bottom[::-1]]), colour)


def _line(img, canvas: _Canvas, x, y, colour, width: float) -> None:
    cv2.polylines(img, [canvas.pts(x, y)], False, colour, canvas.px(width), _AA, _SHIFT)


def _ellipse(img, canvas: _Canvas, x, y, rx, ry, colour) -> None:
    centre = tuple(int(v) for v in canvas.pts(x, y))
    axes = (round(rx * canvas.unit * _ONE), round(ry * canvas.unit * _ONE))
    cv2.ellipse(img, centre, axes, 0, 0, 360, colour, -1, _AA, _SHIFT)


# -- the base: what does not move ------------------------------------------------------
def head_outline(person: SyntheticPerson, n: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """The head's outline: an ellipse, taller below than above, narrowed to the jaw."""
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    s = np.sin(t)
    x = person.head_w * np.cos(t) * (1.0 - person.jaw * np.maximum(s, 0.0) ** 2)
    y = np.where(s > 0, person.chin, 1.22) * s
    return x, y


def _hair_cap(person: SyntheticPerson) -> tuple[np.ndarray, np.ndarray]:
    """Hair over the top of the head down to the hairline (a curve over the forehead)."""
    pad = 0.06 + 0.1 * person.hair_volume
    t = np.linspace(np.pi * 1.04, np.pi * 1.96, 24)
    ox = (person.head_w + pad) * np.cos(t)
    oy = (1.22 + pad) * np.sin(t) + 0.05
    u = np.linspace(1.0, -1.0, 17)
    fringe = person.hair_style == 2
    temple = -0.05 if fringe else -0.2
    hx = u * (person.head_w - 0.02)
    hy = temple + (-person.hairline - temple) * (1 - u**2) ** (0.25 if fringe else 0.6)
    if person.parting:
        hy = hy + 0.12 * person.parting * np.clip(1 - np.abs(u - 0.35 * person.parting), 0, 1)
    return np.concatenate([ox, hx]), np.concatenate([oy, hy])


def _draw_flat(img, c: _Canvas, person: SyntheticPerson) -> None:
    """Hair behind, neck, ears, head and hair in front, in flat colours."""
    hair = _rgba(person.hair)
    skin = person.skin
    if person.hair_style in (1, 2):  # long hair or a bob, behind the head
        drop = 1.7 if person.hair_style == 1 else 0.95
        w = person.head_w + 0.2 + 0.1 * person.hair_volume
        t = np.linspace(np.pi, 2 * np.pi, 16)
        x = np.concatenate([w * np.cos(t), [w, w * 0.95, -w * 0.95, -w]])
        y = np.concatenate([1.35 * np.sin(t), [drop - 0.2, drop, drop, drop - 0.2]])
        _fill(img, c, x, y, hair)
    _fill(img, c, [-0.42, 0.42, 0.48, -0.48], [0.6, 0.6, 3.0, 3.0], _shade(skin, 0.8))
    for side in (-1, 1):
        _ellipse(img, c, side * (person.head_w - 0.02), 0.12, 0.13, 0.24, _shade(skin, 0.9))
    _fill(img, c, *head_outline(person), _rgba(skin))
    if person.hair_style != 3:
        _fill(img, c, *_hair_cap(person), hair)
    else:  # close-cropped: a thin, skin-tinted cap
        mix = 0.55 * np.asarray(person.hair, float) + 0.45 * np.asarray(skin, float)
        _fill(img, c, *_hair_cap(person), _rgba(mix))


def _gauss(X, Y, x0, y0, sx, sy):
    return np.exp(-0.5 * (((X - x0) / sx) ** 2 + ((Y - y0) / sy) ** 2))


@lru_cache(maxsize=8)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Canonical coordinates of every pixel of a supersampled face image."""
    c = _Canvas(size)
    p = np.arange(size * SUPERSAMPLE, dtype=np.float32) + 0.5
    return (p[None, :] - c.cx) / c.unit, (p[:, None] - c.cy) / c.unit


def _shading(person: SyntheticPerson, size: int) -> np.ndarray:
    """Multiplicative light map (float32, H x W): soft relief of a lit face."""
    X, Y = _grid(size)
    r = np.sqrt((X / person.head_w) ** 2 + (Y / np.where(Y > 0, person.chin, 1.22)) ** 2)
    light = 1.0 - 0.32 * np.clip((r - 0.55) / 0.5, 0.0, 1.0) ** 1.5
    ex, ey, ny, my = person.eye_x, person.eye_y, person.nose_y, person.mouth_y
    blobs = [  # (x, y, sx, sy, gain)
        (-ex, ey + 0.02, 0.27, 0.17, -0.3),
        (ex, ey + 0.02, 0.27, 0.17, -0.3),  # sockets
        (0.0, ey - 0.32, 0.45, 0.1, 0.06),  # brow ridge
        (0.0, -0.75, 0.55, 0.3, 0.07),  # forehead
        (0.0, (ey + ny) / 2, 0.07, 0.3, 0.12),  # nose bridge
        (-0.15, ny - 0.12, 0.06, 0.17, -0.14),
        (0.15, ny - 0.12, 0.06, 0.17, -0.14),
        (0.0, ny + 0.09, 0.16, 0.05, -0.14),  # under the nose
        (-0.52, ny + 0.02, 0.24, 0.2, 0.07),
        (0.52, ny + 0.02, 0.24, 0.2, 0.07),  # cheeks
        (0.0, my + 0.24, 0.2, 0.06, -0.1),  # under the lower lip
    ]
    for x0, y0, sx, sy, gain in blobs:
        light += gain * _gauss(X, Y, x0, y0, sx, sy)
    return light.astype(np.float32)


@lru_cache(maxsize=256)
def base_image(person: SyntheticPerson, size: int) -> np.ndarray:
    """The still parts of ``person``'s face, shaded: RGBA uint8 at the supersampled size."""
    side = size * SUPERSAMPLE
    img = np.zeros((side, side, 4), np.uint8)
    _draw_flat(img, _Canvas(size), person)
    rgb = img[..., :3].astype(np.float32) * _shading(person, size)[..., None]
    img[..., :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    img.setflags(write=False)
    return img


# -- the moving parts ----------------------------------------------------------------
def _brows(img, c: _Canvas, person: SyntheticPerson, a: np.ndarray, side: int) -> None:
    """One brow: AU1 lifts its inner end, AU2 its outer end, AU4 pulls it down and in."""
    t = np.linspace(0.0, 1.0, 9)  # inner -> outer
    x = side * (0.14 + t * person.brow_len)
    y = person.eye_y - person.brow_gap - person.brow_arch * np.sin(np.pi * (0.15 + 0.7 * t))
    y = y - 0.2 * a[AU1] * (1 - t) ** 1.3 - 0.17 * a[AU2] * t**1.2
    y = y + 0.13 * a[AU4] * (1 - 0.6 * t)
    x = x - side * 0.07 * a[AU4] * (1 - t)
    half = person.brow_thick * (1.0 - 0.55 * t**2)
    _fill_between(img, c, x, y - half, y + half, _rgba(person.brow))


def _lids(person: SyntheticPerson, a: np.ndarray, side: int, x: np.ndarray):
    """Upper and lower lid heights over ``x``: AU5 lifts the upper lid, AU4 lowers it,
    AU6 (cheek raise) pushes the lower lid up into a squint."""
    ex, ey, w = side * person.eye_x, person.eye_y, person.eye_w
    u = np.clip((x - ex) / w, -1.0, 1.0)
    tilt = -side * person.eye_tilt * (x - ex)  # outer corner higher for a positive tilt
    up_h = person.eye_h * (1.0 + 0.75 * a[AU5] - 0.3 * a[AU4] - 0.2 * a[AU6])
    lo_h = person.eye_h * 0.7 * (1.0 - 0.6 * a[AU6] + 0.15 * a[AU5])
    upper = ey + tilt - up_h * (1 - u**2) ** 0.7
    lower = ey + tilt + lo_h * (1 - u**2) ** 0.9
    return upper, lower


def _eye(img, c: _Canvas, person: SyntheticPerson, a: np.ndarray, side: int) -> None:
    """One eye: white between the lids, an iris and pupil clipped to them, dark lashes."""
    ex, ey, w = side * person.eye_x, person.eye_y, person.eye_w
    x = ex + w * np.linspace(-1.0, 1.0, 15)
    upper, lower = _lids(person, a, side, x)
    skin = person.skin
    _fill_between(img, c, x, upper, lower, _rgba((200, 196, 192)))
    for radius, colour in ((0.1, person.iris), (0.042, (18, 14, 12))):
        th = np.linspace(np.pi, 0.0, 11)
        ix = ex + radius * np.cos(th)
        up_i, lo_i = _lids(person, a, side, ix)
        top = np.maximum(ey + 0.01 - radius * np.sin(th), up_i)
        bottom = np.maximum(np.minimum(ey + 0.01 + radius * np.sin(th), lo_i), top)
        _fill_between(img, c, ix, top, bottom, _rgba(colour))
    _line(img, c, x, upper, _rgba((25, 20, 20)), 0.045)
    _line(img, c, x[2:-2], lower[2:-2], _shade(skin, 0.6), 0.02)
    _line(img, c, x[2:-2], upper[2:-2] - 0.08 - 0.03 * a[AU5], _shade(skin, 0.62), 0.02)
    if a[AU6] > 0.2:  # crow's feet
        k = min(1.0, a[AU6])
        ox = ex + side * (w + 0.05)
        for dy in (-0.06, 0.0, 0.06):
            _line(
                img,
                c,
                [ox, ox + side * 0.1],
                [ey + dy, ey + 1.6 * dy],
                _shade(skin, 1.0 - 0.3 * k),
                0.015,
            )


def _nose(img, c: _Canvas, person: SyntheticPerson) -> None:
    """Nostrils, the wings and the shadow line under the tip."""
    skin, ny, nw = person.skin, person.nose_y, person.nose_w
    for side in (-1, 1):
        _ellipse(img, c, side * nw * 0.5, ny + 0.015, 0.055, 0.03, _shade(skin, 0.38))
        t = np.linspace(-0.4 * np.pi, 0.6 * np.pi, 8)
        _line(
            img,
            c,
            side * (nw * 0.78 + 0.07 * np.cos(t)),
            ny - 0.05 + 0.07 * np.sin(t),
            _shade(skin, 0.65),
            0.02,
        )
    t = np.linspace(-1.0, 1.0, 7)
    _line(img, c, t * nw * 0.45, ny + 0.05 - 0.02 * (1 - t**2), _shade(skin, 0.72), 0.02)


def _curve(xl, xr, yl, yr, ymid, n: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """A parabola-like curve from the left corner to the right corner through ymid."""
    u = np.linspace(-1.0, 1.0, n)
    x = (xl + xr) / 2 + u * (xr - xl) / 2
    y = np.where(u < 0, yl, yr) + (ymid - np.where(u < 0, yl, yr)) * (1 - u**2)
    return x, y


def _mouth(img, c: _Canvas, person: SyntheticPerson, aL: np.ndarray, aR: np.ndarray) -> None:
    """Lips and, when open, the mouth cavity and teeth.

    AU12 pulls the corners up and out, AU15 pulls them down, AU20 stretches them
    sideways, AU23 narrows and thins the lips, AU24 presses them thin, AU26 drops
    the lower lip with the jaw.
    """
    my, w = person.mouth_y, person.mouth_w
    jaw = 0.5 * (aL[AU26] + aR[AU26])
    press = 0.5 * (aL[AU23] + aR[AU23] + aL[AU24] + aR[AU24])
    corner = []
    for a in (aL, aR):
        cx = w * (1 + 0.25 * a[AU12] + 0.3 * a[AU20] - 0.18 * a[AU23])
        cy = my - 0.16 * a[AU12] + 0.14 * a[AU15] + 0.04 * a[AU20] + 0.04 * jaw
        corner.append((cx, cy))
    (xl, yl), (xr, yr) = corner
    xl = -xl
    smile = 0.5 * (aL[AU12] + aR[AU12])
    gap = max(0.0, 0.42 * jaw + 0.05 * smile + 0.06 * 0.5 * (aL[AU20] + aR[AU20]) - 0.1 * press)
    thin = max(0.25, 1.0 - 0.55 * press)
    t_up, t_lo = person.lip_thick * 0.8 * thin, person.lip_thick * thin
    sag = 0.04 * smile - 0.02 * (aL[AU15] + aR[AU15])
    up_in = _curve(xl, xr, yl, yr, my - 0.1 * gap + sag)
    lo_in = _curve(xl, xr, yl, yr, my + 0.9 * gap + sag)
    lips = _shade(person.lips, 1.0)
    up_out_y = up_in[1] - t_up * np.sqrt(1 - np.linspace(-1, 1, 13) ** 2)
    up_out_y[6] += 0.35 * t_up  # Cupid's bow
    lo_out_y = lo_in[1] + t_lo * np.sqrt(1 - np.linspace(-1, 1, 13) ** 2)
    if gap > 0.01:
        _fill_between(img, c, up_in[0], up_in[1], lo_in[1], _rgba((60, 20, 24)))
        teeth = np.minimum(up_in[1] + 0.09, lo_in[1])
        _fill_between(img, c, up_in[0][2:-2], up_in[1][2:-2], teeth[2:-2], _rgba((225, 222, 210)))
    _fill_between(img, c, up_in[0], up_out_y, up_in[1], _shade(person.lips, 0.85))
    _fill_between(img, c, lo_in[0], lo_in[1], lo_out_y, lips)
    _line(img, c, up_in[0], up_in[1], _rgba((70, 30, 30)), 0.025)
    for side, (cx, cy), a in ((-1, (xl, yl), aL), (1, (xr, yr), aR)):  # nasolabial folds
        k = 0.25 + 0.9 * a[AU12] + 0.4 * a[AU6] + 0.4 * a[AU20]
        if k > 0.3:
            t = np.linspace(0.0, 1.0, 6)
            start = side * (person.nose_w + 0.1)
            fx = start + (cx + side * 0.08 - start) * t
            fy = person.nose_y - 0.04 + (cy + 0.06 - person.nose_y + 0.04) * t**0.8
            _line(img, c, fx, fy, _shade(person.skin, 1.0 - 0.22 * min(k, 1.3)), 0.02)


def _wrinkles(img, c: _Canvas, person: SyntheticPerson, a: np.ndarray) -> None:
    """Forehead lines for raised brows (AU1, AU2) and a furrow for AU4."""
    raise_ = 0.5 * (a[AU1] + a[AU2])
    skin = person.skin
    if raise_ > 0.25:
        u = np.linspace(-1.0, 1.0, 9)
        for k in range(3):
            y = person.eye_y - person.brow_gap - 0.3 - 0.09 * k - 0.04 * (1 - u**2)
            _line(img, c, 0.45 * u, y, _shade(skin, 1.0 - 0.16 * min(raise_, 1.2)), 0.015)
    if a[AU4] > 0.25:
        y0 = person.eye_y - person.brow_gap
        for side in (-1, 1):
            _line(
                img,
                c,
                [side * 0.05, side * 0.07],
                [y0 - 0.12, y0 + 0.04],
                _shade(skin, 1.0 - 0.25 * min(a[AU4], 1.2)),
                0.02,
            )


def face_patch(
    person: SyntheticPerson, aL: np.ndarray, aR: np.ndarray, size: int, pose: tuple[float, float]
) -> np.ndarray:
    """``person``'s face with action units ``aL`` / ``aR`` (image left / right side):
    RGBA uint8 (size, size, 4), the alpha marking the head and hair.

    ``pose`` (yaw, pitch) in [-1, 1] shifts the moving parts against the head,
    which reads as a small turn or nod.
    """
    base = base_image(person, size)
    side = base.shape[0]
    jaw = 0.5 * (aL[AU26] + aR[AU26])
    c = _Canvas(size, (0.1 * pose[0], 0.07 * pose[1]))
    if jaw > 0.02:  # stretch the face below the mouth down: the jaw drops
        row = int(c.cy + person.mouth_y * c.unit)
        grow = round(0.3 * jaw * c.unit)
        img = np.empty_like(base)
        img[:row] = base[:row]
        stretched = cv2.resize(
            base[row:], (side, side - row + grow), interpolation=cv2.INTER_LINEAR
        )
        img[row:] = stretched[: side - row]
    else:
        img = base.copy()
    _wrinkles(img, c, person, np.maximum(aL, aR))
    _nose(img, c, person)
    for s, a in ((-1, aL), (1, aR)):
        _eye(img, c, person, a, s)
        _brows(img, c, person, a, s)
    _mouth(img, c, person, aL, aR)
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)


def face_box(size: int) -> tuple[float, float, float]:
    """The face box of a face image of side ``size``: centre x, centre y, side (pixels)."""
    bx, by, bs = FACE_BOX
    unit = UNIT * size
    return size / 2 + bx * unit, CENTRE_Y * size + by * unit, bs * unit
