"""Expression names as people write them (folder names, manifest cells), mapped to
the project's classes.

A name is matched whatever its case and surrounding spaces, with the usual
synonyms (happiness, happy and joy are one class). Three names are known but
not among the project's six classes: disgust and contempt (other classes the
project does not learn) and calm (RAVDESS' extra class, dropped there too);
items with them are excluded and counted, never relabelled. Any other name is
unknown: its items are skipped as bad input.
"""

from __future__ import annotations

from .dataset import CLASS_IDS

SYNONYMS: dict[str, tuple[str, ...]] = {
    "neutral": ("neutral", "neutrality"),
    "happy": ("happy", "happiness", "joy", "joyful"),
    "surprise": ("surprise", "surprised"),
    "anger": ("anger", "angry"),
    "fear": ("fear", "fearful", "scared", "afraid"),
    "sad": ("sad", "sadness"),
    # known, but not among the project's classes: excluded and counted
    "disgust": ("disgust", "disgusted"),
    "contempt": ("contempt", "contemptuous"),
    "calm": ("calm",),
}
"""Each class (and each known class the project does not use) with the names that mean it."""

UNUSED: tuple[str, ...] = ("disgust", "contempt", "calm")
"""Known expressions outside the project's six classes."""

_BY_NAME = {name: canonical for canonical, names in SYNONYMS.items() for name in names}

UNKNOWN_EXPRESSION = "unknown expression"


def canonical(name: str) -> str | None:
    """The class a name means (``"Happiness"`` -> ``"happy"``; ``"disgusted"`` ->
    ``"disgust"``, a class the project does not use), or None for an unknown name."""
    return _BY_NAME.get(str(name).strip().casefold())


def class_id(name: str) -> int | None:
    """The project's class id of a name, or None when it means an unused class.

    Raises ValueError (whose message lists the known names) for an unknown name.
    """
    found = canonical(name)
    if found is None:
        known = ", ".join(n for names in SYNONYMS.values() for n in names)
        raise ValueError(f"{name!r} is not an expression name (known, in any case: {known})")
    return CLASS_IDS.get(found)
