"""clifer: continual, personalised facial expression recognition (CLIFER).

Composes the ``gwr`` Growing Dual Memory and the ``imagination`` model into the
paper's Algorithm 1 (Churamani & Gunes, FG 2020): :mod:`clifer.experiment` runs
its evaluation, :mod:`clifer.tune` tunes it, and :class:`PersonalModel` is one
person's recogniser in use.
"""

__all__ = ["PersonalModel"]


def __getattr__(name: str):
    if name == "PersonalModel":  # imported on first use: it brings numpy and the learners
        from .personal_model import PersonalModel

        return PersonalModel
    raise AttributeError(f"module 'clifer' has no attribute {name!r}")
