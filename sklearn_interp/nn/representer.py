"""The network of the sparse representer method (Iwata & Yoshikawa): g and its example-based h.

The prediction model is ``g(x) = r(W^T f(x))`` (eq. 1) and the explanation
model ``h(x) = r(sum_n alpha_n f(x_n)^T f(x))`` (eq. 2) with ``alpha = Z * S``
(eq. 7) and Gaussian stochastic gates ``Z`` (eqs. 8-9). r is the softmax for
classification, the identity for regression; both models share f.

Cost. ``h`` needs ``f(x_n)`` of training examples in every step. Only examples
with an open gate contribute (``z_nc = 0`` zeroes the term), so each step
samples the gates and takes the examples with any open gate:

* when there are at most :data:`LIVE_SUPPORTS` of them, their ``f(x_n)`` are
  computed in the step itself, with gradients into f: the exact objective of
  eq. (11) (the examples' side without dropout, as in the cache below;
  dropout regularises f(x) of the batch);
* while more are open (the dense early phase, and the methods without gates),
  their embeddings come from a cache refreshed by one forward pass over the
  support rows at the start of every epoch (at most one epoch old, no
  gradient into f through the examples' side; f still learns through
  ``f(x)``). The influences ``S`` and gate means ``M`` get their exact
  gradients given those embeddings.

While more than half of the examples are open, the product runs over all
of them (a closed gate's term is zero) rather than gathering the open ones.

Every 100 steps and at the end of every epoch, examples whose every gate
opens with probability below :data:`PRUNE_PROBABILITY` (``mu < -3.09 sigma``)
are removed from the parameters and the optimizer state, so a step costs
O(batch + open examples) once the gates are sparse. Until then a step costs
O(N): at the defaults the dense phase lasted 1,000-2,000 steps at both 16k
and 64k rows (benchmarks/representer.py, scaling), so it fills the whole
first epoch of a large N (2,000 steps at 64k rows, batch 32).

Pruning is the one approximation: such a gate would open in fewer than 1
step in 1000, with a value of about 0.1 when it does (its deterministic
value, eq. 20, is already 0). Closed gates get no data
gradient and the penalty's fades as Φ'(μ/σ) does, so under Adam the gate
means stall around -3σ to -4σ rather than falling further: a stricter
threshold would keep nearly every closed example in every step.
"""

import math

import torch
from torch import nn

from .gates import GaussianGate
from .reduction import weighted_mean

# Open examples up to which f(x_n) is computed in the step (exact gradient) rather than cached.
LIVE_SUPPORTS = 512
# Examples whose every gate opens with a lower probability are pruned (every 100 steps and each epoch's end)
# (see the module docstring for why 1e-3).
PRUNE_PROBABILITY = 1e-3

METHODS = ("proposed", "Joint", "RPS", "RPSR", "Pretrain", "PretrainR")
GATED_METHODS = ("proposed", "RPSR", "PretrainR")


class SparseRepresenterNetwork(nn.Module):
    """Prediction model g and explanation model h sharing the feature network f.

    ``forward(x)`` returns ``(output, features)``: the pre-activation of g
    (of h for the RPS methods, which predict with h) and ``f(x)``.
    ``penalty`` is the rest of the method's objective (eqs. 11-17).

    Parameters
    ----------
    features : torch.nn.Module
        f, mapping the scaled input to ``(n, n_features)``.
    n_features : int
        K, the size of ``f(x)``.
    n_outputs : int
        C, the number of classes or targets.
    support_inputs : torch.Tensor
        The N training inputs (scaled), one influence row each.
    method : str
        One of :data:`METHODS`.
    classification : bool
        Softmax and cross-entropy (True) or identity and squared error.
    """

    def __init__(self, features, n_features, n_outputs, support_inputs, method="proposed", classification=True,
                 lam=1.0, eta=1e-3, sigma=0.5, n_mc_samples=1):
        super().__init__()
        self.features = features
        self.head = nn.Linear(n_features, n_outputs, bias=False)  # W of eq. (1)
        n_support = self.n_train = len(support_inputs)
        self.influence = nn.Parameter(torch.zeros(n_support, n_outputs))  # S of eq. (7)
        self.gate = GaussianGate((n_support, n_outputs), sigma) if method in GATED_METHODS else None
        self.register_buffer("support_index", torch.arange(n_support))
        self.register_buffer("support_embeddings", torch.zeros(n_support, n_features, dtype=torch.float64))
        self.register_buffer("support_inputs", support_inputs, persistent=False)
        self.method, self.classification = method, classification
        self.lam, self.eta, self.n_mc_samples = lam, eta, n_mc_samples
        self.sigma = sigma
        self.stage = "joint"

    @property
    def sigma(self):
        return self._sigma

    @sigma.setter
    def sigma(self, value):
        self._sigma = value
        if getattr(self, "gate", None) is not None:
            self.gate.sigma = float(value)

    def reset_parameters(self, generator=None):
        """S starts at N(0, 0.01²) (the gates draw their own means).

        Not 0: with S = 0 the gates get no gradient from the data, and a
        positive η closes them all before S can grow.
        """
        with torch.no_grad():
            nn.init.normal_(self.influence, 0.0, 0.01, generator=generator)

    # ------------------------------------------------------------- stages
    @property
    def predicts_with_h(self):
        return self.method in ("RPS", "RPSR")

    def set_stage(self, stage):
        """``"joint"``; or for the Pretrain methods ``"prediction"`` (eq. 15) then ``"explanation"`` (16-17).

        The explanation stage freezes f and W; the influences (and gates) train.
        """
        self.stage = stage
        for parameter in [*self.features.parameters(), *self.head.parameters()]:
            parameter.requires_grad_(stage != "explanation")

    # ------------------------------------------------------------ forward
    def forward(self, x):
        if self.stage == "explanation":
            with torch.no_grad():
                features = self._eval_features(x)
        else:
            features = self.features(x)
        if self.predicts_with_h:
            return self.explanation_scores(features)[0], features
        return self.head(features), features

    def penalty(self, outputs, x, training=False, sample_weight=None):
        output, features = outputs
        if self.stage == "prediction" or self.method == "RPS":
            return output.new_zeros(())
        loss = output.new_zeros(())
        if not self.predicts_with_h:
            weight = 1.0 if self.stage == "explanation" else self.lam
            scores = self.explanation_scores(features)  # (J, n, C)
            loss = loss + weight * self.mimic_loss(output, scores, sample_weight)
        if self.gate is not None and self.eta:
            loss = loss + self.eta * self.gate.expected_open().sum()  # eq. (9)
        return loss

    def mimic_loss(self, output, scores, sample_weight=None):
        """ℓ(g(x), h(x)) averaged over the batch (weighted by ``sample_weight``) and the J gate draws (eq. 11).

        g's output is the target and carries no gradient: h (S, M and f
        through both its sides) is fitted to g, while g itself learns from the
        labels. Letting the gradient into g's logits as well pulls g towards
        the explanation model's early, poor predictions: on 300 digits, test
        accuracy 0.31 instead of 0.64 after 15 epochs.
        """
        target = output.detach()
        if self.classification:
            losses = -(torch.softmax(target, dim=-1) * torch.log_softmax(scores, dim=-1)).sum(-1)  # (J, n)
        else:
            losses = (scores - target).pow(2)  # (J, n, C)
        return weighted_mean(losses.transpose(0, 1), sample_weight)

    # ------------------------------------------------- explanation model
    def explanation_scores(self, features):
        """Pre-activation of h, ``sum_n α_n f(x_n)^T f(x)``, shape (J, n, C), over the open examples only.

        α = Z ⊙ S (eq. 7) with J gate draws in training (one for the RPS
        methods) and the deterministic gates (eq. 20) in eval mode.
        """
        if self.gate is None:
            gates, open_rows = None, None
        else:
            draws = self.n_mc_samples if self.training and not self.predicts_with_h else 1
            gates = self.gate(draws)  # (J, N, C)
            open_rows = gates.ne(0).any(dim=2).any(dim=0).nonzero().squeeze(1)
            if _gathering_pays(len(open_rows), len(self.support_index)):
                gates = gates[:, open_rows]
            else:  # the closed rows' terms are zero: cheaper to keep them than to gather the open ones
                open_rows = None
        influence = self.influence if open_rows is None else self.influence[open_rows]
        alphas = influence[None] if gates is None else gates * influence
        embeddings = self._support_features(open_rows, features.dtype)
        # Σ_n α_nc f(x_n) as (J, C, N) @ (N, K): 4x faster on CPU than the (K, N) @ (N, C) layout.
        weights = (alphas.transpose(1, 2) @ embeddings).transpose(1, 2)  # (J, K, C)
        return features @ weights

    def _support_features(self, rows, dtype):
        """f(x_n) of the support rows ``rows`` (None: all): computed in the step when few, else cached."""
        n_rows = len(self.support_index) if rows is None else len(rows)
        if self.training and self.stage != "explanation" and n_rows <= LIVE_SUPPORTS:
            index = self.support_index if rows is None else self.support_index[rows]
            return self._eval_features(self.support_inputs[index])
        embeddings = self.support_embeddings if rows is None else self.support_embeddings[rows]
        return embeddings.to(dtype)

    def _eval_features(self, x):
        """f(x) without dropout (with gradients when enabled): the examples' side of k(x_n, x)."""
        was_training = self.features.training
        self.features.eval()
        try:
            return self.features(x)
        finally:
            self.features.train(was_training)

    @torch.no_grad()
    def refresh_support_embeddings(self, chunk=4096):
        """Recompute the cached f(x_n) of every support row (eval mode)."""
        for start in range(0, len(self.support_index), chunk):
            index = self.support_index[start:start + chunk]
            self.support_embeddings[start:start + chunk] = self._eval_features(self.support_inputs[index]).double()

    def expected_influences(self):
        """E[α_nc] (eq. 20 times S): ``max(0, min(1, mu)) * S`` with gates, S without; shape (N, C)."""
        with torch.no_grad():
            if self.gate is None:
                return self.influence.detach().clone()
            return self.gate.deterministic() * self.influence

    # ------------------------------------------------------------ pruning
    @torch.no_grad()
    def prune(self, optimizer=None):
        """Drop the examples whose every gate opens with probability < PRUNE_PROBABILITY.

        Slices S, the gate means, the buffers and the ``optimizer``'s state
        (any state tensor with one row per example). S and the gate means
        become new parameters, which take the old ones' place in the
        ``optimizer``: resizing a parameter in place would break the autograd
        graph of a step still referenced (pruning runs between steps).
        Returns the number dropped.
        """
        if self.gate is None:
            return 0
        threshold = self.gate.sigma * _normal_quantile(PRUNE_PROBABILITY)
        keep = (self.gate.mu >= threshold).any(dim=1)
        n_dropped = int((~keep).sum())
        if n_dropped == 0:
            return 0
        self._set_support_rows(lambda tensor: tensor[keep], optimizer, keep)
        return n_dropped

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """Take the number of example rows of the state being loaded before loading it.

        Pruning changes that number during a fit, so an earlier state (early
        stopping's best epoch, a warm fit's snapshot) may hold more rows.
        """
        saved = state_dict.get(prefix + "support_index")
        if saved is not None and len(saved) != len(self.support_index):
            self._set_support_rows(lambda tensor: tensor.new_empty((len(saved), *tensor.shape[1:])))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _set_support_rows(self, rows, optimizer=None, keep=None):
        """Replace each per-example tensor t (S, gate means, buffers) by ``rows(t)``.

        S and the gate means become new parameters; with an ``optimizer``
        they take the old ones' place there, with the rows ``keep`` of their
        state.
        """
        owners = [(self, "influence")] + ([] if self.gate is None else [(self.gate, "mu")])
        for owner, name in owners:
            old = getattr(owner, name)
            setattr(owner, name, nn.Parameter(rows(old.detach()), requires_grad=old.requires_grad))
            if optimizer is not None:
                _replace_parameter(optimizer, old, getattr(owner, name), keep)
        if self.gate is not None:
            self.gate.shape = self.gate.mu.shape
        self.support_index = rows(self.support_index)
        self.support_embeddings = rows(self.support_embeddings)


def _replace_parameter(optimizer, old, new, keep):
    """Put ``new`` in the place of ``old`` in ``optimizer``, with the rows ``keep`` of its state."""
    for group in optimizer.param_groups:
        group["params"] = [new if parameter is old else parameter for parameter in group["params"]]
    state = optimizer.state.pop(old, {})
    for name, value in state.items():
        if torch.is_tensor(value) and value.dim() > 0 and value.shape[0] == len(keep):
            state[name] = value[keep]
    if state:
        optimizer.state[new] = state


def _gathering_pays(n_open, n_rows):
    """Whether to gather the open rows rather than compute over all: always for the live path."""
    return n_open <= LIVE_SUPPORTS or 2 * n_open <= n_rows


def _normal_quantile(p):
    return math.sqrt(2.0) * torch.erfinv(torch.tensor(2.0 * p - 1.0, dtype=torch.float64)).item()


__all__ = ["GATED_METHODS", "LIVE_SUPPORTS", "METHODS", "PRUNE_PROBABILITY", "SparseRepresenterNetwork"]
