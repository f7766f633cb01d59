"""C entry points of the Cython edge extension, as ctypes functions for numba.

numba-compiled code cannot import a Cython module, but it can call a C function
through a ctypes function object passed to it as an argument. Passing them as
arguments (instead of closing over them as globals) keeps the caller cacheable
with ``cache=True``: the addresses are not baked into the compiled code.
"""

from __future__ import annotations

import ctypes
from typing import NamedTuple

from numba.extending import get_cython_function_address

_MODULE = "gwr._edges"

_p32 = ctypes.c_void_p
_ssize = ctypes.c_ssize_t
_i32 = ctypes.c_int32


def _bind(name: str, restype, *argtypes):
    return ctypes.CFUNCTYPE(restype, *argtypes)(get_cython_function_address(_MODULE, name))


class EdgeOps(NamedTuple):
    """The extension's functions; the order matches the kernels' arguments."""

    connect: object
    disconnect: object
    age_node: object
    prune_node: object
    age_all: object
    prune_all: object
    compact: object


def load_edge_ops() -> EdgeOps:
    """Bind the extension's exported C functions (cheap; call once per process)."""
    return EdgeOps(
        connect=_bind("edge_connect", ctypes.c_int, _p32, _p32, _p32, _ssize, _ssize, _ssize),
        disconnect=_bind("edge_disconnect", ctypes.c_int, _p32, _p32, _p32, _ssize, _ssize, _ssize),
        age_node=_bind("edges_age_node", None, _p32, _p32, _p32, _ssize, _ssize),
        prune_node=_bind("edges_prune_node", _ssize, _p32, _p32, _p32, _ssize, _ssize, _i32, _p32),
        age_all=_bind("edges_age_all", None, _p32, _p32, _p32, _ssize, _ssize),
        prune_all=_bind("edges_prune_all", _ssize, _p32, _p32, _p32, _ssize, _ssize, _i32),
        compact=_bind("compact_lists", None, _p32, _p32, _p32, _ssize, _ssize, _p32),
    )


EDGE_OPS = load_edge_ops()
