"""The encoder's codes of a whole data set, computed once and kept.

Encoding every crop of a real data set is the one step of an experiment that costs
the same for every condition and every run; :func:`dataset_codes` does it once per
(model, crops) and keeps the codes in the cache directory (``$CLIFER_CACHE_DIR/codes``,
beside the face-crop cache), so that a second run, another condition or a tuning
search reads them back. The key is the model file's hash and a hash of the crops
themselves (their pixels, labels, subjects, clips and frames, and the model's input
size): an edited data set, other crop settings (another detector, other loader
options) or another model give other crops or another hash, so stale codes are
never served. A kept file that is not whole is set aside and the codes computed
again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from facedata import FaceDataset

#: Crops encoded per call (a progress-bar step).
BATCH = 512
#: The cache's version: a change of what a file holds changes it.
FORMAT = 1


def crops_fingerprint(dataset: FaceDataset) -> str:
    """A BLAKE2b hash of the crops: pixels, labels, subjects, clips and frames."""
    digest = hashlib.blake2b(digest_size=16)
    for column in (dataset.images, dataset.labels, dataset.frames):
        array = np.ascontiguousarray(column)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.tobytes())
    for column in (dataset.subjects, dataset.clips):
        digest.update("\x00".join(map(str, column)).encode())
        digest.update(b"\x01")
    return digest.hexdigest()


def codes_key(dataset: FaceDataset, model_hash: str, image_size: int) -> str:
    """The cache key of ``dataset``'s codes under the model with file hash ``model_hash``."""
    text = f"v{FORMAT}:{model_hash}:{image_size}:{crops_fingerprint(dataset)}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def default_codes_dir() -> Path:
    """``<facedata cache>/codes``."""
    from facedata.cache import cache_dir

    return cache_dir() / "codes"


def encode_crops(dataset: FaceDataset, model, *, progress: bool = True) -> np.ndarray:
    """Every crop's code, resized to the model's input size, with a progress bar."""
    from tqdm import tqdm

    from .features import resized

    size = model.config.image_size
    parts = []
    starts = range(0, len(dataset), BATCH)
    with tqdm(total=len(dataset), desc="encoding", unit="crop", disable=not progress) as bar:
        for start in starts:
            images = resized(dataset.images[start : start + BATCH], size)
            parts.append(np.asarray(model.encode(images), np.float32))
            bar.update(len(images))
    return np.concatenate(parts) if parts else np.zeros((0, model.config.latent_dim), np.float32)


def dataset_codes(
    dataset: FaceDataset,
    model,
    model_hash: str,
    *,
    directory: str | os.PathLike | None = None,
    progress: bool = True,
) -> tuple[np.ndarray, bool]:
    """``(codes, kept)``: the codes of every crop of ``dataset`` (in its row order), read
    from the cache when ``kept``, else computed (:func:`encode_crops`) and written there
    atomically. ``directory`` None: :func:`default_codes_dir`."""
    folder = Path(directory) if directory is not None else default_codes_dir()
    key = codes_key(dataset, model_hash, model.config.image_size)
    path = folder / f"{key}.npy"
    expected = (len(dataset), model.config.latent_dim)
    if path.exists():
        try:
            codes = np.load(path, allow_pickle=False)
            if codes.shape == expected and codes.dtype == np.float32 and np.isfinite(codes).all():
                return codes, True
        except (OSError, ValueError):
            pass
        os.replace(path, path.with_suffix(".damaged"))  # kept aside, never read again
    codes = encode_crops(dataset, model, progress=progress)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".npy", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, codes, allow_pickle=False)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return codes, False


def codes_for_run(
    dataset: FaceDataset, model, model_file: str | os.PathLike, *, progress: bool = True
) -> np.ndarray:
    """:func:`dataset_codes` for an experiment or a search on a real data set, saying on
    the console whether the codes were kept from an earlier run."""
    from .store import file_hash

    codes, kept = dataset_codes(dataset, model, file_hash(model_file, 64), progress=progress)
    where = "kept from an earlier run" if kept else "encoded and kept for the next run"
    print(f"codes of {len(dataset)} crops: {where} ({default_codes_dir()})")
    return codes


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
