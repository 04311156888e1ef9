"""The Dataset record every loader returns, and the hashes that record where data came from."""

import hashlib
from dataclasses import dataclass, field

import numpy as np

from glassnet.errors import ValidationError

TASKS = ("multiclass", "binary", "regression")
HASH_CHUNK = 1 << 20


@dataclass(repr=False)
class Dataset:
    """Arrays for training (and testing) plus what a saved model must remember about them.

    * ``X_train`` (N, D) and ``y_train`` (N,): samples are rows.  ``y`` holds class ids
      0..K−1 (int64) for classification, floats for regression.
    * ``X_test``, ``y_test``: the held-out split, or None when the source has none.
    * ``classes``: the original label of each class id (JSON-serialisable), None for regression.
    * ``feature_names``: one name per column of X, or None.
    * ``task``: "multiclass", "binary" or "regression".
    * ``image_shape``: (28, 28) for the MNIST family, so a row can be shown as an image.
    * ``input_scale``: 255.0 when X holds raw uint8 pixels (a model divides by it), else None.
    * ``provenance``: where the arrays came from (paths, URLs, seeds) and their SHA-256.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    classes: list | None = None
    feature_names: list[str] | None = None
    task: str = "multiclass"
    image_shape: tuple[int, ...] | None = None
    input_scale: float | None = None
    provenance: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValidationError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        _check_pair("train", self.X_train, self.y_train)
        if self.X_test is not None or self.y_test is not None:
            _check_pair("test", self.X_test, self.y_test)

    @property
    def n_features(self):
        """Number of input columns D."""
        return int(np.prod(self.X_train.shape[1:]))

    @property
    def n_classes(self):
        """Number of classes K, or None for regression."""
        return None if self.classes is None else len(self.classes)

    @property
    def has_test(self):
        """True when the data set comes with a held-out test split."""
        return self.X_test is not None

    def __repr__(self):
        test = f", test={self.X_test.shape}" if self.has_test else ""
        classes = "" if self.classes is None else f", classes={len(self.classes)}"
        return (
            f"Dataset({self.name!r}, train={self.X_train.shape}{test}, "
            f"task={self.task!r}{classes}, dtype={self.X_train.dtype})"
        )


def _check_pair(split, X, y):
    """Raise ValidationError unless X and y are both given and have the same number of rows."""
    if X is None or y is None:
        raise ValidationError(f"X_{split} and y_{split} must be given together")
    if len(X) != len(y):
        raise ValidationError(f"X_{split} has {len(X)} rows but y_{split} has {len(y)} labels")


def array_sha256(a):
    """SHA-256 (hex) of an array's bytes in C order; dtype and shape are not part of it."""
    a = np.ascontiguousarray(a)
    return hashlib.sha256(a.reshape(-1).view(np.uint8)).hexdigest()


def arrays_provenance(**arrays):
    """{name: {"shape", "dtype", "sha256"}} for each array that is not None."""
    return {
        key: {"shape": list(a.shape), "dtype": str(a.dtype), "sha256": array_sha256(a)}
        for key, a in arrays.items()
        if a is not None
    }


def file_digests(path, algorithms=("sha256",)):
    """{algorithm: hex digest} of a file's bytes, read once in 1 MiB chunks."""
    hashes = {name: hashlib.new(name) for name in algorithms}
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            for h in hashes.values():
                h.update(chunk)
    return {name: h.hexdigest() for name, h in hashes.items()}


def file_sha256(path):
    """SHA-256 (hex) of a file's bytes."""
    return file_digests(path)["sha256"]
