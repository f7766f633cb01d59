"""Shared helpers of the clifer tests.

The tests run with ``--import-mode=importlib``; this folder is put on ``sys.path`` so
that they can import :mod:`clifer_cases` (subjects whose answer is known, and the MLP
baseline as it was first written).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
