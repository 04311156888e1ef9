"""A sweep file: the data, the settings every trial shares, and the grid of settings that vary.

    data = "moons"            # anything `glassnet train` accepts; target = "..." for a CSV
    [fixed]                   # RunConfig fields shared by every trial
    epochs = 30
    [vary]                    # field → list of values; every combination is one trial
    lr = [0.01, 0.1]
    hidden = [[8], [16, 16]]
    seed = [0, 1, 2]

The trials are the Cartesian product of the [vary] lists, in the order written (the last field
changes fastest): here 2 × 2 × 3 = 12 runs of gn.run. Every field and value is checked when the
file is read, so a mistake is reported before any trial starts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from glassnet.errors import ValidationError
from glassnet.runs.config import HYPERPARAMETERS, RunConfig

TOP_LEVEL = ("data", "target", "data_dir")  # keys allowed outside the tables
TABLES = ("fixed", "vary")
# What a trial may set: what to train on and every hyperparameter. Outputs (out, run_dir),
# resume, json and quiet belong to the sweep, not to its trials.
TRIAL_FIELDS = ("data", "target", *HYPERPARAMETERS)


@dataclass
class Sweep:
    """A parsed sweep file: `base` (data, target, data_dir and [fixed]) and `vary`."""

    base: dict
    vary: dict[str, list]
    path: Path | None = None
    trials: list[dict] = field(default_factory=list)  # the varied values of each trial

    @property
    def varied(self) -> list[str]:
        return list(self.vary)

    def config(self, values: dict) -> RunConfig:
        """The RunConfig of the trial with these varied values."""
        return RunConfig(**self.base, **values)

    def key(self, values: dict) -> str:
        """A short name of the trial: the SHA-256 of everything it is given, so a results file
        recognises a trial it has run, and no trial of a different sweep."""
        settings = json.dumps({**self.base, **values}, sort_keys=True, default=str)
        return hashlib.sha256(settings.encode()).hexdigest()[:12]


def load(path) -> Sweep:
    """The sweep in a TOML file; ValidationError naming the file and the problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"sweep file {path} not found; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read the sweep file {path}: {exc}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path} is not valid TOML: {exc}") from None
    try:
        sweep = parse(document)
    except ValidationError as exc:
        raise ValidationError(f"{path}: {exc}") from None
    sweep.path = path
    return sweep


def parse(document: dict) -> Sweep:
    """A Sweep from the TOML document's dict (see the module docstring)."""
    for key, value in document.items():
        if key in TABLES:
            if not isinstance(value, dict):
                raise ValidationError(f"[{key}] must be a table of fields, got {value!r}")
        elif key not in TOP_LEVEL:
            raise ValidationError(
                f"unknown key {key!r}; at the top level: {', '.join(TOP_LEVEL)}, and the "
                "tables [fixed] and [vary]"
            )
    fixed = document.get("fixed", {})
    vary = document.get("vary", {})
    for table, names in (("fixed", fixed), ("vary", vary)):
        for name in names:
            _check_field(table, name)
    both = sorted(set(fixed) & set(vary) | set(fixed) & set(document) | set(vary) & set(document))
    if both:
        raise ValidationError(f"{both[0]!r} is given twice: keep it in [fixed] or in [vary]")
    if not vary:
        raise ValidationError(
            "[vary] is empty: list at least one field and its values, e.g. seed = [0, 1, 2]"
        )
    for name, values in vary.items():
        if not isinstance(values, list) or not values:
            raise ValidationError(
                f"vary.{name} must be a non-empty list of values, e.g. {name} = [...], "
                f"got {values!r}"
            )
    base = {k: document[k] for k in TOP_LEVEL if k in document} | fixed
    sweep = Sweep(base, {name: list(values) for name, values in vary.items()})
    sweep.trials = [dict(zip(vary, combo, strict=True))
                    for combo in itertools.product(*vary.values())]  # fmt: skip
    _check_values(sweep)
    return sweep


def _check_field(table: str, name: str) -> None:
    if name not in TRIAL_FIELDS:
        raise ValidationError(
            f"unknown field {table}.{name}; a trial's fields: {', '.join(TRIAL_FIELDS)}"
        )


def _check_values(sweep: Sweep) -> None:
    """Every value through RunConfig's own checks: first the fixed ones, then each list."""
    try:
        RunConfig(**sweep.base)
    except ValidationError as exc:
        raise ValidationError(f"[fixed]: {exc}") from None
    except TypeError as exc:
        raise ValidationError(f"[fixed]: {exc}") from None
    for name, values in sweep.vary.items():
        for value in values:
            try:
                RunConfig(**sweep.base, **{name: value})
            except ValidationError as exc:
                raise ValidationError(f"vary.{name}: {exc}") from None
    keys = [sweep.key(values) for values in sweep.trials]
    if len(set(keys)) < len(keys):
        raise ValidationError("[vary] lists a value twice: every combination must differ")
