"""Figures of the experiments in `glassnet.lab`: weight and gradient norms per
layer (vanishing gradients), the three forms of gradient descent, and the learning-rate sweep.
Each takes the experiment's records and draws them.

    fig = gradients_figure(deep_comparison(X, y))
"""

from __future__ import annotations

import numpy as np

from glassnet.viz.style import GD_COLORS, VERDICT_COLORS, pyplot

VERDICT_LABELS = {"too_small": "too small", "good": "good", "diverges": "diverges"}


def gradients_figure(records, title: str | None = None):
    """Per-layer ‖W‖ (top) and mean ‖∂L/∂W‖ (bottom, log scale) over training, one column per
    record (e.g. deep sigmoid against deep ReLU): vanishing gradients show as the first layers'
    curves lying orders of magnitude below the last layer's."""
    import matplotlib

    plt = pyplot()
    records = list(records)
    fig, axes = plt.subplots(2, len(records), figsize=(5.6 * len(records), 7.2), squeeze=False,
                             sharex="col")  # fmt: skip
    cmap = matplotlib.colormaps["viridis"]
    for col, record in enumerate(records):
        n = len(record.layers)
        epochs = np.arange(1, len(record.loss) + 1)
        for i, name in enumerate(record.layers):
            color = cmap(i / max(n - 1, 1) * 0.9)
            axes[0, col].plot(epochs, record.weight_norm[i], color=color, lw=1.8, label=name)
            axes[1, col].plot(epochs, record.grad_norm[i], color=color, lw=1.8, label=name)
        axes[0, col].set_title(f"{record.label}\n‖W‖ per layer (final cost {record.loss[-1]:.3g})")
        axes[1, col].set_title("‖∂L/∂W‖ per layer (mean over each epoch's batches)")
        axes[1, col].set_yscale("log")
        axes[0, col].set_ylabel("weight norm ‖W‖")
        axes[1, col].set_ylabel("gradient norm ‖∂L/∂W‖ (log scale)")
        axes[1, col].set_xlabel("epoch")
        axes[1, col].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    low = min(ax.get_ylim()[0] for ax in axes[1])
    high = max(ax.get_ylim()[1] for ax in axes[1])
    for ax in axes[1]:
        ax.set_ylim(low, high)
    axes[1, -1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="layer (input first)")
    fig.suptitle(title or "Weight and gradient magnitudes per layer during training")
    fig.tight_layout()
    return fig


def compare_gd_figure(runs, title: str | None = None):
    """Cost against epochs, against updates (log) and against samples seen, one line per form
    of gradient descent, all from the same initial weights."""
    import matplotlib

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), sharey=True)
    for run in runs:
        color = GD_COLORS.get(run.name, None)
        label = f"{run.name} (batch {run.batch_size})"
        axes[0].plot(run.epochs, run.cost, color=color, lw=2, label=label, marker=".")
        updates, samples, cost = _cost_trace(run)
        axes[1].plot(updates, cost, color=color, lw=2, label=label)
        axes[2].plot(samples, cost, color=color, lw=2, label=label)
    axes[0].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[0].set_xlabel("epoch (one pass over the data)")
    axes[1].set_xlabel("updates of the weights (log scale; 0 drawn at 1)")
    axes[1].set_xscale("log")
    axes[2].set_xlabel("samples seen")
    axes[0].set_ylabel("cost on all the training data")
    axes[0].set_title("Cost against epochs")
    axes[1].set_title("Cost against updates")
    axes[2].set_title("Cost against samples seen")
    for ax in axes:
        ax.grid(True, color="#EEEEEE")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.suptitle(title or "Stochastic, mini-batch and full-batch gradient descent "
                 "from the same initial weights")  # fmt: skip
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=len(labels))
    return fig


def _cost_trace(run) -> np.ndarray:
    """(updates, samples seen, cost) rows in order: the log-spaced measurements within epochs
    merged with the end of every epoch (0 updates drawn at 1 on the log axis)."""
    within = zip(run.trace_updates, run.trace_samples, run.trace_cost, strict=True)
    ends = zip(run.updates, run.samples_seen, run.cost, strict=True)
    merged = sorted({(u, n, c) for u, n, c in within} | {(max(u, 1), n, c) for u, n, c in ends})
    return np.array(merged, dtype=float).T


def lr_range_figure(trials, title: str | None = None, suggested: float | None = None):
    """Final cost after a few epochs against the learning rate (log scale), each point coloured
    by its verdict; the starting cost as a dashed line."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    lrs = np.array([t.lr for t in trials])
    initial = trials[0].initial_cost
    finals = np.array([t.final_cost for t in trials], dtype=float)
    finite = np.isfinite(finals)
    top = max(float(np.max(finals[finite])) if finite.any() else initial, initial) * 1.15
    ax.plot(lrs[finite], finals[finite], color="#BBBBBB", lw=1, zorder=1)
    for verdict, color in VERDICT_COLORS.items():
        rows = np.array([t.verdict == verdict for t in trials]) & finite
        if rows.any():
            ax.scatter(
                lrs[rows],
                finals[rows],
                s=55,
                color=color,
                label=VERDICT_LABELS[verdict],
                zorder=3,
                edgecolor="black",
                linewidth=0.5,
            )
    if (~finite).any():
        ax.scatter(
            lrs[~finite],
            np.full((~finite).sum(), top),
            s=70,
            marker="X",
            color=VERDICT_COLORS["diverges"],
            zorder=3,
            label="diverges (cost became infinite)",
        )
    ax.axhline(initial, color="black", ls="--", lw=1, label="cost before training")
    if suggested is not None:
        ax.axvline(
            suggested, color="#009E73", ls=":", lw=1.5, label=f"suggested η = {suggested:.3g}"
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel("cost after training (log scale)")
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title(title or "Learning-rate sweep from the same initial weights")
    fig.tight_layout()
    return fig
