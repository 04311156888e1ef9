"""The decision boundary of a classifier on 2-D inputs.

fig = boundary_figure(net, X, y)
"""

from __future__ import annotations

import numpy as np

from glassnet.lab.features import check_two_inputs, input_grid
from glassnet.viz.style import class_names, pyplot, scatter_classes, tints


def boundary_figure(net, X, y, title: str | None = None, classes=None, resolution: int = 250):
    """The decision regions of a classifier on 2-D inputs, tinted in the class colours, the
    decision boundary as a black line, and the data points on top."""
    plt = pyplot()
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int)
    check_two_inputs(net, X)
    xs, ys, P = input_grid(X, resolution)
    proba = net.predict_proba(P)
    k = proba.shape[1]
    predicted = proba.argmax(axis=1).reshape(len(ys), len(xs))
    names = class_names(classes, max(k, int(y.max()) + 1))
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    ax.pcolormesh(xs, ys, predicted, cmap=tints(k), vmin=-0.5, vmax=k - 0.5, shading="auto",
                  rasterized=True)  # fmt: skip
    if k == 2:
        ax.contour(xs, ys, proba[:, 1].reshape(len(ys), len(xs)), levels=[0.5], colors="black",
                   linewidths=1.6)  # fmt: skip
    else:
        ax.contour(xs, ys, predicted, levels=np.arange(k) + 0.5, colors="black", linewidths=1.2)
    scatter_classes(ax, X, y, names, edge="black")
    # class ids against class ids: predict() gives the card's labels ("in", "out"), y ids
    accuracy = float(np.mean(net.predict_proba(X).argmax(axis=1) == y))
    ax.plot([], [], color="black", lw=1.6, label="decision boundary")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title or f"Decision boundary (accuracy {accuracy:.1%} on these points)")
    fig.tight_layout()
    return fig
