"""The hidden feature space in numbers (NumPy only): the last hidden layer's activations h(x),
the output layer's separating hyperplane c·h + d = 0 in that space, and a snapshot of both
(with a grid over the input plane and its image in h) that `glassnet.viz.features` draws.

    snapshot = feature_snapshot(net, X, y)
    snapshot["H"]           # h(x) for every row of X
    snapshot["separator"]   # (c, d), or None for more than two classes
"""

from __future__ import annotations

import numpy as np

from glassnet.errors import ValidationError
from glassnet.lab.separability import linear_separability


def feature_layer(net) -> int:
    """Index of the last Dense layer; the feature space is its input (the last hidden layer's
    activations), in which that layer draws its separating line or plane."""
    dense = [i for i, layer in enumerate(net.layers) if type(layer).__name__ == "Dense"]
    if len(dense) < 2:
        raise ValidationError("the model has no hidden layer, so there is no feature space")
    width = net.layers[dense[-1]].n_in
    if width not in (2, 3):
        raise ValidationError(
            f"the feature space can be drawn for a last hidden layer of 2 or 3 units; this model "
            f"has {width}"
        )
    return dense[-1]


def hidden_features(net, X) -> np.ndarray:
    """The last hidden layer's activations h(x) for the rows of X (the feature space)."""
    index = feature_layer(net)
    net.forward(np.asarray(X))
    return np.asarray(net.layers[index].x, dtype=float).copy()


def separator(net) -> tuple[np.ndarray, float] | None:
    """(c, d) of the output layer's separating hyperplane c·h + d = 0 in the feature space, for
    a two-class model: one output (ŷ = σ(c·h + d) > ½) or two (z₁ − z₀ = 0). None otherwise."""
    last = net.layers[feature_layer(net)]
    W, b = np.asarray(last.W, dtype=float), np.asarray(last.b, dtype=float)
    if W.shape[0] == 1:
        return W[0], float(b[0])
    if W.shape[0] == 2:
        return W[1] - W[0], float(b[1] - b[0])
    return None


def output_layer(net) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) of the layer that reads the feature space, z = W h + b (copies)."""
    last = net.layers[feature_layer(net)]
    return np.array(last.W, dtype=float), np.array(last.b, dtype=float)


def check_two_inputs(net, X) -> None:
    """Fail with the reason unless the model and the data are 2-D (a plane can be drawn)."""
    if net.n_in != 2 or np.asarray(X).ndim != 2 or np.asarray(X).shape[1] != 2:
        raise ValidationError(
            f"a decision boundary can be drawn for 2-D data only; the model takes {net.n_in} "
            "inputs (for images use 'glassnet plot confusion' or 'glassnet plot weights')"
        )


def input_grid(X, resolution: int, margin: float = 0.25):
    """(xs, ys, P): `resolution` values along x₁ and along x₂ spanning the data with a `margin`
    (a fraction of its range) on each side, and P the grid's points as rows (x₂ major)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-9)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def grid_lines(X, n_lines: int = 13, n_points: int = 120, margin: float = 0.25):
    """A square grid over the input plane as polylines: `n_lines` vertical and as many
    horizontal lines of `n_points` points each, spanning the data with a `margin`."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad, hi + pad
    lines = []
    t = np.linspace(0, 1, n_points)
    for s in np.linspace(0, 1, n_lines):
        u = np.full_like(t, s)
        lines.append(np.column_stack([lo[0] + u * (hi[0] - lo[0]), lo[1] + t * (hi[1] - lo[1])]))
        lines.append(np.column_stack([lo[0] + t * (hi[0] - lo[0]), lo[1] + u * (hi[1] - lo[1])]))
    return lines


def feature_snapshot(net, X, y) -> dict:
    """Everything the feature-space picture needs, as arrays (so frames of an animation can be
    drawn later with shared axes): inputs, grid lines, their images, the separator, scores."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int)
    check_two_inputs(net, X)
    H = hidden_features(net, X)
    lines = grid_lines(X)
    mapped = [hidden_features(net, line) for line in lines]
    sep = separator(net)
    output_accuracy = float(np.mean(net.predict(X) == y))
    fitted = linear_separability(H, y)
    xs, ys, P = input_grid(X, 150)
    proba = net.predict_proba(P)
    regions = proba.argmax(axis=1).reshape(len(ys), len(xs))
    return {
        "regions": (xs, ys, regions),
        # P(class 1) on the grid for two classes: its ½ contour is a smooth boundary
        "p1": proba[:, 1].reshape(len(ys), len(xs)) if proba.shape[1] == 2 else None,
        "input_separability": linear_separability(X, y),
        "X": X,
        "y": y,
        "H": H,
        "lines": lines,
        "mapped": mapped,
        "separator": sep,
        "output": output_layer(net),
        "output_accuracy": output_accuracy,
        # The output layer is itself a linear separator in this space when it has one.
        "separability": max(fitted, output_accuracy) if sep is not None else fitted,
    }
