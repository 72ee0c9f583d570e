"""scikit-learn's own estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_interp import PrototypeClassifier

from .conftest import FAST

ESTIMATORS = [PrototypeClassifier(n_prototypes=4, **FAST)]

# check name -> one-line reason; kept short (at most 3 per estimator).
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(type(est).__name__, {})
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
