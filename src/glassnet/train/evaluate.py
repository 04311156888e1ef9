"""The one evaluation: mean cost and accuracy over a data set, a chunk of rows at a time."""

from __future__ import annotations

import numpy as np

from glassnet.nn import losses as _losses
from glassnet.nn.network import Network, default_loss
from glassnet.train.targets import Targets, count_correct, prepare_targets

EVAL_CHUNK = 2048  # rows per forward pass: bounds the memory of a 60,000-row evaluation


def evaluate(net: Network, X, y, loss=None, keep_outputs: bool = False) -> dict:
    """{"loss": mean cost, "accuracy": fraction correct (None for regression), "n": samples}
    of the network on (X, y), with the loss it was trained with unless one is given; with
    keep_outputs, also "outputs": forward(X), gathered from the same pass."""
    X = net.check_input(X)
    loss = _losses.get(loss or net.card.training.get("loss") or default_loss(net, y))
    return evaluate_prepared(net, loss, X, prepare_targets(net, loss, y), keep_outputs)


def evaluate_prepared(net: Network, loss: _losses.Loss, X: np.ndarray, targets: Targets,
                      keep_outputs: bool = False) -> dict:  # fmt: skip
    """`evaluate` for checked inputs and prepared targets, in chunks of EVAL_CHUNK rows (the
    cost weighted when the targets carry sample weights)."""
    total, correct, outputs = 0.0, 0, []
    for start in range(0, len(X), EVAL_CHUNK):
        rows = slice(start, start + EVAL_CHUNK)
        y_hat = net.forward_checked(X[rows])
        if keep_outputs:
            outputs.append(y_hat)  # each forward pass writes new arrays (no workspaces)
        weights = None if targets.weights is None else targets.weights[rows]
        total += net.cost(loss, y_hat, targets.values[rows], weights) * len(y_hat)
        if targets.labels is not None:
            correct += count_correct(y_hat, targets.labels[rows])
    n = len(X)
    accuracy = correct / n if targets.labels is not None and n else None
    scores: dict = {"loss": total / n if n else float("nan"), "accuracy": accuracy, "n": n}
    if keep_outputs:
        scores["outputs"] = np.concatenate(outputs) if outputs else np.empty((0, net.n_out))
    return scores
