"""End-to-end tests of `glassnet train`, each in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn
from datasets_helpers import SHARED_MNIST as MNIST


def one_json(stdout: str) -> dict:
    """The single JSON object stdout must hold (nothing else)."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


def test_default_job_is_the_xor_cluster_network_with_weights_and_time(glassnet, tmp_path):
    result = glassnet("train", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Network(Dense(2→3), ReLU(), Dense(3→1), Sigmoid())" in out
    assert "accuracy" in out and "training time:" in out
    assert "W =" in out and "b =" in out and "[W | b] =" in out
    assert "Traceback" not in result.stderr


def test_json_output_is_one_object_with_the_promised_keys(glassnet, tmp_path):
    result = glassnet("train", "xor-clusters", "--epochs", "30", "--validation", "0.1",
                      "--out", tmp_path / "m.glassnet", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = one_json(result.stdout)
    for key in ("train_accuracy", "validation_accuracy", "test_accuracy", "epochs", "seconds"):
        assert key in summary
    assert summary["epochs"] == 30
    assert summary["model"] == str(tmp_path / "m.glassnet")
    assert summary["test_accuracy"] > 0.9
    assert (tmp_path / "m.glassnet").is_file()
    assert "epoch 1/30" in result.stderr  # progress goes to stderr


def test_piped_progress_is_plain_lines_and_quiet_silences_it(glassnet, tmp_path):
    loud = glassnet("train", "moons", "--epochs", "5")
    assert "epoch 5/5" in loud.stdout and "\x1b[" not in loud.stdout
    quiet = glassnet("train", "moons", "--epochs", "5", "--quiet")
    assert "epoch 5/5" not in quiet.stdout and quiet.returncode == 0


def test_run_dir_holds_history_manifest_summary_and_model(glassnet, tmp_path):
    run_dir = tmp_path / "run"
    result = glassnet("train", "circles", "--epochs", "8", "--seed", "3", "--lr", "0.02",
                      "--run-dir", run_dir, "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in ("history.csv", "history.json", "manifest.json", "summary.json", "model.glassnet"):
        assert (run_dir / name).is_file(), name
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["command"][:2] == ["glassnet", "train"] and "--lr" in manifest["command"]
    assert manifest["seed"] == 3
    assert set(manifest["versions"]) == {"glassnet", "numpy", "python"}
    assert len(manifest["data"]["sha256"]) == 64
    assert manifest["hyperparameters"]["lr"] == 0.02
    assert manifest["hyperparameters"]["epochs"] == 8
    history = json.loads((run_dir / "history.json").read_text())
    assert len(history["train_loss"]) == 8
    assert json.loads((run_dir / "summary.json").read_text()) == one_json(result.stdout)
    assert (run_dir / "history.csv").read_text().splitlines()[0].startswith("epoch,train_loss")


def test_seed_changes_the_weights_but_not_the_data(glassnet, tmp_path):
    digests, losses = set(), set()
    for seed in (1, 2):
        run_dir = tmp_path / f"seed{seed}"
        glassnet("train", "moons", "--epochs", "2", "--seed", seed, "--run-dir", run_dir, "--quiet")
        digests.add(json.loads((run_dir / "manifest.json").read_text())["data"]["sha256"])
        losses.add(json.loads((run_dir / "history.json").read_text())["train_loss"][0])
    assert len(digests) == 1 and len(losses) == 2


def test_flags_reach_the_network_and_the_trainer(glassnet, tmp_path):
    model = tmp_path / "m.glassnet"
    result = glassnet("train", "spirals", "--hidden", "8,4", "--activation", "relu",
                      "--optimizer", "momentum", "--lr", "0.05", "--schedule", "step",
                      "--batch-size", "full", "--epochs", "6", "--dtype", "float64",
                      "--seed", "7", "--out", model, "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    net = gn.load(model)
    assert repr(net) == ("Network(Dense(2→8), ReLU(), Dense(8→4), ReLU(), Dense(4→1), "
                         "Sigmoid())")  # fmt: skip
    assert net.dtype == np.float64
    training = net.card.training
    assert training["gd"] == "batch" and training["epochs"] == 6 and training["seed"] == 7
    assert training["optimizer"]["momentum"] == 0.9
    assert training["schedule"]["name"] == "step"


def test_loss_flag_overrides_the_task_default(glassnet, tmp_path):
    model = tmp_path / "m.glassnet"
    result = glassnet("train", "xor-clusters", "--loss", "cross_entropy", "--epochs", "3",
                      "--out", model, "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    net = gn.load(model)
    assert net.n_out == 2 and net.card.training["loss"] == "cross_entropy"


def test_train_size_trains_on_a_seeded_subset(glassnet):
    result = glassnet("train", "moons", "--train-size", "50", "--epochs", "2", "--json")
    summary = one_json(result.stdout)
    assert summary["n_train"] == 50 and summary["n_test"] == 400
    too_many = glassnet("train", "moons", "--train-size", "5000")
    assert too_many.returncode == 1 and "at most 400" in too_many.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["--epochs", "banana"], "positive integer"),
        (["--hidden", "0,-3"], "positive integers"),
        (["--batch-size", "zero"], "mini-batch"),
        (["--validation", "1.5"], "[0, 1)"),
        (["--lr", "-1"], "positive"),
        (["--optimizer", "lbfgs"], "invalid choice"),
        (["--frobnicate"], "unrecognized arguments"),
    ],
)
def test_usage_errors_exit_2_with_the_rule(glassnet, args, words):
    result = glassnet("train", "xor", *args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["no-such-file.csv"], "does not exist"),
        (["not-a-dataset"], "unknown data set"),
    ],
)
def test_missing_data_is_one_error_line(glassnet, args, words):
    result = glassnet("train", *args)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and words in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_output_is_refused_before_training(glassnet, tmp_path):
    result = glassnet("train", "xor", "--out", tmp_path / "no" / "such" / "m.glassnet")
    assert result.returncode == 1 and "does not exist" in result.stderr
    assert "epoch" not in result.stdout


def test_diverging_run_is_reported_without_a_traceback(glassnet, tmp_path):
    data = tmp_path / "big.csv"
    rows = ["x,y"] + [f"{i},{(i * 1e6) ** 2}" for i in range(40)]
    data.write_text("\n".join(rows) + "\n")
    result = glassnet("train", data, "--target", "y", "--optimizer", "sgd", "--lr", "1e6",
                      "--epochs", "20", "--quiet")  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert "error: training diverged" in result.stderr and "Traceback" not in result.stderr


def test_regression_csv_predicts_in_the_targets_units(glassnet, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 300)
    data = tmp_path / "r.csv"
    data.write_text("x,price\n" + "".join(f"{v:.4f},{1000 * v + 5000:.2f}\n" for v in x))
    model = tmp_path / "r.glassnet"
    result = glassnet("train", data, "--target", "price", "--out", model, "--json")
    summary = one_json(result.stdout)
    assert summary["task"] == "regression" and summary["validation_accuracy"] is None
    evaluation = one_json(glassnet("evaluate", model, data, "--json").stdout)
    assert evaluation["r2"] > 0.99 and evaluation["rmse"] < 500


def test_mnist_subset_trains_on_raw_pixels_with_standardize_first(glassnet, tmp_path):
    model = tmp_path / "mnist.glassnet"
    result = glassnet("train", "mnist", "--data-dir", MNIST, "--train-size", "3000",
                      "--epochs", "2", "--out", model, "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = one_json(result.stdout)
    assert summary["n_train"] == 3000 and summary["n_test"] == 10000
    assert summary["test_accuracy"] > 0.8
    net = gn.load(model)
    assert type(net.layers[0]).__name__ == "Standardize"
    assert float(np.ravel(net.layers[0].std)[0]) == 255.0
    assert net.card.classes == list("0123456789")
    assert net.card.data["provenance"]["dataset"] == "mnist"
    from PIL import Image, ImageDraw

    drawing = Image.new("RGB", (120, 160), (250, 250, 245))
    ImageDraw.Draw(drawing).line([(60, 20), (60, 140)], fill=(10, 10, 10), width=10)
    drawing.save(tmp_path / "one.png")
    predicted = glassnet("predict", model, tmp_path / "one.png", "--proba")
    assert predicted.returncode == 0, predicted.stderr
    header, row = predicted.stdout.splitlines()
    assert header.startswith("input,prediction,p_0,p_1")
    assert row.startswith(f"{tmp_path / 'one.png'},1,")


def test_default_mnist_recipe_reaches_98_percent(glassnet, tmp_path):
    """The full default recipe (a few seconds of training on 2 cores)."""
    result = glassnet("train", "mnist", "--data-dir", MNIST, "--json")
    assert result.returncode == 0, result.stderr
    summary = one_json(result.stdout)
    assert summary["recipe"] == "mnist" and summary["n_train"] == 60000
    assert summary["test_accuracy"] >= 0.98


def test_recipe_names_are_documented_in_help(glassnet):
    result = glassnet("train", "--help")
    assert result.returncode == 0
    for name in ("mnist", "mnist-best", "xor-clusters", "tabular"):
        assert name in result.stdout


# ---------------------------------------------------------------- Ctrl-C and --resume


def interrupted_run(tmp_path, run_dir):
    """Start a long xor-clusters run, send SIGINT after a few epochs, return (code, stderr)."""
    environment = {**os.environ, "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "glassnet", "train", "xor-clusters", *LONG_RUN,
         "--run-dir", str(run_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
    )  # fmt: skip
    for line in process.stdout:
        if line.startswith("epoch "):
            break
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


LONG_RUN = ["--epochs", "60", "--batch-size", "4", "--validation", "0.1"]


def test_ctrl_c_saves_a_checkpoint_and_resume_equals_an_uninterrupted_run(glassnet, tmp_path):
    whole, split = tmp_path / "whole", tmp_path / "split"
    reference = glassnet("train", "xor-clusters", *LONG_RUN, "--run-dir", whole, "--quiet")
    assert reference.returncode == 0, reference.stderr
    code, stderr = interrupted_run(tmp_path, split)
    assert code == 130, stderr
    checkpoint = split / "checkpoint.glassnet"
    assert checkpoint.is_file()
    assert f"glassnet train --resume {checkpoint}" in stderr
    info = json.loads(glassnet("info", checkpoint, "--json").stdout)
    assert info["checkpoint"]["epoch"] >= 1
    resumed = glassnet("train", "--resume", checkpoint, "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    first = json.loads((whole / "history.json").read_text())
    second = json.loads((split / "history.json").read_text())
    for curve in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "updates"):
        assert first[curve] == second[curve], curve
    a, b = gn.load(whole / "model.glassnet"), gn.load(split / "model.glassnet")
    for (p, _), (q, _) in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(p, q)
    assert not checkpoint.exists()


def test_resume_refuses_a_finished_model_and_new_settings(glassnet, tmp_path):
    model = tmp_path / "m.glassnet"
    glassnet("train", "xor", "--epochs", "2", "--out", model, "--quiet")
    result = glassnet("train", "--resume", model)
    assert result.returncode == 1 and "not a checkpoint" in result.stderr
    result = glassnet("train", "--resume", model, "--lr", "0.5")
    assert result.returncode == 1 and "drop --lr" in result.stderr


@pytest.mark.parametrize("stop_at", ["epoch", "batch"])
def test_resume_is_exact_whether_stopped_at_an_epoch_boundary_or_mid_epoch(tmp_path, stop_at):
    """In process and deterministic: stop at the end of epoch 2 (epoch 3 has drawn its order
    when it sees the stop before its first batch: the generator must be rewound, or the resumed
    epoch 3 draws another order) or after batch 5 of epoch 2, checkpoint, resume, compare."""
    import threading

    config = gn.RunConfig(data="moons", epochs=6, validation=0.2, out=str(tmp_path / "m.gn"))
    reference = gn.run(config.replace(out=None))
    stop = threading.Event()

    def ask_to_stop(event):
        if event["event"] == stop_at and event["epoch"] == 2:
            if stop_at == "epoch" or event["batch"] == 5:
                stop.set()

    first = gn.run(config, callbacks=[ask_to_stop], stop=stop)
    assert first.interrupted and first.history.interrupted
    assert first.checkpoint == tmp_path / "m.gn.checkpoint" and first.checkpoint.is_file()
    resumed = gn.run(gn.RunConfig(resume=str(first.checkpoint)))
    assert not resumed.interrupted and not first.checkpoint.exists()
    assert resumed.history.train_loss == reference.history.train_loss
    assert resumed.history.val_loss == reference.history.val_loss
    for (p, _), (q, _) in zip(resumed.network.parameters(), reference.network.parameters(),
                              strict=True):  # fmt: skip
        assert np.array_equal(p, q)
    assert gn.load(tmp_path / "m.gn").card.run["epochs"] == 6


def test_on_a_terminal_training_shows_a_live_progress_bar(tmp_path):
    """stdout and stderr on a pseudo-terminal: the rich bar runs and the table follows."""
    import pty

    master, slave = pty.openpty()
    environment = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    environment.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "glassnet", "train", "moons", "--epochs", "20"],
        stdout=slave, stderr=slave, env=environment,
    )  # fmt: skip
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    assert process.wait(timeout=120) == 0
    text = output.decode("utf-8", "replace")
    assert "epoch 20/20" in text and "cost" in text and "accuracy" in text
    assert "\x1b[" in text  # colours and cursor control: a terminal
    assert "Traceback" not in text
