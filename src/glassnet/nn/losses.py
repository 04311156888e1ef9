"""Costs. Each is the mean over the N samples of a batch of a per-sample cost, so a learning
rate means the same at every batch size; `grad` returns ∂L/∂ŷ with that 1/N already in it.

    name                  per-sample cost                         ∂(per-sample)/∂ŷₖ
    squared_error         Σₖ (ŷₖ − yₖ)²                           2(ŷₖ − yₖ)
    half_squared_error    ½ Σₖ (ŷₖ − yₖ)²                         (ŷₖ − yₖ)
    mse                   (1/K) Σₖ (ŷₖ − yₖ)²   (PyTorch, Keras)  2(ŷₖ − yₖ)/K
    binary_cross_entropy  −Σₖ [yₖ log ŷₖ + (1 − yₖ) log(1 − ŷₖ)]  (ŷₖ − yₖ) / (ŷₖ(1 − ŷₖ))
    cross_entropy         −log softmax(z)_y   (z = logits, y = class id)   softmax(z) − onehot(y)

The first three are the documents' squared-error family. binary_cross_entropy takes
probabilities, clipped to [ε, 1 − ε] with ε the dtype's machine epsilon. cross_entropy takes
logits and integer labels; it is softmax and cross-entropy fused.
"""

from __future__ import annotations

import numpy as np

from glassnet.errors import ValidationError
from glassnet.nn.layers import Sigmoid, Softmax


class Loss:
    """A cost L(ŷ, y) = (1/N) Σₙ ℓ(ŷₙ, yₙ)."""

    name = ""
    fuses_with: type | None = None  # final activation whose backward pass the loss absorbs
    targets = "values"  # "values" (same shape as ŷ) or "labels" (integer class ids)

    def value(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def grad(self, y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def value_and_grad_logits(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The cost and ∂L/∂z on the input z of the final `fuses_with` activation."""
        raise NotImplementedError

    def sample_costs(self, y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """ℓ(ŷₙ, yₙ) for each sample (N,): `value` is their mean."""
        raise NotImplementedError

    def sample_costs_logits(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        """ℓₙ computed on the input z of the final `fuses_with` activation."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"losses.get({self.name!r})"


class SquaredError(Loss):
    """The documents' cost: per sample Σₖ (ŷₖ − yₖ)², averaged over the batch."""

    name = "squared_error"
    factor = 1.0

    def value(self, y_hat, y):
        d = y_hat - y
        return float(self.factor * np.sum(d * d) / len(y_hat))

    def grad(self, y_hat, y):
        return (2.0 * self.factor / len(y_hat)) * (y_hat - y)

    def sample_costs(self, y_hat, y):
        d = y_hat - y
        return self.factor * np.sum(d * d, axis=1)


class HalfSquaredError(SquaredError):
    """½ Σₖ (ŷₖ − yₖ)² per sample: the 2 of the derivative cancels, ∂ℓ/∂ŷ = ŷ − y."""

    name = "half_squared_error"
    factor = 0.5


class MSE(Loss):
    """Mean over every element, as torch.nn.MSELoss and keras 'mse': (1/(N·K)) Σ (ŷ − y)²."""

    name = "mse"

    def value(self, y_hat, y):
        d = y_hat - y
        return float(np.mean(d * d))

    def grad(self, y_hat, y):
        return (2.0 / y_hat.size) * (y_hat - y)

    def sample_costs(self, y_hat, y):
        d = y_hat - y
        return np.mean(d * d, axis=1)


class BinaryCrossEntropy(Loss):
    """−[y log ŷ + (1 − y) log(1 − ŷ)] per output, summed over outputs, on probabilities ŷ.

    Fused with a final Sigmoid (ŷ = σ(z)) the network uses the stable logit form
    ℓ = max(z, 0) − z·y + log(1 + e^(−|z|)), whose gradient is δ = σ(z) − y.
    """

    name = "binary_cross_entropy"
    fuses_with = Sigmoid

    def _clip(self, y_hat):
        eps = np.finfo(y_hat.dtype).eps
        return np.clip(y_hat, eps, 1 - eps)

    def value(self, y_hat, y):
        return float(np.sum(self.sample_costs(y_hat, y)) / len(y_hat))

    def sample_costs(self, y_hat, y):
        p = self._clip(y_hat)
        return np.sum(-(y * np.log(p) + (1 - y) * np.log1p(-p)), axis=1)

    def sample_costs_logits(self, z, y):
        return np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))), axis=1)

    def grad(self, y_hat, y):
        p = self._clip(y_hat)
        return (p - y) / (p * (1 - p) * len(y_hat))

    def value_and_grad_logits(self, z, y):
        cost = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        p = Sigmoid().forward(z)
        # σ′(z) = σ(1 − σ) cancels the denominator of ∂ℓ/∂ŷ: δ = σ(z) − y.
        return float(np.sum(cost) / len(z)), (p - y) / len(z)


class CrossEntropy(Loss):
    """Softmax cross-entropy on logits z (N, K) with integer labels y (N,).

    ℓ = −log softmax(z)_y = logsumexp(z) − z_y, computed with the row maximum subtracted.
    ∂ℓ/∂z = softmax(z) − onehot(y). Also fuses with a final Softmax layer (then z is its input).
    """

    name = "cross_entropy"
    fuses_with = Softmax
    targets = "labels"

    def value(self, y_hat, y):
        return self.value_and_grad_logits(y_hat, y)[0]

    def grad(self, y_hat, y):
        return self.value_and_grad_logits(y_hat, y)[1]

    def sample_costs(self, y_hat, y):
        return self.sample_costs_logits(y_hat, y)

    def sample_costs_logits(self, z, y):
        shifted = z - z.max(axis=1, keepdims=True)
        return np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(z)), y]

    def value_and_grad_logits(self, z, y):
        n = len(z)
        rows = np.arange(n)
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        cost = np.log(total[:, 0]) - shifted[rows, y]
        e /= total  # softmax(z)
        e[rows, y] -= 1  # δ = softmax(z) − onehot(y), with no one-hot matrix built
        e /= n
        return float(cost.mean()), e


_LOSSES = {
    cls.name: cls for cls in (SquaredError, HalfSquaredError, MSE, BinaryCrossEntropy, CrossEntropy)
}
NAMES = tuple(_LOSSES)


def get(name: str | Loss) -> Loss:
    """The cost called `name` (one of NAMES), or `name` itself when it is already a Loss."""
    if isinstance(name, Loss):
        return name
    if name not in _LOSSES:
        raise ValidationError(f"unknown loss {name!r}; valid losses: {', '.join(NAMES)}")
    return _LOSSES[name]()
