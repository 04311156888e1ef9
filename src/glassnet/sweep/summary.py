"""Reading a sweep's table: which metric to judge by, and the configurations ranked by it with
their spread over seeds.

A configuration is one combination of the varied fields other than `seed`; its trials differ
only in the seed, so the spread of their metric (min … max around the mean) says how much of a
difference between configurations is luck.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from glassnet.errors import ValidationError

# The metrics in the order a sweep is judged by: held-out data first, accuracy before cost.
# (name, True when higher is better)
PREFERENCE = (
    ("test_accuracy", True), ("validation_accuracy", True), ("test_loss", False),
    ("validation_loss", False), ("train_accuracy", True), ("train_loss", False),
)  # fmt: skip
SPREAD_FIELD = "seed"


def metric_of(rows: list[dict], name: str | None = None) -> tuple[str, bool]:
    """(metric, higher is better): `name` if given, else the first of PREFERENCE that the
    finished trials have."""
    known = dict(PREFERENCE)
    if name is not None:
        if name not in known:
            raise ValidationError(f"unknown metric {name!r}; valid: {', '.join(known)}")
        return name, known[name]
    for metric, higher in PREFERENCE:
        if any(row.get(metric) is not None for row in rows if row["status"] == "ok"):
            return metric, higher
    return PREFERENCE[0]


@dataclass
class Configuration:
    """The trials of one combination of the varied fields (seed aside)."""

    values: dict
    scores: list[float] = field(default_factory=list)  # the metric of each finished trial
    seeds: list = field(default_factory=list)
    not_ok: int = 0  # trials that diverged or failed

    @property
    def mean(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None

    def label(self) -> str:
        """e.g. "lr=0.1 hidden=[16, 16]"."""
        return " ".join(f"{k}={value_text(v)}" for k, v in self.values.items()) or "all trials"


def value_text(value) -> str:
    """A varied value as a person writes it: 1e+06, 0.1, full, [16, 16]."""
    if isinstance(value, float):
        return f"{value:g}"
    return value if isinstance(value, str) else json.dumps(value)


def configurations(rows: list[dict], varied: list[str], metric: str) -> list[Configuration]:
    """The configurations in the order of their first trial, each with its scores."""
    fields = [name for name in varied if name != SPREAD_FIELD]
    found: dict[str, Configuration] = {}
    for row in rows:
        values = {name: row.get(name) for name in fields}
        key = json.dumps(values, sort_keys=True)
        config = found.setdefault(key, Configuration(values))
        score = row.get(metric)
        if row["status"] == "ok" and score is not None:
            config.scores.append(float(score))
            config.seeds.append(row.get(SPREAD_FIELD))
        elif row["status"] != "ok":
            config.not_ok += 1
    return list(found.values())


def best_configurations(rows: list[dict], varied: list[str], metric: str | None = None,
                        top: int | None = None) -> tuple[str, list[Configuration]]:  # fmt: skip
    """(metric, configurations best first by their mean score): those with no finished trial
    come last."""
    metric, higher = metric_of(rows, metric)
    ranked = configurations(rows, varied, metric)

    def rank(config: Configuration):
        mean = config.mean
        return (mean is None, 0.0 if mean is None else (-mean if higher else mean))

    ranked.sort(key=rank)
    return metric, ranked[:top] if top else ranked
