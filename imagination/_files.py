"""Files replaced atomically: written aside, then renamed over the target."""

from __future__ import annotations

import os
from pathlib import Path


def publish(tmp: str | os.PathLike, path: str | os.PathLike) -> None:
    """Move the finished temporary file ``tmp`` over ``path`` in one step.

    ``tempfile.mkstemp`` creates private files (mode 0600); the published file
    gets the ordinary mode for the user's umask.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, Path(path))
