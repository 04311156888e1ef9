"""Predicted against true values of a regression model, in the target's own units.

fig = predicted_vs_true_figure(y_true, y_pred, title=None, units="price")
"""

from __future__ import annotations

import numpy as np

from glassnet.errors import ValidationError
from glassnet.viz.style import TRAIN_COLOR, pyplot


def predicted_vs_true_figure(y_true, y_pred, title: str | None = None, name: str = "y"):
    """Each sample as a point (true value, prediction) beside the diagonal ŷ = y, where a
    perfect model's points would lie, with RMSE, MAE and R² in the title."""
    y_true = np.asarray(y_true, dtype=float).reshape(len(y_true), -1)[:, 0]
    y_pred = np.asarray(y_pred, dtype=float).reshape(len(y_pred), -1)[:, 0]
    if len(y_true) == 0:
        raise ValidationError("no samples to plot; score the model on some rows")
    error = y_pred - y_true
    rmse, mae = float(np.sqrt(np.mean(error**2))), float(np.mean(np.abs(error)))
    r2 = 1.0 - float(np.mean(error**2)) / (float(np.var(y_true)) or 1.0)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 5.2))
    low, high = float(min(y_true.min(), y_pred.min())), float(max(y_true.max(), y_pred.max()))
    ax.plot([low, high], [low, high], color="#444444", lw=1, ls=":", label="ŷ = y (perfect)")
    ax.scatter(y_true, y_pred, s=16, color=TRAIN_COLOR, alpha=0.7, edgecolor="white", lw=0.4,
               label=f"{len(y_true)} samples")  # fmt: skip
    ax.set_xlabel(f"true {name}")
    ax.set_ylabel(f"predicted {name}")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper left")
    ax.set_title(f"RMSE {rmse:.4g}   MAE {mae:.4g}   R² {r2:.3f}", fontsize=10)
    fig.suptitle(title or "Predicted against true values")
    fig.tight_layout()
    return fig
