"""Shared helpers of the gwr tests.

The tests run with ``--import-mode=importlib``; this folder is put on
``sys.path`` so that they can import the slow numpy reference.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
