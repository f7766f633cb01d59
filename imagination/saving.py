"""CAAE model files: written atomically in the ``.keras`` format, read back in safe mode.

:func:`save_model` is what :meth:`imagination.caae.CAAE.save` does: the archive is
written to a temporary file beside the target and renamed over it, so a reader
never sees a half-written file and an interrupted save leaves any previous file
intact. :func:`load` reads a file written so (or by ``keras.Model.save``) with
Keras' safe mode, and says clearly what is wrong with a file that is not one.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import keras

from ._files import publish

if TYPE_CHECKING:
    from .caae import CAAE


def save_model(
    model: keras.Model, filepath: str | os.PathLike, overwrite: bool = True, **kwargs
) -> None:
    """Save ``model`` in the ``.keras`` format at ``filepath``, atomically: a temporary
    file, then a rename. Keyword arguments go to ``keras.Model.save``."""
    path = Path(filepath)
    if path.suffix != ".keras":
        raise ValueError(
            f"CAAE.save writes the .keras format; the path must end in .keras, got "
            f"{str(filepath)!r}"
        )
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists and overwrite=False")
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=".keras", dir=path.parent if str(path.parent) else "."
    )
    os.close(fd)
    try:
        keras.Model.save(model, tmp, overwrite=True, **kwargs)
        publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load(path: str | os.PathLike, compile: bool = True) -> CAAE:
    """A :class:`~imagination.caae.CAAE` saved with ``model.save(path)``, loaded in Keras'
    safe mode.

    Raises FileNotFoundError for a missing file, ValueError for a file that is not
    a ``.keras`` archive and TypeError for an archive of some other model.
    """
    from .caae import CAAE  # registers the class with Keras' deserialiser

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no CAAE model file at {path}")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not a .keras model archive (expected a zip written by CAAE.save)"
        )
    with zipfile.ZipFile(path) as archive:
        if "config.json" not in archive.namelist():
            raise ValueError(
                f"{path} is a zip file but not a .keras model archive (no config.json)"
            )
        meta = json.loads(archive.read("config.json"))
    registered = keras.saving.get_registered_name(CAAE)
    if meta.get("registered_name") != registered:
        found = meta.get("registered_name") or meta.get("class_name")
        raise TypeError(f"{path} holds a {found!r}, not an imagination CAAE ({registered!r})")
    try:
        model = keras.saving.load_model(path, compile=compile, safe_mode=True)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{path} could not be read as a CAAE (damaged or of another version): "
            f"{type(error).__name__}: {error}"
        ) from error
    except Exception as error:  # h5py, zipfile and JSON errors of a damaged archive
        raise ValueError(f"{path} is damaged: {type(error).__name__}: {error}") from error
    if not isinstance(model, CAAE):
        raise TypeError(f"{path} holds a {type(model).__name__}, not an imagination CAAE")
    return model
