"""``load``: one entry point for the built-in data sets and the user's files."""

import inspect
from pathlib import Path

import numpy as np

from glassnet.errors import DataError, ValidationError

from . import synthetic
from .arrays import cannot_open
from .dataset import Dataset, arrays_provenance
from .images import load_image_set
from .registry import IMAGE_SETS
from .tabular import load_csv, load_npy, load_npz

GENERATORS = {
    "xor": (synthetic.xor, "the four XOR points (0,0) (0,1) (1,0) (1,1), labels x1 XOR x2"),
    "xor-clusters": (
        synthetic.xor_clusters,
        "Gaussian clusters around the four XOR corners, 400 points (σ = 0.15)",
    ),
    "circles": (synthetic.circles, "two concentric circles, 400 points"),
    "moons": (synthetic.moons, "two interleaving half moons, 400 points"),
    "spirals": (synthetic.spirals, "two interleaved spirals of 1.5 turns, 400 points"),
    "blobs": (synthetic.blobs, "three Gaussian blobs in the plane, 400 points"),
}
BUILTIN_NAMES = tuple(GENERATORS) + tuple(IMAGE_SETS)
FILE_LOADERS = {
    ".csv": load_csv,
    ".tsv": load_csv,
    ".txt": load_csv,
    ".npy": load_npy,
    ".npz": load_npz,
}
TEST_STREAM = 1  # the generated test split uses default_rng([seed, TEST_STREAM])


def describe():
    """[(name, one-line description)] of every built-in data set, in BUILTIN_NAMES order."""
    lines = {name: text for name, (_, text) in GENERATORS.items()}
    lines.update({name: spec.description for name, spec in IMAGE_SETS.items()})
    return [(name, lines[name]) for name in BUILTIN_NAMES]


def load(
    name_or_path, *, data_dir=None, target=None, download=True, progress=None, seed=0, **options
):
    """Load a built-in data set by name, or a .csv / .npy / .npz file by path, as a Dataset.

    * Generated 2-D sets (xor-clusters, circles, moons, spirals, blobs) come with a test
      split: a second sample of the same size from the same distribution, drawn from
      ``default_rng([seed, 1])`` (the training split is exactly ``generator(seed=seed)``).
      ``xor`` is the four points and has no test split.  ``options`` go to the generator
      (e.g. ``n=1000, noise=0.3``).
    * The MNIST family: see :func:`glassnet.datasets.images.load_image_set`; ``data_dir``,
      ``download`` and ``progress(done_bytes, total_bytes, filename)`` apply to it.
    * Files: ``target`` chooses the label column of a CSV or .npy file; ``options`` go to
      :func:`load_csv` / :func:`load_npy` / :func:`load_npz` (e.g. ``delimiter``, ``task``).
    """
    key = str(name_or_path).strip().lower().replace("_", "-")
    if not isinstance(name_or_path, Path) and key in BUILTIN_NAMES:
        if target is not None:
            raise ValidationError(
                f"a target column applies to CSV and .npy files; {key} has its own labels"
            )
        if key in GENERATORS:
            return _generated(key, seed, options)
        _check_options(load_image_set, options, key, allowed=())
        return load_image_set(key, data_dir=data_dir, download_missing=download, progress=progress)
    return _load_file(Path(name_or_path), target, options)


def _generated(name, seed, options):
    """A generated 2-D data set, with a test split drawn from an independent stream."""
    generator, _ = GENERATORS[name]
    _check_options(generator, options, name, allowed=None)
    if name == "xor":
        X, y = generator(**options)
        X_test = y_test = None
    else:
        X, y = generator(seed=seed, **options)
        X_test, y_test = generator(seed=np.random.default_rng([seed, TEST_STREAM]), **options)
    return Dataset(
        name=name,
        X_train=X,
        y_train=y,
        X_test=X_test,
        y_test=y_test,
        classes=[int(c) for c in range(int(y.max()) + 1)],
        feature_names=["x1", "x2"],
        task="binary" if y.max() == 1 else "multiclass",
        provenance={
            "generator": name,
            "seed": seed,
            "test_seed": [seed, TEST_STREAM],
            "options": {k: _plain(v) for k, v in options.items()},
            "arrays": arrays_provenance(X_train=X, y_train=y, X_test=X_test, y_test=y_test),
        },
    )


def _load_file(path, target, options):
    """A Dataset from a user's file, by its suffix."""
    loader = FILE_LOADERS.get(path.suffix.lower())
    if not _exists(path):
        if loader is None and "/" not in str(path) and "\\" not in str(path):
            raise DataError(
                f"unknown data set {str(path)!r}: choose one of {', '.join(BUILTIN_NAMES)}, "
                "or give the path of a .csv, .npy or .npz file"
            )
        raise DataError(f"{path} does not exist: check the path (or the current folder)")
    if path.is_dir():
        raise DataError(
            f"{path} is a folder: give a data file, or a data set name with the folder as its "
            "data folder (load(name, data_dir=folder), --data-dir on the command line)"
        )
    if loader is None:
        raise DataError(
            f"{path} is a {path.suffix or 'suffix-less'} file; glassnet reads .csv (also .tsv, "
            ".txt), .npy and .npz files: convert it to one of those"
        )
    if loader is load_npz:
        if target is not None:
            raise ValidationError(
                f"a target column does not apply to {path}: an .npz file "
                "holds its labels in the array y"
            )
        return _call(loader, path, options)
    return _call(loader, path, options, target=target)


def _exists(path):
    """Whether ``path`` exists; DataError when a folder on the way cannot be searched."""
    try:
        return path.exists()
    except OSError as error:
        raise cannot_open(path, error) from None


def _call(loader, path, options, **fixed):
    """loader(path, **fixed, **options), after checking the option names."""
    _check_options(loader, options, path.name, allowed=None)
    return loader(path, **fixed, **options)


def _check_options(function, options, what, allowed):
    """ValidationError for an option ``function`` does not take (``allowed``: override list)."""
    if allowed is None:
        parameters = inspect.signature(function).parameters
        allowed = [p for p in parameters if p not in ("path", "target", "seed")]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        accepted = ", ".join(allowed) or "none"
        raise ValidationError(
            f"option {', '.join(unknown)} does not apply to {what}; accepted options: {accepted}"
        )


def _plain(value):
    """A JSON-friendly form of an option value (arrays become lists)."""
    return np.asarray(value).tolist() if isinstance(value, np.ndarray | list | tuple) else value
