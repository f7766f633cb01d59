"""Face data: the synthetic expressive-faces generator (the embedded default)
and loaders for RAVDESS, MMI, BAUM-1s, iCV-MEFED, FER2013 and one's own recordings.

Every loader returns a :class:`FaceDataset` and a :class:`LoadReport`;
``load(name, root, **options)`` picks the loader by name (:data:`DATASETS`).
The command line is ``python -m facedata --help``.
"""

from .dataset import CLASS_IDS, CLASSES, SPLITS, FaceDataset, LoadReport

__all__ = ["CLASSES", "CLASS_IDS", "DATASETS", "SPLITS", "FaceDataset", "LoadReport", "load"]


def __getattr__(name: str):
    """``load`` and ``DATASETS`` on first use: the loaders import OpenCV and pandas."""
    if name in ("load", "DATASETS"):
        from . import loaders

        return getattr(loaders, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
