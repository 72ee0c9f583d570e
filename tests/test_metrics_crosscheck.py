"""Cross-checks of faithfulness_correlation and local_lipschitz against Quantus and captum.

Each test sets up a configuration in which the reference library computes the
same quantity as ours, from its own code: its own model calls, its own
perturbation bookkeeping, its own norms and its own choice of the explained
class (the predicted class at x, which we compute from the torch model, not
from our explanation). Where the match is exact the tolerance only covers
floating-point rounding; each tolerance is justified where it is used.

Reference definitions (quantus 0.6.0, captum 0.9):

- ``quantus.FaithfulnessCorrelation.evaluate_batch``: per run, ``a_ix =
  np.random.choice(n_features, subset_size, replace=False)`` per sample;
  ``pred_deltas = y_pred - y_pred_perturb`` (the score of ``y_batch`` before
  minus after replacing the subset by ``perturb_baseline``);
  ``att_sums = a_batch[..., a_ix].sum(-1)``; the score is
  ``pearsonr(att_sums, pred_deltas)`` over the runs. With ``subset_size=1``
  and runs that visit each feature once (``np.random.choice`` replaced by
  an enumeration) it is our Pearson correlation over the features, with
  ``softmax=True`` giving probabilities.
- ``quantus.LocalLipschitzEstimate.evaluate_batch``: ``max`` over
  ``nr_samples`` draws of ``perturb_func`` of
  ``distance_euclidean(a, a') / (distance_euclidean(x, x') + 1e-10)``, the
  explanation at x' taken for ``y_batch`` (the class at x): our ratio, on
  any points we make ``perturb_func`` return.
- ``captum.metrics.sensitivity_max``: ``max`` over perturbations of
  ``||a(x) - a(x')||_fro / ||a(x)||_fro``: normalised by the explanation,
  not by ``||x' - x||``, so it is our ratio times ``||x' - x|| / ||a(x)||``
  at a given point x'.
- ``captum.metrics.infidelity``: ``mean over perturbations of
  (I . a - (f(x) - f(x - I)))**2`` (and with ``normalize=True`` the same
  after the best rescaling of a); with I the indicator of one feature
  replaced by its baseline, three calls give the Pearson correlation of a
  with the drops (see ``_pearson_from_infidelity``).
"""

import copy
from unittest import mock

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris

from sklearn_interp import Explanation, SENNClassifier
from sklearn_interp.baselines import IntegratedGradientsExplainer
from sklearn_interp.baselines._base import seeded_global_rng
from sklearn_interp.metrics import faithfulness_correlation, local_lipschitz

pytest.importorskip("captum")

SEEDS = (0, 1, 2)


# ----------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    # float32-exact values: quantus feeds the model torch.Tensor(x), which is float32.
    return X.astype(np.float32).astype(np.float64), y


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def fitted(request, iris):
    """(seed, SENN, its integrated-gradients explainer, a torch model for the references, samples)."""
    X, y = iris
    seed = request.param
    senn = SENNClassifier(concepts="input", max_epochs=30, batch_size=32, lr=0.01, early_stopping=False,
                          random_state=seed, device="cpu").fit(X, y)
    ig = IntegratedGradientsExplainer(senn).fit(X)
    return seed, senn, ig, RawLogits(senn).eval(), X[::5]  # 30 samples, 10 of each class


class RawLogits(torch.nn.Module):
    """SENN's logits from raw (unscaled) rows of shape (n, ...) flattened to (n, d), in float64.

    It runs the module the way ``predict_proba`` does: inputs scaled in float64,
    rounded to float32 (the training precision), the module in float64.
    """

    def __init__(self, senn):
        super().__init__()
        self.module = copy.deepcopy(senn.torch_module()).double().eval()
        self.register_buffer("offset", torch.as_tensor(senn.input_offset_, dtype=torch.float64))
        self.register_buffer("scale", torch.as_tensor(senn.input_scale_, dtype=torch.float64))

    def forward(self, x):
        x = torch.as_tensor(x).double().reshape(len(x), -1)
        return self.module(((x - self.offset) / self.scale).float().double())


def predicted_classes(model, X):
    with torch.no_grad():
        return model(torch.as_tensor(X)).argmax(1).numpy()


def test_reference_model_reproduces_predict_proba(fitted):
    # The cross-checks below are only as good as the reference model: it must be the estimator.
    _, senn, _, model, X = fitted
    with torch.no_grad():
        probabilities = torch.softmax(model(torch.as_tensor(X)), dim=1).numpy()
    np.testing.assert_allclose(probabilities, senn.predict_proba(X), rtol=0, atol=1e-12)
    assert len(np.unique(probabilities.argmax(1))) == 3  # every class is predicted: the class matters


def attributions_of(explainer):
    """A quantus ``explain_func``: the explainer's contributions for ``targets``, shaped like ``inputs``."""

    def explain_func(model, inputs, targets, **kwargs):
        shape = np.shape(inputs)
        contributions = explainer.explain(np.asarray(inputs, dtype=np.float64).reshape(shape[0], -1))
        contributions = contributions["contributions"]
        return contributions[np.arange(len(contributions)), np.asarray(targets)].reshape(shape)

    return explain_func


# ------------------------------------------------- faithfulness_correlation
def enumerate_features(n_samples, n_features):
    """A stand-in for ``np.random.choice`` under which quantus's runs visit feature r at run r.

    FaithfulnessCorrelation calls ``np.random.choice(n_features, 1, replace=False)``
    once per sample and run, samples in order within a run.
    """
    calls = []

    def choice(a, size=None, replace=True, p=None):
        assert a == n_features and size == 1 and not replace
        calls.append(len(calls))
        return np.array([(calls[-1] // n_samples) % n_features])

    return choice, calls


def replace_by(values):
    """A quantus ``perturb_func``: each feature in ``indices`` replaced by its own value in ``values``."""

    def perturb(arr, indices, **kwargs):
        perturbed = arr.copy()
        perturbed[np.arange(len(arr))[:, None], indices] = values[indices]
        return perturbed

    return perturb


# Some rows hold a feature's minimum: replacing it by the minimum changes nothing (a zero drop, as ours).
@pytest.mark.filterwarnings("ignore:The settings for perturbing input:UserWarning")
@pytest.mark.parametrize("baseline", ["zero", "minimum", "default"])
def test_faithfulness_correlation_matches_quantus(fitted, iris, baseline):
    quantus = pytest.importorskip("quantus")
    _, _, ig, model, X = fitted
    n, d = X.shape
    train = iris[0]
    if baseline == "zero":
        # quantus's own replacement (batch_baseline_replacement_by_indices) with a scalar baseline. Ours
        # gets a vector: its parameter validation rejects the float its docstring allows.
        ours_baseline, perturb = np.zeros(d), {"perturb_baseline": 0.0}
    elif baseline == "minimum":
        # A different value per feature: quantus only takes scalars (or per-sample arrays), hence the
        # perturb_func; the values are data values, float32-exact.
        ours_baseline, perturb = train.min(axis=0), {"perturb_func": replace_by(train.min(axis=0))}
    else:
        # Ours defaults to the training mean (the explainer's background data).
        ours_baseline, perturb = None, {"perturb_func": replace_by(train.mean(axis=0))}
    ours = faithfulness_correlation(ig, X, baseline=ours_baseline)

    choice, calls = enumerate_features(n, d)
    metric = quantus.FaithfulnessCorrelation(nr_runs=d, subset_size=1, normalise=False, abs=False,
                                             return_aggregate=False, disable_warnings=True, **perturb)
    with mock.patch.object(np.random, "choice", choice):
        # (n, 1, d): quantus 0.6's subset_size check rejects 2-D input (it compares with prod(shape[2:]) = 1).
        theirs = metric(model=model, x_batch=X[:, None, :], y_batch=predicted_classes(model, X), a_batch=None,
                        explain_func=attributions_of(ig), channel_first=True, softmax=True, device="cpu")
    assert len(calls) == n * d  # every sample visited every feature once
    theirs = np.asarray(theirs)
    assert np.isfinite(ours).all() and np.ptp(ours) > 0.1  # not all at 1, where closeness says little
    # Same model calls, the same float64 arithmetic: rounding only (observed <= 1e-15), except that
    # quantus casts the perturbed rows to float32 (torch.Tensor(x)), which moves the default baseline
    # (the training mean, not float32-exact) by up to 6e-8 relative: observed <= 6e-7 in the correlation.
    atol = 1e-5 if baseline == "default" else 1e-10
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=atol)


def _pearson_from_infidelity(infidelity, forward, inputs, attributions, target, baseline):
    """Pearson correlation over the features of ``attributions`` with the drops, from captum's infidelity.

    With perturbation k of a row removing feature k (I = e_k, the row with
    x_k = baseline_k) and d perturbations per row, ``d * infidelity`` is
    ``sum_k (a_k - D_k)^2`` with D_k = f_c(x) - f_c(x without k); with
    ``normalize=True`` and a = 1 it is ``sum_k (D_k - mean D)^2``. For the
    centred attributions c = a - mean(a) (and sum_k c_k D_k = sum_k c_k (D_k - mean D)):

        sum_k c_k D_k = (sum_k c_k^2 + d * infid(0) - d * infid(c)) / 2
        pearson(a, D) = sum_k c_k D_k / sqrt(sum_k c_k^2 * d * infid_normalized(1))
    """
    n, d = inputs.shape
    baseline = torch.as_tensor(baseline, dtype=inputs.dtype)
    seen = []

    def remove_each_feature(rows):
        # captum passes each row repeated d times (repeat_interleave): copy k of a row removes feature k.
        assert len(rows) == n * d  # one call for all perturbations: the enumeration below holds
        seen.append(len(rows))
        k = torch.arange(len(rows)) % d
        perturbation = torch.nn.functional.one_hot(k, d).to(rows.dtype)
        perturbed = rows.clone()
        perturbed[torch.arange(len(rows)), k] = baseline[k]
        return perturbation, perturbed

    def infid(a, normalize=False):
        return d * infidelity(forward, remove_each_feature, inputs, a, target=target, n_perturb_samples=d,
                              normalize=normalize).numpy()

    centred = attributions - attributions.mean(dim=1, keepdim=True)
    squares = (centred**2).sum(dim=1).numpy()
    covariance = (squares + infid(torch.zeros_like(centred)) - infid(centred)) / 2
    spread = infid(torch.ones_like(centred), normalize=True)
    assert seen == [n * d] * 3
    return covariance / np.sqrt(squares * spread)


@pytest.mark.parametrize("baseline", ["minimum", "default"])
def test_faithfulness_correlation_matches_captum_infidelity(fitted, iris, baseline):
    from captum.metrics import infidelity

    _, _, ig, model, X = fitted
    train = iris[0]
    values = train.min(axis=0) if baseline == "minimum" else train.mean(axis=0)
    ours = faithfulness_correlation(ig, X, baseline=values if baseline == "minimum" else None)
    target = predicted_classes(model, X)
    contributions = ig.explain(X)["contributions"][np.arange(len(X)), target]

    def probabilities(x):
        return torch.softmax(model(x), dim=1)

    theirs = _pearson_from_infidelity(infidelity, probabilities, torch.as_tensor(X),
                                      torch.as_tensor(contributions), torch.as_tensor(target), values)
    assert np.isfinite(ours).all() and np.ptp(ours) > 0.1
    # captum runs the model in float64 on the same float64 rows (no float32 cast, so the default baseline
    # is exact too); the correlation is recovered from differences of sums of squares, which cancel
    # where the drops are small (1e-6 for the most confident rows): observed <= 2e-13.
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


# ------------------------------------------------------------ local_lipschitz
class RecordingExplainer:
    """Wraps a deterministic explainer and keeps every batch of rows it is asked to explain."""

    def __init__(self, explainer):
        self.explainer, self.calls = explainer, []

    def explain(self, X):
        self.calls.append(np.array(X, dtype=np.float64, copy=True))
        return self.explainer.explain(X)


def replay(batches):
    """A quantus ``perturb_func`` returning the given batches of rows, one per call, in order."""
    batches = iter(batches)

    def perturb(arr, indices, **kwargs):
        rows = next(batches)
        assert rows.shape == arr.shape
        return rows.copy()

    return perturb


def quantus_lipschitz(quantus, model, X, explainer, batches):
    metric = quantus.LocalLipschitzEstimate(nr_samples=len(batches), perturb_func=replay(batches),
                                            normalise=False, abs=False, return_aggregate=False,
                                            disable_warnings=True)
    return np.asarray(metric(model=model, x_batch=X, y_batch=predicted_classes(model, X), a_batch=None,
                             explain_func=attributions_of(explainer), device="cpu"))


def test_local_lipschitz_search_matches_quantus_on_the_same_candidates(fitted):
    # Quantus takes the max of its ratio over whatever its perturb_func returns: replaying every batch
    # of candidates our search explained, its max must be ours (our search keeps the best candidate of
    # all it tried). This checks the ratio (Euclidean norms of the flattened attributions and of x' - x),
    # the class (x's, kept at x'), and the search's bookkeeping of the maximum and its point.
    quantus = pytest.importorskip("quantus")
    seed, _, ig, model, X = fitted
    recorder = RecordingExplainer(ig)
    ours, points = local_lipschitz(recorder, X, eps=0.5, n_calls=8, random_state=seed, return_points=True)
    reference, candidates = recorder.calls[0], recorder.calls[1:]
    np.testing.assert_array_equal(reference, X)
    assert len(candidates) == 8
    assert np.all(np.linalg.norm(np.stack(candidates) - X, axis=2) <= 0.5 + 1e-12)  # all in the ball
    theirs = quantus_lipschitz(quantus, model, X, ig, candidates)
    at_points = quantus_lipschitz(quantus, model, X, ig, [points])
    assert np.all(ours > 0)
    # The same explanations (IG is deterministic) and the same float64 norms, but quantus adds 1e-10 to
    # the denominator ||x' - x|| (about 0.1-0.5 here): observed <= 7e-10 relative.
    np.testing.assert_allclose(theirs, ours, rtol=1e-8)
    np.testing.assert_allclose(at_points, ours, rtol=1e-8)


@pytest.mark.parametrize("method", ["search", "gradient"])
def test_local_lipschitz_of_senn_matches_captum_sensitivity_max(fitted, method):
    # SENN's own attributions (θ·h over the features and the bias concept: shapes quantus rejects). captum's
    # sensitivity_max at the single point x* we return is ||a(x) - a(x*)|| / ||a(x)||, so
    # ours = sensitivity * ||a(x)|| / ||x* - x||. With method="gradient" our value comes from the
    # differentiable torch path, the reference from explain(): this also checks that they agree.
    from captum.metrics import sensitivity_max

    seed, senn, _, model, X = fitted
    ours, points = local_lipschitz(senn, X, eps=0.5, method=method, n_calls=6, random_state=seed,
                                   return_points=True)
    target = torch.as_tensor(predicted_classes(model, X))

    def explanation(inputs, target):
        if isinstance(inputs, tuple):  # at x captum passes, and expects back, a tuple (like captum.attr)
            return (explanation(*inputs, target),)
        contributions = senn.explain(inputs.numpy())["contributions"]
        return torch.as_tensor(contributions[np.arange(len(contributions)), target.numpy()])

    sensitivity = sensitivity_max(explanation, torch.as_tensor(X), n_perturb_samples=1, target=target,
                                  perturb_func=lambda rows: torch.as_tensor(points)).numpy()
    norms = np.linalg.norm(explanation(torch.as_tensor(X), target).numpy(), axis=1)
    theirs = sensitivity * norms / np.linalg.norm(points - X, axis=1)
    assert np.all(ours > 0)
    assert np.all(np.linalg.norm(points - X, axis=1) <= 0.5 + 1e-12)  # the maximizers lie in the ball
    # search: the same explain() calls, float64 norms: rounding only (observed <= 3e-16 relative).
    # gradient: our value was computed by SENN's torch module in float32 on the unrounded scaled rows,
    # the reference by explain() in float64 on float32-rounded ones: attributions differ by ~1e-7
    # relative: observed <= 2e-6 relative in the estimate.
    np.testing.assert_allclose(ours, theirs, rtol=1e-9 if method == "search" else 1e-4)


class LinearClassExplainer:
    """Attributions affine in x, with a different operator per class: a_c(x) = A_c x + b_c.

    The local Lipschitz constant of class c's attributions is exactly ||A_c||_2 at every x (if the class
    is kept at x'; the offsets b_c make a switch of class show as a jump far above every ||A_c||_2).
    """

    def __init__(self, A, b, W):
        self.A, self.b, self.W = A, b, W

    def explain(self, X):
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        contributions = np.einsum("kij,nj->nki", self.A, X) + self.b
        data = {"contributions": contributions, "predicted_class": (X @ self.W.T).argmax(1)}
        dims = {"contributions": ("sample", "class", "feature"), "predicted_class": ("sample",)}
        return Explanation(data, dims, {"class": np.arange(len(self.A))})


@pytest.mark.parametrize("seed", SEEDS)
def test_local_lipschitz_of_linear_attributions_vs_quantus(seed):
    # For affine attributions the ratio at x' is ||A_c u|| with u = (x' - x)/||x' - x||: every estimate is a
    # lower bound of ||A_c||_2 (exactly, whatever the search). Ours spends half its 20 calls on random
    # restarts (isotropic directions, as quantus's Gaussian noise), half on local search from the best:
    # it must get closer to ||A_c||_2 than quantus's best of 10 Gaussian draws, in the mean over samples
    # (not per sample: the draws differ).
    quantus = pytest.importorskip("quantus")
    rng = np.random.RandomState(seed)
    n, d, k = 40, 4, 3
    A = rng.normal(size=(k, d, d)) * np.array([1.0, 2.0, 4.0])[:, None, None]
    b, W = 5 * rng.normal(size=(k, d)), rng.normal(size=(k, d))
    X = rng.normal(size=(n, d))
    explainer = LinearClassExplainer(A, b, W)
    target = (X @ W.T).argmax(1)
    bound = np.linalg.norm(A, ord=2, axis=(1, 2))[target]
    eps = 0.5
    # Several balls cross a class boundary, where a switch of class at x' would show: the distance
    # from x to the boundary with class j is (w_c - w_j).x / ||w_c - w_j||.
    gaps = W[target][:, None, :] - W[None]  # (n, k, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        distances = np.einsum("nkd,nd->nk", gaps, X) / np.linalg.norm(gaps, axis=2)
    distances[np.arange(n), target] = np.inf
    assert np.sum(distances.min(axis=1) < eps) >= 3

    ours = local_lipschitz(explainer, X, eps=eps, n_calls=20, random_state=seed)
    model = torch.nn.Linear(d, k, bias=False).double().eval()
    model.weight.data = torch.as_tensor(W)
    metric = quantus.LocalLipschitzEstimate(nr_samples=10, perturb_std=0.2, normalise=False, abs=False,
                                            return_aggregate=False, disable_warnings=True)
    with seeded_global_rng(seed):  # quantus draws its noise from numpy's global RNG
        theirs = np.asarray(metric(model=model, x_batch=X, y_batch=target, a_batch=None,
                                   explain_func=attributions_of(explainer), device="cpu"))
    # Exact bounds (up to rounding of the norms, and quantus's 1e-10 in the denominator).
    assert np.all(ours <= bound * (1 + 1e-9))
    assert np.all(theirs <= bound * (1 + 1e-9))
    # Observed at seeds 0-9: mean ratio to the bound 0.92-0.95 for ours, 0.85-0.93 for quantus
    # (ours ahead by 0.02-0.09), ours >= quantus on 68-90% of the samples. (With quantus given
    # the same 20 calls the two are about even: 0.92-0.95 against 0.90-0.95.)
    assert np.mean(ours / bound) > np.mean(theirs / bound)
    assert np.mean(ours / bound) > 0.9
