"""scikit-learn's estimator checks on GammaGWR and GrowingDualMemory.

Every check runs; those listed in ``EXCLUDED`` are expected to fail, each for
the reason given: a deliberate difference of a growing, semi-supervised network
without a dependency on scikit-learn, not a defect.
"""

import warnings

import pytest

pytest.importorskip("sklearn", minversion="1.6")  # for expected_failed_checks

from sklearn.utils.estimator_checks import parametrize_with_checks

from gwr import GammaGWR, GrowingDualMemory

BOTH = {
    "check_estimators_unfitted": (
        "an untrained estimator raises gwr.NotFittedError (a ValueError and an "
        "AttributeError, as scikit-learn's), not scikit-learn's own class: gwr does "
        "not depend on scikit-learn"
    ),
    "check_complex_data": (
        "complex X is refused with a TypeError (a wrong dtype), scikit-learn asks for a ValueError"
    ),
    "check_dtype_object": (
        "X of dtype object is refused (TypeError), even when it holds numbers: no "
        "silent conversion of object arrays"
    ),
    "check_classifiers_classes": (
        "labels are integer class ids (-1: unlabelled, semi-supervised), no label "
        "encoding of strings"
    ),
    "check_supervised_y_2d": (
        "a column-vector y is refused with a ValueError instead of being flattened "
        "with a DataConversionWarning"
    ),
}
GAMMA_GWR = {
    "check_transformer_data_not_an_array": (
        "transform is the vector quantisation of a trained network (each input's "
        "best-matching weights): there is no fit_transform"
    ),
    "check_transformer_general": "as check_transformer_data_not_an_array",
    "check_transformer_preserve_dtypes": (
        "no fit_transform, and the weights are float64 whatever the input's dtype"
    ),
}
EXCLUDED = {"GammaGWR": BOTH | GAMMA_GWR, "GrowingDualMemory": BOTH}


def expected_failures(estimator) -> dict:
    return EXCLUDED[type(estimator).__name__]


# gwr's estimators do not derive from BaseEstimator (gwr does not depend on
# scikit-learn): scikit-learn says so once per estimator when it lists the checks.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Estimator .* does not inherit", UserWarning)
    every_check = parametrize_with_checks(
        [GammaGWR(random_state=0), GrowingDualMemory(random_state=0)],
        expected_failed_checks=expected_failures,
    )


@every_check
def test_scikit_learn_estimator_checks(estimator, check):
    with warnings.catch_warnings():  # gwr's estimators do not derive from BaseEstimator
        warnings.filterwarnings("ignore", "Estimator .* does not inherit", UserWarning)
        check(estimator)
