"""glassnet train on a practitioner's table: the options of issue 12, the metrics it prints,
and one clear line for each table nothing can be learned from."""

from __future__ import annotations

import json

import numpy as np
import pytest


def assert_one_line_error(result, *words):
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def table(path, header, rows):
    path.write_text(",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def numbers(n=60, seed=0):
    return np.random.default_rng(seed).normal(size=n).round(3)


def test_text_in_a_number_column_names_the_column_and_the_flag(glassnet, tmp_path):
    rows = [[x, ("red", "blue")[i % 2], i % 2] for i, x in enumerate(numbers())]
    data = table(tmp_path / "t.csv", ["x", "colour", "y"], rows)
    assert_one_line_error(glassnet("train", data, "--target", "y"), "colour", "--categorical")
    trained = glassnet("train", data, "--target", "y", "--categorical", "colour", "--json")
    assert trained.returncode == 0, trained.stderr


def test_an_all_missing_column_is_refused(glassnet, tmp_path):
    rows = [[x, "", i % 2] for i, x in enumerate(numbers())]
    data = table(tmp_path / "t.csv", ["x", "empty", "y"], rows)
    result = glassnet("train", data, "--target", "y", "--impute", "mean")
    assert_one_line_error(result, "'empty'", "every row")


def test_one_class_only_is_refused(glassnet, tmp_path):
    data = table(tmp_path / "t.csv", ["x", "y"], [[x, "a"] for x in numbers()])
    assert_one_line_error(glassnet("train", data, "--target", "y", "--task", "classification"),
                          "two classes")  # fmt: skip


def test_more_classes_than_rows_can_hold_is_refused(glassnet, tmp_path):
    data = table(tmp_path / "t.csv", ["x", "id"], [[x, f"row{i}"] for i, x in enumerate(numbers())])
    assert_one_line_error(glassnet("train", data, "--target", "id"), "60 classes for 60 rows")


def test_a_constant_target_is_refused(glassnet, tmp_path):
    data = table(tmp_path / "t.csv", ["x", "price"], [[x, 4.5] for x in numbers()])
    result = glassnet("train", data, "--target", "price", "--task", "regression")
    assert_one_line_error(result, "same value in every row")


def test_table_options_on_a_built_in_set_are_a_clear_error(glassnet):
    assert_one_line_error(glassnet("train", "moons", "--impute", "mean"), "your own files")


@pytest.mark.parametrize("flags", [["--impute", "avg"], ["--task", "ranking"],
                                   ["--class-weight", "even"]])  # fmt: skip
def test_bad_option_values_are_usage_errors(glassnet, flags):
    result = glassnet("train", "moons", *flags)
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_train_prints_the_metrics_and_the_refit(glassnet, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2)).round(4)
    rows = [[a, b, "spam" if a + b > 0 else "ham"] for a, b in X]
    data = table(tmp_path / "mail.csv", ["a", "b", "kind"], rows)
    result = glassnet("train", data, "--target", "kind")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for words in ("balanced accuracy", "ROC-AUC", "F1", "refit on all 300 rows", "held out"):
        assert words in out, out
    summary = json.loads(glassnet("train", data, "--target", "kind", "--json").stdout)
    assert "test_metrics" not in summary  # the model learnt from every row: no test split
    assert summary["validation_metrics"]["roc_auc"] > 0.95
    assert summary["validation_metrics"]["balanced_accuracy"] > 0.9


def test_train_prints_regression_metrics(glassnet, tmp_path):
    x = numbers(200)
    data = table(tmp_path / "r.csv", ["x", "price"], [[v, round(3 * v + 10, 3)] for v in x])
    result = glassnet("train", data, "--target", "price")
    assert result.returncode == 0, result.stderr
    assert "RMSE" in result.stdout and "R²" in result.stdout and "refit on all 200" in result.stdout
