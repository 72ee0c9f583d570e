"""The feature leveling network of Lu & Yang: gates route each feature to the next layer or to the GLM."""

import torch
from torch import nn

from .gates import HardConcreteGate


class FeatureLevelingNetwork(nn.Module):
    r"""A fully connected network whose GLM output layer sees the features of every level, eq. (4).

    Before hidden layer k a hard-concrete gate :math:`z_k` per input
    dimension decides where each dimension goes: on into the layer
    (:math:`z_k \odot a_{k-1}`) or straight to the GLM as a level-k feature
    :math:`l_k = (1 - z_k) \odot a_{k-1}`, with :math:`a_0 = x`. The GLM (a
    linear layer with a learned bias, which the original code lacked) sees
    :math:`[l_1, \dots, l_K, a_K]`, the output of the last hidden layer last.

    The paper writes :math:`l_k = B(z_k) \odot a_{k-1}` with :math:`B(z) = 1`
    if :math:`z = 0` else 0. The hard-concrete gate is exactly 0 or exactly 1
    with positive probability, and there :math:`1 - z = B(z)`; a gate in
    between splits its dimension between the two routes. Unlike B, whose
    gradient is 0, this lets the loss weigh the GLM route against the hidden
    one when it moves a gate. With B, on the paper's IXOR data the gates of
    the XOR features closed before the hidden layer had learned the XOR (at
    λ >= 0.05) and accuracy fell to the base rate; with 1 - z they stay open.

    ``forward(x)`` returns ``(outputs, glm_inputs)``: the GLM's output
    (logits, or standardized predictions) of shape (n, n_outputs) and its
    inputs of shape (n, n_features + sum(hidden_layer_sizes)), so that
    ``outputs = glm_inputs @ glm.weight.T + glm.bias``. In training mode every
    sample draws its own gates from the gates' generator; in evaluation mode
    the gates are deterministic (:meth:`HardConcreteGate.deterministic`), so a
    row's output does not depend on the other rows, and a dimension whose
    deterministic gate is 0 reaches the GLM for every sample.

    ``penalty`` is eq. (8)'s :math:`\frac{\lambda}{K} \sum_k \sum_j P(z_{kj} \neq 0)`,
    the expected number of open gates (features passed on rather than to
    the GLM) averaged over the K gated layers.

    Parameters
    ----------
    n_features : int
        Input dimension.
    hidden_layer_sizes : sequence of int
        Widths of the K >= 1 hidden layers.
    n_outputs : int
        Outputs of the GLM.
    lam : float, default=0.0
        λ of eq. (8).
    beta, gamma, zeta : float, default=2/3, -0.1, 1.1
        The hard-concrete gates' temperature and stretch (Louizos et al.).
    init_drop_rate : float, default=0.5
        Sets each gate's initial ``log_alpha`` (see :class:`HardConcreteGate`).
    """

    def __init__(self, n_features, hidden_layer_sizes, n_outputs, lam=0.0, beta=2 / 3, gamma=-0.1, zeta=1.1,
                 init_drop_rate=0.5):
        super().__init__()
        if len(hidden_layer_sizes) < 1:
            raise ValueError("A feature leveling network needs at least one hidden layer.")
        sizes = (int(n_features), *map(int, hidden_layer_sizes))
        self.level_sizes = sizes
        self.lam = lam
        self.gates = nn.ModuleList(HardConcreteGate(size, beta, gamma, zeta, init_drop_rate)
                                   for size in sizes[:-1])
        self.layers = nn.ModuleList(nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
        self.glm = nn.Linear(sum(sizes), int(n_outputs))

    def forward(self, x):
        a = x.flatten(1)
        levels = []
        for gate, layer in zip(self.gates, self.layers):
            z = gate(len(a)).to(a.dtype)
            levels.append((1 - z) * a)
            a = torch.relu(layer(z * a))
        glm_inputs = torch.cat([*levels, a], dim=1)
        return self.glm(glm_inputs), glm_inputs

    def expected_open(self):
        """Expected number of open gates of each gated layer, a differentiable tensor of shape (K,)."""
        return torch.stack([gate.expected_open().sum() for gate in self.gates])

    def penalty(self, outputs, x, training=False, sample_weight=None):
        """λ/K times the expected number of open gates, eq. (8)."""
        return self.lam / len(self.gates) * self.expected_open().sum()
