"""A table's columns as the numbers a network reads: categories one-hot, missing cells filled.

    encoder = TableEncoder.fit(header, rows, target="y", categorical=["colour"], impute="median")
    X = encoder.transform(header, rows)          # (N, D): the same columns at predict time

A number column becomes one input x; a categorical column with categories c₁ … c_m becomes m
inputs, xⱼ = 1 when the cell is cⱼ, else 0 (a category never seen in training: all 0). With
`impute`, a missing cell ("", NA, ?, …) of a number column is filled with the column's mean,
median or most frequent value, and of a categorical column with its most frequent category;
these values are learned from the training rows only. The encoder is part of the model card
(`card.columns`), so `glassnet predict` on a raw new file does exactly what training did.
NumPy only; checked on load (`TableEncoder.from_dict`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from glassnet.errors import DataError, ValidationError

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-"})
IMPUTE = ("mean", "median", "most-frequent")
KINDS = ("number", "category")


def is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING


@dataclass(frozen=True)
class Column:
    """One input column: a number (filled with `fill` when missing) or a category."""

    name: str
    kind: str  # "number" or "category"
    fill: float | str | None = None  # the value of a missing cell; None: missing is an error
    categories: tuple[str, ...] = ()  # a category column's values, one input each

    @property
    def inputs(self) -> list[str]:
        """The names of the network inputs this column becomes."""
        if self.kind == "number":
            return [self.name]
        return [f"{self.name}={c}" for c in self.categories]


@dataclass(frozen=True)
class TableEncoder:
    """The columns a network was trained on, in order, and how each becomes numbers."""

    columns: tuple[Column, ...]
    impute: str | None = None

    @property
    def feature_names(self) -> list[str]:
        return [name for column in self.columns for name in column.inputs]

    @classmethod
    def fit(cls, header, rows, target: str, categorical=(), impute: str | None = None,
            source: str = "the data", row_numbers=None) -> TableEncoder:  # fmt: skip
        """Learn the columns of `rows` (lists of cell strings under `header`), all but the
        target; DataError naming the column and the fix for what cannot be encoded."""
        if impute is not None and impute not in IMPUTE:
            raise ValidationError(f"unknown impute {impute!r}; valid: {', '.join(IMPUTE)}")
        unknown = [c for c in categorical if c not in header or c == target]
        if unknown:
            raise DataError(
                f"--categorical names {', '.join(unknown)}, not a feature column of {source}; "
                f"its columns are: {', '.join(h for h in header if h != target)}"
            )
        numbers = row_numbers or list(range(2, len(rows) + 2))
        columns = []
        for j, name in enumerate(header):
            if name == target:
                continue
            cells = [row[j].strip() for row in rows]
            if name in categorical:
                columns.append(_category(name, cells, impute, source))
            else:
                columns.append(_number(name, cells, impute, source, numbers))
        return cls(tuple(columns), impute)

    def transform(self, header, rows, source: str = "the data", row_numbers=None) -> np.ndarray:
        """(N, D) float64 inputs for rows under `header` (columns found by name)."""
        missing = [c.name for c in self.columns if c.name not in header]
        if missing:
            raise DataError(
                f"{source} has no column {', '.join(map(repr, missing))}, which the model was "
                "trained on; give data with the same columns"
            )
        numbers = row_numbers or list(range(2, len(rows) + 2))
        parts = []
        for column in self.columns:
            j = header.index(column.name)
            cells = [row[j].strip() for row in rows]
            if column.kind == "number":
                parts.append(_numbers(column, cells, source, numbers)[:, None])
            else:
                parts.append(_one_hot(column, cells, source, numbers))
        return np.hstack(parts) if parts else np.empty((len(rows), 0))

    # ------------------------------------------------------------ model files

    def to_dict(self) -> dict:
        return {
            "impute": self.impute,
            "columns": [{"name": c.name, "kind": c.kind, "fill": c.fill,
                         "categories": list(c.categories)} for c in self.columns],
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data) -> TableEncoder:
        """The encoder of a model file, every field checked (ValidationError naming it)."""
        if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
            raise ValidationError("model card field columns must be an object with a list columns")
        impute = data.get("impute")
        if impute is not None and impute not in IMPUTE:
            raise ValidationError(f"model card columns.impute must be one of {', '.join(IMPUTE)}")
        return cls(tuple(_column_from_dict(c) for c in data["columns"]), impute)


def _column_from_dict(data) -> Column:
    def bad(what: str) -> ValidationError:
        return ValidationError(f"model card columns: {what}, got {data!r}")

    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise bad("each column must be an object with a name")
    kind, fill, categories = data.get("kind"), data.get("fill"), data.get("categories", [])
    if kind not in KINDS:
        raise bad(f"kind must be one of {', '.join(KINDS)}")
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise bad("categories must be a list of strings")
    if kind == "category" and (not categories or len(set(categories)) != len(categories)):
        raise bad("a category column needs distinct categories")
    if kind == "number" and fill is not None:
        number = isinstance(fill, (int, float)) and not isinstance(fill, bool)
        if not number or not math.isfinite(fill):
            raise bad("a number column's fill must be a finite number")
    if kind == "category" and fill is not None and fill not in categories:
        raise bad("a category column's fill must be one of its categories")
    return Column(data["name"], kind, fill, tuple(categories))


def _category(name: str, cells: list[str], impute, source: str) -> Column:
    present = [c for c in cells if not is_missing(c)]
    if not present:
        raise DataError(f"column {name!r} of {source} is empty in every row: drop it")
    fill = Counter(present).most_common(1)[0][0] if impute else None
    return Column(name, "category", fill, tuple(sorted(set(present))))


def _number(name: str, cells: list[str], impute, source: str, numbers) -> Column:
    present = [c for c in cells if not is_missing(c)]
    if not present:
        raise DataError(f"column {name!r} of {source} is empty in every row: drop it")
    column = Column(name, "number", 0.0 if impute else None)
    values = _numbers(column, cells, source, numbers)
    if not impute:
        return column
    known = values[np.array([not is_missing(c) for c in cells])]
    if impute == "mean":
        fill = float(np.mean(known))
    elif impute == "median":
        fill = float(np.median(known))
    else:
        distinct, counts = np.unique(known, return_counts=True)
        fill = float(distinct[np.argmax(counts)])
    return Column(name, "number", fill)


def _numbers(column: Column, cells: list[str], source: str, numbers) -> np.ndarray:
    values = np.empty(len(cells))
    for i, cell in enumerate(cells):
        if is_missing(cell):
            if column.fill is None:
                raise DataError(
                    f"column {column.name!r} (row {numbers[i]}) of {source} is missing: fill "
                    "it, or train with --impute mean|median|most-frequent"
                )
            values[i] = float(column.fill)
            continue
        try:
            values[i] = float(cell)
        except ValueError:
            raise DataError(
                f"column {column.name!r} (row {numbers[i]}) of {source} holds text ({cell!r}), "
                f"not a number: train with --categorical {column.name} to one-hot encode it"
            ) from None
        if not math.isfinite(values[i]):
            raise DataError(
                f"column {column.name!r} (row {numbers[i]}) of {source} is {cell!r}, not a "
                "finite number: replace it"
            )
    return values


def _one_hot(column: Column, cells: list[str], source: str, numbers) -> np.ndarray:
    index = {c: k for k, c in enumerate(column.categories)}
    out = np.zeros((len(cells), len(column.categories)))
    for i, cell in enumerate(cells):
        if is_missing(cell):
            if column.fill is None:
                raise DataError(
                    f"column {column.name!r} (row {numbers[i]}) of {source} is missing: fill "
                    "it, or train with --impute most-frequent"
                )
            cell = str(column.fill)
        k = index.get(cell)
        if k is not None:  # a category never seen in training is all zeros
            out[i, k] = 1.0
    return out
