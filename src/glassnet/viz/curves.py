"""Learning curves: cost and accuracy per epoch, training against validation.

fig = curves_figure(history.to_dict())
"""

from __future__ import annotations

import numpy as np

from glassnet.errors import ValidationError
from glassnet.viz.style import BEST_COLOR, TRAIN_COLOR, VAL_COLOR, pyplot


def curves_figure(history: dict, title: str | None = None):
    """Cost and accuracy against epochs, training (blue, solid) against validation (vermilion,
    dashed), with the best epoch marked: where the two curves part is overfitting.

    history: History.to_dict() (lists epoch, train_loss, val_loss, train_accuracy, …, best_epoch).
    """
    plt = pyplot()
    epochs = np.asarray(history.get("epoch") or [], dtype=float)
    if len(epochs) == 0:
        raise ValidationError("the history has no epochs to plot; train for at least one epoch")
    has_acc = _present(history.get("train_accuracy"))
    has_val = _present(history.get("val_loss"))
    fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(11 if has_acc else 6, 4.2),
                             squeeze=False)  # fmt: skip
    axes = axes[0]
    panels = [("loss", "Cost", axes[0])]
    if has_acc:
        panels.append(("accuracy", "Accuracy", axes[1]))
    for key, label, ax in panels:
        _draw_panel(ax, history, epochs, key, label, has_val)
    default = ("Learning curves: training against validation" if has_val
               else "Learning curves (no validation data in this run)")  # fmt: skip
    fig.suptitle(title or default)
    fig.tight_layout()
    return fig


def _draw_panel(ax, history: dict, epochs, key: str, label: str, has_val: bool) -> None:
    """One quantity (`key` "loss" or "accuracy") per epoch for both splits, the best epoch
    marked by a dotted line and a star."""
    import matplotlib

    for split, color, style in (("train", TRAIN_COLOR, "-"), ("val", VAL_COLOR, "--")):
        values = history.get(f"{split}_{key}") or []
        if not _present(values):
            continue
        y = np.array([np.nan if v is None else v for v in values], dtype=float)
        name = "training" if split == "train" else "validation"
        ax.plot(epochs, y, style, color=color, lw=2, label=name,
                marker="o" if len(epochs) <= 20 else None, ms=4)  # fmt: skip
    _mark_best_epoch(ax, history, key, has_val)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(label.lower() if key == "loss" else "fraction correct")
    if key == "loss" and _spans_decades(history):
        ax.set_yscale("log")  # a cost falling 100-fold is a flat line on a linear axis
        ax.set_ylabel("cost (log scale)")
    ax.set_title(f"{label} per epoch")
    if key == "accuracy":
        ax.set_ylim(min(0.0, ax.get_ylim()[0]), 1.02)
    ax.legend(loc="best")


def _mark_best_epoch(ax, history: dict, key: str, has_val: bool) -> None:
    # the best epoch is the lowest validation cost, or the lowest training cost without validation
    best = history.get("best_epoch")
    if best is None:
        return
    # the lowest cost's epoch; the saved model is that epoch's only after early stopping
    label = (
        f"lowest validation cost (epoch {best})"
        if has_val
        else f"lowest training cost (epoch {best})"
    )
    ax.axvline(best, color=BEST_COLOR, lw=1, ls=":")
    marked = history.get(f"val_{key}") if has_val else history.get(f"train_{key}")
    marked = marked or []
    value = marked[best - 1] if 0 < best <= len(marked) else None
    if value is not None:
        ax.plot([best], [value], marker="*", ms=14, color=BEST_COLOR, ls="none", label=label)


def _spans_decades(history: dict) -> bool:
    """Whether the costs are all positive and span more than a factor of 10."""
    values = [v for key in ("train_loss", "val_loss") for v in history.get(key) or []
              if v is not None]  # fmt: skip
    return bool(values) and min(values) > 0 and max(values) / min(values) > 10


def _present(values) -> bool:
    return any(v is not None for v in values or [])
