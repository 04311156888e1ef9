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
    net.card.columns         a table's column encoder (one-hot categories, imputed values):
                             glassnet.columns.TableEncoder, None for arrays and images
    net.card.learnt_from     which rows it learnt from: the data's SHA-256 and the split
                             (glassnet.runs.rows; evaluate --split reads it)

`encode` turns original labels and units into what the network is trained on, `decode` turns
the network's class ids and values back into them. A card is saved with the model (the JSON
of the model file); files written before cards existed (a plain "metadata" dict) still load.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.errors import ValidationError

if TYPE_CHECKING:  # glassnet.columns loads with the first table's card, not with glassnet
    from glassnet.columns import TableEncoder

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
    columns: TableEncoder | None = None  # the table's encoders (issue 12; _check_columns)
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
        data["columns"] = None if self.columns is None else self.columns.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ModelCard:
        """A card from `to_dict()`, or from the "metadata" dict of files written before cards
        (same keys, plus "dataset" and an unused "outputs"). Every field is checked against
        FIELD_RULES; keys this glassnet does not know (a newer one's fields) are ignored.
        Wrong types raise ValidationError naming the field."""
        if not isinstance(data, dict):
            raise ValidationError(f"a model card must be a JSON object, got {type(data).__name__}")
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names and v is not None}
        scale = values.get("target_scale")
        if isinstance(scale, dict):  # files before cards kept one output's scale as numbers
            values["target_scale"] = _as_lists(scale)
        for name, value in values.items():
            rule, ok = FIELD_RULES[name]
            if not ok(value):
                raise ValidationError(f"model card field {name} must be {rule}, got {value!r}")
        if "target_scale" in values:
            mean, std = values["target_scale"]["mean"], values["target_scale"]["std"]
            values["target_scale"] = TargetScale(tuple(map(float, mean)), tuple(map(float, std)))
        if "image_shape" in values:
            values["image_shape"] = tuple(values["image_shape"])
        if "columns" in values:
            values["columns"] = _table_encoder(values["columns"], values.get("feature_names"))
        return cls(**values)

    def check_against(self, n_in: int, n_out: int) -> None:
        """ValidationError when the card does not describe a network of n_in inputs and n_out
        outputs: one label per class, one feature name per input, one scale per output."""
        problems = []
        if self.classes is not None and self.task != "regression":
            wanted = 2 if n_out == 1 else n_out
            if len(self.classes) != wanted:
                problems.append(f"{len(self.classes)} class labels for {wanted} classes")
        if self.feature_names is not None and len(self.feature_names) != n_in:
            problems.append(f"{len(self.feature_names)} feature names for {n_in} inputs")
        if self.image_shape is not None and math.prod(self.image_shape) != n_in:
            problems.append(f"image shape {list(self.image_shape)} for {n_in} inputs")
        if self.target_scale is not None and len(self.target_scale.mean) != n_out:
            problems.append(f"a target scale of {len(self.target_scale.mean)} for {n_out} outputs")
        if problems:
            raise ValidationError(f"the model card does not fit the network: {'; '.join(problems)}")


def _as_lists(scale: dict) -> dict:
    return {k: v if isinstance(v, list) else [v] for k, v in scale.items()}


def _is_label(value) -> bool:
    return isinstance(value, (str, int, float, bool)) and (
        not isinstance(value, float) or math.isfinite(value)
    )


def _distinct_labels(value) -> bool:
    if not isinstance(value, list) or not all(_is_label(v) for v in value):
        return False
    return len({label_key(v) for v in value}) == len(value)


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _numbers(value, positive: bool = False) -> bool:
    ok = isinstance(value, list) and len(value) > 0
    return ok and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        and (v > 0 or not positive)
        for v in value
    )  # fmt: skip


def _scale(value) -> bool:
    if not isinstance(value, dict) or set(value) != {"mean", "std"}:
        return False
    mean, std = value["mean"], value["std"]
    return _numbers(mean) and _numbers(std, positive=True) and len(mean) == len(std)


def _encoders(value) -> bool:
    """A table's encoders: as read from a file (a dict) or made (a TableEncoder, which exists
    only once glassnet.columns is loaded)."""
    if isinstance(value, dict):
        return True
    columns = sys.modules.get("glassnet.columns")
    return columns is not None and isinstance(value, columns.TableEncoder)


def _table_encoder(data, feature_names) -> TableEncoder:
    """The table's encoders (glassnet.columns), every field checked; its inputs must be the
    card's feature names."""
    from glassnet.columns import TableEncoder

    encoder = data if isinstance(data, TableEncoder) else TableEncoder.from_dict(data)
    if feature_names is not None and feature_names != encoder.feature_names:
        raise ValidationError(
            "model card field columns does not match feature_names: the file is damaged"
        )
    return encoder


def _learnt_from(value) -> bool:
    """{} or {"kind": "builtin"|"file", "sha256": str, …}; a file's record also has "rows"
    (an integer) and "test_rows" (row numbers below it)."""
    if not isinstance(value, dict):
        return False
    if not value:
        return True
    if value.get("kind") not in ("file", "builtin") or not isinstance(value.get("sha256"), str):
        return False
    if value["kind"] == "builtin":
        return True
    rows, test = value.get("rows"), value.get("test_rows")
    if not isinstance(rows, int) or isinstance(rows, bool) or not isinstance(test, list):
        return False
    return all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < rows for i in test)


def _optional_path(value) -> bool:
    return isinstance(value, dict) and all(v is None or isinstance(v, str) for v in value.values())


# The rule every card field must keep in a model file: name → (what it must be, the check).
# None is always allowed and means "not known". A new card field is a dataclass field above
# and one line here.
FIELD_RULES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "task": (f"one of {', '.join(TASKS)}", lambda v: v in TASKS),
    "classes": ("a list of distinct labels (strings or numbers)", _distinct_labels),
    "target_scale": ("an object {mean: [numbers], std: [positive numbers]}", _scale),
    "feature_names": ("a list of strings", _strings),
    "target": ("a string or a list of strings", lambda v: isinstance(v, str) or _strings(v)),
    "image_shape": ("a list of integers, each ≥ 1", lambda v: isinstance(v, list) and all(
        isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in v)),
    "training": ("an object", lambda v: isinstance(v, dict)),
    "data": ("an object", lambda v: isinstance(v, dict)),
    "run": ("an object", lambda v: isinstance(v, dict)),
    "outputs": ("an object of paths or nulls", _optional_path),
    "columns": ("an object (a table's encoders, glassnet.columns)", _encoders),
    "learnt_from": ("{} or {kind: file|builtin, sha256, rows, test_rows below rows}", _learnt_from),
}  # fmt: skip


def label_key(label) -> str:
    """A comparable form of a label: whole numbers as integers ("1.0" and 1 match)."""
    try:
        number = float(label)
    except (TypeError, ValueError):
        return str(label).strip()
    if not math.isfinite(number):
        return str(label).strip()
    return str(int(number)) if number == int(number) else repr(number)
