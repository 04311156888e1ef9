"""A run's data: loaded, its recipe filled in, and split into training, validation and test.

Generated sets are always drawn with data seed 0 and a file's test split is fixed (seed 0), so
`seed` changes the initial weights, the shuffling and the validation split, never the data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from glassnet import datasets
from glassnet.datasets.features import is_builtin, open_dataset
from glassnet.errors import ValidationError
from glassnet.models import recipes
from glassnet.runs import tables
from glassnet.runs.config import RunConfig

STREAMS = {"train_size": 2, "validation": 3}  # default_rng([seed, stream]) per split


@dataclass
class Prepared:
    """The arrays one run trains, validates and tests on, and what they came from."""

    dataset: datasets.Dataset
    is_file: bool
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    digest: str = ""  # SHA-256 of the data, to notice a changed file on resume or replay
    rows: dict = field(default_factory=dict)  # split name → its rows' indices in the dataset
    n_rows: int = 0  # rows of a file before the test hold-out
    test_rows: np.ndarray | None = None  # the held-out rows' numbers in the file

    def weights(self, name: str, sample_weight) -> np.ndarray | None:
        """The sample weights (one per row of the dataset) of the split `name`."""
        if sample_weight is None:
            return None
        return np.asarray(sample_weight, dtype=np.float64)[self.rows[name]]

    def all_rows(self):
        """(X, y, indices) of the training and validation rows, for the refit. A test split
        (a set's own, or one held out of a file with --test-fraction) stays out, as the
        model card's learnt_from records."""
        parts = [part for part in self.splits() if part[0] != "test"]
        X = np.concatenate([X for _, X, _ in parts])
        y = np.concatenate([y for _, _, y in parts])
        return X, y, np.concatenate([self.rows[name] for name, _, _ in parts])

    def splits(self):
        """(name, X, y) of each split that has rows."""
        for name, X, y in (("train", self.X_train, self.y_train),
                           ("validation", self.X_val, self.y_val),
                           ("test", self.X_test, self.y_test)):  # fmt: skip
            if X is not None and len(X):
                yield name, X, y


def load(config: RunConfig, download_progress=None) -> tuple[datasets.Dataset, bool]:
    """(dataset, is_file) for the run's data (generated sets with data seed 0; a file read
    with the run's task, column encoding and target checks: glassnet.runs.tables)."""
    if is_builtin(config.data):
        if config.categorical or config.impute or config.task not in (None, "auto"):
            raise ValidationError(
                f"--task, --categorical and --impute apply to your own files; {config.data} is "
                "a built-in data set"
            )
        return open_dataset(config.data, data_dir=config.data_dir, target=config.target,
                            progress=download_progress)  # fmt: skip
    return tables.read_file(config), True


def resolve(config: RunConfig, dataset: datasets.Dataset, is_file: bool) -> RunConfig:
    """The config with every hyperparameter filled in: the user's value, else the recipe's."""
    if config.recipe:
        recipe = recipes.get(config.recipe)
    else:
        recipe = recipes.choose(dataset.name, len(dataset.X_train), is_file)
    filled = config.to_dict()
    if config.validation is not None and config.folds is None:
        filled["folds"] = 0  # the user's validation split chooses the epochs
    elif config.folds and config.validation is None:
        filled["validation"] = 0.0  # the user's folds do
    elif config.folds == 0 and config.validation is None and recipe.folds:
        filled["validation"] = recipes.RECIPES["tabular"].validation  # the split folds replace
    for key, value in recipe.to_dict().items():
        if key != "name" and filled.get(key) is None:
            filled[key] = value
    filled["recipe"] = recipe.name
    filled["seed"] = filled.get("seed") or 0
    filled["dtype"] = filled.get("dtype") or "float32"
    if filled.get("test_fraction") is None:
        filled["test_fraction"] = 0.2 if is_file and not dataset.has_test else 0.0
    filled["hidden"] = list(filled["hidden"])
    if is_file:
        filled["data"] = str(Path(config.data).resolve())
    if filled.get("data_dir"):
        filled["data_dir"] = str(Path(filled["data_dir"]).resolve())
    return RunConfig.from_dict(filled)


def split(dataset: datasets.Dataset, is_file: bool, config: RunConfig) -> Prepared:
    """Seeded test hold-out (files), training subset (train_size), validation split."""
    seed = config.seed or 0
    X, y = dataset.X_train, dataset.y_train
    X_test, y_test = dataset.X_test, dataset.y_test
    classify = dataset.task != "regression"
    rows = np.arange(len(X))
    test_rows = np.arange(0 if X_test is None else len(X_test)) + len(X)  # a set's own test
    n_rows, held_out = len(X), None
    if X_test is None and config.test_fraction and len(X) >= 10:
        # a fixed split (data seed 0), so runs with different seeds share one test set
        train, test = datasets.train_test_split(X, y, config.test_fraction, 0, classify)
        X, y, X_test, y_test = X[train], y[train], X[test], y[test]
        rows, test_rows = rows[train], rows[test]
        held_out = test
    if config.train_size:
        n = config.train_size
        if n > len(X):
            raise ValidationError(
                f"--train-size {n} is larger than the {len(X)} training samples; "
                f"use at most {len(X)}"
            )
        rng = np.random.default_rng([seed, STREAMS["train_size"]])
        subset = np.sort(rng.choice(len(X), n, replace=False))
        X, y, rows = X[subset], y[subset], rows[subset]
    prepared = Prepared(dataset, is_file, X, y, X_test=X_test, y_test=y_test, n_rows=n_rows,
                        test_rows=held_out)  # fmt: skip
    prepared.rows = {"train": rows, "test": test_rows}
    if config.validation:
        rng = np.random.default_rng([seed, STREAMS["validation"]])
        train, val = datasets.train_test_split(X, y, config.validation, rng, classify)
        prepared.X_train, prepared.y_train = X[train], y[train]
        prepared.X_val, prepared.y_val = X[val], y[val]
        prepared.rows.update(train=rows[train], validation=rows[val])
    prepared.digest = digest(dataset)
    return prepared


def digest(dataset: datasets.Dataset) -> str:
    """SHA-256 of the data: the file's for a user's file, else over the recorded hashes."""
    provenance = dataset.provenance or {}
    if provenance.get("sha256"):
        return provenance["sha256"]
    parts = provenance.get("files") or provenance.get("arrays") or {}
    hashes = {k: v.get("sha256") for k, v in parts.items() if isinstance(v, dict)}
    if not hashes:
        hashes = {name: datasets.array_sha256(getattr(dataset, name))
                  for name in ("X_train", "y_train")}  # fmt: skip
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()
