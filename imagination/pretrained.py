"""The pre-trained imagination models that ship with the package.

``imagination/weights/<preset>.keras`` holds a model trained by
``python -m imagination.train --preset <preset>`` (the run's ``inference.keras``:
the five sub-models without optimiser state or identity network, so that the
file stays small). :func:`load_pretrained` is what the rest of the project loads
by default, so that nobody has to pre-train before using CLIFER.

Two ship: ``cpu``, trained on the project's synthetic faces (the default for
them), and ``real``, trained on FER2013's real faces in grey (the default for
real people: :func:`default_model`). How each was trained, and how well it
imagines people it never saw, is in ``docs/imagination.md``.
"""

from __future__ import annotations

from pathlib import Path

from .caae import CAAE
from .saving import load

#: Where the shipped weight files live (package data).
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


#: The shipped model for the synthetic faces (trained on them).
SYNTHETIC_MODEL = "cpu"
#: The shipped model for real faces (trained on FER2013, grey).
REAL_MODEL = "real"


def default_model(dataset: str = "synthetic") -> str:
    """The shipped model's name for faces of ``dataset``: ``cpu`` for the project's
    synthetic faces (what it was trained on), ``real`` for any real face data set,
    one's own photos or a camera (any other name)."""
    return SYNTHETIC_MODEL if dataset == "synthetic" else REAL_MODEL


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


def describe(path: str | Path) -> str:
    """How the outputs name a model file: ``"real (shipped, imagination/weights/real.keras)"``
    for a shipped model, else the path as given."""
    path = Path(path)
    if path.resolve().parent == WEIGHTS_DIR and path.suffix == ".keras":
        return f"{path.stem} (shipped, imagination/weights/{path.name})"
    return str(path)


def load_pretrained(name: str = "cpu") -> CAAE:
    """The shipped model of preset ``name``, loaded in safe mode (not compiled).

    It imagines and encodes straight away; to train it further, call
    ``compile()`` first (fresh optimisers).
    """
    path = pretrained_path(name)
    model = load(path, compile=False)
    check_preset(model, name, path)
    return model


#: The fields that make a preset's network what it is (its weights fit no other).
ARCHITECTURE = (
    "image_size",
    "width",
    "latent_dim",
    "n_classes",
    "expression_dims",
    "image_disc_label",
    "feature_loss",
    "grey",
)


def check_preset(model: CAAE, name: str, path: str | Path = "") -> None:
    """Raise ValueError unless ``model`` is a model of preset ``name`` (the fields of
    :data:`ARCHITECTURE` equal), e.g. a ``cpu`` file put in place of ``real``."""
    from .config import PRESETS

    expected = PRESETS[name]
    wrong = [
        f"{field} {getattr(model.config, field)!r} (the preset: {getattr(expected, field)!r})"
        for field in ARCHITECTURE
        if getattr(model.config, field) != getattr(expected, field)
    ]
    if wrong:
        raise ValueError(f"{path or 'the model'} is not a {name!r} model: " + "; ".join(wrong))
