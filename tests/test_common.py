"""scikit-learn's own estimator checks on every public estimator, at 1, 2 and 4 torch threads.

A row's prediction must not depend on the rows beside it on any CPU and thread
count (the sample-order and subset invariance checks), so no check is expected
to fail.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_interp import PrototypeClassifier

from .conftest import FAST

ESTIMATORS = [PrototypeClassifier(n_prototypes=4, n_threads=n_threads, **FAST) for n_threads in (1, 2, 4)]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
