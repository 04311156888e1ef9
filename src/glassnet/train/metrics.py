"""Counting a classifier's answers and measuring a regressor's errors (NumPy only).

    classification(y, ŷ, k, proba)   accuracy, balanced accuracy, per-class precision, recall,
                                     F1 and support, the confusion matrix, ROC-AUC (binary)
    regression(y, ŷ)                 RMSE, MAE, R²

For class c with TP true positives, FP false positives and FN false negatives:
precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2·P·R / (P + R); balanced accuracy is
the mean recall over the classes present. ROC-AUC is the probability that a random positive
scores above a random negative (ties count ½), from the ranks (Mann–Whitney U). R² = 1 − SS_res
/ SS_tot. The numbers agree with scikit-learn's (tests/train/test_metrics.py checks them).
"""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true, y_pred, k: int) -> np.ndarray:
    """counts[i, j] = how many samples of true class i were predicted as class j."""
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true).astype(int), np.asarray(y_pred).astype(int)), 1)
    return counts


def _ratio(top: float, bottom: float) -> float | None:
    return float(top / bottom) if bottom else None


def per_class(matrix: np.ndarray, classes) -> list[dict]:
    """Precision, recall, F1 and support of each class (None where undefined: 0/0)."""
    rows = []
    for i, label in enumerate(classes):
        hits, predicted, actual = matrix[i, i], matrix[:, i].sum(), matrix[i].sum()
        precision, recall = _ratio(hits, predicted), _ratio(hits, actual)
        f1 = None
        if precision is not None and recall is not None:
            f1 = _ratio(2 * precision * recall, precision + recall) or 0.0
        rows.append({"class": label, "precision": precision, "recall": recall, "f1": f1,
                     "support": int(actual)})  # fmt: skip
    return rows


def roc_auc(y_true, scores) -> float | None:
    """Area under the ROC curve of scores for the positive class 1 (None with one class)."""
    y_true = np.asarray(y_true).astype(bool)
    n_pos, n_neg = int(y_true.sum()), int((~y_true).sum())
    if not n_pos or not n_neg:
        return None
    ranks = _average_ranks(np.asarray(scores, dtype=np.float64))
    u = ranks[y_true].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1…N, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    ranks = np.empty(len(values))
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2
    return ranks


def classification(y_true, y_pred, k: int, proba=None, classes=None) -> dict:
    """The metrics a practitioner reads, for class ids y_true and y_pred (and probabilities
    proba (N, k) for ROC-AUC when k = 2)."""
    y_true, y_pred = np.asarray(y_true).astype(int), np.asarray(y_pred).astype(int)
    classes = list(range(k)) if classes is None else list(classes)
    matrix = confusion_matrix(y_true, y_pred, k)
    rows = per_class(matrix, classes)
    recalls = [r["recall"] for r in rows if r["recall"] is not None]
    result = {
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else None,
        "balanced_accuracy": float(np.mean(recalls)) if recalls else None,
        "per_class": rows,
        "confusion_matrix": matrix.tolist(),
        "classes": classes,
    }
    if k == 2 and proba is not None:
        result["roc_auc"] = roc_auc(y_true, np.asarray(proba)[:, 1])
    return result


def regression(y_true, y_pred) -> dict:
    """RMSE, MAE and R² (over every output) in the target's own units."""
    y_true = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    error = np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape) - y_true
    total = float(np.sum((y_true - y_true.mean(axis=0)) ** 2))
    residual = float(np.sum(error**2))
    return {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mae": float(np.mean(np.abs(error))),
        "r2": 1.0 - residual / total if total else None,
    }
