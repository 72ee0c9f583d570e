"""Tests of the stochastic gate family (sklearn_interp.nn.gates)."""

import math

import numpy as np
import pytest
import torch
from scipy.special import expit
from scipy.stats import norm
from torch import nn

from sklearn_interp.nn import GaussianGate, HardConcreteGate, StochasticGate
from sklearn_interp.nn.init import reset_parameters

MUS = [-0.6, -0.2, 0.0, 0.3, 0.5, 0.9, 1.4]
LOG_ALPHAS = [-3.0, -1.0, 0.0, 0.7, 2.5]
N_DRAWS = 20000


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _gaussian(mus=MUS, sigma=0.5):
    gate = GaussianGate(len(mus), sigma=sigma)
    with torch.no_grad():
        gate.mu.copy_(torch.tensor(mus))
    return gate


def _hard_concrete(log_alphas=LOG_ALPHAS, **kwargs):
    gate = HardConcreteGate(len(log_alphas), **kwargs)
    with torch.no_grad():
        gate.log_alpha.copy_(torch.tensor(log_alphas))
    return gate


def _draws(gate, n=N_DRAWS, seed=0):
    gate.train()
    gate.generator = _gen(seed)
    with torch.no_grad():
        return gate(n_samples=n)


# ---------------------------------------------------------------- Gaussian gates

def test_gaussian_eval_is_clamped_mu():
    gate = _gaussian().eval()
    expected = np.clip(MUS, 0, 1)
    np.testing.assert_allclose(gate().detach().numpy(), expected, rtol=0, atol=1e-7)
    np.testing.assert_allclose(gate.deterministic().detach().numpy(), expected, rtol=0, atol=1e-7)


@pytest.mark.parametrize("sigma", [0.5, 0.2, 1.0])
def test_gaussian_expected_open_is_normal_cdf(sigma):
    gate = _gaussian(sigma=sigma)
    expected = norm.cdf(np.array(MUS) / sigma)
    np.testing.assert_allclose(gate.expected_open().detach().numpy(), expected, rtol=0, atol=1e-6)


def test_gaussian_open_frequency_matches_expected_open():
    gate = _gaussian()
    z = _draws(gate)
    freq = (z > 0).double().mean(0).numpy()
    np.testing.assert_allclose(freq, gate.expected_open().detach().numpy(), rtol=0, atol=0.01)


def test_gaussian_samples_in_unit_interval_with_exact_zeros_and_ones():
    z = _draws(_gaussian())
    assert z.min() >= 0 and z.max() <= 1
    assert (z == 0).any() and (z == 1).any()
    assert ((z > 0) & (z < 1)).any()


def test_gaussian_gradients_flow_through_samples_and_expected_open():
    gate = _gaussian().train()
    gate.generator = _gen()
    gate(n_samples=64).sum().backward()
    assert torch.all(gate.mu.grad > 0)  # every mu has draws strictly inside (0, 1)
    gate.mu.grad = None
    gate.expected_open().sum().backward()
    expected = norm.pdf(np.array(MUS) / 0.5) / 0.5
    np.testing.assert_allclose(gate.mu.grad.numpy(), expected, rtol=1e-5)


def test_gaussian_init_opens_gates_with_phi_one():
    gate = GaussianGate((50, 40))
    gate.reset_parameters(_gen())
    mu = gate.mu.detach()
    assert abs(mu.mean().item() - 0.5) < 0.002 and abs(mu.std().item() - 0.01) < 0.002
    assert abs(gate.expected_open().mean().item() - norm.cdf(1.0)) < 0.01


# ------------------------------------------------------------ hard-concrete gates

def test_hard_concrete_eval_formula():
    gate = _hard_concrete().eval()
    expected = np.clip(expit(np.array(LOG_ALPHAS)) * (1.1 - -0.1) + -0.1, 0, 1)
    np.testing.assert_allclose(gate().detach().numpy(), expected, rtol=0, atol=1e-6)
    assert gate()[0] == 0 and gate()[-1] == 1  # saturated ends are exact


def test_hard_concrete_expected_open_formula():
    gate = _hard_concrete(beta=0.5, gamma=-0.2, zeta=1.05)
    expected = expit(np.array(LOG_ALPHAS) - 0.5 * math.log(0.2 / 1.05))
    np.testing.assert_allclose(gate.expected_open().detach().numpy(), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"beta": 0.5, "gamma": -0.2, "zeta": 1.05}])
def test_hard_concrete_open_frequency_matches_expected_open(kwargs):
    gate = _hard_concrete(**kwargs)
    z = _draws(gate)
    freq = (z > 0).double().mean(0).numpy()
    np.testing.assert_allclose(freq, gate.expected_open().detach().numpy(), rtol=0, atol=0.01)


def test_hard_concrete_samples_in_unit_interval_with_exact_zeros_and_ones():
    z = _draws(_hard_concrete())
    assert z.min() >= 0 and z.max() <= 1
    assert (z == 0).any() and (z == 1).any()
    assert ((z > 0) & (z < 1)).any()


def test_hard_concrete_gradients_flow():
    gate = _hard_concrete([0.0, 0.5]).train()
    gate.generator = _gen()
    gate(n_samples=64).sum().backward()
    assert torch.all(gate.log_alpha.grad > 0)
    gate.log_alpha.grad = None
    gate.expected_open().sum().backward()
    p = expit(np.array([0.0, 0.5]) - (2 / 3) * math.log(0.1 / 1.1))
    np.testing.assert_allclose(gate.log_alpha.grad.numpy(), p * (1 - p), rtol=1e-5)


def test_hard_concrete_init_follows_drop_rate():
    gate = HardConcreteGate((50, 40), init_drop_rate=0.3)
    gate.reset_parameters(_gen())
    la = gate.log_alpha.detach()
    assert abs(la.mean().item() - math.log(0.7 / 0.3)) < 0.002
    assert abs(la.std().item() - 0.01) < 0.002


# -------------------------------------------------------- generators and shapes

GATES = [lambda: GaussianGate((3, 4)), lambda: HardConcreteGate((3, 4))]


@pytest.mark.parametrize("make", GATES)
def test_same_generator_seed_gives_same_samples_and_global_rng_untouched(make):
    gate = make().train()
    state = torch.get_rng_state()
    gate.generator = _gen(7)
    first = gate(n_samples=5)
    second_draw = gate(n_samples=5)
    gate.generator = _gen(7)
    again = gate(n_samples=5)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(first, again)
    assert not torch.equal(first, second_draw)


@pytest.mark.parametrize("make", GATES)
def test_without_generator_training_uses_global_rng(make):
    gate = make().train()
    assert gate.generator is None
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        first = gate()
        torch.manual_seed(3)
        assert torch.equal(gate(), first)


@pytest.mark.parametrize("make", GATES)
def test_eval_is_deterministic_and_draws_nothing(make):
    gate = make().eval()
    gate.generator = _gen(1)
    state = gate.generator.get_state()
    assert torch.equal(gate(), gate.deterministic())
    assert torch.equal(gate.generator.get_state(), state)


@pytest.mark.parametrize("make", GATES)
@pytest.mark.parametrize("training", [True, False])
def test_shapes(make, training):
    gate = make().train(training)
    gate.generator = _gen()
    assert gate().shape == (3, 4)
    assert gate(n_samples=6).shape == (6, 3, 4)
    assert gate.expected_open().shape == (3, 4)
    assert gate.deterministic().shape == (3, 4)
    with pytest.raises(ValueError):
        gate(n_samples=0)


def test_int_shape_and_dtype_follow_parameter():
    gate = HardConcreteGate(5).double().train()
    gate.generator = _gen()
    assert gate().shape == (5,) and gate().dtype == torch.float64
    assert gate.expected_open().dtype == torch.float64


@pytest.mark.parametrize("make", GATES)
def test_reset_parameters_deterministic_and_reached_by_init(make):
    gate = make()
    gate.reset_parameters(generator=_gen(5))
    direct = gate.parameter.detach().clone()
    gate.reset_parameters(generator=_gen(5))
    assert torch.equal(gate.parameter, direct)
    gate.reset_parameters(generator=_gen(6))
    assert not torch.equal(gate.parameter, direct)

    container = nn.ModuleDict({"gate": gate})
    state = torch.get_rng_state()
    reset_parameters(container, _gen(5))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(gate.parameter, direct)


def test_invalid_hyperparameters():
    with pytest.raises(ValueError):
        GaussianGate(3, sigma=0)
    with pytest.raises(ValueError):
        HardConcreteGate(3, gamma=0.1)
    with pytest.raises(ValueError):
        HardConcreteGate(3, zeta=0.9)
    with pytest.raises(ValueError):
        HardConcreteGate(3, init_drop_rate=1.0)


def test_abstract_base_cannot_be_built():
    assert issubclass(GaussianGate, StochasticGate) and issubclass(HardConcreteGate, StochasticGate)
    assert StochasticGate.generator is None
    with pytest.raises(TypeError, match="abstract"):
        StochasticGate(3)
