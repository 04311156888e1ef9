"""Targets: labels as class ids, values in the network's dtype, and the class-aware splits.

The loss decides what a target is: class ids (N,) for cross_entropy, values shaped like ŷ for
the squared-error family and binary cross-entropy. Labels that are not class ids (strings, a
pandas Series or Categorical) become ids through the network's card, which keeps the original
labels so that `predict` can give them back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glassnet.errors import ValidationError
from glassnet.nn import losses as _losses
from glassnet.nn.layers import Sigmoid
from glassnet.nn.network import Network


@dataclass
class Targets:
    """Targets prepared for a loss: `values` go to the loss, `labels` (class ids) to accuracy."""

    values: np.ndarray
    labels: np.ndarray | None
    weights: np.ndarray | None = None  # sample weights wₙ (mean 1), None: all equal

    def take(self, idx: np.ndarray) -> Targets:
        labels = None if self.labels is None else self.labels[idx]
        weights = None if self.weights is None else self.weights[idx]
        return Targets(self.values[idx], labels, weights)

    @property
    def task(self) -> str:
        return "regression" if self.labels is None else "classification"


def encode_labels(net: Network, y) -> np.ndarray:
    """Targets in the network's terms. Labels that are not numbers (text, categories) become
    class ids: through `net.card.classes` when the network has them, else 0…K−1 in sorted
    order, remembered in the card so that `predict` gives the labels back. Numbers are class
    ids or values already; regression values are scaled by the card's target scale, if any."""
    y = np.asarray(y)  # pandas objects too (their __array__)
    card = net.card
    if y.dtype.kind in "OUS":
        if y.ndim != 1:
            raise ValidationError(f"labels must be one per sample, shape (N,), got {y.shape}")
        labels = y.tolist()
        if any(v is None or v != v for v in labels):  # None or NaN
            raise ValidationError("y holds missing labels; drop or fill those rows")
        if card.classes is None:
            card.classes = sorted(set(labels), key=str)
        return card.class_ids(labels)
    if card.target_scale is not None and y.dtype.kind in "uif":
        return card.target_scale.apply(y)
    return y


def prepare_targets(net: Network, loss: _losses.Loss, y, name: str = "y") -> Targets:
    """Check y against the network's output and the loss, and shape it for both."""
    y = encode_labels(net, y)
    k = net.n_out
    if loss.targets == "labels":
        if k < 2:
            raise ValidationError(
                "cross_entropy needs at least 2 outputs; for one output use binary_cross_entropy"
            )
        labels = _as_labels(y, name, k)
        return Targets(labels, labels)
    if isinstance(loss, _losses.BinaryCrossEntropy) and not isinstance(net.layers[-1], Sigmoid):
        raise ValidationError(
            "binary_cross_entropy takes probabilities: end the network with Sigmoid()"
        )
    if y.ndim == 1 and k > 1:
        labels = _as_labels(y, name, k)
        onehot = np.zeros((len(labels), k), dtype=net.dtype)
        onehot[np.arange(len(labels)), labels] = 1
        return Targets(onehot, labels)
    values = y.reshape(-1, 1) if y.ndim == 1 else y
    if values.ndim != 2 or values.shape[1] != k:
        raise ValidationError(
            f"expected {name} with shape (N,) or (N, {k}) for a network with {k} outputs, "
            f"got {y.shape}"
        )
    if values.dtype.kind not in "uifb" or not np.all(np.isfinite(values)):
        raise ValidationError(f"{name} must hold finite numbers")
    values = values.astype(net.dtype)
    return Targets(values, _labels_from_values(values))


def sample_weights(sample_weight, n: int) -> np.ndarray | None:
    """Sample weights checked and scaled to mean 1 (so η and λ keep their meaning), or None
    when they are all equal: then every sample counts the same, as without weights."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if len(w) != n:
        raise ValidationError(f"sample_weight must have one weight per sample ({n}), got {len(w)}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValidationError("sample_weight must hold finite numbers ≥ 0")
    if not np.any(w > 0):
        raise ValidationError("every sample weight is zero; give some positive weights")
    if np.all(w == w[0]):
        return None
    return w / w.mean()


def _as_labels(y: np.ndarray, name: str, k: int) -> np.ndarray:
    if y.ndim != 1:
        raise ValidationError(f"expected {name} as class ids with shape (N,), got {y.shape}")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValidationError(f"{name} must hold integer class ids, got non-integer values")
    elif y.dtype.kind not in "uib":
        raise ValidationError(f"{name} must hold integer class ids, got dtype {y.dtype}")
    labels = y.astype(np.int64)
    if len(labels) and (labels.min() < 0 or labels.max() >= k):
        raise ValidationError(
            f"{name} holds class ids from {labels.min()} to {labels.max()}, but the network has "
            f"{k} outputs, so ids must be in 0..{k - 1}"
        )
    return labels


def _labels_from_values(values: np.ndarray) -> np.ndarray | None:
    """Class ids when the targets are 0/1 (one output) or one-hot rows; None otherwise."""
    if not np.all((values == 0) | (values == 1)):
        return None
    if values.shape[1] == 1:
        return values[:, 0].astype(np.int64)
    if np.all(values.sum(axis=1) == 1):
        return values.argmax(axis=1)
    return None


def count_correct(y_hat: np.ndarray, labels: np.ndarray) -> int:
    """How many rows the output classifies right: argmax, or ŷ > 0.5 for one output."""
    if y_hat.shape[1] == 1:
        predicted = (y_hat[:, 0] > 0.5).astype(np.int64)
    else:
        predicted = y_hat.argmax(axis=1)
    return int(np.count_nonzero(predicted == labels))


def task_for(net: Network, targets: Targets) -> str:
    """The task the targets make of the network: regression, binary or multiclass."""
    if targets.labels is None:
        return "regression"
    return "binary" if net.n_out == 1 else "multiclass"


def stratified_indices(labels, n: int, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of a random `fraction` of 0..n−1, the same fraction of every class
    (rounded, at least one where a class has two or more samples) when labels are given."""
    if labels is None:
        return np.sort(rng.permutation(n)[: round(n * fraction)])
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        k = round(len(members) * fraction)
        if k == 0 and len(members) > 1:
            k = 1
        chosen.append(rng.permutation(members)[:k])
    return np.sort(np.concatenate(chosen))
