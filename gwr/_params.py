"""``get_params``/``set_params`` in the scikit-learn way, without scikit-learn."""

from __future__ import annotations

import inspect


class ParamsMixin:
    """Constructor arguments are the parameters; ``__init__`` only stores them."""

    @classmethod
    def _param_names(cls) -> list[str]:
        names = cls.__dict__.get("_param_names_cache")
        if names is None:  # inspect.signature is slow, and training asks every call
            sig = inspect.signature(cls.__init__)
            names = tuple(p for p in sig.parameters if p != "self")
            cls._param_names_cache = names
        return list(names)

    def get_params(self, deep: bool = True) -> dict:
        """The constructor arguments of this estimator, by name."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set constructor arguments by name; returns ``self``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters are {valid}"
                )
            setattr(self, name, value)
        return self

    _estimator_type = "classifier"

    def __sklearn_tags__(self):
        """Estimator tags for scikit-learn's tools (model selection, cloning).

        Only scikit-learn calls this, so importing it here adds no dependency.
        """
        from sklearn.utils import ClassifierTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=False),
            classifier_tags=ClassifierTags(),
            transformer_tags=TransformerTags() if hasattr(self, "transform") else None,
        )

    def __repr__(self) -> str:
        defaults = {
            name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        shown = []
        for name, value in self.get_params().items():
            default = defaults.get(name, inspect.Parameter.empty)
            if value is default:
                same = True
            elif isinstance(value, (str, int, float, bool, type(None))):
                same = type(value) is type(default) and value == default
            else:  # arrays, generators: shown
                same = False
            if not same:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"
