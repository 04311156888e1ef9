"""The confusion matrix of a classifier and, for image data, its most confident mistakes.

fig = confusion_figure(y_test, net.predict_proba(X_test), X_test, (28, 28))
"""

from __future__ import annotations

import numpy as np

from glassnet.lab.metrics import confusion_matrix
from glassnet.viz.style import VAL_COLOR, class_names, pyplot

N_MISTAKES_SHOWN = 12  # a 3 × 4 grid of images


def confusion_figure(y_true, proba, X=None, image_shape=None, classes=None, n_examples: int = 12,
                     title: str | None = None):  # fmt: skip
    """The confusion matrix (rows: true class, columns: predicted) and, for image data, the
    misclassified samples the model was most sure about, with predicted and true labels."""
    plt = pyplot()
    proba = np.asarray(proba, dtype=float)
    y_true = np.asarray(y_true).astype(int)
    k = proba.shape[1]
    names = class_names(classes, k)
    y_pred = proba.argmax(axis=1)
    counts = confusion_matrix(y_true, y_pred, k)
    show_images = X is not None and image_shape is not None
    fig = plt.figure(figsize=(13 if show_images else 6.5, 6))
    grid = fig.add_gridspec(1, 2, width_ratios=[1, 1.05]) if show_images else None
    ax = fig.add_subplot(grid[0, 0]) if show_images else fig.add_subplot(1, 1, 1)
    _draw_matrix(ax, counts, names)
    if show_images:
        wrong = np.flatnonzero(y_pred != y_true)
        wrong = wrong[np.argsort(-proba[wrong, y_pred[wrong]])][:n_examples]
        _draw_mistakes(fig, grid[0, 1], np.asarray(X), image_shape, wrong, y_true, proba, names)
    fig.suptitle(title or "Which classes the model confuses", y=1.0)
    if not show_images:
        fig.tight_layout()
    return fig


def _draw_matrix(ax, counts: np.ndarray, names) -> None:
    """counts[i, j] on a log-scaled blue image, each non-zero count written in its cell."""
    k = len(counts)
    shown = np.log1p(counts)
    ax.imshow(shown, cmap="Blues")
    for i in range(k):
        for j in range(k):
            if counts[i, j]:
                dark = shown[i, j] > 0.6 * shown.max()
                ax.text(
                    j,
                    i,
                    str(counts[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8 if k > 6 else 10,
                    color="white" if dark else "black",
                )
    ax.set_xticks(range(k), names, rotation=45 if max(len(n) for n in names) > 2 else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = float(np.trace(counts) / max(counts.sum(), 1))
    ax.set_title(f"Confusion matrix (accuracy {accuracy:.1%}, {counts.sum()} samples)")


def _draw_mistakes(fig, cell, X, image_shape, wrong, y_true, proba, names) -> None:
    """The samples `wrong` as images in a 3 × 4 grid inside `cell`, each titled with the
    predicted class, its probability and the true class."""
    y_pred = proba.argmax(axis=1)
    sub = cell.subgridspec(3, 4, hspace=0.45)
    for slot in range(N_MISTAKES_SHOWN):
        axi = fig.add_subplot(sub[slot // 4, slot % 4])
        axi.set_axis_off()
        if slot >= len(wrong):
            continue
        i = wrong[slot]
        axi.imshow(X[i].reshape(image_shape), cmap="gray_r")
        axi.set_title(f"predicted {names[y_pred[i]]} ({proba[i, y_pred[i]]:.0%})\n"
                      f"true {names[y_true[i]]}", fontsize=8, fontweight="normal",
                      color=VAL_COLOR)  # fmt: skip
    fig.text(0.76, 0.95, "Most confident mistakes", ha="center", fontsize=11, fontweight="bold")
