"""Building networks: the one multilayer-perceptron builder every front end uses.

    mlp([2, 3, 1], "relu", output="sigmoid", seed=0)       # the documents' 2-3-1 XOR network
    mlp([784, 256, 128, 10], scale=(0, 255))              # raw pixels in, logits out
    for_task(4, (64, 32), "relu", task="multiclass", n_classes=3, scale=(mean, std))

A network is Standardize (optional input scaling, saved with the model), then Dense and the
hidden activation (and Dropout) per hidden width, then the output layers the task calls for.
"""

from __future__ import annotations

import numpy as np

from glassnet.datasets.preprocessing import fit_standardizer
from glassnet.errors import ValidationError
from glassnet.nn.layers import ACTIVATIONS, Dense, Dropout, Layer, Sigmoid, Softmax, Standardize
from glassnet.nn.network import Network

OUTPUTS = ("none", "sigmoid", "softmax")  # what follows the last Dense layer


def hidden_layers(n_in: int, hidden, activation: str = "relu", dropout: float = 0.0,
                  init: str = "auto") -> list:  # fmt: skip
    """Dense(n_in, h₁), act, [Dropout], Dense(h₁, h₂), act, … for the hidden widths (`init`
    draws every W: see glassnet.nn.layers.Dense)."""
    if activation not in ACTIVATIONS:
        raise ValidationError(
            f"unknown activation {activation!r}; valid activations: {', '.join(ACTIVATIONS)}"
        )
    layers: list[Layer] = []
    width = n_in
    for h in hidden:
        layers += [Dense(width, int(h), init), ACTIVATIONS[activation]()]
        if dropout:
            layers.append(Dropout(dropout))
        width = int(h)
    return layers


def mlp(sizes, activation: str = "relu", *, output: str = "none", scale=None,
        dropout: float = 0.0, seed: int | None = 0, dtype="float32",
        init: str = "auto") -> Network:  # fmt: skip
    """A multilayer perceptron Dense(sizes[0]→sizes[1]), act, …, Dense(→sizes[-1]), output.

    output is "none" (logits or values), "sigmoid" (one probability) or "softmax" (class
    probabilities). scale=(mean, std) puts Standardize(mean, std) first, e.g. (0, 255) for raw
    pixels; dropout adds Dropout(p) after each hidden activation; init names the initialiser
    of every Dense layer ("auto": He before ReLU, Glorot otherwise).
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise ValidationError(f"mlp needs at least two positive layer sizes, got {sizes}")
    if output not in OUTPUTS:
        raise ValidationError(f"unknown output {output!r}; valid outputs: {', '.join(OUTPUTS)}")
    layers: list[Layer] = [] if scale is None else [Standardize(*scale)]
    layers += hidden_layers(sizes[0], sizes[1:-1], activation, dropout, init)
    layers.append(Dense(sizes[-2], sizes[-1], init))
    if output == "sigmoid":
        layers.append(Sigmoid())
    elif output == "softmax":
        layers.append(Softmax())
    return Network(layers, seed=seed, dtype=dtype)


def head(task: str, n_classes: int | None, n_targets: int = 1,
         loss: str | None = None) -> tuple[int, str, str]:  # fmt: skip
    """(outputs, output activation, loss) for a task, or for the loss the user chose.

    Without a loss: classes → K logits and softmax cross-entropy fused on them; two classes in
    one 0/1 column → one sigmoid output and binary cross-entropy; numbers → linear outputs and
    the squared error. With a loss, the outputs that fit it.
    """
    if loss is None:
        if task == "multiclass" or (task == "binary" and n_classes and n_classes > 2):
            return int(n_classes or 2), "none", "cross_entropy"
        if task == "binary":
            return 1, "sigmoid", "binary_cross_entropy"
        return n_targets, "none", "squared_error"
    if loss == "cross_entropy":
        return max(n_classes or 2, 2), "none", loss
    if loss == "binary_cross_entropy":
        if n_classes and n_classes > 2:
            raise ValidationError(
                f"--loss binary_cross_entropy needs two classes, the data has {n_classes}; "
                "use --loss cross_entropy"
            )
        return 1, "sigmoid", loss
    if n_classes and n_classes > 2:
        return n_classes, "softmax", loss  # squared error on probabilities
    if n_classes == 2:
        return 1, "sigmoid", loss
    return n_targets, "none", loss


def for_task(n_in: int, hidden, activation: str = "relu", *, task: str,
             n_classes: int | None = None, n_targets: int = 1, loss: str | None = None,
             scale=None, dropout: float = 0.0, seed: int | None = 0,
             dtype="float32", init: str = "auto") -> tuple[Network, str]:  # fmt: skip
    """(network, loss name) for data of a task: hidden layers, then `head`'s outputs."""
    n_out, output, loss = head(task, n_classes, n_targets, loss)
    sizes = [n_in, *hidden, n_out]
    net = mlp(sizes, activation, output=output, scale=scale, dropout=dropout, seed=seed,
              dtype=dtype, init=init)  # fmt: skip
    return net, loss


def input_scaling(X, dataset, is_file: bool):
    """(mean, std) for a Standardize first layer, or None: (0, 255) for raw pixels (a data
    set with an input scale), per-feature statistics of X for a user's file, nothing for the
    built-in 2-D sets, which the documents use unscaled."""
    if getattr(dataset, "input_scale", None):
        return 0.0, float(dataset.input_scale)
    if is_file:
        return fit_standardizer(np.asarray(X).reshape(len(X), -1))
    return None
