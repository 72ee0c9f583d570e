"""The generative models of the contrastive explainer: VariationalAutoencoder and WassersteinGAN."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_interp import VariationalAutoencoder, WassersteinGAN
from sklearn_interp.nn import latent_search

from .conftest import FAST

# Small networks that learn 8x8 digits in a few seconds.
SMALL_VAE = dict(n_components=8, max_epochs=20, batch_size=32, lr=0.005, random_state=0, device="cpu")
SMALL_GAN = dict(n_components=16, conv_channels=(16, 32), max_epochs=20, batch_size=32, lr=2e-3, random_state=0,
                 device="cpu")


@pytest.fixture(scope="module")
def digits():
    return load_digits().images[:600] / 16.0


@pytest.fixture(scope="module")
def iris_in_units():
    """Iris in units far from standardized ones, so the round trip shows the unscaling."""
    X, _ = load_iris(return_X_y=True)
    return X * np.array([1000.0, 1.0, 0.01, 50.0]) + np.array([-5e3, 3.0, 0.0, 100.0])


@pytest.fixture(scope="module")
def vae(digits):
    return VariationalAutoencoder(**SMALL_VAE).fit(digits)


@pytest.fixture(scope="module")
def gan(digits):
    return WassersteinGAN(**SMALL_GAN).fit(digits)


def _norms(values):
    return np.sqrt((np.asarray(values) ** 2).reshape(len(values), -1).sum(axis=1))


# ------------------------------------------------------------------ the VAE
def test_vae_reconstruction_beats_the_mean_image(digits, vae):
    reconstruction = vae.inverse_transform(vae.transform(digits))
    assert reconstruction.shape == (len(digits), 1, 8, 8)
    error = ((reconstruction[:, 0] - digits) ** 2).mean()
    baseline = ((digits - digits.mean(axis=0)) ** 2).mean()
    assert error < 0.6 * baseline  # 0.39 to 0.43 of it with seeds 0-4


def test_vae_learns_and_logs_the_elbo_terms(vae):
    history = vae.net_.history
    assert vae.n_iter_ == len(history) == len(vae.loss_curve_)
    assert vae.loss_curve_[-1] < vae.loss_curve_[0]
    assert "train_data_loss" in history[0]["batches"][0]  # the reconstruction term without the KL penalty
    assert vae.noise_variance_ is None  # images: Bernoulli likelihood


def test_vae_tabular_round_trip_in_the_units_of_X(iris_in_units):
    X = iris_in_units
    vae = VariationalAutoencoder(n_components=3, **FAST).fit(X)
    Z = vae.transform(X)
    assert Z.shape == (150, 3) and Z.dtype == np.float64
    reconstruction = vae.inverse_transform(Z)
    assert reconstruction.shape == X.shape and reconstruction.dtype == np.float64
    # Each feature comes back in its own units: the error is small against its spread.
    relative = np.abs(reconstruction - X).mean(axis=0) / X.std(axis=0)
    assert relative.max() < 0.5
    samples = vae.sample(500, random_state=0)
    assert samples.shape == (500, 4)
    assert np.all(np.abs(samples.mean(axis=0) - X.mean(axis=0)) < X.std(axis=0))
    assert 0 < vae.noise_variance_ < 1  # the learned Gaussian likelihood: below a feature's whole variance


def test_vae_invert_starts_at_the_encoder_mean_and_improves_on_it(digits, vae):
    x = digits[:20]
    mean_error = _norms(vae.inverse_transform(vae.transform(x))[:, 0] - x)
    assert np.allclose(vae.invert(x, n_steps=0), vae.transform(x), atol=1e-6)
    Z, residual = vae.invert(x, n_steps=100, return_residual=True)
    np.testing.assert_allclose(residual, vae.inverse_transform(Z) - x[:, None], atol=1e-6)
    assert _norms(residual).mean() < mean_error.mean()


# ------------------------------------------------------------------ the GAN
def test_gan_inversion_recovers_a_generated_input(gan):
    """Procedure 2's premise: for x = G(z*), invert(x) finds z with G(z) ≈ x."""
    z_star = np.random.RandomState(1).randn(20, gan.n_components_)
    x = gan.inverse_transform(z_star)
    Z, residual = gan.invert(x, return_residual=True)
    assert Z.shape == (20, gan.n_components_)
    np.testing.assert_allclose(residual, gan.inverse_transform(Z) - x, atol=1e-5)
    relative = _norms(residual) / _norms(x - x.mean(axis=0))
    assert np.median(relative) < 0.03 and relative.max() < 0.1  # seeds 0-3: medians 0.0004 to 0.015
    # One start and a few steps do not get there: the restarts and the steps are what do.
    _, rough = gan.invert(x, n_restarts=1, n_steps=20, return_residual=True)
    assert _norms(rough).mean() > 3 * _norms(residual).mean()


def test_gan_alternates_critic_and_generator_steps(digits, gan):
    history = gan.net_.history
    batches = [batch for epoch in history for batch in epoch["batches"]]
    generator_steps = sum("train_generator_loss" in batch for batch in batches)
    assert generator_steps == len(batches) // gan.n_critic
    assert all(np.isfinite(batch["train_critic_loss"]) for batch in batches)
    assert gan.loss_curve_.shape == (gan.n_iter_,) and np.isfinite(gan.loss_curve_).all()
    # The critic's Wasserstein estimate rises while the critic learns, then falls as G learns the digits
    # (seeds 0-3: peaks of 2.8 to 3.1 within 5 epochs, 1.5 to 1.6 at the last).
    assert gan.loss_curve_[-1] < 0.7 * gan.loss_curve_.max()
    optimizers = gan.net_._optimizers
    assert set(optimizers) == {"optimizer", "generator_optimizer"}
    critic_params = {id(p) for group in gan.net_.optimizer_.param_groups for p in group["params"]}
    assert critic_params == {id(p) for p in gan.net_.module_.critic.parameters()}
    assert gan.net_.optimizer_.param_groups[0]["betas"] == (0.5, 0.9)


def test_gan_transform_is_invert_and_repeatable(digits, gan):
    codes = gan.transform(digits[:5])
    np.testing.assert_array_equal(codes, gan.invert(digits[:5]))
    np.testing.assert_array_equal(codes, gan.transform(digits[:5]))
    other = gan.invert(digits[:5], random_state=123)
    assert not np.array_equal(codes, other)


def test_gan_tabular_round_trip_in_the_units_of_X(iris_in_units):
    X = iris_in_units
    gan = WassersteinGAN(n_components=4, n_restarts=2, n_inversion_steps=200, **FAST).fit(X)
    samples = gan.sample(300, random_state=0)
    assert samples.shape == (300, 4)
    # In the units of X: each feature's samples lie around its own range.
    assert np.all(np.abs(samples.mean(axis=0) - X.mean(axis=0)) < 2 * X.std(axis=0))
    Z = gan.transform(X[:10])
    np.testing.assert_allclose(gan.inverse_transform(Z), gan.invert(X[:10], return_residual=True)[1] + X[:10],
                               rtol=1e-10, atol=1e-8)


# ------------------------------------------------------------ both models
@pytest.mark.parametrize("Model, params", [(VariationalAutoencoder, SMALL_VAE), (WassersteinGAN, SMALL_GAN)])
def test_image_layouts_give_the_same_model(digits, Model, params):
    params = {**params, "max_epochs": 2, "n_inversion_steps": 50}
    as_hw = Model(**params).fit(digits)
    as_chw = Model(**params).fit(digits[:, None])
    as_flat = Model(image_shape=(8, 8), **params).fit(digits.reshape(len(digits), -1))
    x, z = digits[:4], np.random.RandomState(0).randn(4, params["n_components"])
    for model, layout in ((as_chw, x[:, None]), (as_flat, x.reshape(4, -1))):
        np.testing.assert_array_equal(model.inverse_transform(z).reshape(4, 8, 8),
                                      as_hw.inverse_transform(z).reshape(4, 8, 8))
        np.testing.assert_allclose(model.transform(layout), as_hw.transform(x), atol=1e-6)
    # Any layout of the fitted shape is accepted; outputs keep the layout the estimator takes.
    np.testing.assert_allclose(as_hw.transform(x.reshape(4, -1)), as_hw.transform(x), atol=1e-6)
    assert as_hw.inverse_transform(z).shape == (4, 1, 8, 8)
    assert as_flat.inverse_transform(z).shape == (4, 64)
    assert as_flat.sample(3, random_state=0).shape == (3, 64)
    assert as_flat.invert(x.reshape(4, -1), n_steps=2, return_residual=True)[1].shape == (4, 64)


@pytest.mark.parametrize("Model, params", [(VariationalAutoencoder, SMALL_VAE), (WassersteinGAN, SMALL_GAN)])
def test_random_state_reproduces_fits_and_samples(digits, Model, params):
    params = {**params, "max_epochs": 2}
    first, second = Model(**params).fit(digits), Model(**params).fit(digits)
    for (name, a), b in zip(first.net_.module_.state_dict().items(), second.net_.module_.state_dict().values()):
        assert torch.equal(a, b), name
    np.testing.assert_array_equal(first.sample(5, random_state=3), second.sample(5, random_state=3))
    np.testing.assert_array_equal(first.invert(digits[:3], n_steps=5), second.invert(digits[:3], n_steps=5))
    assert not np.array_equal(first.sample(5, random_state=3), first.sample(5, random_state=4))
    assert not np.array_equal(first.sample(5), first.sample(5))  # None: numpy's global random state
    reseeded = Model(**{**params, "random_state": 1}).fit(digits)
    assert not torch.equal(reseeded.net_.module_.decoder[0].weight, first.net_.module_.decoder[0].weight)


@pytest.mark.parametrize("Model", [VariationalAutoencoder, WassersteinGAN])
def test_torch_decoder_is_G_in_the_units_of_X(iris_in_units, Model):
    X = iris_in_units
    model = Model(n_components=3, **{**FAST, "max_epochs": 3}).fit(X)
    decoder = model.torch_decoder()
    assert not decoder.training and not any(p.requires_grad for p in decoder.parameters())
    z = torch.randn(6, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    x = decoder.double()(z)
    np.testing.assert_allclose(x.detach().numpy(), model.inverse_transform(z.detach().numpy()), rtol=1e-6)
    x[:, 0].sum().backward()
    assert z.grad is not None and torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0
    # A copy: the fitted networks stay in float32.
    assert next(model.net_.module_.parameters()).dtype == torch.float32


def test_invert_penalty_sees_G_in_units_and_sample_positions(iris_in_units):
    X = iris_in_units
    gan = WassersteinGAN(n_components=4, n_restarts=3, n_inversion_steps=30, **FAST).fit(X)
    seen = []

    def penalty(z, decoded, rows):
        seen.append((decoded.detach().clone(), rows.clone()))
        return 0.0 * z.sum(dim=1)

    codes = gan.invert(X[:7], penalty=penalty)
    np.testing.assert_array_equal(codes, gan.invert(X[:7]))  # a zero penalty changes nothing
    decoded, rows = seen[-1]  # the final evaluation, after the last step
    np.testing.assert_array_equal(rows.numpy(), np.tile(np.arange(7), 3))
    assert decoded.shape == (21, 4)
    # In the units of X: each sample's winning start decodes to G(z0) = inverse_transform(z0).
    gap = np.abs(decoded.numpy().reshape(3, 7, 4) - gan.inverse_transform(codes)[None]).max(axis=2).min(axis=0)
    assert gap.max() < 1e-8 * np.abs(X).max()
    # A penalty pulls the codes: a large cost on ||z||^2 shrinks them.
    shrunk = gan.invert(X[:7], penalty=lambda z, decoded, rows: 100.0 * z.pow(2).sum(dim=1))
    assert np.linalg.norm(shrunk, axis=1).mean() < 0.5 * np.linalg.norm(codes, axis=1).mean()


def test_latent_search_rows_are_independent():
    torch.manual_seed(0)
    decoder = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 5)).double()
    starts = torch.randn(4, 3, dtype=torch.float64)
    x = decoder(torch.randn(6, 3, dtype=torch.float64)).detach()
    z_all, loss_all = latent_search(decoder, x, starts, n_steps=50, lr=0.1)
    z_part, loss_part = latent_search(decoder, x[2:4], starts, n_steps=50, lr=0.1)
    torch.testing.assert_close(z_part, z_all[2:4], rtol=1e-9, atol=1e-12)
    assert loss_all.shape == (6,) and (loss_all < 1e-2).all()
    assert all(p.grad is None for p in decoder.parameters())


@pytest.mark.parametrize("Model", [VariationalAutoencoder, WassersteinGAN])
def test_bad_input_raises_clear_errors(iris_in_units, digits, Model):
    X = iris_in_units
    with pytest.raises(NotFittedError):
        Model().transform(X)
    with pytest.raises(ValueError, match="NaN"):
        Model(**FAST).fit(np.where(np.eye(150, 4, dtype=bool), np.nan, X))
    with pytest.raises(ValueError, match="0 sample"):
        Model(**FAST).fit(np.empty((0, 4)))
    with pytest.raises(ValueError, match="at least 2 samples"):
        Model(**FAST).fit(X[:1])
    model = Model(n_components=3, **{**FAST, "max_epochs": 2}).fit(X)
    with pytest.raises(ValueError, match="3 features, but .* is expecting 4"):
        model.transform(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        model.transform(np.full((2, 4), np.nan))
    with pytest.raises(ValueError, match="0 sample"):
        model.invert(np.empty((0, 4)))
    with pytest.raises(ValueError, match=r"Z has 2 columns.*n_components_=3.*\(n_samples, 3\)"):
        model.inverse_transform(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="Z contains NaN"):
        model.inverse_transform(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="0 sample"):
        model.inverse_transform(np.empty((0, 3)))
    with pytest.raises(ValueError, match="2D"):
        model.inverse_transform(np.zeros(3))
    with pytest.raises(ValueError, match="n_samples must be an int >= 1"):
        model.sample(0)
    with pytest.raises(ValueError, match="n_restarts must be an int >= 1"):
        model.invert(X[:2], n_restarts=0)
    with pytest.raises(ValueError, match="lr must be a float > 0"):
        model.invert(X[:2], lr=-1.0)
    with pytest.raises(ValueError, match="n_components"):
        Model(n_components=0).fit(X)
    images = Model(**{**(SMALL_GAN if Model is WassersteinGAN else SMALL_VAE), "max_epochs": 1}).fit(digits[:50])
    with pytest.raises(ValueError, match=r"shape \(9, 9\).*fitted on images of shape \(1, 8, 8\)"):
        images.transform(np.zeros((2, 9, 9)))
    with pytest.raises(ValueError, match="image_shape"):
        Model(image_shape=(7, 7), max_epochs=1).fit(digits.reshape(len(digits), -1))


@pytest.mark.parametrize("Model", [VariationalAutoencoder, WassersteinGAN])
def test_sklearn_api_feature_names_pandas_pipeline_pickle(iris_in_units, Model):
    X = pd.DataFrame(iris_in_units, columns=["a", "b", "c", "d"])
    params = dict(n_components=2, n_restarts=1, n_inversion_steps=20, **{**FAST, "max_epochs": 3})
    model = Model(**params).fit(X)
    name = Model.__name__.lower()
    np.testing.assert_array_equal(model.get_feature_names_out(), [f"{name}0", f"{name}1"])
    frame = Model(**params).set_output(transform="pandas").fit(X).transform(X)
    assert list(frame.columns) == [f"{name}0", f"{name}1"] and frame.index.equals(X.index)
    pipe = make_pipeline(MinMaxScaler(), Model(**params)).fit(X)
    assert pipe.transform(X).shape == (150, 2)
    assert pipe.inverse_transform(pipe.transform(X[:3])).shape == (3, 4)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.transform(X), model.transform(X))
    np.testing.assert_array_equal(restored.sample(3, random_state=0), model.sample(3, random_state=0))


@pytest.mark.parametrize("Model", [VariationalAutoencoder, WassersteinGAN])
def test_early_stopping_and_warm_start(iris_in_units, Model):
    X = iris_in_units
    model = Model(n_components=2, **{**FAST, "early_stopping": True, "max_epochs": 4, "tol": 1e-4}).fit(X)
    assert model.validation_loss_curve_.shape == (model.n_iter_,)
    assert np.isfinite(model.validation_loss_curve_).all()
    warm = Model(n_components=2, warm_start=True, **{**FAST, "max_epochs": 2}).fit(X)
    weights = warm.net_.module_.decoder[0].weight.detach().clone()
    warm.fit(X)
    assert warm.n_iter_ == 4 and not torch.equal(weights, warm.net_.module_.decoder[0].weight)
