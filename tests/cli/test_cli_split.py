"""Which rows a model learnt from (issue 17): the card records the data's SHA-256 and split;
evaluate, plot confusion and report score the held-out rows by default and say which."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest

import glassnet as gn


def iris_like(path, n=150, seed=0):
    """Three classes of four features, separable but not trivially (so the splits differ)."""
    rng = np.random.default_rng(seed)
    k = np.arange(n) % 3
    X = rng.normal(size=(n, 4)) + 1.2 * k[:, None]
    names = np.array(["setosa", "versicolor", "virginica"])[k]
    lines = ["a,b,c,d,species"] + [",".join(f"{v:.3f}" for v in x) + f",{c}"
                                   for x, c in zip(X, names, strict=True)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def trained(glassnet, tmp_path_factory):
    folder = tmp_path_factory.mktemp("split")
    data = iris_like(folder / "iris.csv")
    run_dir = folder / "run"
    result = glassnet("train", data, "--target", "species", "--epochs", "40", "--run-dir",
                      run_dir, "--test-fraction", "0.2", "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return data, run_dir / "model.glassnet", run_dir


def test_the_model_records_the_rows_it_learnt_from(trained):
    data, model, _ = trained
    learnt = gn.load(model).card.learnt_from
    assert learnt["kind"] == "file" and learnt["rows"] == 150
    assert len(learnt["test_rows"]) == 30 and len(learnt["sha256"]) == 64


def test_evaluate_without_data_scores_the_models_own_data_set(glassnet, trained, tmp_path):
    data, model, _ = trained
    given = json.loads(glassnet("evaluate", model, data, "--json").stdout)
    own = glassnet("evaluate", model, "--json")
    assert own.returncode == 0, own.stderr
    assert json.loads(own.stdout) == given  # the file the card records, the same held-out rows
    moons = tmp_path / "moons.glassnet"
    assert glassnet("train", "moons", "--epochs", "2", "--out", moons, "--quiet").returncode == 0
    builtin = json.loads(glassnet("evaluate", moons, "--json").stdout)
    assert builtin["data"] == "moons" and builtin["split"] == "test"
    made = tmp_path / "made.glassnet"
    gn.Network([gn.Dense(4, 3)], seed=0).save(made)  # made with the library: no data recorded
    none = glassnet("evaluate", made)
    assert none.returncode == 2 and "it records no data set" in none.stderr


def test_a_model_whose_file_is_gone_never_takes_the_built_in_set_of_its_name(glassnet, tmp_path):
    """moons.csv is recorded as "moons": with the file gone, neither evaluate nor plot may
    quietly take the built-in moons for it."""
    data = iris_like(tmp_path / "moons.csv")
    model = tmp_path / "m.glassnet"
    trained = glassnet("train", data, "--target", "species", "--epochs", "2", "--out", model,
                       "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert gn.load(model).card.data["name"] == "moons"
    data.unlink()
    gone = f"the data file {data} it learnt from is not there"
    evaluated = glassnet("evaluate", model)
    assert evaluated.returncode == 2 and gone in evaluated.stderr
    drawn = glassnet("plot", "confusion", model, "--out", tmp_path / "c.png")
    assert f"warning: {gone}; drawing xor-clusters" in drawn.stderr


def test_evaluate_scores_held_out_rows_by_default_and_says_so(glassnet, trained):
    data, model, _ = trained
    reports = {}
    for split in ("test", "train", "all"):
        result = glassnet("evaluate", model, data, "--split", split, "--json")
        assert result.returncode == 0, result.stderr
        reports[split] = json.loads(result.stdout)
    default = json.loads(glassnet("evaluate", model, data, "--json").stdout)
    assert default["split"] == "test" and default["n"] == 30
    assert (reports["train"]["n"], reports["all"]["n"]) == (120, 150)
    # all = the weighted mean of its two parts
    mixed = (30 * reports["test"]["accuracy"] + 120 * reports["train"]["accuracy"]) / 150
    assert reports["all"]["accuracy"] == pytest.approx(mixed)
    text = glassnet("evaluate", model, data).stdout
    assert "the 30 held-out test rows of iris.csv" in text


def test_another_file_is_scored_whole_and_the_output_says_why(glassnet, trained, tmp_path):
    _, model, _ = trained
    other = iris_like(tmp_path / "new.csv", n=60, seed=5)
    result = glassnet("evaluate", model, other, "--json")
    report = json.loads(result.stdout)
    assert report["n"] == 60 and report["split"] == "all"
    assert "not the file the model was trained on" in report["rows"]


def test_plot_confusion_uses_the_models_own_data_and_held_out_rows(glassnet, trained, tmp_path):
    _, model, _ = trained
    result = glassnet("plot", "confusion", model, "--out", tmp_path / "c.png")
    assert result.returncode == 0, result.stderr
    assert "the 30 held-out test rows of iris.csv" in result.stdout
    assert (tmp_path / "c.png").stat().st_size > 1000


def test_report_scores_the_chosen_split(glassnet, trained):
    _, _, run_dir = trained
    result = glassnet("report", run_dir, "--split", "train")
    assert result.returncode == 0, result.stderr
    page = (run_dir / "report.html").read_text()
    assert "Scored on the 120 training rows (learnt from) of iris.csv" in page


def test_a_bad_split_is_a_usage_error(glassnet, trained):
    data, model, _ = trained
    result = glassnet("evaluate", model, data, "--split", "validation")
    assert result.returncode == 2 and "usage: glassnet evaluate" in result.stderr


def test_plot_boundary_defaults_to_the_models_own_data(glassnet, tmp_path):
    model = tmp_path / "moons.glassnet"
    trained = glassnet("train", "moons", "--epochs", "30", "--out", model, "--quiet")
    assert trained.returncode == 0, trained.stderr
    result = glassnet("plot", "boundary", model, "--out", tmp_path / "b.png")
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    own = glassnet("plot", "boundary", model, "moons", "--out", tmp_path / "own.png")
    assert own.returncode == 0
    assert (tmp_path / "b.png").read_bytes() == (tmp_path / "own.png").read_bytes()


def test_a_regression_report_has_predicted_against_true_and_log_curves(glassnet, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = 100 + 20 * X[:, 0] - 5 * X[:, 1] ** 2
    data = tmp_path / "r.csv"
    np.savetxt(data, np.c_[X, y], delimiter=",", header="a,b,c,price", comments="")
    run_dir = tmp_path / "run"
    result = glassnet("train", data, "--target", "price", "--epochs", "40", "--run-dir", run_dir,
                      "--test-fraction", "0.2", "--folds", "0")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert re.search(r"epoch 40/40  RMSE \d", result.stdout), result.stdout  # target's units
    assert glassnet("report", run_dir).returncode == 0
    page = (run_dir / "report.html").read_text()
    assert "Predicted against true values" in page and "held-out test rows" in page
    from glassnet.runs import record
    from glassnet.viz.curves import curves_figure

    fig = curves_figure(record.read(run_dir).history)
    assert fig.axes[0].get_yscale() == "log"
    images = re.findall(r'data:image/png;base64,([^"]+)', page)
    assert len(images) >= 2 and all(len(base64.b64decode(i)) > 1000 for i in images)


def test_the_card_checks_its_record_of_the_rows():
    from glassnet.card import ModelCard
    from glassnet.errors import ValidationError

    good = {"kind": "file", "sha256": "ab", "rows": 3, "test_rows": [2]}
    assert ModelCard.from_dict({"learnt_from": good}).learnt_from == good
    for bad in ({"kind": "file", "sha256": "ab", "rows": 3, "test_rows": [5]},
                {"kind": "cloud", "sha256": "ab"}, {"kind": "file", "sha256": "ab"}):  # fmt: skip
        with pytest.raises(ValidationError, match="learnt_from"):
            ModelCard.from_dict({"learnt_from": bad})


def test_a_model_that_learnt_from_every_row_is_scored_on_all_and_says_it_measures_fit(
    glassnet, tmp_path
):
    # the tabular recipe's default: no test split, the refit learns from every row
    data = iris_like(tmp_path / "iris.csv")
    model = tmp_path / "all.glassnet"
    trained = glassnet("train", data, "--target", "species", "--epochs", "20", "--out", model,
                       "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert gn.load(model).card.learnt_from["test_rows"] == []
    result = glassnet("evaluate", model, data, "--json")
    assert result.returncode == 0, result.stderr
    scored = json.loads(result.stdout)
    assert scored["split"] == "all" and scored["n"] == 150
    assert "measures fit, not generalisation" in scored["rows"]


def test_a_regression_run_prints_its_splits_in_the_targets_units(glassnet, tmp_path):
    """Not standardised costs beside an empty accuracy column: RMSE, MAE and R² per split."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 2))
    y = 1000 + 300 * X[:, 0] + 50 * X[:, 1]
    data = tmp_path / "r.csv"
    np.savetxt(data, np.c_[X, y], delimiter=",", header="a,b,price", comments="")
    result = glassnet("train", data, "--target", "price", "--epochs", "30", "--folds", "0",
                      "--test-fraction", "0.2", "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "split" in line)
    assert "RMSE" in header and "MAE" in header and "R²" in header, result.stdout
    assert "accuracy" not in header and "cost" not in header
    test = next(line for line in result.stdout.splitlines() if line.startswith("│ test"))
    rmse = float(test.split("│")[3])
    assert rmse > 1.0  # in the target's units (prices near 1000), not standardised ones


def test_another_file_does_not_claim_none_of_its_rows_was_learnt(glassnet, trained, tmp_path):
    """A file with another SHA-256 may hold the training rows (shuffled, say): say so."""
    data, model, _ = trained
    lines = data.read_text().splitlines()
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    report = json.loads(glassnet("evaluate", model, shuffled, "--json").stdout)
    assert "not the file the model was trained on" in report["rows"]
    assert "none of them was learnt" not in report["rows"]
    assert "cannot tell which of these rows" in report["rows"]


def test_plot_boundary_draws_the_rows_split_chooses_and_scores_text_labels(glassnet, tmp_path):
    """--split on a file means the model's record of its split, as for evaluate; the title's
    accuracy is evaluate's on the same rows (text labels compared as labels, not 0 %)."""
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, size=(200, 2))
    label = np.where((X**2).sum(1) < 0.5, "in", "out")
    data = tmp_path / "ring.csv"
    data.write_text("u,v,label\n" + "".join(f"{a:.3f},{b:.3f},{c}\n" for (a, b), c in
                                             zip(X, label, strict=True)))  # fmt: skip
    model = tmp_path / "ring.glassnet"
    trained = glassnet("train", data, "--target", "label", "--test-fraction", "0.25",
                       "--folds", "0", "--epochs", "60", "--out", model, "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    scored = json.loads(glassnet("evaluate", model, data, "--json").stdout)
    expected = {"train": "the 150 training rows", "test": "the 50 held-out test rows",
                "all": "all 200 rows"}  # fmt: skip
    for split, words in expected.items():
        result = glassnet("plot", "boundary", model, "--split", split, "--out",
                          tmp_path / f"{split}.png", "--json")  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert words in json.loads(result.stdout)["notes"][0]
    from glassnet.viz.boundary import boundary_figure

    net = gn.load(model)
    test = np.array(net.card.learnt_from["test_rows"])
    ids = (label[test] == "out").astype(int)
    title = boundary_figure(net, X[test], ids).axes[0].get_title()
    assert f"accuracy {scored['accuracy']:.1%}" in title, (title, scored["accuracy"])
