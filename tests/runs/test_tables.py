"""A table as a practitioner has it: categories, gaps, a task to choose, rare classes, and the
errors that say what is wrong with it. The encoders travel in the model file."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet.columns import TableEncoder
from glassnet.errors import ValidationError


def shop_csv(path, n=300, seed=0, gaps=True):
    """bought (yes/no) from age (with gaps), city (text) and plan (text)."""
    rng = np.random.default_rng(seed)
    lines = ["age,city,plan,bought"]
    for i in range(n):
        city, plan = ("paris", "lyon", "nice")[i % 3], ("free", "pro")[rng.integers(2)]
        age = rng.uniform(18, 70)
        bought = "yes" if (plan == "pro") ^ (city == "nice") else "no"
        shown = "" if gaps and i % 17 == 5 else f"{age:.1f}"
        lines.append(f"{shown},{city},{plan},{bought}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_categories_and_gaps_are_encoded_and_travel_in_the_model(tmp_path, glassnet):
    data, model = shop_csv(tmp_path / "shop.csv"), tmp_path / "shop.glassnet"
    result = gn.run(gn.RunConfig(data=str(data), target="bought", categorical=["city", "plan"],
                                 impute="median", out=str(model)))  # fmt: skip
    assert result.summary["validation_accuracy"] >= 0.95
    net = gn.load(model)
    assert net.card.feature_names == ["age", "city=lyon", "city=nice", "city=paris",
                                      "plan=free", "plan=pro"]  # fmt: skip
    ages = [c for c in net.card.columns.columns if c.name == "age"][0]
    assert 18 < ages.fill < 70  # the median of the training rows
    fresh = tmp_path / "new.csv"
    fresh.write_text("plan,city,age\npro,paris,\nfree,nice,30\nfree,rome,40\n")  # reordered
    predicted = glassnet("predict", model, fresh, "--output", tmp_path / "p.json")
    assert predicted.returncode == 0, predicted.stderr
    rows = json.loads((tmp_path / "p.json").read_text())
    assert [r["prediction"] for r in rows][:2] == ["yes", "yes"]
    evaluated = glassnet("evaluate", model, data, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["balanced_accuracy"] >= 0.95


def test_encoder_round_trips_and_checks_a_damaged_card():
    header, rows = ["x", "c", "y"], [["1", "a", "0"], ["", "b", "1"], ["3", "a", "0"]]
    encoder = TableEncoder.fit(header, rows, "y", ["c"], "mean")
    X = encoder.transform(header, rows)
    np.testing.assert_array_equal(X, [[1, 1, 0], [2, 0, 1], [3, 1, 0]])
    assert TableEncoder.from_dict(encoder.to_dict()) == encoder
    damaged = encoder.to_dict()
    damaged["columns"][0]["fill"] = "two"
    with pytest.raises(ValidationError, match="fill must be a finite number"):
        TableEncoder.from_dict(damaged)
    card = gn.ModelCard(feature_names=["x", "c=a", "c=b"], columns=encoder).to_dict()
    card["feature_names"] = ["x", "c=a"]
    with pytest.raises(ValidationError, match="does not match feature_names"):
        gn.ModelCard.from_dict(card)


def test_integer_ratings_can_be_regression(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 200)
    rating = np.clip(np.round(1 + 4 * x + rng.normal(0, 0.3, 200)), 1, 5).astype(int)
    path = tmp_path / "ratings.csv"
    path.write_text("x,stars\n" + "".join(f"{a:.4f},{r}\n" for a, r in zip(x, rating, strict=True)))
    inferred = gn.run(gn.RunConfig(data=str(path), target="stars", epochs=5))
    assert inferred.network.task == "multiclass"
    forced = gn.run(gn.RunConfig(data=str(path), target="stars", task="regression"))
    assert forced.network.task == "regression"
    assert forced.summary["validation_metrics"]["r2"] > 0.7


def test_class_weight_balanced_raises_the_rare_class_recall(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(800, 2))
    y = (X[:, 0] + 0.7 * rng.normal(size=800) > 1.5).astype(int)  # about 9 % positives
    path = tmp_path / "rare.csv"
    path.write_text(
        "a,b,y\n" + "".join(f"{a:.5f},{b:.5f},{t}\n" for (a, b), t in zip(X, y, strict=True))
    )
    recall = {}
    for weight in (None, "balanced"):
        run = gn.run(gn.RunConfig(data=str(path), target="y", class_weight=weight,
                                  test_fraction=0.2))  # fmt: skip
        recall[weight] = run.summary["test_metrics"]["per_class"][1]["recall"]
    assert recall["balanced"] > recall[None]


def test_the_summary_says_where_the_estimate_comes_from_and_what_was_refit(tmp_path):
    data = shop_csv(tmp_path / "shop.csv", gaps=False)
    run = gn.run(
        gn.RunConfig(data=str(data), target="bought", categorical=["city", "plan"], folds=0)
    )  # a validation split (the default here: 5 folds)
    refit = run.summary["refit"]
    assert refit["rows"] == 300 and refit["estimate_from"] == "validation"
    assert refit["epochs"] == run.history.best_epoch
    assert run.network.card.training["refit"]["rows"] == 300
    assert run.network.card.training["epochs"] == refit["epochs"]  # the saved network's run
    assert "test_metrics" not in run.summary  # every row was learnt from: no test split
    metrics = run.summary["validation_metrics"]
    assert {"accuracy", "balanced_accuracy", "roc_auc", "per_class"} <= set(metrics)
