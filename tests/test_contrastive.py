"""ContrastiveExplainer: CDeepEx (eq. 2 by an augmented Lagrangian) and xGEMs, on 8x8 digits."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from sklearn_interp import ContrastiveExplainer, SENNClassifier, VariationalAutoencoder

from .conftest import rendered

SMALL_VAE = dict(n_components=8, max_epochs=20, batch_size=32, lr=0.005, random_state=0, device="cpu")
KEYS = {"input", "reconstruction", "contrast", "explanation", "proba_before", "proba_after",
        "z0", "ze", "latent_distance", "true_class", "probe_class", "constraints_satisfied"}


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return data.images / 16.0, data.target


@pytest.fixture(scope="module")
def vae(digits):
    with pytest.warns(Warning):  # 20 epochs do not converge
        return VariationalAutoencoder(**SMALL_VAE).fit(digits[0][:600])


@pytest.fixture(scope="module")
def linear(digits):
    """A softmax regression on the pixels, as a plain torch module returning logits."""
    X, y = digits
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    optimizer = torch.optim.Adam(module.parameters(), lr=0.05)
    inputs, targets = torch.tensor(X[:, None], dtype=torch.float32), torch.tensor(y)
    for _ in range(200):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(module(inputs), targets).backward()
        optimizer.step()
    return module.eval().requires_grad_(False)


@pytest.fixture(scope="module")
def explainer(linear, vae, digits):
    return ContrastiveExplainer(linear, vae, random_state=0).fit(digits[0][:600])


@pytest.fixture(scope="module")
def explained(explainer, digits):
    return explainer.explain(digits[0][600:660])


def _softmax_of(module, images):
    with torch.no_grad():
        return torch.softmax(module(torch.as_tensor(images, dtype=torch.float32)), dim=1).double().numpy()


def test_keys_shapes_and_meta(explained):
    n = 60
    assert set(explained.keys()) == KEYS
    for key in ("input", "reconstruction", "contrast", "explanation"):
        assert explained[key].shape == (n, 1, 8, 8)
    assert explained["proba_before"].shape == explained["proba_after"].shape == (n, 10)
    for key in ("latent_distance", "true_class", "probe_class", "constraints_satisfied"):
        assert explained[key].shape == (n,)
    assert explained["z0"].shape == explained["ze"].shape == (n, 8)
    assert explained["constraints_satisfied"].dtype == bool
    assert explained.meta["method"] == "contrastive" and explained.meta["scope"] == "local"
    assert explained.meta["formulation"] == "cdeepex"
    np.testing.assert_allclose(explained["explanation"], explained["reconstruction"] - explained["contrast"])


def test_images_and_distance_are_the_generators_at_the_codes(explainer, explained):
    """reconstruction = G(z0), contrast = G(ze), latent_distance = ||ze - z0||, explanation their difference."""
    generator = explainer.generator_
    np.testing.assert_allclose(explained["reconstruction"], generator.inverse_transform(explained["z0"]),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(explained["contrast"], generator.inverse_transform(explained["ze"]),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(explained["latent_distance"],
                               np.linalg.norm(explained["ze"] - explained["z0"], axis=1))
    np.testing.assert_allclose(explained["explanation"], explained["reconstruction"] - explained["contrast"])


def test_probabilities_are_the_classifiers_on_the_inputs_it_is_fed(explained, linear, digits):
    np.testing.assert_allclose(explained["input"][:, 0], digits[0][600:660])
    np.testing.assert_allclose(explained["proba_before"], _softmax_of(linear, explained["input"]), atol=1e-6)
    # Eq. (2) feeds G(ze) - Δ with Δ = G(z0) - x: the input plus the change in the generator's output.
    fed = explained["input"] + explained["contrast"] - explained["reconstruction"]
    np.testing.assert_allclose(explained["proba_after"], _softmax_of(linear, fed), atol=1e-6)
    order = np.argsort(-explained["proba_before"], axis=1, kind="stable")
    np.testing.assert_array_equal(explained["true_class"], order[:, 0])
    np.testing.assert_array_equal(explained["probe_class"], order[:, 1])  # probe=None: the runner-up


def _check_by_hand(explanation, tolerance=0.05):
    proba, rows = explanation["proba_after"], np.arange(len(explanation))
    true, probe = explanation["true_class"], explanation["probe_class"]
    pt, pp = proba[rows, true], proba[rows, probe]
    others = proba.copy()
    others[rows, true] = others[rows, probe] = -1
    return (np.abs(pt - pp) <= tolerance) & (np.minimum(pt, pp) > others.max(axis=1))


def test_cdeepex_meets_the_constraints_more_often_than_xgems(explainer, explained, digits):
    satisfied = _check_by_hand(explained)
    np.testing.assert_array_equal(explained["constraints_satisfied"], satisfied)
    assert satisfied.mean() >= 0.9  # 0.97 here
    xgems = explainer.explain(digits[0][600:660], constraints=False)
    assert xgems.meta["formulation"] == "xgems"
    np.testing.assert_array_equal(xgems["constraints_satisfied"], _check_by_hand(xgems))
    assert xgems["constraints_satisfied"].mean() < satisfied.mean() - 0.1  # 0.78 here
    # xGEMs meets its one constraint, equal probabilities of the true and probe class, as often.
    proba, rows = xgems["proba_after"], np.arange(60)
    equal = np.abs(proba[rows, xgems["true_class"]] - proba[rows, xgems["probe_class"]]) <= 0.05
    assert equal.mean() >= 0.9
    # The end point moved: the explanation is not empty, and the latent distance is ||ze - z0||.
    assert np.all(explained["latent_distance"][satisfied] > 0)
    assert np.all(np.abs(explained["explanation"]).reshape(60, -1).max(axis=1)[satisfied] > 0)


def test_reconstruction_keeps_the_predicted_class(explained, linear):
    """Procedure 2's misclassification cost: G(z0) is mostly classified like x."""
    predicted = _softmax_of(linear, explained["reconstruction"]).argmax(axis=1)
    assert np.mean(predicted == explained["true_class"]) >= 0.9


def test_the_misclassification_cost_pulls_the_reconstruction_towards_the_predicted_class(explainer, digits):
    """Procedure 2 with weight w on -log D(G(z))_t: raising w raises the predicted class' likelihood at G(z0)."""
    X = digits[0][600:640]
    params = explainer.get_params()
    try:
        log_true = []
        for weight in (0.0, 5.0):
            explanation = explainer.set_params(misclassification_weight=weight, max_iter=1, n_steps=1).explain(X)
            proba = _softmax_of(explainer.estimator, explanation["reconstruction"])
            log_true.append(np.log(proba[np.arange(len(X)), explanation["true_class"]]))
    finally:
        explainer.set_params(**params)
    assert log_true[1].mean() > log_true[0].mean() + 0.1
    assert np.mean(log_true[1] >= log_true[0] - 1e-6) >= 0.9


def test_a_given_probe_class(explainer, digits):
    X = digits[0][600:610]
    proba = _softmax_of(explainer.estimator, X[:, None])
    probe = np.where(proba.argmax(axis=1) == 3, 5, 3)
    explanation = explainer.explain(X, probe=probe)
    np.testing.assert_array_equal(explanation["probe_class"], probe)
    assert explanation["constraints_satisfied"].mean() >= 0.7


def test_seeded_explanations_are_identical(linear, digits):
    X, params = digits[0], dict(n_components=8, max_epochs=3, batch_size=64, device="cpu")
    results = [ContrastiveExplainer(linear, "vae", generator_params=params, n_restarts=2, max_iter=10,
                                    random_state=3).fit(X[:300]).explain(X[600:610]) for _ in range(2)]
    for key in KEYS:
        np.testing.assert_array_equal(results[0][key], results[1][key])


def test_batches_are_optimized_independently(explainer, digits):
    """A sample's answer does not depend on the samples optimized beside it (``batch_size``)."""
    X = digits[0][600:621]
    params = explainer.get_params()
    try:
        whole = explainer.set_params(max_iter=10, n_inversion_steps=30).explain(X)
        batched = explainer.set_params(batch_size=7).explain(X)
    finally:
        explainer.set_params(**params)
    np.testing.assert_allclose(batched["contrast"], whole["contrast"], atol=1e-3)
    np.testing.assert_array_equal(batched["probe_class"], whole["probe_class"])


def test_a_classifier_of_this_package(vae, digits):
    """SENN fitted on flat rows, the generator on images: probabilities are its predict_proba."""
    X, y = digits
    senn = SENNClassifier(max_epochs=15, batch_size=64, lr=0.01, random_state=0, device="cpu")
    senn.fit(X[:600].reshape(600, -1), y[:600])
    explainer = ContrastiveExplainer(senn, vae, random_state=0, max_iter=20).fit(X[:600])
    explanation = explainer.explain(X[600:620])
    flat = explanation["input"].reshape(20, -1)
    np.testing.assert_allclose(explanation["proba_before"], senn.predict_proba(flat))
    fed = (explanation["input"] + explanation["contrast"] - explanation["reconstruction"]).reshape(20, -1)
    np.testing.assert_allclose(explanation["proba_after"], senn.predict_proba(fed))
    assert explanation["constraints_satisfied"].mean() >= 0.5


def test_bad_inputs_raise(explainer, vae, digits):
    X = digits[0][600:604]
    true = _softmax_of(explainer.estimator, X[:, None]).argmax(axis=1)
    with pytest.raises(ValueError, match="must differ from the predicted class"):
        explainer.explain(X, probe=true)
    with pytest.raises(ValueError, match="is not one of the classes"):
        explainer.explain(X, probe=11)
    with pytest.raises(ValueError, match="one per sample"):
        explainer.explain(X, probe=[1, 2])
    with pytest.raises(ValueError, match="shape"):
        explainer.explain(np.zeros((2, 7, 7)))
    with pytest.raises(ValueError, match="shape"):
        explainer.explain(np.zeros((2, 1, 8, 9)))
    logistic = LogisticRegression(max_iter=200).fit(digits[0][:300].reshape(300, -1), digits[1][:300])
    with pytest.raises(ValueError, match="differentiable classifier"):
        ContrastiveExplainer(logistic, vae).fit(digits[0][:10])
    with pytest.raises(ValueError, match="generator"):
        ContrastiveExplainer(explainer.estimator, "gan").fit(digits[0][:10])


def test_plot_shows_input_reconstruction_contrast_and_difference(explained):
    one = explained[0]
    ax = rendered(one.plot())
    images = ax.get_images()
    assert len(images) == 5
    for image, key in zip(images[:3], ("input", "reconstruction", "contrast")):
        np.testing.assert_allclose(image.get_array(), one[key][0])
    np.testing.assert_allclose(images[3].get_array(), one["input"][0])
    overlay = np.asarray(images[4].get_array())
    change = -one["explanation"][0]
    red, blue = change > 0.5 * change.max(), change < 0.5 * change.min()
    assert np.all(overlay[red][:, 0] > overlay[red][:, 2])  # added: red
    assert np.all(overlay[blue][:, 2] > overlay[blue][:, 0])  # removed: blue
    assert "why" in ax.get_title()
    with pytest.raises(ValueError, match="one sample"):
        explained.plot()


def test_a_skorch_classifier(vae, digits):
    from skorch import NeuralNetClassifier

    X, y = digits
    torch.manual_seed(0)
    net = NeuralNetClassifier(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10)),
                              criterion=torch.nn.CrossEntropyLoss, max_epochs=10, lr=0.5, train_split=None,
                              verbose=0)
    net.fit(X[:600, None].astype(np.float32), y[:600])
    explanation = ContrastiveExplainer(net, vae, random_state=0, max_iter=20).fit(X[:600]).explain(X[600:620])
    fed = (explanation["input"] + explanation["contrast"] - explanation["reconstruction"]).astype(np.float32)
    np.testing.assert_allclose(explanation["proba_after"], net.predict_proba(fed), rtol=1e-6)
    np.testing.assert_array_equal(explanation.coords["class"], net.classes_)
    assert explanation["constraints_satisfied"].mean() >= 0.5


def test_a_prototype_classifier_on_images(vae, digits):
    """A PrototypeClassifier fitted on the images: probabilities before and after are its predict_proba."""
    from sklearn_interp import PrototypeClassifier

    X, y = digits
    proto = PrototypeClassifier(n_prototypes=10, max_epochs=30, batch_size=64, lr=0.01, random_state=0,
                                device="cpu")
    with pytest.warns(Warning):  # 30 epochs do not converge
        proto.fit(X[:600], y[:600])
    explanation = ContrastiveExplainer(proto, vae, random_state=0, max_iter=20).fit(X[:600]).explain(X[600:620])
    np.testing.assert_allclose(explanation["proba_before"], proto.predict_proba(X[600:620]))
    fed = explanation["input"] + explanation["contrast"] - explanation["reconstruction"]
    np.testing.assert_allclose(explanation["proba_after"], proto.predict_proba(fed))
    assert explanation["constraints_satisfied"].mean() >= 0.5


def test_a_wasserstein_gan_generator(linear, digits):
    """With the GAN as G: z0 by Procedure 2's search from random starts, the constraints met as with the VAE."""
    from sklearn_interp import WassersteinGAN

    X = digits[0]
    gan = WassersteinGAN(n_components=16, conv_channels=(16, 32), max_epochs=20, batch_size=32, lr=2e-3,
                         random_state=0, device="cpu").fit(X[:600])
    explainer = ContrastiveExplainer(linear, gan, n_restarts=2, n_inversion_steps=50, random_state=0).fit(X[:600])
    cdeepex, xgems = (explainer.explain(X[600:630], constraints=constraints) for constraints in (True, False))
    assert explainer.generator_ is gan
    for explanation in (cdeepex, xgems):
        fed = explanation["input"] + explanation["contrast"] - explanation["reconstruction"]
        np.testing.assert_allclose(explanation["proba_after"], _softmax_of(linear, fed), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(explanation["explanation"],
                                   explanation["reconstruction"] - explanation["contrast"])
    assert cdeepex["constraints_satisfied"].mean() >= 0.8
    assert cdeepex["constraints_satisfied"].mean() >= xgems["constraints_satisfied"].mean()


def test_verbose_prints_progress_per_batch(explainer, digits, capsys):
    params = explainer.get_params()
    try:
        explainer.set_params(batch_size=3, verbose=1, max_iter=2, n_inversion_steps=5).explain(digits[0][600:607])
        lines = capsys.readouterr().out.splitlines()
        assert [line.split(" samples")[0] for line in lines] == [f"[ContrastiveExplainer] {done}/7"
                                                                 for done in (3, 6, 7)]
        assert all("meet the constraints" in line for line in lines)
        explainer.set_params(verbose=2).explain(digits[0][600:607])
        assert sum("iteration" in line for line in capsys.readouterr().out.splitlines()) == 3 * 2
    finally:
        explainer.set_params(**params)


def test_tabular_inputs_with_feature_names():
    """Rows of a DataFrame: the MLP VAE, feature names in the coords, the plot's bars in standard deviations."""
    from sklearn.datasets import load_wine

    from sklearn_interp import PrototypeClassifier

    X, y = load_wine(return_X_y=True, as_frame=True)
    with pytest.warns(Warning):  # short fits do not converge
        clf = PrototypeClassifier(max_epochs=60, random_state=0, device="cpu").fit(X, y)
        vae = VariationalAutoencoder(n_components=4, max_epochs=100, random_state=0, device="cpu").fit(X)
    explainer = ContrastiveExplainer(clf, vae, random_state=0).fit(X)
    explanation = explainer.explain(X.iloc[:20])
    with pytest.raises(ValueError, match="in that order"):
        explainer.explain(X.iloc[:2, ::-1])
    assert explanation.dims["explanation"] == ("sample", "feature")
    assert explanation["explanation"].shape == (20, 13)
    np.testing.assert_array_equal(explanation.coords["feature"], X.columns)
    np.testing.assert_array_equal(explanation.coords["sample"], X.index[:20])
    np.testing.assert_allclose(explanation.meta["feature_scale"], X.std(ddof=0), rtol=1e-6)
    fed = explanation["input"] + explanation["contrast"] - explanation["reconstruction"]
    np.testing.assert_allclose(explanation["proba_after"], clf.predict_proba(pd.DataFrame(fed, columns=X.columns)))
    assert explanation["constraints_satisfied"].mean() >= 0.6  # 0.75, 0.85, 1.0 at seeds 0, 1, 2

    one = explanation[0]
    ax = rendered(one.plot(n_features=5))
    bars = [patch.get_width() for patch in ax.patches]
    change = (one["contrast"] - one["reconstruction"]) / one.meta["feature_scale"]
    top = np.argsort(-np.abs(change))[:5][::-1]
    np.testing.assert_allclose(bars, change[top])
    labels = [label.get_text().split(":")[0] for label in ax.get_yticklabels()]
    assert labels == list(X.columns[top])
    increased = [patch.get_facecolor() for patch, width in zip(ax.patches, bars) if width > 0]
    assert all(color[0] > color[2] for color in increased)  # red
