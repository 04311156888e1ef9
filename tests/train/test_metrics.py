"""glassnet.train.metrics agrees with scikit-learn's implementations of the same formulas."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

from glassnet.train import metrics


@pytest.fixture
def predictions():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    y_pred = np.where(rng.random(200) < 0.7, y, rng.integers(0, 3, 200))
    return y, y_pred


def test_classification_metrics_match_scikit_learn(predictions):
    y, y_pred = predictions
    result = metrics.classification(y, y_pred, 3)
    assert result["accuracy"] == pytest.approx(sk.accuracy_score(y, y_pred))
    assert result["balanced_accuracy"] == pytest.approx(sk.balanced_accuracy_score(y, y_pred))
    precision, recall, f1, support = sk.precision_recall_fscore_support(y, y_pred)
    for k, row in enumerate(result["per_class"]):
        assert row["precision"] == pytest.approx(precision[k])
        assert row["recall"] == pytest.approx(recall[k])
        assert row["f1"] == pytest.approx(f1[k])
        assert row["support"] == support[k]
    assert result["confusion_matrix"] == sk.confusion_matrix(y, y_pred).tolist()
    assert "roc_auc" not in result


def test_roc_auc_matches_scikit_learn_with_ties():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    scores = np.round(y * 0.3 + rng.random(300), 1)  # rounded: many ties
    proba = np.column_stack([1 - scores, scores])
    result = metrics.classification(y, scores > 0.5, 2, proba)
    assert result["roc_auc"] == pytest.approx(sk.roc_auc_score(y, scores))
    assert metrics.roc_auc(np.ones(5), np.arange(5)) is None  # one class: undefined


def test_a_class_never_predicted_has_no_precision():
    result = metrics.classification([0, 1, 2, 2], [0, 1, 1, 1], 3)
    assert result["per_class"][2]["precision"] is None
    assert result["per_class"][2]["recall"] == 0.0
    assert result["balanced_accuracy"] == pytest.approx((1 + 1 + 0) / 3)


def test_regression_metrics_match_scikit_learn():
    rng = np.random.default_rng(2)
    y = rng.normal(10, 3, 100)
    y_hat = y + rng.normal(0, 1, 100)
    result = metrics.regression(y, y_hat)
    assert result["rmse"] == pytest.approx(np.sqrt(sk.mean_squared_error(y, y_hat)))
    assert result["mae"] == pytest.approx(sk.mean_absolute_error(y, y_hat))
    assert result["r2"] == pytest.approx(sk.r2_score(y, y_hat))
    assert metrics.regression([2.0, 2.0], [2.0, 2.5])["r2"] is None
