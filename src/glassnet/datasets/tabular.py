"""The user's own data: CSV files with a header row, NumPy .npy and .npz files.

Labels become class ids 0..K−1 with ``classes`` listing the original labels in sorted order
(so a model can answer with them), or stay numbers for regression.  What counts as
classification (see :func:`infer_task`): any non-numeric label, or at most
``MAX_INTEGER_CLASSES`` distinct numeric labels that are all whole numbers.
"""

import csv
from pathlib import Path

import numpy as np

from glassnet.errors import DataError, ValidationError

from .arrays import cannot_open, check_exists, load_array, load_npz_arrays
from .dataset import Dataset, arrays_provenance, file_sha256

MAX_INTEGER_CLASSES = 20
MISSING_MARKERS = {"", "na", "n/a", "nan", "null", "none", "?", "-"}
NON_FINITE = {"nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"}
TASK_NAMES = ("classification", "multiclass", "binary", "regression")


def load_csv(path, target=None, *, delimiter=None, task=None, dtype="float32", name=None):
    """Read a CSV file with a header row into a Dataset (training split only).

    ``target``: the label column, by name or by integer index (negative counts from the
    end; a string of digits that is not a column name is taken as an index); default the
    last column.  Every other column must hold a number in every row.  ``delimiter``: by
    default ',' (or ';' / tab when the header has those and no comma).  ``task`` forces
    "classification" (or "binary"/"multiclass") or "regression" instead of inferring it.
    """
    path = Path(path)
    header, body, rows = read_rows(path, delimiter)
    column = _target_index(header, target, path)
    if len(header) < 2:
        raise DataError(
            f"{path} has the single column {header[0]!r}: add feature columns besides the target"
        )
    columns = list(zip(*body, strict=True))
    features = [i for i in range(len(header)) if i != column]
    names = [header[i] for i in features]
    X = numeric_columns([columns[i] for i in features], names, rows, path, dtype)
    labels = _labels(columns[column], header[column], rows, path)
    y, classes, kind = encode_labels(
        labels, task=task, column=header[column], dtype=dtype, row_numbers=rows
    )
    return Dataset(
        name=name or path.stem,
        X_train=X,
        y_train=y,
        classes=classes,
        feature_names=[header[i] for i in features],
        task=kind,
        provenance={
            "source": str(path.resolve()),
            "sha256": file_sha256(path),
            "target": header[column],
            "format": "csv",
        },
    )


def load_npy(path, target=None, *, task=None, dtype="float32", name=None):
    """Read a 2-D .npy array whose column ``target`` (index, default −1: the last) holds labels."""
    path = Path(path)
    table = load_array(path)
    if table.ndim == 2 and len(table) == 0:
        raise _no_samples(path, table.shape)
    if table.ndim != 2 or table.shape[1] < 2:
        raise DataError(
            f"{path} holds an array of shape {table.shape}; a .npy data file must be 2-D with "
            "the label in one column (or use an .npz file with arrays X and y)"
        )
    column = _column_index(target if target is not None else -1, table.shape[1], path)
    X = np.delete(table, column, axis=1)
    X = _finite_features(X.astype(dtype) if X.dtype != np.uint8 else X, path)
    y, classes, kind = encode_labels(
        table[:, column], task=task, column=f"column {column}", dtype=dtype
    )
    return Dataset(
        name=name or path.stem,
        X_train=X,
        y_train=y,
        classes=classes,
        task=kind,
        input_scale=255.0 if X.dtype == np.uint8 else None,
        provenance={
            "source": str(path.resolve()),
            "sha256": file_sha256(path),
            "target": column,
            "format": "npy",
        },
    )


NPZ_KEYS = (
    ("X", "y", "X_test", "y_test"),
    ("x_train", "y_train", "x_test", "y_test"),
    ("X_train", "y_train", "X_test", "y_test"),
)


def load_npz(path, *, task=None, dtype="float32", name=None):
    """Read an .npz holding X and y (optionally X_test and y_test; Keras's x_train… also work).

    Images (X with more than two dimensions) are flattened to rows and their shape kept in
    ``image_shape``; uint8 X stays uint8 with ``input_scale = 255``.  Test labels must be
    among the training labels.
    """
    path = Path(path)
    arrays = load_npz_arrays(path)
    x_key, y_key, xt_key, yt_key = _npz_keys(arrays, path)
    X, image_shape = feature_array(arrays[x_key], path, dtype)
    y_raw = arrays[y_key]
    y, classes, kind = encode_labels(y_raw, task=task, column=y_key, dtype=dtype)
    X_test = y_test = None
    if xt_key in arrays and yt_key in arrays:
        X_test, _ = feature_array(arrays[xt_key], path, dtype)
        y_test = _encode_like(arrays[yt_key], classes, kind, path, dtype)
    return Dataset(
        name=name or path.stem,
        X_train=X,
        y_train=y,
        X_test=X_test,
        y_test=y_test,
        classes=classes,
        task=kind,
        image_shape=image_shape,
        input_scale=255.0 if X.dtype == np.uint8 else None,
        provenance={
            "source": str(path.resolve()),
            "sha256": file_sha256(path),
            "format": "npz",
            "arrays": arrays_provenance(X=X, y=y, X_test=X_test, y_test=y_test),
        },
    )


def encode_labels(labels, *, task=None, column="target", dtype="float32", row_numbers=None):
    """(y, classes, task) from raw labels: class ids and sorted original labels, or numbers.

    Raises DataError when a classification target has a single class, or a regression
    target a value that is not a finite number (``row_numbers`` name rows in that message).
    """
    labels = np.asarray(labels)
    if labels.size == 0:
        raise DataError(f"target {column!r} has no samples: the data holds no rows; add samples")
    kind = infer_task(labels) if task is None else _normalise_task(task)
    if kind == "regression":
        values = _as_float(labels, column)
        if not np.all(np.isfinite(values)):
            i = int(np.flatnonzero(~np.isfinite(values))[0])
            where = f"row {row_numbers[i]}" if row_numbers is not None else f"sample {i}"
            raise DataError(
                f"target {column!r} ({where}) is {_json_value(labels[i])!r}, not a finite number: "
                "fill or drop that sample before training"
            )
        return values.astype(dtype), None, "regression"
    values = _class_values(labels)
    _check_finite_labels(values, labels, column, row_numbers)
    classes, y = np.unique(values, return_inverse=True)
    if len(classes) < 2:
        raise DataError(
            f"target {column!r} has the single value {_json_value(classes[0])!r} in every row: "
            "a classifier needs at least two classes; check the target column (--target)"
        )
    kind = "binary" if len(classes) == 2 else "multiclass"
    return y.astype(np.int64).reshape(-1), [_json_value(c) for c in classes], kind


def _check_finite_labels(values, labels, column, row_numbers):
    """DataError when a class label is NaN or ±inf (as a number, or as text like "nan")."""
    if values.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(values))
    elif values.dtype.kind == "U":
        bad = np.flatnonzero(np.isin(np.char.lower(np.char.strip(values)), list(NON_FINITE)))
    else:
        return
    if len(bad):
        i = int(bad[0])
        where = f"row {row_numbers[i]}" if row_numbers is not None else f"sample {i}"
        raise DataError(
            f"target {column!r} ({where}) is {_json_value(labels[i])!r}: a label must be a "
            f"finite number or a name ({len(bad)} such labels); fill or drop those samples"
        )


def infer_task(labels):
    """The task the labels suggest: regression for many or fractional numbers, else classes.

    Classification ("binary" for two classes, else "multiclass") when the labels are not all
    numbers, or are whole numbers with at most MAX_INTEGER_CLASSES distinct values.
    """
    labels = np.asarray(labels)
    try:
        values = _as_float(labels, "target")
    except DataError:
        return "multiclass"
    finite = values[np.isfinite(values)]
    distinct = np.unique(finite)
    if len(distinct) <= MAX_INTEGER_CLASSES and np.all(distinct == np.round(distinct)):
        return "binary" if len(distinct) == 2 else "multiclass"
    return "regression"


def _normalise_task(task):
    """The task name a caller forced: "regression" or a classification task."""
    if task not in TASK_NAMES:
        raise ValidationError(f"task must be 'classification' or 'regression', got {task!r}")
    return "regression" if task == "regression" else "multiclass"


def _as_float(labels, column):
    """Labels as float64; DataError when some are not numbers."""
    if labels.dtype.kind in "biuf":
        return labels.astype(np.float64)
    try:
        return np.char.strip(labels.astype(str)).astype(np.float64)
    except ValueError as error:
        raise DataError(f"target {column!r} holds text, not numbers") from error


def _class_values(labels):
    """Labels as a sortable array: whole numbers as int64, other numbers as float, else text."""
    if labels.dtype.kind in "biu":
        return labels.astype(np.int64)
    try:
        values = _as_float(labels, "target")
    except DataError:
        return labels.astype(str)
    if np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values


def _json_value(value):
    """A NumPy scalar as the plain Python int, float or str JSON can hold."""
    return value.item() if hasattr(value, "item") else value


def _encode_like(labels, classes, kind, path, dtype):
    """Test labels encoded with the training split's classes (or as numbers for regression)."""
    if kind == "regression":
        values = _as_float(np.asarray(labels), "y_test")
        if not np.all(np.isfinite(values)):
            i = int(np.flatnonzero(~np.isfinite(values))[0])
            raise DataError(f"{path}: y_test[{i}] is {values[i]}, not a finite number: fix it")
        return values.astype(dtype)
    _check_finite_labels(_class_values(np.asarray(labels)), np.asarray(labels), "y_test", None)
    lookup = {c: i for i, c in enumerate(classes)}
    values = [_json_value(v) for v in _class_values(np.asarray(labels))]
    unknown = sorted({v for v in values if v not in lookup}, key=str)
    if unknown:
        raise DataError(
            f"{path}: the test labels include {unknown[:5]} which the training labels never "
            "have: a model cannot predict a class it never saw; fix the split"
        )
    return np.array([lookup[v] for v in values], dtype=np.int64)


def read_rows(path, delimiter=None):
    """(header, data rows, row numbers) of a CSV file, checked to form a table.

    Header cells are stripped of spaces; data cells are left as read.  Blank lines are
    skipped; row numbers are as a spreadsheet shows them (the header is row 1).
    """
    check_exists(path)
    try:
        numbered = _records(path, delimiter)
    except OSError as error:
        raise cannot_open(path, error) from None
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a text file in UTF-8; save it as UTF-8 CSV") from None
    if not numbered:
        raise DataError(f"{path} is empty: a CSV file needs a header row and data rows")
    header = [cell.strip() for cell in numbered[0][1]]
    _check_header(path, header, len(numbered) - 1)
    for number, row in numbered[1:]:
        if len(row) != len(header):
            raise DataError(
                f"{path} row {number} has {len(row)} values but the header names "
                f"{len(header)} columns: every row needs one value per column (quote values "
                "that hold a delimiter)"
            )
    return header, [row for _, row in numbered[1:]], [n for n, _ in numbered[1:]]


def _records(path, delimiter):
    """[(row number, cells)] of the non-blank records; DataError for a malformed record."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        first = f.readline()
        f.seek(0)
        reader = csv.reader(f, delimiter=delimiter or _guess_delimiter(path, first))
        try:
            return [(n, row) for n, row in enumerate(reader, start=1) if not _blank(row)]
        except csv.Error as error:
            raise DataError(_csv_problem(path, reader.line_num, error)) from None


def _csv_problem(path, line, error):
    """What a csv.Error at ``line`` means, and the fix."""
    if "field larger than field limit" in str(error):
        return (
            f"{path} line {line} holds a value longer than {csv.field_size_limit():,} "
            'characters: a quote is probably left open (a value starting with " runs on '
            'until the next "); close it, or remove that value'
        )
    return f"{path} line {line} is not valid CSV ({error}): fix the quoting on that line"


def _blank(row):
    """True for a record read from an empty (or all-space) line."""
    return not row or (len(row) == 1 and not row[0].strip())


def _guess_delimiter(path, header_line):
    """',' unless the header line has no comma but a ';' or a tab (or the file is .tsv)."""
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    if "," not in header_line:
        for candidate in (";", "\t"):
            if candidate in header_line:
                return candidate
    return ","


def _check_header(path, header, n_rows):
    """DataError when the first row is data (all numbers), has empty names, or nothing follows."""
    if all(_is_number(cell) for cell in header):
        raise DataError(
            f"{path} has no header row: its first row ({', '.join(header[:6])}) is all numbers. "
            "Add a first row naming the columns (e.g. x1,x2,label) so the target can be chosen"
        )
    for i, cell in enumerate(header):
        if not cell:
            raise DataError(f"{path}: column {i + 1} of the header row has no name: name it")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        columns = [str(i + 1) for i, name in enumerate(header) if name == repeated[0]]
        raise DataError(
            f"{path}: the header names the column {repeated[0]!r} more than once (columns "
            f"{', '.join(columns)}): a column is found by its name, so give each a distinct one"
        )
    if n_rows == 0:
        raise DataError(f"{path} has a header row but no data rows: add samples below it")


def _target_index(header, target, path):
    """The index of the target column, from a name, an index or None (the last column)."""
    if target is None:
        return len(header) - 1
    if isinstance(target, str) and target in header:
        return header.index(target)
    if isinstance(target, str) and target.lstrip("-").isdigit():
        target = int(target)
    if isinstance(target, int | np.integer) and not isinstance(target, bool):
        return _column_index(target, len(header), path, header)
    raise DataError(
        f"target column {target!r} is not in {path}; its columns are: {', '.join(header)}. "
        "Choose one by name or by index (0 is the first, -1 the last)"
    )


def _column_index(index, n_columns, path, header=None):
    """A valid non-negative column index from a possibly negative one."""
    index = int(index)
    if -n_columns <= index < n_columns:
        return index % n_columns
    names = f"; its columns are: {', '.join(header)}" if header else ""
    raise DataError(
        f"target column index {index} is out of range for {path}, which has {n_columns} "
        f"columns{names}. Use 0..{n_columns - 1}, or a negative index counting from the end"
    )


def numeric_columns(columns, names, rows, path, dtype):
    """Feature columns (tuples of cell strings) as an (N, D) array; DataError naming the row
    and column of the first cell that is not a finite number."""
    X = np.empty((len(rows), len(columns)), dtype=np.float64)
    try:
        for j, cells in enumerate(columns):
            X[:, j] = np.fromiter(map(float, cells), np.float64, count=len(rows))
    except ValueError:
        _raise_bad_cell(columns, names, rows, path)
    if not np.all(np.isfinite(X)):
        _raise_bad_cell(columns, names, rows, path)
    return X.astype(dtype)


def _raise_bad_cell(columns, names, rows, path):
    """Raise a DataError describing the first unusable cell, in reading order."""
    for i, row in enumerate(zip(*columns, strict=True)):
        for name, cell in zip(names, row, strict=True):
            problem = _cell_problem(cell.strip())
            if problem:
                raise DataError(f"column {name!r} (row {rows[i]}) of {path} {problem}")
    raise DataError(f"{path} holds a feature value that is not a number: fix it")


def _cell_problem(cell):
    """Why a feature cell cannot be used (a phrase ending with the fix), or None if it can."""
    if cell.lower() in MISSING_MARKERS:
        what = "is empty" if cell == "" else f"is {cell!r}, a missing value"
        return f"{what}: fill or drop missing values before training, or train with --impute"
    if not _is_number(cell):
        return (
            f"holds text ({cell!r}), not a number: one-hot encode the column with "
            "--categorical COLUMN (glassnet train), or drop it"
        )
    if not np.isfinite(float(cell)):
        return f"is {cell!r}, not a finite number: replace it before training"
    return None


def _labels(cells, column, rows, path):
    """The target column's cells, stripped, as an array; DataError naming an empty one's row."""
    labels = np.array([cell.strip() for cell in cells], dtype=str)
    empty = np.flatnonzero(np.char.str_len(labels) == 0)
    if len(empty):
        raise DataError(
            f"target column {column!r} (row {rows[empty[0]]}) of {path} is empty: every "
            "sample needs a label; fill or drop that row"
        )
    return labels


def _is_number(text):
    """True when ``text`` parses as a float (including nan and inf)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _npz_keys(arrays, path):
    """The (X, y, X_test, y_test) key names this .npz uses."""
    for keys in NPZ_KEYS:
        if keys[0] in arrays and keys[1] in arrays:
            return keys
    raise DataError(
        f"{path} holds arrays {', '.join(sorted(arrays)) or '(none)'}, but glassnet needs X and "
        "y (optionally X_test and y_test; x_train, y_train, x_test, y_test also work): "
        "save them with numpy.savez(path, X=..., y=...)"
    )


def feature_array(X, path, dtype):
    """(X as rows, image shape or None): images flattened, uint8 kept, others cast to dtype."""
    if X.dtype.kind not in "biuf" or X.ndim < 2:
        raise DataError(
            f"{path}: X must be a numeric array with one sample per row, "
            f"got {X.dtype} of shape {X.shape}"
        )
    if X.size == 0:
        raise _no_samples(path, X.shape)
    image_shape = tuple(int(d) for d in X.shape[1:]) if X.ndim > 2 else None
    X = X.reshape(len(X), -1)
    if X.dtype != np.uint8:
        X = _finite_features(X.astype(dtype), path)
    return X, image_shape


def _no_samples(path, shape):
    """The DataError for an array with no samples (or no features)."""
    return DataError(
        f"{path} holds an array of shape {tuple(shape)}, with no samples or no features: "
        "a data file needs at least one row and one feature column"
    )


def _finite_features(X, path):
    """X unchanged; DataError naming the first sample and column holding NaN or ±inf."""
    if X.dtype.kind == "f" and not np.all(np.isfinite(X)):
        row, col = np.argwhere(~np.isfinite(X))[0]
        raise DataError(
            f"{path}: feature {col} of sample {row} is {X[row, col]}: replace missing or "
            "infinite values before training"
        )
    return X
