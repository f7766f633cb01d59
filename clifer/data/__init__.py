"""Face data: the synthetic expressive-faces generator (the embedded default)
and loaders for RAVDESS, MMI, BAUM-1s and iCV-MEFED.

Every loader returns a :class:`FaceDataset` and a :class:`LoadReport`.
"""

from .dataset import CLASS_IDS, CLASSES, FaceDataset, LoadReport

__all__ = ["CLASSES", "CLASS_IDS", "FaceDataset", "LoadReport"]
