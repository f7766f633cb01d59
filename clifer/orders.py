"""Class orders: the sequence in which one subject's expressions are learnt.

An order is a tuple of the six class ids of :data:`facedata.CLASSES` (neutral,
happy, surprise, anger, fear, sad), each once. :func:`parse_orders` reads what a
user writes:

- ``"default"``: the paper's order, neutral, happy, surprise, anger, fear, sad;
- ``"six"``: the six orders of the paper's published code, each starting with a
  different class (its Table I);
- ``"random:N"`` (or ``"random:N:SEED"``): N distinct random orders;
- one explicit order, by names or ids: ``"happy,sad,neutral,anger,fear,surprise"``;
- a list of any of these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from facedata import CLASS_IDS, CLASSES

Order = tuple[int, ...]

DEFAULT_ORDER: Order = tuple(range(len(CLASSES)))

#: The published code's class list, which its orders index.
_REFERENCE_CLASSES = ("anger", "fear", "happy", "sad", "surprise", "neutral")
_REFERENCE_INDICES = (
    (0, 4, 3, 5, 1, 2),
    (1, 3, 0, 5, 2, 4),
    (2, 3, 4, 0, 5, 1),
    (3, 1, 2, 4, 5, 0),
    (4, 2, 0, 3, 5, 1),
    (5, 1, 4, 0, 2, 3),
)
#: The six orders of the paper's code, in this project's class ids.
REFERENCE_ORDERS: tuple[Order, ...] = tuple(
    tuple(CLASS_IDS[_REFERENCE_CLASSES[i]] for i in order) for order in _REFERENCE_INDICES
)


def check_order(order: Sequence[int | str]) -> Order:
    """An order of class ids from ids or names; not a permutation of the six classes: error."""
    ids = []
    for item in order:
        if isinstance(item, str):
            name = item.strip().lower()
            if name.isdigit():
                ids.append(int(name))
            elif name in CLASS_IDS:
                ids.append(CLASS_IDS[name])
            else:
                raise ValueError(
                    f"unknown class {item!r} in order {list(order)}; classes: {', '.join(CLASSES)}"
                )
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            ids.append(int(item))
        else:
            raise TypeError(f"an order holds class names or ids, got {item!r}")
    if sorted(ids) != list(range(len(CLASSES))):
        raise ValueError(
            f"an order must be a permutation of the {len(CLASSES)} classes "
            f"({', '.join(CLASSES)}), each once; got {list(order)}"
        )
    return tuple(ids)


def random_orders(n: int, seed: int = 0) -> tuple[Order, ...]:
    """``n`` distinct random orders (at most 720)."""
    if not 1 <= n <= 720:
        raise ValueError(f"between 1 and 720 random orders, got {n}")
    rng = np.random.default_rng(seed)
    seen: dict[Order, None] = {}
    while len(seen) < n:
        seen[tuple(int(c) for c in rng.permutation(len(CLASSES)))] = None
    return tuple(seen)


def parse_orders(spec: str | Sequence | None) -> tuple[Order, ...]:
    """The orders a user asked for (see the module's docstring); duplicates removed."""
    if spec is None:
        return (DEFAULT_ORDER,)
    if isinstance(spec, str):
        text = spec.strip().lower()
        if text == "default":
            return (DEFAULT_ORDER,)
        if text in ("six", "reference"):
            return REFERENCE_ORDERS
        if text.startswith("random:"):
            parts = text.split(":")
            try:
                numbers = [int(p) for p in parts[1:]]
            except ValueError:
                numbers = []
            if len(numbers) not in (1, 2):
                raise ValueError(f"write random orders as random:N or random:N:SEED, got {spec!r}")
            return random_orders(*numbers)
        return (check_order(text.split(",")),)
    items = list(spec)
    if items and all(isinstance(i, (int, np.integer)) for i in items):
        return (check_order(items),)
    orders: dict[Order, None] = {}
    for item in items:
        for order in parse_orders(item) if isinstance(item, str) else (check_order(item),):
            orders[order] = None
    if not orders:
        raise ValueError("no class order given")
    return tuple(orders)


def order_name(order: Iterable[int]) -> str:
    """A short readable name: the classes' first three letters joined by dashes."""
    return "-".join(CLASSES[c][:3] for c in order)
