"""Tests of the feature leveling network (Lu & Yang, eqs. 4 and 8), the module of issue #17's estimators."""

import math

import pytest
import torch

from sklearn_interp.nn.leveling import FeatureLevelingNetwork

OPEN, CLOSED = 10.0, -10.0  # log_alpha of a gate that is deterministically 1, or 0


def network(lam=0.0, seed=0):
    torch.manual_seed(seed)
    return FeatureLevelingNetwork(3, (4, 2), n_outputs=2, lam=lam)


def test_shapes_and_the_glm_reads_its_inputs():
    net = network().eval()
    x = torch.randn(5, 3)
    outputs, glm_inputs = net(x)
    assert outputs.shape == (5, 2) and glm_inputs.shape == (5, 3 + 4 + 2)
    torch.testing.assert_close(outputs, glm_inputs @ net.glm.weight.T + net.glm.bias)
    assert net.level_sizes == (3, 4, 2)


def test_a_closed_gate_sends_its_feature_to_the_glm_and_not_to_the_next_layer():
    net = network().eval()
    with torch.no_grad():
        net.gates[0].log_alpha.copy_(torch.tensor([OPEN, OPEN, CLOSED]))  # x3 straight to the GLM
        net.gates[1].log_alpha.fill_(OPEN)
        for layer in net.layers:  # no dead ReLU: every hidden unit carries x1 and x2
            layer.bias.fill_(3.0)
    x = torch.randn(6, 3)
    _, glm_inputs = net(x)
    torch.testing.assert_close(glm_inputs[:, :3], torch.stack([torch.zeros(6), torch.zeros(6), x[:, 2]], 1))
    moved = x.clone()
    moved[:, 2] += 5.0  # x3 no longer reaches the hidden layers
    torch.testing.assert_close(net(moved)[1][:, 3:], glm_inputs[:, 3:])
    moved[:, 0] += 5.0  # x1 does
    assert not torch.allclose(net(moved)[1][:, 3:], glm_inputs[:, 3:])


def test_a_closed_second_layer_gate_makes_a_hidden_unit_a_level_two_feature():
    net = network().eval()
    with torch.no_grad():
        net.gates[0].log_alpha.fill_(OPEN)
        net.gates[1].log_alpha.copy_(torch.tensor([CLOSED, OPEN, OPEN, OPEN]))
    x = torch.randn(4, 3)
    _, glm_inputs = net(x)
    hidden = torch.relu(net.layers[0](x))
    torch.testing.assert_close(glm_inputs[:, 3:7], torch.cat([hidden[:, :1], torch.zeros(4, 3)], 1))
    passed_on = hidden * torch.tensor([0.0, 1.0, 1.0, 1.0])
    torch.testing.assert_close(glm_inputs[:, 7:], torch.relu(net.layers[1](passed_on)))


def test_penalty_is_lam_over_k_times_the_expected_open_gates():
    net = network(lam=0.3)
    beta, gamma, zeta = 2 / 3, -0.1, 1.1
    expected = sum(torch.sigmoid(gate.log_alpha - beta * math.log(-gamma / zeta)).sum() for gate in net.gates)
    torch.testing.assert_close(net.penalty(None, None), 0.3 / 2 * expected)
    net.penalty(None, None).backward()
    assert all(gate.log_alpha.grad is not None and (gate.log_alpha.grad > 0).all() for gate in net.gates)


def test_training_draws_seeded_gates_per_sample_and_evaluation_is_row_independent():
    net = network().train()
    x = torch.randn(64, 3)
    for gate in net.gates:
        gate.generator = torch.Generator().manual_seed(0)
    first = net(x)[1]
    for gate in net.gates:
        gate.generator = torch.Generator().manual_seed(0)
    torch.testing.assert_close(net(x)[1], first)
    same_rows = net(x[:1].expand(64, 3))[1]
    assert not torch.allclose(same_rows, same_rows[:1].expand_as(same_rows))  # each row its own gates
    net.eval()
    torch.testing.assert_close(net(x)[0][:5], net(x[:5])[0])


def test_needs_a_hidden_layer():
    with pytest.raises(ValueError, match="at least one hidden layer"):
        FeatureLevelingNetwork(3, (), n_outputs=1)


def test_a_gate_between_0_and_1_splits_its_dimension_between_the_two_routes():
    net = network().eval()
    with torch.no_grad():
        net.gates[0].log_alpha.copy_(torch.tensor([OPEN, OPEN, 0.0]))  # x3: deterministic gate 0.5
        net.gates[1].log_alpha.fill_(OPEN)
    x = torch.randn(5, 3)
    _, glm_inputs = net(x)
    torch.testing.assert_close(glm_inputs[:, 2], 0.5 * x[:, 2])
    hidden = torch.relu(net.layers[0](x * torch.tensor([1.0, 1.0, 0.5])))
    torch.testing.assert_close(glm_inputs[:, 3:7], torch.zeros(5, 4))
    torch.testing.assert_close(glm_inputs[:, 7:], torch.relu(net.layers[1](hidden)))
