"""What the subcommands share: argument types, data loading, output streams, files.

Heavy modules (rich, glassnet.datasets) are imported inside the functions that need them, so
importing this module costs nothing at `glassnet --help` time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

# ---------------------------------------------------------------- argument types


def _checked(text: str, cast, ok, rule: str):
    """text as cast(text) when ok(value); argparse's usage error naming the rule otherwise."""
    try:
        value = cast(text)
    except ValueError:
        value = None
    if value is None or not ok(value):
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    return _checked(text, int, lambda v: v >= 1, "a positive integer")


def non_negative_int(text: str) -> int:
    """argparse type: an integer ≥ 0 (seeds)."""
    return _checked(text, int, lambda v: v >= 0, "an integer ≥ 0")


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0 (learning rates)."""
    return _checked(text, float, lambda v: 0 < v < float("inf"), "a positive finite number")


def fraction(text: str) -> float:
    """argparse type: a number in [0, 1) (0 turns validation off)."""
    return _checked(text, float, lambda v: 0 <= v < 1, "a number in [0, 1)")


def hidden_sizes(text: str) -> tuple[int, ...]:
    """argparse type: comma-separated positive widths, e.g. 256,128 ("" or "none": no hidden)."""
    if text.strip().lower() in ("", "none"):
        return ()
    parts = [p.strip() for p in text.split(",")]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        sizes = None
    if sizes is None or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(
            f"hidden sizes must be positive integers separated by commas (e.g. 256,128), "
            f"got {text!r}"
        )
    return sizes


def batch_size(text: str) -> int | str:
    """argparse type: 1 (stochastic), N (mini-batch) or "full" (batch gradient descent)."""
    if text.strip().lower() == "full":
        return "full"
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f'must be 1 (stochastic), a positive integer N (mini-batch) or "full", got {text!r}'
        )
    return value


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder of downloaded data sets (default: $GLASSNET_DATA, else ~/.cache/glassnet)",
    )


# ---------------------------------------------------------------- output


def console(stderr: bool = False):
    """A rich Console on stdout (or stderr); colours only on a terminal, honouring NO_COLOR."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def is_tty(stream) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


def print_json(obj) -> None:
    """One JSON object on stdout, on one line."""
    sys.stdout.write(json.dumps(obj, default=_json_default) + "\n")
    sys.stdout.flush()


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(obj, indent: int | None = 2) -> str:
    return json.dumps(obj, indent=indent, default=_json_default)


def write_text(path, text: str) -> Path:
    """Write text to `path` atomically (temporary file + rename); one-line error on failure."""
    from glassnet.errors import GlassnetError
    from glassnet.models.files import atomic_write

    if Path(path).is_dir():
        raise GlassnetError(f"cannot write {path}: it is a folder; give a file name")
    try:
        return atomic_write(path, text.encode("utf-8"))
    except OSError as exc:
        raise GlassnetError(f"cannot write {path}: {exc.strerror}; choose another path") from None


def write_json(path, obj) -> Path:
    return write_text(path, dumps(obj) + "\n")


def fmt_pct(value) -> str:
    return "–" if value is None else f"{100 * value:.2f} %"


def fmt_cost(value) -> str:
    return "–" if value is None else f"{value:.4f}"


# ---------------------------------------------------------------- data


def is_builtin(name: str) -> bool:
    from glassnet import datasets

    key = str(name).strip().lower().replace("_", "-")
    return key in datasets.BUILTIN_NAMES and not Path(name).is_file()


def load_dataset(name: str, data_dir=None, target=None, seed: int = 0, quiet: bool = False):
    """datasets.load with a download progress bar on a terminal (stderr)."""
    from glassnet import datasets

    key = str(name).strip().lower().replace("_", "-")
    if key in datasets.BUILTIN_NAMES and not Path(name).is_file():
        with download_progress(quiet) as progress:
            return datasets.load(key, data_dir=data_dir, progress=progress, seed=seed)
    return read_file(Path(name), target=target, seed=seed)


def read_file(path: Path, **options):
    """datasets.load on a user's file, with the few errors it lets through (a binary file
    read as text, a column name given for a .npy file) turned into one-line DataErrors."""
    from glassnet import datasets
    from glassnet.errors import DataError, GlassnetError

    try:
        return datasets.load(path, **options)
    except GlassnetError:
        raise
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a text file in UTF-8; save it as UTF-8 CSV") from None
    except (ValueError, OSError) as exc:
        raise DataError(f"cannot read {path} ({exc}); check the file and --target") from None


class download_progress:  # noqa: N801 (used as a context manager, like open)
    """progress(done, total, filename) for downloads: a rich bar on a terminal, else lines."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.bar = None
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        return self

    def __call__(self, done, total, filename):
        if self.quiet:
            return
        if not is_tty(sys.stderr):
            if done == 0:
                print(f"downloading {filename} ...", file=sys.stderr, flush=True)
            return
        if self.bar is None:
            from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

            columns = (*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn())
            self.bar = Progress(*columns, console=console(stderr=True), transient=False)
            self.bar.start()
        if filename not in self.tasks:
            self.tasks[filename] = self.bar.add_task(f"downloading {filename}", total=total)
        self.bar.update(self.tasks[filename], completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def file_sha256(path) -> str:
    from glassnet.datasets import file_sha256 as _sha

    return _sha(path)


# ---------------------------------------------------------------- models


def load_model(path):
    """A Network from a model file; ModelFileError (one line) for anything wrong with it."""
    from glassnet.errors import ModelFileError
    from glassnet.models.files import load

    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file; give the .glassnet file")
    try:
        return load(path)
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc.strerror}") from None


def class_labels(net, ids):
    """Original labels (net.metadata["classes"]) for class ids; the ids when none are stored."""
    classes = net.metadata.get("classes")
    if not classes:
        return [int(i) for i in ids]
    return [classes[int(i)] for i in ids]


def target_scale(net):
    """(mean, std) a regression model's targets were standardised with, or None."""
    scale = net.metadata.get("target_scale")
    if not scale:
        return None
    import numpy as np

    return np.asarray(scale["mean"]), np.asarray(scale["std"])


def check_features(net, X, source: str):
    """X reshaped to (N, n_in), or a ValidationError naming the mismatch and the fix."""
    import numpy as np

    from glassnet.errors import ValidationError

    X = np.asarray(X)
    width = int(np.prod(X.shape[1:])) if X.ndim > 1 else 1
    if width != net.n_in:
        names = net.metadata.get("feature_names")
        hint = ""
        if names:
            hint = f" ({', '.join(map(str, names[:8]))}{'…' if len(names) > 8 else ''})"
        raise ValidationError(
            f"the model takes {net.n_in} features{hint} but {source} has {width} per sample; "
            "use data with the same columns the model was trained on"
        )
    return X.reshape(len(X), -1)


def read_feature_csv(path, net, target=None):
    """(X, y-or-None) from a CSV for an existing model: feature columns found by name (the
    model's feature_names) when the header has them; the target column (default: the one the
    model was trained on), if present, as raw text labels y."""
    import csv

    import numpy as np

    from glassnet.errors import DataError

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist: check the path")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            sample = handle.readline()
            handle.seek(0)
            delimiter = ","
            if "," not in sample:
                delimiter = ";" if ";" in sample else ("\t" if "\t" in sample else ",")
            reader = csv.reader(handle, delimiter=delimiter)
            rows = [row for row in reader if any(c.strip() for c in row)]
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a text file in UTF-8; save it as UTF-8 CSV") from None
    if len(rows) < 2:
        raise DataError(f"{path} needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    names = net.metadata.get("feature_names") or []
    target = target if target is not None else net.metadata.get("target")
    if names and all(n in header for n in names):
        columns = [header.index(n) for n in names]
    else:
        columns = [i for i, h in enumerate(header) if h != target]
    X = np.empty((len(rows) - 1, len(columns)), dtype=np.float64)
    for r, row in enumerate(rows[1:]):
        for j, c in enumerate(columns):
            cell = row[c].strip() if c < len(row) else ""
            try:
                X[r, j] = float(cell)
            except ValueError:
                raise DataError(
                    f"{path}: row {r + 2}, column {header[c]!r} holds {cell!r}, not a number; "
                    "fill or fix that value"
                ) from None
    y = None
    if target in header:
        t = header.index(target)
        y = [row[t].strip() if t < len(row) else "" for row in rows[1:]]
    return X, y


# ---------------------------------------------------------------- data for an existing model

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")


def labelled_data(net, data: str, target=None, data_dir=None):
    """(X, y, description) to evaluate `net` on: a built-in set's test split, or a file whose
    labels are mapped to the model's classes."""
    import numpy as np

    if is_builtin(data):
        dataset = load_dataset(data, data_dir)
        if dataset.has_test:
            return dataset.X_test, dataset.y_test, f"{dataset.name} test split"
        return dataset.X_train, dataset.y_train, f"{dataset.name} (all samples)"
    target = target if target is not None else net.metadata.get("target")
    path = Path(data)
    task = "regression" if net.task == "regression" else "classification"
    if path.suffix.lower() == ".npz":
        target = None
    if path.suffix.lower() == ".npy" and not str(target).lstrip("-").isdigit():
        target = None  # a column name from a CSV-trained model: a .npy has the label last
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return _labelled_csv(net, path, target)
    dataset = read_file(path, target=target, task=task)
    X = reorder_features(net, dataset)
    if net.task == "regression":
        return X, np.asarray(dataset.y_train), str(path)
    raw = [dataset.classes[int(i)] for i in dataset.y_train]
    return X, model_class_ids(net, raw, path), str(path)


def _labelled_csv(net, path: Path, target):
    """(X, y, description) from a CSV read for this model: features by the model's names,
    labels from the target column matched to the model's classes (one class is fine here)."""
    import numpy as np

    from glassnet.errors import DataError

    X, raw = read_feature_csv(path, net, target)
    if raw is None:
        raise DataError(
            f"{path} has no column {target!r} with the labels; give the label column with "
            "--target, or use glassnet predict for data without labels"
        )
    if net.task != "regression":
        return X, model_class_ids(net, raw, path), str(path)
    try:
        return X, np.asarray([float(v) for v in raw]), str(path)
    except ValueError:
        raise DataError(f"{path}: the target column {target!r} must hold numbers") from None


def reorder_features(net, dataset):
    """The dataset's X with its columns in the model's feature order (by name when known)."""
    names = net.metadata.get("feature_names")
    X = dataset.X_train
    if names and dataset.feature_names and list(dataset.feature_names) != list(names):
        missing = [n for n in names if n not in dataset.feature_names]
        if not missing:
            X = X[:, [dataset.feature_names.index(n) for n in names]]
    return check_features(net, X, dataset.name)


def model_class_ids(net, raw_labels, source):
    """Class ids of the model for the original labels (matched as text, or as numbers)."""
    import numpy as np

    from glassnet.errors import DataError

    classes = net.metadata.get("classes") or list(range(net.n_out if net.n_out > 1 else 2))
    lookup = {_label_key(c): i for i, c in enumerate(classes)}
    ids = []
    for label in raw_labels:
        key = _label_key(label)
        if key not in lookup:
            raise DataError(
                f"{source} has the label {label!r}, which the model never saw (its classes: "
                f"{', '.join(map(str, classes[:20]))}); evaluate on data with the same labels"
            )
        ids.append(lookup[key])
    return np.asarray(ids, dtype=np.int64)


def _label_key(label) -> str:
    """A comparable form of a label: whole numbers as integers ("1.0" and 1 match)."""
    try:
        number = float(label)
    except (TypeError, ValueError):
        return str(label).strip()
    return str(int(number)) if number == int(number) else repr(number)


def unlabelled_data(net, paths, data_dir=None):
    """(X, names) to predict on: image files, a CSV, .npy or .npz file, or a built-in set."""
    import numpy as np

    from glassnet.errors import DataError

    if all(Path(p).suffix.lower() in IMAGE_SUFFIXES for p in paths):
        from glassnet.datasets import photos as images

        if net.n_in != 784:
            raise DataError(
                f"image files need an image model (784 inputs, 28×28); this model takes "
                f"{net.n_in} features: give a CSV or .npy file instead"
            )
        X = np.stack([images.load_digit(p).reshape(-1) for p in paths])
        return X, [str(p) for p in paths]
    if len(paths) != 1:
        raise DataError("give one data file (or several image files) to predict on")
    data = paths[0]
    if is_builtin(data):
        X, _, _ = labelled_data(net, data, data_dir=data_dir)
        return check_features(net, X, data), list(range(len(X)))
    path = Path(data)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        X, _ = read_feature_csv(path, net)
    elif suffix == ".npy":
        X = _load_npy(path)
    elif suffix == ".npz":
        X = _load_npz_X(path)
    else:
        raise DataError(
            f"{path}: predict reads .csv, .npy, .npz or image files (PNG, JPEG); convert it"
        )
    X = check_features(net, X, str(path))
    return X, list(range(len(X)))


def _load_npy(path):
    import numpy as np

    from glassnet.errors import DataError

    if not path.is_file():
        raise DataError(f"{path} does not exist: check the path")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise DataError(f"{path} is not a readable .npy file ({exc})") from None


def _load_npz_X(path):
    import numpy as np

    from glassnet.errors import DataError

    if not path.is_file():
        raise DataError(f"{path} does not exist: check the path")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            key = "X" if "X" in arrays.files else ("X_test" if "X_test" in arrays.files else None)
            if key is None:
                raise DataError(f"{path} has no array X (it has {', '.join(arrays.files)})")
            return arrays[key]
    except (ValueError, OSError) as exc:
        raise DataError(f"{path} is not a readable .npz file ({exc})") from None
