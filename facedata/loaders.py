"""The registry of the real-dataset loaders: one entry point, ``load(name, root, **options)``.

Every loader returns ``(FaceDataset, LoadReport)`` and takes the options
``image_size``, ``cache`` and ``progress``; those that find faces also
``margin``, ``faces`` ("auto", "detect", "recorded") and ``detector``; each
has its dataset's own (see each loader's docstring; an option a loader does
not take is a clear error). :data:`DATASETS` also says what layout each loader
expects, as the datasets are distributed, and whether the dataset has persons
(FER2013 has none: it serves pre-training and judging expressions, not the
per-person experiments).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import baum, fer2013, mefed, mmi, own, ravdess
from ._pipeline import require_root
from .dataset import FaceDataset, LoadReport


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset the project can read: its title, loader and expected layout."""

    name: str
    title: str
    loader: Callable[..., tuple[FaceDataset, LoadReport]]
    layout: str
    persons: bool = True
    """Whether the subjects are people with several faces each (False: every image
    is its own subject, so there is no per-person learning to do)."""
    check: Callable[[Path], object] | None = None
    """A quick test of a root against the layouts (FileNotFoundError naming them), for
    the loaders that can tell without reading the data; None: the folder must exist."""

    def describe(self) -> str:
        """The title and the expected layout, for help texts and error messages."""
        return f"{self.name}: {self.title}\n{self.layout}"

    def options(self) -> list[str]:
        """The keyword options the loader takes."""
        parameters = inspect.signature(self.loader).parameters.values()
        return [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]


DATASETS: dict[str, DatasetEntry] = {
    entry.name: entry
    for entry in (
        DatasetEntry(
            ravdess.NAME,
            "RAVDESS, acted speech and song (video)",
            ravdess.load_ravdess,
            ravdess.LAYOUT,
        ),
        DatasetEntry(
            mmi.NAME, "MMI Facial Expression Database (video sessions)", mmi.load_mmi, mmi.LAYOUT
        ),
        DatasetEntry(
            baum.NAME,
            "BAUM-1s, spontaneous (video)",
            baum.load_baum1s,
            baum.LAYOUT,
        ),
        DatasetEntry(
            mefed.NAME,
            "iCV-MEFED, dominant and complementary emotions (stills)",
            mefed.load_mefed,
            mefed.LAYOUT,
        ),
        DatasetEntry(
            fer2013.NAME,
            "FER2013, 48x48 grey web faces without persons (CSV or folders)",
            fer2013.load_fer2013,
            fer2013.LAYOUT,
            persons=False,
            check=fer2013.find_layout,
        ),
        DatasetEntry(
            own.NAME,
            "one's own recordings: person/expression folders or a CSV manifest",
            own.load_own,
            own.LAYOUT,
            check=own.find_layout,
        ),
    )
}
"""The loaders by name: ravdess, mmi, baum1s, mefed, fer2013, own."""


def entry(name: str) -> DatasetEntry:
    """The registry's entry for ``name`` (any case); ValueError naming the choices."""
    found = DATASETS.get(str(name).lower())
    if found is None:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(sorted(DATASETS))}")
    return found


def check_root(name: str, root: str | Path) -> None:
    """Raise now, before any work, when ``root`` cannot hold dataset ``name``: a missing
    folder or, for the loaders that can tell quickly, one that matches none of the
    dataset's layouts (a FileNotFoundError that prints them)."""
    found = entry(name)
    if found.check is not None:
        found.check(Path(root))
    else:
        require_root(root, found.name, found.layout)


def load(name: str, root: str | Path, **options) -> tuple[FaceDataset, LoadReport]:
    """Load dataset ``name`` from ``root`` (its folder as distributed) into face crops.

    ``options`` go to the dataset's loader. Raises ValueError for an unknown
    name or an option the loader does not take, and FileNotFoundError (naming
    the expected layouts) for a root that is missing or matches no layout.
    """
    found = entry(name)
    unknown = sorted(set(options) - set(found.options()))
    if unknown:
        raise ValueError(
            f"{found.name} takes no option {', '.join(map(repr, unknown))}; "
            f"its options: {', '.join(found.options())}"
        )
    return found.loader(root, **options)
