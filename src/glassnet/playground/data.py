"""The playground's data: the built-in 2-D sets with noise and a train/test split, two
regression sets, and an uploaded CSV of two numeric features and a label or target, checked.

    data = make(settings)           # PlayData: X_train, y_train, X_test, y_test, task, classes
    data = from_csv(text, settings) # the same from a file's text; a bad file is a DataError
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from glassnet.datasets import synthetic
from glassnet.errors import DataError
from glassnet.playground.state import LIMITS, Settings


@dataclass
class PlayData:
    """A split data set. y holds class ids (int64) or target values (float64)."""

    name: str
    task: str  # "binary", "multiclass" or "regression"
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: list | None  # the original label of each class id
    feature_names: tuple[str, ...] = ("x₁", "x₂")
    extent: list[float] | None = None  # the plane the page draws (pictures.extent)

    @property
    def n_classes(self) -> int | None:
        return None if self.classes is None else len(self.classes)

    @property
    def n_in(self) -> int:
        return self.X_train.shape[1]

    def all_X(self) -> np.ndarray:
        return np.concatenate([self.X_train, self.X_test])


def make(settings: Settings) -> PlayData:
    """The built-in data set the settings name, drawn with their seed, split train/test."""
    X, y = _generate(settings)
    task = "regression" if y.dtype.kind == "f" else ("binary" if y.max() < 2 else "multiclass")
    classes = None if task == "regression" else list(range(int(y.max()) + 1))
    return split(settings.data, task, X.astype(np.float64), y, classes, settings)


def _generate(s: Settings):
    n, seed, noise = s.points, s.dataseed, s.noise
    if s.data == "xor":
        return synthetic.xor("float64")
    if s.data == "xor-clusters":
        return synthetic.xor_clusters(max(1, n // 4), noise, seed, "float64")
    if s.data == "circles":
        return synthetic.circles(n, noise, seed=seed, dtype="float64")
    if s.data == "moons":
        return synthetic.moons(n, noise, seed, "float64")
    if s.data == "spirals":
        return synthetic.spirals(n, noise, seed=seed, dtype="float64")
    if s.data == "blobs":
        return synthetic.blobs(n, s.classes, 1.0 + 2 * noise, seed, "float64")
    if s.data == "regression-1d":
        return regression_1d(n, noise, seed)
    if s.data == "regression-2d":
        return regression_2d(n, noise, seed)
    raise DataError(f"the data set {s.data!r} is uploaded, not generated: upload a CSV file")


def regression_1d(n: int, noise: float, seed: int):
    """y = sin(3x) / 2 + x / 2 + ε on x uniform in [−1, 1], ε ~ N(0, (noise / 2)²)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n)
    y = np.sin(3 * x) / 2 + x / 2 + noise / 2 * rng.standard_normal(n)
    return x[:, None], y


def regression_2d(n: int, noise: float, seed: int):
    """y = sin(x₁) · cos(x₂) + ε on (x₁, x₂) uniform in [−2, 2]², ε ~ N(0, (noise / 2)²)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, (n, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + noise / 2 * rng.standard_normal(n)
    return X, y


def split(name, task, X, y, classes, settings: Settings, feature_names=("x₁", "x₂")) -> PlayData:
    """The first train% of a seeded permutation for training, the rest for testing (the four
    XOR points all train and test: there is nothing else to test on)."""
    if len(X) <= 4:
        return PlayData(name, task, X, y, X.copy(), y.copy(), classes, feature_names)
    order = np.random.default_rng(settings.dataseed + 1).permutation(len(X))
    n_train = min(max(1, round(len(X) * settings.train / 100)), len(X) - 1)
    tr, te = order[:n_train], order[n_train:]
    return PlayData(name, task, X[tr], y[tr], X[te], y[te], classes, feature_names)


# ---------------------------------------------------------------- an uploaded file


def from_csv(text: str, settings: Settings, filename: str = "upload.csv") -> PlayData:
    """Two numeric feature columns and a label or target column (the last), with a header row
    or without. Labels that are not numbers, or whole numbers with few distinct values, make a
    classification set; other numbers a regression set."""
    if len(text.encode("utf-8")) > LIMITS.upload_bytes:
        raise DataError(
            f"{filename} is larger than {LIMITS.upload_bytes // 1024} KB; "
            f"upload at most {LIMITS.points} rows"
        )
    text = text.removeprefix("\ufeff")  # a spreadsheet's byte-order mark is not a name
    try:
        rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    except csv.Error as exc:
        raise DataError(
            f"{filename} is not a CSV file of x1,x2,label rows ({exc}); save it as plain CSV"
        ) from None
    if not rows:
        raise DataError(f"{filename} is empty; give rows of x1,x2,label")
    header = None
    if not _is_number(rows[0][0]) or not _is_number(rows[0][1] if len(rows[0]) > 1 else "0"):
        header, rows = rows[0], rows[1:]
    if len(rows) < 4:
        raise DataError(f"{filename} has {len(rows)} data rows; give at least 4")
    if len(rows) > LIMITS.points:
        raise DataError(f"{filename} has {len(rows)} rows; the playground takes {LIMITS.points}")
    X, labels = _columns(rows, filename, header is not None)
    task, y, classes = _target(labels, filename)
    names = tuple(h.strip() or f"x{i + 1}" for i, h in enumerate(header[:2])) if header else None
    return split(filename, task, X, y, classes, settings, names or ("x₁", "x₂"))


def _columns(rows, filename: str, has_header: bool):
    X = np.empty((len(rows), 2))
    labels = []
    for k, row in enumerate(rows):
        line = k + 1 + has_header
        if len(row) != 3:
            raise DataError(
                f"{filename} line {line} has {len(row)} columns; every row needs 3: x1,x2,label"
            )
        for j in range(2):
            if not _is_number(row[j]):
                raise DataError(
                    f"{filename} line {line}, column {j + 1}: {row[j].strip()!r} is not a "
                    "finite number; the first two columns are the numeric features"
                )
            X[k, j] = float(row[j])
        labels.append(row[2].strip())
    if any(label == "" for label in labels):
        line = labels.index("") + 1 + has_header
        raise DataError(f"{filename} line {line} has no label; fill in the third column")
    for k, label in enumerate(labels):
        if _is_float(label) and not _is_number(label):
            raise DataError(
                f"{filename} line {k + 1 + has_header}: the label {label!r} is not a finite "
                "number; give a class name or a number"
            )
    return X, labels


def _target(labels: list[str], filename: str):
    """(task, y, classes): class ids for text or few whole numbers, values otherwise."""
    numeric = all(_is_number(v) for v in labels)
    values = np.array([float(v) for v in labels]) if numeric else None
    distinct = sorted(set(labels), key=lambda v: (float(v) if numeric else 0, v))
    whole = numeric and np.all(values == np.round(values))
    if numeric and not (whole and len(distinct) <= LIMITS.classes):
        return "regression", values, None
    if len(distinct) < 2:
        raise DataError(f"{filename} has one class only ({distinct[0]!r}); give two or more")
    if len(distinct) > LIMITS.classes:
        raise DataError(
            f"{filename} has {len(distinct)} classes; the playground draws at most {LIMITS.classes}"
        )
    ids = {label: i for i, label in enumerate(distinct)}
    y = np.array([ids[v] for v in labels], dtype=np.int64)
    task = "binary" if len(distinct) == 2 else "multiclass"
    classes = [int(float(v)) for v in distinct] if numeric else distinct
    return task, y, classes


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
