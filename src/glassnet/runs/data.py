"""A run's data: loaded, its recipe filled in, and split into training, validation and test.

Generated sets are always drawn with data seed 0 and a file's test split is fixed (seed 0), so
`seed` changes the initial weights, the shuffling and the validation split, never the data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassnet import datasets
from glassnet.datasets.features import open_dataset
from glassnet.errors import ValidationError
from glassnet.models import recipes
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
    n_rows: int = 0  # rows of a file before the test hold-out
    test_rows: np.ndarray | None = None  # the held-out rows' numbers in the file

    def splits(self):
        """(name, X, y) of each split that has rows."""
        for name, X, y in (("train", self.X_train, self.y_train),
                           ("validation", self.X_val, self.y_val),
                           ("test", self.X_test, self.y_test)):  # fmt: skip
            if X is not None and len(X):
                yield name, X, y


def load(config: RunConfig, download_progress=None) -> tuple[datasets.Dataset, bool]:
    """(dataset, is_file) for the run's data (generated sets with data seed 0)."""
    return open_dataset(config.data, data_dir=config.data_dir, target=config.target,
                        progress=download_progress)  # fmt: skip


def resolve(config: RunConfig, dataset: datasets.Dataset, is_file: bool) -> RunConfig:
    """The config with every hyperparameter filled in: the user's value, else the recipe's."""
    if config.recipe:
        recipe = recipes.get(config.recipe)
    else:
        recipe = recipes.choose(dataset.name, len(dataset.X_train), is_file)
    filled = config.to_dict()
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
    n_rows, test_rows = len(X), None
    if X_test is None and config.test_fraction and len(X) >= 10:
        # a fixed split (data seed 0), so runs with different seeds share one test set
        train, test = datasets.train_test_split(X, y, config.test_fraction, 0, classify)
        X, y, X_test, y_test = X[train], y[train], X[test], y[test]
        test_rows = test
    if config.train_size:
        n = config.train_size
        if n > len(X):
            raise ValidationError(
                f"--train-size {n} is larger than the {len(X)} training samples; "
                f"use at most {len(X)}"
            )
        rng = np.random.default_rng([seed, STREAMS["train_size"]])
        subset = np.sort(rng.choice(len(X), n, replace=False))
        X, y = X[subset], y[subset]
    prepared = Prepared(dataset, is_file, X, y, X_test=X_test, y_test=y_test, n_rows=n_rows,
                        test_rows=test_rows)  # fmt: skip
    if config.validation:
        rng = np.random.default_rng([seed, STREAMS["validation"]])
        train, val = datasets.train_test_split(X, y, config.validation, rng, classify)
        prepared.X_train, prepared.y_train = X[train], y[train]
        prepared.X_val, prepared.y_val = X[val], y[val]
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
