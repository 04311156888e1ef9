"""Small tables choose their epochs by k-fold cross-validation (glassnet.runs.crossval)."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

import glassnet as gn
from glassnet.runs import crossval
from glassnet.runs import data as run_data
from glassnet.runs import run as run_module
from glassnet.train.trainer import Trainer


def blobs_csv(path, n=200, seed=0):
    """Three overlapping classes from four columns: the best epoch count is not the last."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 4)) + 1.2 * np.eye(4)[y]
    header = "a,b,c,d,kind\n"
    path.write_text(header + "".join(",".join(f"{v:.5f}" for v in x) + f",{t}\n"
                                     for x, t in zip(X, y, strict=True)))  # fmt: skip
    return path


def test_the_folds_split_every_class_evenly_and_hold_each_row_out_once():
    y = np.array([0] * 23 + [1] * 11 + [2] * 6)
    fold = crossval.fold_of_rows(y, 5, seed=3, classify=True)
    assert sorted(np.unique(fold)) == [0, 1, 2, 3, 4]
    for label in (0, 1, 2):
        counts = np.bincount(fold[y == label], minlength=5)
        assert counts.max() - counts.min() <= 1  # each class dealt evenly over the folds
    sizes = np.bincount(fold)
    assert sizes.max() - sizes.min() <= 1 and sizes.sum() == len(y)
    assert np.array_equal(fold, crossval.fold_of_rows(y, 5, seed=3, classify=True))
    assert not np.array_equal(fold, crossval.fold_of_rows(y, 5, seed=4, classify=True))


def test_the_chosen_epoch_is_the_minimum_of_the_folds_smoothed_mean_curve(tmp_path):
    config = gn.RunConfig(data=str(blobs_csv(tmp_path / "b.csv")), target="kind", patience=5)
    dataset, is_file = run_data.load(config)
    config = run_data.resolve(config, dataset, is_file)
    prepared = run_data.split(dataset, is_file, config)
    chosen = run_module.cross_validate(config, prepared, None)
    # the folds again, each trained on its own from the start (not side by side)
    X, y, _ = prepared.all_rows()
    fold = crossval.fold_of_rows(y, 5, config.seed, classify=True)
    curves, sizes = [], []
    for f in range(5):
        learn, held = fold != f, fold == f
        net = run_module.build(config, prepared, X[learn], y[learn])
        trainer = Trainer(net, X[learn], y[learn], loss=net.card.run["loss"],
                          optimizer=run_module.optimizer_for(config),
                          epochs=chosen.epochs_trained, batch_size=config.batch_size,
                          validation_data=(X[held], y[held]))  # fmt: skip
        curves.append(trainer.run().val_loss)
        sizes.append(held.sum())
    mean = np.average(np.array(curves), axis=0, weights=sizes)
    np.testing.assert_allclose(chosen.curve, mean, rtol=1e-6)
    smoothed = [mean[max(0, t - 4) : t + 1].mean() for t in range(len(mean))]
    assert chosen.epochs == int(np.argmin(smoothed)) + 1
    assert chosen.epochs_trained == min(chosen.epochs + 5, config.epochs)  # patience 5
    assert 1 < chosen.epochs < config.epochs


def test_the_final_network_learns_every_row_for_the_chosen_epochs(tmp_path):
    data, model = blobs_csv(tmp_path / "b.csv"), tmp_path / "b.glassnet"
    run = gn.run(gn.RunConfig(data=str(data), target="kind", out=str(model)))
    folds = run.summary["cross_validation"]
    assert (
        folds["folds"] == 5 and run.summary["refit"]["estimate_from"] == "5-fold cross-validation"
    )
    assert run.summary["refit"] == {"rows": 200, "epochs": folds["epochs"],
                                    "estimate_from": "5-fold cross-validation"}  # fmt: skip
    assert len(run.history) == folds["epochs"] and run.summary["n_train"] == 200
    saved = gn.load(model)
    assert (
        saved.card.training["n_train"] == 200 and saved.card.training["epochs"] == folds["epochs"]
    )
    assert saved.card.training["cross_validation"] == folds
    assert saved.card.run["folds"] == 5 and saved.card.learnt_from["rows"] == 200
    # the estimate: every row, predicted by the fold network that did not learn it
    assert run.summary["n_validation"] == 200
    assert 0.6 < run.summary["validation_accuracy"] < run.summary["train_accuracy"]
    assert run.summary["validation_loss"] == pytest.approx(folds["loss"])


def test_a_validation_split_or_folds_not_both():
    with pytest.raises(gn.errors.ValidationError, match="give one"):
        gn.RunConfig(data="x.csv", folds=5, validation=0.2)
    with pytest.raises(gn.errors.ValidationError, match="early_stopping is False"):
        gn.run(data="x.csv", folds=5, early_stopping=False)
    with pytest.raises(gn.errors.ValidationError, match="folds must be 0"):
        gn.RunConfig(data="x.csv", folds=1)


def test_train_says_the_estimate_is_cross_validated(glassnet, tmp_path):
    data = blobs_csv(tmp_path / "b.csv")
    result = glassnet("train", data, "--target", "kind")
    assert result.returncode == 0, result.stderr
    assert "5-fold CV" in result.stdout and "5-fold cross-validation (200 rows" in result.stdout
    assert "refit on all 200 rows" in result.stdout
    summary = json.loads(glassnet("train", data, "--target", "kind", "--json").stdout)
    assert summary["refit"]["estimate_from"] == "5-fold cross-validation"
    assert summary["validation_metrics"]["balanced_accuracy"] > 0.6
    split = json.loads(glassnet("train", data, "--target", "kind", "--folds", "0", "--json").stdout)
    assert split["refit"]["estimate_from"] == "validation" and "cross_validation" not in split


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--folds", "1"], "must be 0 or an integer ≥ 2"),
        (["--folds", "5", "--validation", "0.2"], "give one"),
        (["--folds", "5", "--no-early-stopping"], "--no-early-stopping trains a fixed number"),
    ],
)
def test_bad_folds_are_usage_errors(glassnet, tmp_path, flags, words):
    result = glassnet("train", blobs_csv(tmp_path / "b.csv"), "--target", "kind", *flags)
    assert result.returncode == 2 and words in result.stderr
    assert "Traceback" not in result.stderr


def test_a_test_split_stays_out_of_the_folds_and_the_model(glassnet, tmp_path):
    result = glassnet("train", blobs_csv(tmp_path / "b.csv"), "--target", "kind",
                      "--test-fraction", "0.2", "--json")  # fmt: skip
    summary = json.loads(result.stdout)
    assert summary["n_test"] == 40 and summary["n_validation"] == 160
    assert summary["refit"]["rows"] == 160 and summary["n_train"] == 160
    shown = glassnet("train", blobs_csv(tmp_path / "b.csv"), "--target", "kind",
                     "--test-fraction", "0.2", "--quiet")  # fmt: skip
    assert "test (40 rows not trained on)" in shown.stdout


def test_a_resumed_cross_validated_run_reports_the_folds_estimate(tmp_path):
    """Interrupted while the final network trains, resumed from its checkpoint: the finished
    run's estimate is still the folds' (the checkpoint's card carries it), as if never stopped."""
    data = blobs_csv(tmp_path / "b.csv")
    config = gn.RunConfig(data=str(data), target="kind", out=str(tmp_path / "m.glassnet"))
    whole = gn.run(config.replace(out=None))
    stop = threading.Event()

    def stop_after_two_epochs(event):
        if event["event"] == "epoch" and event.epoch == 2:
            stop.set()

    stopped = gn.run(config, callbacks=[stop_after_two_epochs], stop=stop)
    assert stopped.interrupted and stopped.checkpoint.exists()
    resumed = gn.run(gn.RunConfig(resume=str(stopped.checkpoint)))
    for key in ("cross_validation", "refit", "validation_loss", "validation_accuracy",
                "n_validation", "validation_metrics"):  # fmt: skip
        assert resumed.summary[key] == whole.summary[key], key
    assert resumed.summary["refit"]["estimate_from"] == "5-fold cross-validation"
    saved = gn.load(tmp_path / "m.glassnet")
    assert saved.card.training["cross_validation"] == whole.summary["cross_validation"]
