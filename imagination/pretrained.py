"""The pre-trained imagination models that ship with the package.

``imagination/weights/<preset>.keras`` holds a model trained by
``python -m imagination.train --preset <preset>`` (the run's ``inference.keras``:
the five sub-models without optimiser state or identity network, so that the
file stays small). :func:`load_pretrained` is what the rest of the project loads
by default, so that nobody has to pre-train before using CLIFER.

How the shipped ``cpu`` model was trained, and how well it imagines unseen
people, is in ``docs/imagination.md``.
"""

from __future__ import annotations

from pathlib import Path

from .caae import CAAE, load

#: Where the shipped weight files live (package data).
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def shipped() -> list[str]:
    """Names of the presets with a shipped model, sorted."""
    return sorted(p.stem for p in WEIGHTS_DIR.glob("*.keras"))


def pretrained_path(name: str = "cpu") -> Path:
    """The shipped model file of preset ``name``; FileNotFoundError if none ships."""
    path = WEIGHTS_DIR / f"{name}.keras"
    if not path.is_file():
        available = ", ".join(shipped()) or "none"
        raise FileNotFoundError(
            f"no pre-trained imagination model {name!r} ships with this package (shipped: "
            f"{available}); train one with `python -m imagination.train --preset {name} --out "
            "DIR` and load DIR/inference.keras with imagination.load"
        )
    return path


def load_pretrained(name: str = "cpu") -> CAAE:
    """The shipped model of preset ``name``, loaded in safe mode (not compiled).

    It imagines and encodes straight away; to train it further, call
    ``compile()`` first (fresh optimisers).
    """
    return load(pretrained_path(name), compile=False)
