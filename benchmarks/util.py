"""Small helpers of the benchmark: rotating the order of runs, and summary statistics."""

from __future__ import annotations

import numpy as np


def rotated(items, r: int) -> list:
    """items rotated by r, so each one takes each position in turn across repeats."""
    items = list(items)
    k = r % len(items) if items else 0
    return items[k:] + items[:k]


def stats(values) -> dict | None:
    """Median, min, max, quartiles and the values themselves; None when there are none."""
    values = [float(v) for v in values if v is not None]
    if not values:
        return None
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return {
        "median": float(median),
        "min": min(values),
        "max": max(values),
        "q1": float(q1),
        "q3": float(q3),
        "n": len(values),
        "values": values,
    }
