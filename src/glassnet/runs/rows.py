"""Which rows a model learnt from, and choosing the rows to score it on (`--split`).

A run records in the model card (`card.learnt_from`) the SHA-256 of its data and the split:

    {"sha256": "…", "kind": "file", "rows": 150, "test_rows": [3, 7, …], "test_fraction": 0.2}
    {"sha256": "…", "kind": "builtin", "name": "moons"}   # a built-in set: its own test split

The card checks the field (ModelCard._check_learnt_from). `select_file` and `select_builtin`
then give the rows `evaluate`, `plot confusion` and `report` score: the held-out test rows by
default ("test"), the rows training could use ("train": all but the test rows, the validation
rows included) or every row ("all"), and a sentence that says which rows those are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassnet.errors import DataError

SPLITS = ("test", "train", "all")


@dataclass
class Rows:
    """The rows chosen to score on, and the sentence the output prints about them."""

    X: np.ndarray
    y: np.ndarray
    split: str  # "test", "train" or "all"
    description: str


def record(digest: str, is_file: bool, name: str, n_rows: int, test_rows, fraction) -> dict:
    """What card.learnt_from holds for a run (see the module docstring)."""
    if not is_file:
        return {"sha256": digest, "kind": "builtin", "name": name}
    test = [] if test_rows is None else [int(i) for i in test_rows]
    return {"sha256": digest, "kind": "file", "rows": int(n_rows), "test_rows": test,
            "test_fraction": float(fraction or 0.0)}  # fmt: skip


def select_file(net, X, y, path, split: str) -> Rows:
    """The rows of a user's file to score: by the model's record when the file is the one it
    was trained on (same SHA-256), else every row (a file the model never saw)."""
    from glassnet.datasets.dataset import file_sha256

    learnt = net.card.learnt_from or {}
    name = Path(path).name
    same = learnt.get("kind") == "file" and learnt.get("sha256") == file_sha256(Path(path))
    if not same:
        if split != "all" and learnt:
            return Rows(X, y, "all", f"all {len(X)} rows of {name} (not the file the model "
                        "was trained on: its SHA-256 differs, so glassnet cannot tell which of "
                        "these rows, if any, the model learnt from)")  # fmt: skip
        return Rows(X, y, "all", f"all {len(X)} rows of {name}")
    if learnt["rows"] != len(X):
        raise DataError(
            f"{name} has {len(X)} rows but the model learnt from {learnt['rows']} rows of a "
            "file with the same SHA-256; use --split all"
        )
    test = np.zeros(len(X), dtype=bool)
    test[learnt["test_rows"]] = True
    if split == "all":
        return Rows(X, y, "all", f"all {len(X)} rows of {name}, {int((~test).sum())} of "
                    "which the model learnt from")  # fmt: skip
    if not test.any() and split == "test":  # the tabular recipe's refit learns from every row
        return Rows(X, y, "all", f"all {len(X)} rows of {name}, every one of which the model "
                    "learnt from (no test rows were held out): this measures fit, not "
                    "generalisation; the held-out estimate is the validation figure training "
                    "printed (train with --test-fraction 0.2 to keep test rows)")  # fmt: skip
    chosen = test if split == "test" else ~test
    what = "held-out test rows" if split == "test" else "training rows (learnt from)"
    return Rows(X[chosen], y[chosen], split, f"the {int(chosen.sum())} {what} of {name}")


def select_builtin(dataset, split: str) -> Rows:
    """A built-in set's own splits: its test split by default."""
    name = dataset.name
    X, y = dataset.X_train, dataset.y_train
    if not dataset.has_test:
        return Rows(X, y, "all", f"all {len(X)} samples of {name} (it has no test split)")
    if split == "test":
        n = len(dataset.X_test)
        return Rows(dataset.X_test, dataset.y_test, "test",
                    f"the {n} samples of {name}'s test split (held out)")  # fmt: skip
    if split == "train":
        return Rows(X, y, "train", f"the {len(X)} samples of {name}'s training split")
    X = np.concatenate([dataset.X_train, dataset.X_test])
    y = np.concatenate([dataset.y_train, dataset.y_test])
    return Rows(X, y, "all", f"all {len(X)} samples of {name} (training and test splits)")
