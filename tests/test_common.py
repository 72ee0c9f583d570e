"""scikit-learn's own estimator checks on every public estimator, at 1, 2 and 4 torch threads.

A row's prediction must not depend on the rows beside it on any CPU and thread
count (the sample-order and subset invariance checks), so no check is expected
to fail.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_interp import (FeatureLevelingClassifier, FeatureLevelingRegressor, PrototypeClassifier,
                            SENNClassifier, SENNRegressor, SparseRepresenterClassifier, SparseRepresenterRegressor,
                            VariationalAutoencoder, WassersteinGAN)

from .conftest import FAST

# SENN's robustness loss (Jacobians every step) runs in one instance per estimator; the
# thread-count and learned-concept variants train without it (lam=0) to keep the suite fast.
ESTIMATORS = [
    *(PrototypeClassifier(n_prototypes=4, n_threads=n_threads, **FAST) for n_threads in (1, 2, 4)),
    SENNClassifier(n_threads=2, **FAST),
    *(SENNClassifier(lam=0.0, n_threads=n_threads, **FAST) for n_threads in (1, 4)),
    SENNClassifier(concepts="autoencoder", n_concepts=3, lam=0.0, **FAST),
    SENNRegressor(**FAST),
    SENNRegressor(concepts="autoencoder", n_concepts=3, lam=0.0, **FAST),
    SparseRepresenterClassifier(**FAST),
    SparseRepresenterRegressor(**FAST),
    FeatureLevelingClassifier(**FAST),
    FeatureLevelingRegressor(**FAST),
    *(VariationalAutoencoder(n_threads=n_threads, **FAST) for n_threads in (1, 4)),
    # transform is a search of 100 Adam steps per start: a row's code must not depend on its batch either
    *(WassersteinGAN(n_restarts=2, n_inversion_steps=100, n_threads=n_threads, **FAST) for n_threads in (1, 4)),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
