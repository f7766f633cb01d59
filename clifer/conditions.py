"""The experimental conditions of the paper (section V), each a configuration of one learner.

- ``mlp``: a Keras MLP on the encoder's features, trained the ordinary batch way on
  one class at a time (the baseline that forgets);
- ``gdm``: the Growing Dual Memory alone;
- ``gdm+replay``: with pseudo-rehearsal after every episode;
- ``clifer``: with imagination after every class (Algorithm 1), no replay;
- ``clifer+replay``: both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Condition:
    """What a condition's learner does: its kind, replay and imagination."""

    name: str
    learner: str  # "mlp" or "gdm"
    replay: bool = False
    imagination: bool = False

    @property
    def memories(self) -> tuple[str, ...]:
        """The memories this condition reports: GDM-E and GDM-S, or the MLP alone."""
        return ("mlp",) if self.learner == "mlp" else ("episodic", "semantic")


CONDITIONS: dict[str, Condition] = {
    c.name: c
    for c in (
        Condition("mlp", "mlp"),
        Condition("gdm", "gdm"),
        Condition("gdm+replay", "gdm", replay=True),
        Condition("clifer", "gdm", imagination=True),
        Condition("clifer+replay", "gdm", replay=True, imagination=True),
    )
}


def parse_conditions(names: str | Iterable[str]) -> tuple[Condition, ...]:
    """Conditions by name (a list, or one comma-separated string); unknown names are an error."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    names = list(names)
    if not names:
        raise ValueError(f"no condition given; choose from {list(CONDITIONS)}")
    unknown = [n for n in names if n not in CONDITIONS]
    if unknown:
        raise ValueError(f"unknown condition(s) {unknown}; choose from {list(CONDITIONS)}")
    if len(set(names)) != len(names):
        raise ValueError(f"a condition is named twice in {names}")
    return tuple(CONDITIONS[n] for n in names)
