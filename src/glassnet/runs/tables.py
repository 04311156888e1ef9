"""A run's table: the task it asks for, its columns encoded, its classes weighed, its targets
checked.

    --task auto|classification|regression      integer ratings can be regression
    --categorical colour,size                  text columns one-hot encoded (glassnet.columns)
    --impute mean|median|most-frequent         missing cells filled
    --class-weight balanced                    wₙ = N / (K · N_class(n)), mean 1

The encoder travels in the model card (`card.columns`), so `predict` and `evaluate` on a raw
new file encode it exactly as training did.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassnet import datasets
from glassnet.columns import TableEncoder
from glassnet.datasets.features import read_dataset
from glassnet.datasets.tabular import encode_labels, read_rows
from glassnet.errors import DataError, ValidationError
from glassnet.runs.config import RunConfig

TABLE_SUFFIXES = (".csv", ".tsv", ".txt")


@dataclass
class EncodedTable(datasets.Dataset):
    """A CSV read through a column encoder, which the model card keeps."""

    columns: TableEncoder | None = None


def task_option(config: RunConfig) -> str | None:
    """The `task` a reader takes: None (infer it) for auto."""
    return None if config.task in (None, "auto") else config.task


def read_file(config: RunConfig) -> datasets.Dataset:
    """The run's file as a Dataset (an EncodedTable with --categorical or --impute), checked
    for a target something can be learned from."""
    path = Path(config.data)
    if config.categorical or config.impute:
        if path.suffix.lower() not in TABLE_SUFFIXES:
            raise DataError(
                f"--categorical and --impute apply to CSV files; {path.name} is not one"
            )
        dataset = read_encoded_csv(path, config)
    else:
        dataset = read_dataset(path, target=config.target, task=task_option(config))
    check_target(dataset, str(path))
    return dataset


def read_encoded_csv(path: Path, config: RunConfig) -> EncodedTable:
    """A CSV whose text columns are one-hot encoded and missing cells filled."""
    from glassnet.datasets.dataset import file_sha256
    from glassnet.datasets.tabular import _labels, _target_index

    header, rows, numbers = read_rows(path)
    column = _target_index(header, config.target, path)
    target = header[column]
    encoder = TableEncoder.fit(header, rows, target, config.categorical or (), config.impute,
                               str(path), numbers)  # fmt: skip
    X = encoder.transform(header, rows, str(path), numbers).astype(np.float32)
    labels = _labels([row[column] for row in rows], target, numbers, path)
    y, classes, kind = encode_labels(labels, task=task_option(config), column=target,
                                     row_numbers=numbers)  # fmt: skip
    provenance = {"source": str(path.resolve()), "sha256": file_sha256(path), "target": target,
                  "format": "csv"}  # fmt: skip
    return EncodedTable(name=path.stem, X_train=X, y_train=y, classes=classes,
                        feature_names=encoder.feature_names, task=kind, provenance=provenance,
                        columns=encoder)  # fmt: skip


def check_target(dataset: datasets.Dataset, source: str) -> None:
    """DataError for a target nothing can be learned from: a constant regression target, or
    a classification target with (nearly) one class per row."""
    y = np.asarray(dataset.y_train)
    if dataset.task == "regression":
        if len(y) and np.all(y == y.reshape(len(y), -1)[0]):
            raise DataError(
                f"the target of {source} has the same value in every row: there is nothing to "
                "learn; check the target column (--target)"
            )
        return
    k, n = dataset.n_classes or 0, len(y)
    if k * 2 > n:
        raise DataError(
            f"the target of {source} has {k} classes for {n} rows (fewer than two rows per "
            "class): a classifier cannot learn that; check --target, or use --task regression "
            "for numbers"
        )


def row_weights(config: RunConfig, dataset: datasets.Dataset, sample_weight) -> np.ndarray | None:
    """A weight per row of the dataset's training data: the sample weights given (API), times
    the class weights of --class-weight balanced; None when neither is asked for."""
    n = len(dataset.X_train)
    weights = None
    if sample_weight is not None:
        weights = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        if len(weights) != n:
            raise ValidationError(f"sample_weight has {len(weights)} weights for {n} rows")
    if config.class_weight == "balanced":
        if dataset.task == "regression":
            raise ValidationError("--class-weight balanced needs classes; the target is numbers")
        balanced = class_weights(dataset.y_train, dataset.n_classes)
        weights = balanced if weights is None else weights * balanced
    return weights


def class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """'balanced' weights: wₙ = N / (K · N_c) for the class c of sample n (mean 1), so each
    class carries the same total weight."""
    y = np.asarray(y, dtype=np.int64)
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    present = counts > 0
    weight = np.zeros(n_classes)
    weight[present] = len(y) / (present.sum() * counts[present])
    return weight[y]
