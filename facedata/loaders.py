"""The registry of the real-dataset loaders: one entry point, ``load(name, root, **options)``.

Every loader returns ``(FaceDataset, LoadReport)`` and takes the common options
``image_size``, ``margin``, ``faces`` ("auto", "detect", "recorded"),
``detector``, ``cache`` and ``progress`` plus its dataset's own (see each
loader's docstring). :data:`DATASETS` also says what layout each loader expects,
as the datasets are distributed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import baum, mefed, mmi, ravdess
from .dataset import FaceDataset, LoadReport


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset the project can read: its title, loader and expected layout."""

    name: str
    title: str
    loader: Callable[..., tuple[FaceDataset, LoadReport]]
    layout: str

    def describe(self) -> str:
        """The title and the expected layout, for help texts and error messages."""
        return f"{self.name}: {self.title}\n{self.layout}"


DATASETS: dict[str, DatasetEntry] = {
    entry.name: entry
    for entry in (
        DatasetEntry(
            ravdess.NAME, "RAVDESS, acted speech and song (video)", ravdess.load_ravdess,
            ravdess.LAYOUT,
        ),
        DatasetEntry(mmi.NAME, "MMI Facial Expression Database (video sessions)", mmi.load_mmi,
                     mmi.LAYOUT),
        DatasetEntry(
            baum.NAME, "BAUM-1s, spontaneous (video)", baum.load_baum1s, baum.LAYOUT,
        ),
        DatasetEntry(
            mefed.NAME, "iCV-MEFED, dominant and complementary emotions (stills)",
            mefed.load_mefed, mefed.LAYOUT,
        ),
    )
}  # fmt: skip
"""The loaders by name: ravdess, mmi, baum1s, mefed."""


def load(name: str, root: str | Path, **options) -> tuple[FaceDataset, LoadReport]:
    """Load dataset ``name`` from ``root`` (its folder as distributed) into face crops.

    ``options`` go to the dataset's loader. Raises ValueError for an unknown
    name and FileNotFoundError (naming the expected layout) for a missing root.
    """
    entry = DATASETS.get(name.lower())
    if entry is None:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(sorted(DATASETS))}")
    return entry.loader(root, **options)
