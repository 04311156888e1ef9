"""Counting a classifier's answers: the metrics live in glassnet.train.metrics (a run's summary
reports them too); the experiments use them from here."""

from __future__ import annotations

from glassnet.train.metrics import classification, confusion_matrix, per_class, regression, roc_auc

__all__ = ["classification", "confusion_matrix", "per_class", "regression", "roc_auc"]
