"""A file's columns and labels mapped onto an existing model.

A model knows its input columns (card.feature_names) and its classes (card.classes). Data given
to evaluate or predict with it is read here: columns found by name when the header has them,
labels matched to the model's classes, images turned into MNIST-style 28×28 inputs, and every
mismatch reported as one line that names it and the fix. `net` is any glassnet Network
(duck-typed: n_in, task, card).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from glassnet.errors import DataError, GlassnetError, ValidationError

from .loader import BUILTIN_NAMES
from .loader import load as load_dataset
from .tabular import feature_array, load_array, load_npz_arrays, numeric_columns, read_rows

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")


def builtin_key(name) -> str:
    """The registry's spelling of a data set name ("Fashion_MNIST" → "fashion-mnist")."""
    return str(name).strip().lower().replace("_", "-")


def is_builtin(name) -> bool:
    """Whether `name` names a built-in data set (and no file of that name exists)."""
    return builtin_key(name) in BUILTIN_NAMES and not Path(name).is_file()


def open_dataset(name, *, data_dir=None, target=None, seed: int = 0, progress=None):
    """(dataset, is_file) for a built-in data set's name or a user's file: the one way a run,
    an experiment or a command turns DATA into a Dataset. A target names a file's label
    column: given with a built-in data set (which has its own labels) it is refused, not
    ignored."""
    if is_builtin(name):
        if target is not None:
            raise ValidationError(
                f"target {target!r} names the label column of a file; {name} is a built-in data "
                "set with its own labels: drop the target"
            )
        key = builtin_key(name)
        return load_dataset(key, data_dir=data_dir, progress=progress, seed=seed), False
    return read_dataset(Path(name), target=target, seed=seed), True


def read_dataset(path: Path, **options):
    """datasets.load on a user's file, with the few errors it lets through (a binary file read
    as text, a column name given for a .npy file) as one-line DataErrors."""
    try:
        return load_dataset(path, **options)
    except GlassnetError:
        raise
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a text file in UTF-8; save it as UTF-8 CSV") from None
    except (ValueError, OSError) as exc:
        raise DataError(f"cannot read {path} ({exc}); check the file and --target") from None


def check_features(net, X, source: str) -> np.ndarray:
    """X reshaped to (N, n_in), or a ValidationError naming the mismatch and the fix."""
    X = np.asarray(X)
    width = int(np.prod(X.shape[1:])) if X.ndim > 1 else 1
    if width != net.n_in:
        names = net.card.feature_names
        hint = ""
        if names:
            hint = f" ({', '.join(map(str, names[:8]))}{'…' if len(names) > 8 else ''})"
        raise ValidationError(
            f"the model takes {net.n_in} features{hint} but {source} has {width} per sample; "
            "use data with the same columns the model was trained on"
        )
    return X.reshape(len(X), -1)


def read_feature_csv(path, net, target=None) -> tuple[np.ndarray, list | None]:
    """(X, y-or-None) from a CSV for an existing model: feature columns found by name (the
    model's feature_names) when the header has them; the target column (default: the one the
    model was trained on), if present, as raw text labels y."""
    path = Path(path)
    header, rows, numbers = read_rows(path)
    names = net.card.feature_names or []
    target = target if target is not None else net.card.target
    y = [row[header.index(target)].strip() for row in rows] if target in header else None
    if net.card.columns is not None:  # the model's own encoders: one-hot, imputed cells
        return net.card.columns.transform(header, rows, str(path), numbers), y
    if names and all(n in header for n in names):
        columns = [header.index(n) for n in names]
    elif names and len([h for h in header if h != target]) == len(names):
        # as many columns as the model reads, under other names: never silently by position
        missing = [n for n in names if n not in header]
        shown = ", ".join(map(str, missing[:8])) + ("…" if len(missing) > 8 else "")
        raise DataError(
            f"{path} has no column{'s' if len(missing) > 1 else ''} {shown} that the model reads "
            f"(its header: {', '.join(header[:8])}{'…' if len(header) > 8 else ''}); name the "
            "columns as in the training file"
        )
    else:
        columns = [i for i, h in enumerate(header) if h != target]
    cells = [tuple(row[c] for row in rows) for c in columns]
    X = numeric_columns(cells, [header[c] for c in columns], numbers, path, "float64")
    return X, y


def labelled_data(net, data: str, target=None, data_dir=None, progress=None):
    """(X, y, description) to evaluate `net` on: a built-in set's test split, or a file whose
    labels are mapped to the model's class ids (regression targets as numbers)."""
    if is_builtin(data):
        dataset, _ = open_dataset(data, data_dir=data_dir, progress=progress)
        if dataset.has_test:
            return dataset.X_test, dataset.y_test, f"{dataset.name} test split"
        return dataset.X_train, dataset.y_train, f"{dataset.name} (all samples)"
    target = target if target is not None else net.card.target
    path = Path(data)
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return _labelled_csv(net, path, target)
    if suffix == ".npz" or suffix == ".npy" and not str(target).lstrip("-").isdigit():
        target = None  # a column name from a CSV-trained model: a .npy has the label last
    task = "regression" if net.task == "regression" else "classification"
    dataset = read_dataset(path, target=target, task=task)
    X = reorder_features(net, dataset)
    if net.task == "regression":
        return X, np.asarray(dataset.y_train), str(path)
    raw = [dataset.classes[int(i)] for i in dataset.y_train]
    return X, class_ids(net, raw, path), str(path)


def _labelled_csv(net, path: Path, target):
    X, raw = read_feature_csv(path, net, target)
    if raw is None:
        raise DataError(
            f"{path} has no column {target!r} with the labels; give the label column with "
            "--target, or use glassnet predict for data without labels"
        )
    if net.task != "regression":
        return X, class_ids(net, raw, path), str(path)
    try:
        values = np.asarray([float(v) for v in raw])
    except ValueError:
        raise DataError(f"{path}: the target column {target!r} must hold numbers") from None
    if not np.all(np.isfinite(values)):
        row = first_non_finite(values)
        raise DataError(
            f"{path}: the target column {target!r} holds {values[row]} (sample {row}): "
            "targets must be finite numbers; fill or drop that row"
        )
    return X, values, str(path)


def first_non_finite(values) -> int:
    """The index of the first value that is not finite."""
    return int(np.flatnonzero(~np.isfinite(values))[0])


def class_ids(net, raw_labels, source) -> np.ndarray:
    """The model's class ids for original labels; DataError for a label it never saw."""
    if net.card.classes is None:
        n = net.n_out if net.n_out > 1 else 2
        classes = list(range(n))
        card = type(net.card)(classes=classes)
    else:
        card = net.card
    try:
        return card.class_ids(raw_labels, str(source))
    except ValidationError as exc:
        raise DataError(str(exc).replace("use data with", "evaluate on data with")) from None


def reorder_features(net, dataset) -> np.ndarray:
    """The dataset's X with its columns in the model's feature order (by name when known)."""
    names = net.card.feature_names
    X = dataset.X_train
    if names and dataset.feature_names and list(dataset.feature_names) != list(names):
        missing = [n for n in names if n not in dataset.feature_names]
        if not missing:
            X = X[:, [dataset.feature_names.index(n) for n in names]]
    return check_features(net, X, dataset.name)


def unlabelled_data(net, paths, data_dir=None, progress=None):
    """(X, names) to predict on: image files, a CSV, .npy or .npz file, or a built-in set."""
    if all(Path(p).suffix.lower() in IMAGE_SUFFIXES for p in paths):
        from .photos import load_digit

        if net.n_in != 784:
            raise DataError(
                f"image files need an image model (784 inputs, 28×28); this model takes "
                f"{net.n_in} features: give a CSV or .npy file instead"
            )
        images, names = [], []
        for p in paths:  # one unreadable image is skipped with a warning, not the whole batch
            try:
                images.append(load_digit(p).reshape(-1))
                names.append(str(p))
            except GlassnetError as exc:
                print(f"warning: skipped {p}: {exc}", file=sys.stderr)
        if not images:
            raise DataError("none of the images could be read; see the warnings above")
        return np.stack(images), names
    if len(paths) != 1:
        raise DataError("give one data file (or several image files) to predict on")
    data = paths[0]
    if is_builtin(data):
        X, _, _ = labelled_data(net, data, data_dir=data_dir, progress=progress)
        return check_features(net, X, data), list(range(len(X)))
    path = Path(data)
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        X, _ = read_feature_csv(path, net)
    elif suffix in (".npy", ".npz"):
        X = _load_array(path)
    else:
        raise DataError(
            f"{path}: predict reads .csv, .npy, .npz or image files (PNG, JPEG); convert it"
        )
    X = check_features(net, X, str(path))
    return X, list(range(len(X)))


def _load_array(path: Path) -> np.ndarray:
    """X from a .npy file, or the array X (else X_test) of an .npz file; never pickle."""
    if path.suffix.lower() == ".npy":
        X = load_array(path)
    else:
        arrays = load_npz_arrays(path)
        key = "X" if "X" in arrays else ("X_test" if "X_test" in arrays else None)
        if key is None:
            raise DataError(f"{path} has no array X (it has {', '.join(arrays)})")
        X = arrays[key]
    return feature_array(X.reshape(-1, 1) if X.ndim == 1 else X, path, "float64")[0]
