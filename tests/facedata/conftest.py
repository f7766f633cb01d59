"""Shared helpers of the face-data tests.

The tests run with ``--import-mode=importlib``; this folder is put on
``sys.path`` so that they can import :mod:`corpora` (builders of small corpora
in each real dataset's layout).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
