"""The hyperparameter search space of :mod:`clifer.tune`: what it is written as, checked
against the learner, turned into a hyperopt space, and applied to a configuration.

A space maps a parameter to a distribution. A parameter is a field of
:class:`clifer.learners.LearnerSettings` (``episode_epochs``, ``imagination_epochs``,
``mlp_learning_rate``...) or, prefixed ``gdm.``, a parameter of
:class:`gwr.GrowingDualMemory` (``gdm.episodic_activation_threshold``...). A
distribution is a table (TOML) or object (JSON)::

    [space]
    "gdm.episodic_activation_threshold" = { dist = "uniform", low = 0.05, high = 0.6 }
    "gdm.semantic_epsilon_b" = { dist = "loguniform", low = 0.001, high = 0.2 }
    "episode_epochs" = { dist = "quniform", low = 1, high = 20, q = 1 }
    "gdm.aging" = { dist = "choice", options = ["bmu", "global"] }

``loguniform`` and ``qloguniform`` take the bounds themselves (not their logs).
Parameters whose default is an integer (epochs, ages) are rounded to integers.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from typing import Any

from .conditions import Condition
from .learners import LearnerSettings

GDM_PREFIX = "gdm."

#: Distributions and the keys each takes (besides ``dist``).
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "quniform": ("low", "high", "q"),
    "loguniform": ("low", "high"),
    "qloguniform": ("low", "high", "q"),
    "choice": ("options",),
}


def _gdm_defaults() -> dict[str, Any]:
    from gwr import GrowingDualMemory

    return {
        name: p.default
        for name, p in inspect.signature(GrowingDualMemory).parameters.items()
        if name != "random_state"
    }


def _learner_defaults() -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(LearnerSettings) if f.name != "gdm"}


def parameter_defaults() -> dict[str, Any]:
    """Every tunable parameter and its default value (GDM ones prefixed ``gdm.``)."""
    return {**_learner_defaults(), **{GDM_PREFIX + k: v for k, v in _gdm_defaults().items()}}


def default_space(condition: Condition) -> dict[str, dict[str, Any]]:
    """A sensible space for ``condition``, each range holding the default value.

    GDM conditions: the two memories' activation and habituation thresholds,
    learning rates and maximum edge ages, the epochs per episode, and the replay
    or imagination epochs where the condition replays or imagines. The MLP: its
    hidden units, epochs and learning rate.
    """
    if condition.learner == "mlp":
        return {
            "mlp_hidden": {"dist": "quniform", "low": 16, "high": 256, "q": 16},
            "mlp_epochs": {"dist": "quniform", "low": 5, "high": 100, "q": 5},
            "mlp_learning_rate": {"dist": "loguniform", "low": 1e-4, "high": 1e-2},
        }
    space = {
        "gdm.episodic_activation_threshold": {"dist": "uniform", "low": 0.02, "high": 0.6},
        "gdm.episodic_habituation_threshold": {"dist": "uniform", "low": 0.05, "high": 0.8},
        "gdm.episodic_epsilon_b": {"dist": "loguniform", "low": 0.01, "high": 0.5},
        "gdm.episodic_max_age": {"dist": "quniform", "low": 100, "high": 3000, "q": 50},
        "gdm.semantic_activation_threshold": {"dist": "uniform", "low": 0.01, "high": 0.5},
        "gdm.semantic_habituation_threshold": {"dist": "uniform", "low": 0.05, "high": 0.8},
        "gdm.semantic_epsilon_b": {"dist": "loguniform", "low": 0.001, "high": 0.2},
        "gdm.semantic_max_age": {"dist": "quniform", "low": 100, "high": 4000, "q": 50},
        "episode_epochs": {"dist": "quniform", "low": 1, "high": 20, "q": 1},
    }
    if condition.replay:
        space["replay_epochs"] = {"dist": "quniform", "low": 1, "high": 10, "q": 1}
    if condition.imagination:
        space["imagination_epochs"] = {"dist": "quniform", "low": 1, "high": 10, "q": 1}
    return space


def _number(name: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"space: {name}.{key} must be a finite number, got {value!r}")
    return float(value)


def check_space(space: Any) -> dict[str, dict[str, Any]]:
    """``space`` checked: a non-empty table of known parameters with well-formed
    distributions. Returns it with numbers as floats. Errors name the parameter."""
    if not isinstance(space, dict) or not space:
        raise ValueError(
            "the search space is empty: give at least one parameter "
            "(see clifer.search_space for the format)"
        )
    known = parameter_defaults()
    unknown = sorted(set(space) - set(known))
    if unknown:
        raise ValueError(
            f"the learner has no parameters {unknown}; tunable parameters: {sorted(known)}"
        )
    checked = {}
    for name, spec in space.items():
        if not isinstance(spec, dict) or "dist" not in spec:
            raise ValueError(
                f"space: {name} must be a table with a 'dist' "
                f"({', '.join(DISTRIBUTIONS)}), got {spec!r}"
            )
        dist = spec["dist"]
        if dist not in DISTRIBUTIONS:
            raise ValueError(
                f"space: {name} has an unknown dist {dist!r}; known: {list(DISTRIBUTIONS)}"
            )
        keys = set(spec) - {"dist"}
        if keys != set(DISTRIBUTIONS[dist]):
            raise ValueError(
                f"space: {name} ({dist}) takes {list(DISTRIBUTIONS[dist])}, got {sorted(keys)}"
            )
        if dist == "choice":
            options = spec["options"]
            if not isinstance(options, list) or not options:
                raise ValueError(f"space: {name}.options must be a non-empty list")
            checked[name] = {"dist": dist, "options": list(options)}
            continue
        out = {"dist": dist, **{k: _number(name, k, spec[k]) for k in DISTRIBUTIONS[dist]}}
        if out["low"] >= out["high"]:
            raise ValueError(f"space: {name} needs low < high, got {out['low']} and {out['high']}")
        if dist.endswith("loguniform") and out["low"] <= 0:
            raise ValueError(f"space: {name} ({dist}) needs low > 0, got {out['low']}")
        if "q" in out and out["q"] <= 0:
            raise ValueError(f"space: {name}.q must be positive, got {out['q']}")
        checked[name] = out
    return checked


def extreme_values(spec: dict[str, Any]) -> list[Any]:
    """The smallest and largest values a checked distribution can draw (every option of a
    choice): a ``q`` distribution draws ``round(x / q) * q``."""
    if spec["dist"] == "choice":
        return list(spec["options"])
    ends = [spec["low"], spec["high"]]
    if "q" in spec:
        ends = [round(v / spec["q"]) * spec["q"] for v in ends]
    return ends


def hyperopt_space(space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The hyperopt expression of a checked space (labels are the parameter names)."""
    from hyperopt import hp

    out = {}
    for name, s in space.items():
        dist = s["dist"]
        if dist == "choice":
            out[name] = hp.choice(name, s["options"])
        elif dist == "uniform":
            out[name] = hp.uniform(name, s["low"], s["high"])
        elif dist == "quniform":
            out[name] = hp.quniform(name, s["low"], s["high"], s["q"])
        elif dist == "loguniform":
            out[name] = hp.loguniform(name, math.log(s["low"]), math.log(s["high"]))
        else:
            out[name] = hp.qloguniform(name, math.log(s["low"]), math.log(s["high"]), s["q"])
    return out


def typed(params: dict[str, Any]) -> dict[str, Any]:
    """Parameter values as the learner takes them: integers where the default is one,
    plain Python numbers (not numpy's) otherwise."""
    defaults = parameter_defaults()
    out = {}
    for name, value in params.items():
        default = defaults[name]
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float):
            value = round(value)
        out[name] = value
    return out


def apply(settings: LearnerSettings, params: dict[str, Any]) -> LearnerSettings:
    """The learner's ``settings`` with ``params`` set in them (``gdm.`` ones in its
    ``gdm`` table); a value the learner does not take is an error naming it."""
    gdm, changes = dict(settings.gdm), {}
    for name, value in typed(params).items():
        if name.startswith(GDM_PREFIX):
            gdm[name[len(GDM_PREFIX) :]] = value
            changes["gdm"] = gdm
        else:
            changes[name] = value
    return settings.replace(**changes)
