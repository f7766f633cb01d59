"""gwr: fast Gamma-GWR self-organising networks and the Growing Dual Memory.

A standalone toolkit (numpy and numba; edges in a small Cython extension):

- :class:`GammaGWR`: a Growing-When-Required network with gamma-filtered
  temporal context, associative labels and temporal synapses, with the
  scikit-learn estimator interface (``partial_fit``, ``predict``, ...).
- :class:`GrowingDualMemory`: episodic and semantic memories (GDM-E, GDM-S)
  with pseudo-rehearsal, as used by the CLIFER framework.
- :func:`class_activations`: each class's activation ``exp(-d)`` for inputs,
  ``d`` the distance to the nearest neuron of that class.
"""

from ._validation import InvalidParameterError, NotFittedError
from .memory import GrowingDualMemory
from .network import GammaGWR, class_activations

__all__ = [
    "GammaGWR",
    "GrowingDualMemory",
    "InvalidParameterError",
    "NotFittedError",
    "class_activations",
]
__version__ = "0.1.0"
