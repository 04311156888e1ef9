"""The figure of a sweep: the metric against each varied field, every trial a dot, and each
configuration's spread over seeds.

    fig = sweep_figure(rows, ["lr", "hidden", "seed"], "test_accuracy")

One panel per varied field (seed aside): at each value, the dots are the trials with that value
(the other fields and the seeds spread them), the line joins their medians. A last panel ranks
the configurations (every combination but the seed) by their mean, with bars from the worst to
the best seed. Trials that diverged or failed are crosses on the bottom edge, counted.
"""

from __future__ import annotations

import json
import math

import numpy as np

from glassnet.sweep.summary import SPREAD_FIELD, best_configurations, value_text
from glassnet.viz.style import CLASS_COLORS, VERDICT_COLORS, pyplot

DOT_COLOR = CLASS_COLORS[0]
MEDIAN_COLOR = "#222222"
FAILED_COLOR = VERDICT_COLORS["diverges"]
MAX_RANKED = 15  # configurations shown in the ranking panel


def sweep_figure(rows: list[dict], varied: list[str], metric: str, title: str | None = None):
    """Metric against each varied field and the configurations ranked (see the module)."""
    plt = pyplot()
    fields = [name for name in varied if name != SPREAD_FIELD]
    ranked = len(fields) > 1 or SPREAD_FIELD in varied
    panels = len(fields) + ranked
    fig, axes = plt.subplots(1, panels, figsize=(4.6 * panels + 0.6, 4.4), squeeze=False)
    axes = axes[0]
    label = metric.replace("_", " ")
    for ax, name in zip(axes, fields, strict=False):
        _field_panel(ax, rows, name, metric)
        ax.set_ylabel(label)
    if ranked:
        _ranking_panel(axes[-1], rows, varied, metric)
    n_ok = sum(row["status"] == "ok" for row in rows)
    fig.suptitle(title or f"Sweep: {label} of {n_ok} of {len(rows)} trials")
    fig.tight_layout()
    return fig


def _field_panel(ax, rows: list[dict], name: str, metric: str) -> None:
    values = _distinct(row.get(name) for row in rows)
    positions = [float(i) for i in range(len(values))]  # the grid's values, evenly spaced
    medians = []
    for value, x in zip(values, positions, strict=True):
        group = [row for row in rows if row.get(name) == value]
        scores = [
            row[metric] for row in group if row["status"] == "ok" and row.get(metric) is not None
        ]
        ax.scatter(_spread(x, len(scores)), scores, s=18, color=DOT_COLOR, alpha=0.55,
                   edgecolors="none", zorder=2)  # fmt: skip
        medians.append(float(np.median(scores)) if scores else math.nan)
        _mark_failures(ax, x, sum(row["status"] != "ok" for row in group))
    ax.plot(positions, medians, color=MEDIAN_COLOR, marker="D", ms=5, lw=1.4, zorder=3)
    ax.set_xticks(positions, [value_text(v) for v in values])
    ax.set_xlim(-0.5, len(values) - 0.5)
    others = len(rows) // max(len(values), 1)
    ax.set_xlabel(name)
    ax.set_title(f"{metric.replace('_', ' ')} against {name}\n(each dot a trial, ~{others} per "
                 "value; ◆ median)")  # fmt: skip


def _ranking_panel(ax, rows: list[dict], varied: list[str], metric: str) -> None:
    _, ranked = best_configurations(rows, varied, metric)
    ranked = [c for c in ranked if c.scores][:MAX_RANKED]
    y = np.arange(len(ranked))[::-1]
    for row_y, config in zip(y, ranked, strict=True):
        low, high = min(config.scores), max(config.scores)
        ax.plot([low, high], [row_y, row_y], color=DOT_COLOR, lw=2.2, alpha=0.45)
        ax.scatter(config.scores, [row_y] * len(config.scores), s=14, color=DOT_COLOR,
                   edgecolors="none", zorder=2)  # fmt: skip
        ax.plot(config.mean, row_y, "D", color=MEDIAN_COLOR, ms=5, zorder=3)
        if config.not_ok:
            ax.annotate(f"{config.not_ok} not ok", (high, row_y), xytext=(4, -3),
                        textcoords="offset points", color=FAILED_COLOR, fontsize=8)  # fmt: skip
    ax.set_yticks(y, [c.label() for c in ranked], fontsize=8)
    ax.set_xlabel(f"{metric.replace('_', ' ')}: each seed (•), mean (◆)")
    if len(ranked) == 1:
        ax.set_title(f"the spread over {len(ranked[0].scores)} seeds")
    else:
        shown = f"best {len(ranked)}" if len(ranked) == MAX_RANKED else "ranked"
        ax.set_title(f"configurations, {shown}")


def _distinct(values) -> list:
    """The values in order of first appearance (lists compared as JSON)."""
    seen, out = set(), []
    for value in values:
        key = json.dumps(value, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _spread(x: float, n: int) -> np.ndarray:
    """n positions around x, so that dots of equal score stay visible (no randomness)."""
    return x + (np.linspace(-0.12, 0.12, n) if n > 1 else np.zeros(n))


def _mark_failures(ax, x: float, count: int) -> None:
    if not count:
        return
    ax.plot(x, 0.02, "x", color=FAILED_COLOR, ms=8, mew=2, transform=ax.get_xaxis_transform(),
            zorder=4)  # fmt: skip
    ax.annotate(f"{count} not ok", (x, 0.02), xycoords=ax.get_xaxis_transform(), xytext=(6, -3),
                textcoords="offset points", color=FAILED_COLOR, fontsize=8)  # fmt: skip
