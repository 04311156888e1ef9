"""The model card: what a network's outputs mean and where the network came from.

    net.card.task            "multiclass", "binary" or "regression"
    net.card.classes         the original labels: class id i is classes[i] (None: the ids are
                             the labels)
    net.card.target_scale    regression targets were trained as (y − mean) / std; predictions
                             come back as ŷ · std + mean, in the target's own units
    net.card.feature_names   the input columns, in the order the network reads them
    net.card.target          the name of the column the network predicts
    net.card.image_shape     (28, 28) for image models
    net.card.training        how it was trained (loss, optimizer, epochs, batch size, …)
    net.card.data            the data it was trained on (name, path, SHA-256, provenance)
    net.card.run             the settings of the `glassnet train` / `gn.run` that made it
    net.card.learnt_from     which rows it learnt from: the data's SHA-256 and the split
                             (glassnet.runs.rows; evaluate --split reads it)

`encode` turns original labels and units into what the network is trained on, `decode` turns
the network's class ids and values back into them. A card is saved with the model (the JSON
of the model file); files written before cards existed (a plain "metadata" dict) still load.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from glassnet.errors import ValidationError

TASKS = ("multiclass", "binary", "regression")


@dataclass(frozen=True)
class TargetScale:
    """Regression targets standardised per output: y′ = (y − mean) / std."""

    mean: tuple[float, ...]
    std: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.mean) != len(self.std) or not self.mean:
            raise ValidationError("target scale needs one mean and one std per output")
        if not all(math.isfinite(v) for v in self.mean + self.std):
            raise ValidationError("target scale must hold finite numbers")
        if not all(s > 0 for s in self.std):
            raise ValidationError("target scale std must be positive")

    @classmethod
    def fit(cls, y) -> TargetScale:
        """The mean and population standard deviation of each target column (std 1 when a
        column is constant)."""
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        std = y.std(axis=0)
        return cls(tuple(map(float, y.mean(axis=0))), tuple(float(s or 1.0) for s in std))

    def apply(self, y: np.ndarray) -> np.ndarray:
        """(y − mean) / std, in y's dtype and shape."""
        y = np.asarray(y)
        dtype = y.dtype if y.dtype.kind == "f" else np.float64
        mean, std = self._shaped(y)
        return ((y - mean) / std).astype(dtype)

    def invert(self, y: np.ndarray) -> np.ndarray:
        """y · std + mean: network outputs back in the target's units."""
        y = np.asarray(y)
        mean, std = self._shaped(y)
        return (y * std + mean).astype(y.dtype)

    def _shaped(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, std = np.asarray(self.mean), np.asarray(self.std)
        if y.ndim == 1:  # one target column given as a vector
            return mean[0], std[0]
        return mean, std

    def __str__(self) -> str:
        if len(self.mean) == 1:
            return f"y = ŷ · {self.std[0]:.6g} + {self.mean[0]:.6g}"
        return f"y = ŷ · std + mean ({len(self.mean)} outputs)"


@dataclass
class ModelCard:
    """What a network's outputs mean and where it came from (see the module docstring)."""

    task: str | None = None
    classes: list | None = None
    target_scale: TargetScale | None = None
    feature_names: list[str] | None = None
    target: str | None = None
    image_shape: tuple[int, ...] | None = None
    training: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    run: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)  # where an interrupted run was to write
    learnt_from: dict = field(default_factory=dict)  # data SHA-256 and split (runs.rows)

    # ------------------------------------------------------------ labels and units

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        """Class ids as original labels (when the card has them); regression values in the
        target's units (when the targets were scaled)."""
        if self.target_scale is not None:
            return self.target_scale.invert(outputs)
        if self.classes is None or self.task == "regression":
            return outputs
        return np.asarray(self.classes)[np.asarray(outputs, dtype=np.int64)]

    def class_ids(self, labels, source: str = "y") -> np.ndarray:
        """Class ids for original labels, matched as text or as numbers ("1.0" matches 1)."""
        if self.classes is None:
            return np.asarray(labels)
        lookup = {label_key(c): i for i, c in enumerate(self.classes)}
        ids = np.empty(len(labels), dtype=np.int64)
        for n, label in enumerate(labels):
            key = label_key(label)
            if key not in lookup:
                shown = ", ".join(map(str, self.classes[:20]))
                raise ValidationError(
                    f"{source} has the label {label!r}, which the model never saw (its classes: "
                    f"{shown}); use data with the same labels"
                )
            ids[n] = lookup[key]
        return ids

    # ------------------------------------------------------------ files

    def to_dict(self) -> dict:
        data = asdict(self)
        data["target_scale"] = None
        if self.target_scale is not None:
            data["target_scale"] = {
                "mean": list(self.target_scale.mean),
                "std": list(self.target_scale.std),
            }
        data["image_shape"] = None if self.image_shape is None else list(self.image_shape)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ModelCard:
        """A card from `to_dict()`, or from the "metadata" dict of files written before cards
        (same keys, plus "dataset" and an unused "outputs"). Wrong types raise
        ValidationError naming the field."""
        if not isinstance(data, dict):
            raise ValidationError(f"a model card must be a JSON object, got {type(data).__name__}")
        names = {f.name for f in fields(cls)}
        card = cls(**{k: v for k, v in data.items() if k in names and v is not None})
        card._check()
        return card

    def _check(self) -> None:
        def need(name: str, ok: bool, kind: str) -> None:
            if not ok:
                value = getattr(self, name)
                raise ValidationError(f"model card field {name} must be {kind}, got {value!r}")

        need("task", self.task is None or self.task in TASKS, f"one of {', '.join(TASKS)}")
        for name in ("classes", "feature_names"):
            value = getattr(self, name)
            need(name, value is None or isinstance(value, list), "a list")
        need("target", self.target is None or isinstance(self.target, str), "a string")
        for name in ("training", "data", "run", "outputs"):
            need(name, isinstance(getattr(self, name), dict), "an object")
        if self.image_shape is not None:
            shape = self.image_shape
            ok = isinstance(shape, (list, tuple)) and all(isinstance(s, int) for s in shape)
            need("image_shape", ok, "a list of integers")
            self.image_shape = tuple(shape)
        scale = self.target_scale
        if isinstance(scale, dict):
            try:
                mean, std = np.atleast_1d(scale["mean"]), np.atleast_1d(scale["std"])
                self.target_scale = TargetScale(tuple(map(float, mean)), tuple(map(float, std)))
            except (KeyError, TypeError, ValueError):
                need("target_scale", False, "an object with numbers mean and std")
        self._check_learnt_from()

    def _check_learnt_from(self) -> None:
        """learnt_from is {} or {"kind": "builtin"|"file", "sha256": str, …}; a file's record
        also has "rows" (an integer) and "test_rows" (row numbers below it)."""
        record = self.learnt_from
        if not isinstance(record, dict):
            raise ValidationError(f"model card field learnt_from must be an object, got {record!r}")
        if not record:
            return
        if record.get("kind") not in ("file", "builtin") or not isinstance(
            record.get("sha256"), str
        ):
            raise ValidationError("model card field learnt_from needs kind file|builtin and sha256")
        if record["kind"] == "file":
            rows, test = record.get("rows"), record.get("test_rows")
            ok = isinstance(rows, int) and isinstance(test, list)
            ok = ok and all(isinstance(i, int) and 0 <= i < int(rows or 0) for i in test or [])
            if not ok:
                raise ValidationError(
                    "model card field learnt_from needs rows (an integer) and test_rows "
                    "(row numbers below it)"
                )


def label_key(label) -> str:
    """A comparable form of a label: whole numbers as integers ("1.0" and 1 match)."""
    try:
        number = float(label)
    except (TypeError, ValueError):
        return str(label).strip()
    if not math.isfinite(number):
        return str(label).strip()
    return str(int(number)) if number == int(number) else repr(number)
