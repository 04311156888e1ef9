"""What the units compute: the activation functions with their derivatives, and an image
model's first-layer weights drawn as images.

    fig = activations_figure()
    fig = weights_figure(net, image_shape=(28, 28))
"""

from __future__ import annotations

import numpy as np

from glassnet.errors import ValidationError
from glassnet.viz.style import ACTIVATION_COLORS, pyplot


def activations_figure():
    """Sigmoid, tanh, ReLU and leaky ReLU (α = 0.1 here, to make the leak visible) on the left,
    their derivatives on the right, in four fixed colours."""
    plt = pyplot()
    z = np.linspace(-5, 5, 501)
    s = 1 / (1 + np.exp(-z))
    alpha = 0.1
    curves = {
        "sigmoid": (s, s * (1 - s), "σ(z) = 1 / (1 + e⁻ᶻ)"),
        "tanh": (np.tanh(z), 1 - np.tanh(z) ** 2, "tanh(z)"),
        "ReLU": (np.maximum(z, 0), (z > 0).astype(float), "max(z, 0)"),
        "leaky ReLU": (np.where(z > 0, z, alpha * z), np.where(z > 0, 1.0, alpha),
                       f"z if z > 0 else {alpha:g}z"),
    }  # fmt: skip
    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(11, 4.3))
    styles = {"sigmoid": "-", "tanh": "-", "ReLU": "-", "leaky ReLU": "--"}
    for name, (f, df, formula) in curves.items():
        color = ACTIVATION_COLORS[name]
        ax_f.plot(z, f, styles[name], color=color, lw=2.2, label=f"{name}: {formula}")
        ax_d.plot(z, df, styles[name], color=color, lw=2.2, label=f"{name}′")
    for ax in (ax_f, ax_d):
        ax.axhline(0, color="#999999", lw=0.8)
        ax.axvline(0, color="#999999", lw=0.8)
        ax.set_xlabel("pre-activation z")
    ax_f.set_ylim(-1.5, 3.0)
    ax_d.set_ylim(-0.1, 1.15)
    ax_f.set_ylabel("activation f(z)")
    ax_d.set_ylabel("derivative f′(z)")
    ax_f.set_title("Activation functions")
    ax_d.set_title("Their derivatives (what backpropagation multiplies by)")
    ax_f.legend(loc="upper left", fontsize=9)
    ax_d.legend(loc="upper left", fontsize=9)
    fig.suptitle("Activation functions and their derivatives")
    fig.tight_layout()
    return fig


def weights_figure(net, image_shape=(28, 28), max_units: int = 64, title: str | None = None):
    """Each first-layer unit's weight vector shown as an image: red where a bright pixel raises
    the unit's pre-activation, blue where it lowers it (one colour scale for all)."""
    plt = pyplot()
    first = net.dense_layers[0]
    W = np.asarray(first.W, dtype=float)
    n_pixels = int(np.prod(image_shape))
    if W.shape[1] != n_pixels:
        raise ValidationError(
            f"the first layer takes {W.shape[1]} inputs, not {image_shape[0]}×{image_shape[1]} "
            f"= {n_pixels} pixels; weights can be shown as images only for image models"
        )
    n = min(len(W), max_units)
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    limit = float(np.percentile(np.abs(W[:n]), 99.5)) or 1.0
    fig, axes = plt.subplots(rows, cols, figsize=(1.25 * cols + 1.2, 1.25 * rows + 0.9),
                             squeeze=False, layout="constrained")  # fmt: skip
    image = None
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i >= n:
            continue
        image = ax.imshow(W[i].reshape(image_shape), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"unit {i}", fontsize=7, fontweight="normal", pad=2)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6, label="weight")
    shown = f"the first {n} of {len(W)}" if n < len(W) else f"all {n}"
    fig.suptitle(title or f"First-layer weights as {image_shape[0]}×{image_shape[1]} images "
                 f"({shown} hidden units)\nred: a bright pixel there raises the unit's "
                 "pre-activation; blue: lowers it")  # fmt: skip
    return fig
