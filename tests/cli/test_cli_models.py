"""End to end: evaluate, predict and info on saved models; CSV edge cases through the CLI."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

import glassnet as gn


def assert_one_line_error(result, *words):
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def fruit_rows(n=240, seed=0):
    """Three string classes on features of very different scales."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        kind = ("apple", "banana", "cherry")[i % 3]
        k = i % 3
        weight = rng.normal(150 + 60 * k, 10)  # grams
        sugar = rng.normal(0.10 + 0.05 * k, 0.01)  # fraction
        rows.append([f"{weight:.2f}", f"{sugar:.4f}", kind])
    return rows


@pytest.fixture(scope="module")
def fruit(glassnet, tmp_path_factory):
    """(data file, trained model file) for a string-labelled CSV, trained with no flags."""
    folder = tmp_path_factory.mktemp("fruit")
    data = write_csv(folder / "fruit.csv", ["weight", "sugar", "kind"], fruit_rows())
    model = folder / "fruit.glassnet"
    result = glassnet("train", data, "--target", "kind", "--out", model, "--json")
    assert result.returncode == 0, result.stderr
    return data, model, json.loads(result.stdout)


def test_csv_with_string_labels_trains_well_with_no_other_flag(fruit):
    _, model, summary = fruit
    assert summary["validation_accuracy"] >= 0.95
    assert "n_test" not in summary  # the model learns from every row; validation estimates
    assert summary["n_validation"] == 240  # 5-fold cross-validation: every row held out once
    assert summary["refit"]["estimate_from"] == "5-fold cross-validation"
    net = gn.load(model)
    assert net.card.classes == ["apple", "banana", "cherry"]
    assert net.card.feature_names == ["weight", "sugar"]
    assert net.card.target == "kind"
    assert len(net.card.data["sha256"]) == 64
    assert type(net.layers[0]).__name__ == "Standardize"


def test_predict_gives_back_the_original_labels_as_csv_and_json(glassnet, fruit, tmp_path):
    data, model, _ = fruit
    features = write_csv(tmp_path / "new.csv", ["weight", "sugar"],
                         [["150", "0.10"], ["270", "0.20"]])  # fmt: skip
    result = glassnet("predict", model, features, "--proba")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["prediction"] for r in rows] == ["apple", "cherry"]
    assert set(rows[0]) == {"input", "prediction", "p_apple", "p_banana", "p_cherry"}
    assert abs(sum(float(rows[0][f"p_{c}"]) for c in ("apple", "banana", "cherry")) - 1) < 1e-4
    out = tmp_path / "predictions.json"
    result = glassnet("predict", model, data, "--output", out)
    assert result.returncode == 0, result.stderr
    predictions = json.loads(out.read_text())
    assert len(predictions) == 240 and predictions[0]["prediction"] in ("apple", "banana", "cherry")


def test_evaluate_reports_accuracy_per_class_and_confusion(glassnet, fruit):
    data, model, _ = fruit
    # every row of the training file: --split all (issue 17: held-out rows by default)
    result = glassnet("evaluate", model, data, "--json", "--split", "all")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["accuracy"] > 0.95 and report["loss"] > 0
    assert [row["class"] for row in report["per_class"]] == ["apple", "banana", "cherry"]
    assert np.sum(report["confusion_matrix"]) == 240
    text = glassnet("evaluate", model, data)
    assert "precision" in text.stdout and "confusion matrix" in text.stdout


def test_evaluate_on_a_file_of_one_class_and_on_a_file_without_labels(glassnet, fruit, tmp_path):
    _, model, _ = fruit
    apples = [r for r in fruit_rows(60) if r[2] == "apple"]
    data = write_csv(tmp_path / "apples.csv", ["sugar", "kind", "weight"],
                     [[r[1], r[2], r[0]] for r in apples])  # fmt: skip
    report = json.loads(glassnet("evaluate", model, data, "--json").stdout)
    assert report["n"] == 20 and report["per_class"][0]["support"] == 20
    assert report["accuracy"] > 0.9
    unlabelled = write_csv(tmp_path / "x.csv", ["weight", "sugar"], [["150", "0.1"]])
    assert_one_line_error(glassnet("evaluate", model, unlabelled), "no column 'kind'")


def test_info_shows_architecture_parameters_training_and_provenance(glassnet, fruit):
    data, model, _ = fruit
    result = glassnet("info", model)
    assert result.returncode == 0, result.stderr
    for words in ("Dense(2→64)", "parameters", "training:", "cross_entropy", "SHA-256", "kind"):
        assert words in result.stdout, words
    info = json.loads(glassnet("info", model, "--json").stdout)
    assert info["parameters"] == gn.load(model).n_params
    assert info["data"]["path"] == str(data.resolve())


def test_builtin_dataset_evaluates_on_its_test_split(glassnet, tmp_path):
    model = tmp_path / "x.glassnet"
    assert glassnet("train", "xor-clusters", "--epochs", "20", "--out", model,
                    "--quiet").returncode == 0  # fmt: skip
    report = json.loads(glassnet("evaluate", model, "xor-clusters", "--json").stdout)
    assert report["n"] == 400 and report["accuracy"] > 0.9


# ---------------------------------------------------------------- what a user can get wrong


def test_missing_and_corrupt_model_files(glassnet, tmp_path, fruit):
    data, model, _ = fruit
    assert_one_line_error(glassnet("evaluate", tmp_path / "nope.glassnet", data), "does not exist")
    garbage = tmp_path / "garbage.glassnet"
    garbage.write_bytes(b"this is not a model at all, just some text" * 10)
    assert_one_line_error(glassnet("predict", garbage, data), "not a glassnet model file")
    truncated = tmp_path / "truncated.glassnet"
    truncated.write_bytes(model.read_bytes()[:-100])
    assert_one_line_error(glassnet("info", truncated), str(truncated))


def test_shape_mismatch_between_model_and_data(glassnet, tmp_path, fruit):
    _, model, _ = fruit
    wide = write_csv(tmp_path / "wide.csv", ["a", "b", "c"], [["1", "2", "3"], ["4", "5", "6"]])
    assert_one_line_error(glassnet("predict", model, wide), "takes 2 features", "has 3")
    digits = tmp_path / "d.png"
    from PIL import Image

    Image.new("L", (28, 28), 255).save(digits)
    assert_one_line_error(glassnet("predict", model, digits), "784 inputs")


def test_wrong_target_column_names_the_columns(glassnet, tmp_path, fruit):
    data, _, _ = fruit
    result = glassnet("train", data, "--target", "colour")
    assert_one_line_error(result, "colour", "weight, sugar, kind")


def test_csv_missing_value_names_row_and_column(glassnet, tmp_path):
    rows = fruit_rows(30)
    rows[6][1] = ""
    data = write_csv(tmp_path / "gap.csv", ["weight", "sugar", "kind"], rows)
    assert_one_line_error(glassnet("train", data, "--target", "kind"), "sugar", "row 8")


def test_csv_text_feature_is_named(glassnet, tmp_path):
    rows = [r[:2] + [("red", "green")[i % 2]] + r[2:] for i, r in enumerate(fruit_rows(30))]
    data = write_csv(tmp_path / "text.csv", ["weight", "sugar", "colour", "kind"], rows)
    assert_one_line_error(glassnet("train", data, "--target", "kind"), "colour")


def test_csv_single_class_is_refused(glassnet, tmp_path):
    rows = [r[:2] + ["apple"] for r in fruit_rows(30)]
    data = write_csv(tmp_path / "one.csv", ["weight", "sugar", "kind"], rows)
    assert_one_line_error(glassnet("train", data, "--target", "kind"), "two classes")


def test_csv_without_header_is_refused(glassnet, tmp_path):
    data = write_csv(tmp_path / "bare.csv", None, [[1, 2, 0], [3, 4, 1], [5, 6, 0]])
    assert_one_line_error(glassnet("train", data), "no header row")


def test_npz_file_trains_and_predicts(glassnet, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    model = tmp_path / "d.glassnet"
    result = glassnet("train", tmp_path / "d.npz", "--out", model, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["validation_accuracy"] > 0.85
    predicted = glassnet("predict", model, tmp_path / "d.npz")
    assert predicted.returncode == 0 and len(predicted.stdout.splitlines()) == 201


def test_binary_file_and_unwritable_output_are_one_line_errors(glassnet, tmp_path, fruit):
    _, model, _ = fruit
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    assert_one_line_error(glassnet("train", binary), "not a text file")
    assert_one_line_error(glassnet("predict", model, binary), "not a text file")
    features = write_csv(tmp_path / "new.csv", ["weight", "sugar"], [["150", "0.10"]])
    assert_one_line_error(glassnet("predict", model, features, "--output", tmp_path), "folder")
    missing = tmp_path / "no" / "such" / "out.csv"
    assert_one_line_error(glassnet("predict", model, features, "--output", missing), "cannot write")
