"""One vocabulary across commands (issue 17): usage errors exit 2 with the subcommand's
usage, the same flags for the same things, strict JSON, --quiet, progress, and options that
cannot apply refused. Each in a subprocess, as a user runs it."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest


def strict_json(text: str):
    """json.loads that refuses NaN and Infinity, which are not JSON."""

    def refuse(name):
        raise AssertionError(f"{name} in the JSON output")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (("explain",), "explain"),
        (("gradcheck",), "gradcheck"),
        (("datasets", "verify"), "datasets"),
        (("lr-range", "--min", "1", "--max", "0.1"), "lr-range"),
        (("train", "--bogus"), "train"),
        (("evaluate", "m.glassnet", "d.csv", "--nope"), "evaluate"),
        (("plot", "boundary", "m.glassnet", "--nope"), "plot boundary"),
    ],
)
def test_usage_errors_exit_2_with_the_subcommands_usage(glassnet, args, command):
    result = glassnet(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"usage: glassnet {command}"), result.stderr
    assert "Traceback" not in result.stderr


def test_experiments_take_hidden_lists_seed_and_batch_size_full(glassnet):
    seeds = glassnet("seeds", "--n", "2", "--seed", "5", "--hidden", "4,4", "--epochs", "20",
                     "--json")  # fmt: skip
    assert seeds.returncode == 0, seeds.stderr
    report = strict_json(seeds.stdout)
    assert report["recipe"]["hidden"] == [4, 4] and [s["seed"] for s in report["seeds"]] == [5, 6]
    sweep = glassnet("lr-range", "--steps", "3", "--epochs", "2", "--batch-size", "full",
                     "--hidden", "3", "--json", "--quiet")  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    assert sweep.stderr == ""  # --quiet: no progress lines
    assert strict_json(sweep.stdout)["batch_size"] == "full"


def test_json_is_strict_and_the_recipe_block_is_the_experiments(glassnet):
    sweep = glassnet("lr-range", "--steps", "3", "--min", "0.1", "--max", "1e6", "--epochs", "2",
                     "--json")  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    report = strict_json(sweep.stdout)  # a diverged cost is null, not Infinity
    assert report["trials"][-1]["verdict"] == "diverges"
    assert report["recipe"]["optimizer"] == "sgd" and len(report["recipe"]["lr"]) == 3
    assert "lr-range: 3/3" in sweep.stderr  # progress on stderr, JSON alone on stdout
    compare = glassnet("compare-gd", "--epochs", "2", "--json", "--quiet")
    described = strict_json(compare.stdout)["recipe"]
    assert described["optimizer"] == "sgd" and described["lr"] == 0.5
    assert described["batch_size"] == [1, 32, 400]


def test_compare_gd_refuses_a_batch_larger_than_the_data(glassnet):
    result = glassnet("compare-gd", "xor", "--batch-size", "32")
    assert result.returncode == 1 and "larger than the 4 samples" in result.stderr


def test_experiments_warn_about_a_network_too_narrow_for_the_data(glassnet, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 60))
    y = np.arange(90) % 5
    data = tmp_path / "wide.csv"
    header = ",".join(f"f{i}" for i in range(60)) + ",label"
    np.savetxt(data, np.c_[X, y], delimiter=",", header=header, comments="", fmt="%.4f")
    narrow = glassnet("compare-gd", data, "--hidden", "3", "--epochs", "1",
                      "--quiet", "--batch-size", "16")  # fmt: skip
    assert narrow.returncode == 0, narrow.stderr
    assert "warning: a hidden layer of 3 units is narrower than the 5 classes" in narrow.stderr
    chosen = glassnet("compare-gd", data, "--epochs", "1", "--json",
                      "--batch-size", "16")  # fmt: skip
    assert "warning" not in chosen.stderr
    assert strict_json(chosen.stdout)["recipe"]["hidden"] == [16]


def test_options_that_cannot_apply_are_refused(glassnet, tmp_path):
    for args, words in (
        (("train", "moons", "--momentum", "0.9"), "--momentum applies to"),
        (("train", "moons", "--target", "label"), "drop --target"),
        (("train", "--force"), "give --run-dir"),
        (("explain", "--example", "1-1-1", "--standalone"), "--format latex"),
        (("gradcheck", "--example", "1-1-1", "--loss", "mse"), "--loss cannot change"),
    ):
        result = glassnet(*args)
        assert result.returncode == 2 and words in result.stderr, (args, result.stderr)


def test_run_dir_refuses_to_overwrite_without_force(glassnet, tmp_path):
    run_dir = tmp_path / "run"
    first = glassnet("train", "moons", "--epochs", "2", "--run-dir", run_dir, "--quiet")
    assert first.returncode == 0, first.stderr
    assert glassnet("report", run_dir, "--quiet").returncode == 0
    again = glassnet("train", "moons", "--epochs", "3", "--run-dir", run_dir, "--quiet")
    assert again.returncode == 1 and "add --force" in again.stderr
    assert json.loads((run_dir / "summary.json").read_text())["epochs"] == 2  # untouched
    forced = glassnet("train", "moons", "--epochs", "3", "--run-dir", run_dir, "--quiet",
                      "--force")  # fmt: skip
    assert forced.returncode == 0, forced.stderr
    assert json.loads((run_dir / "summary.json").read_text())["epochs"] == 3
    assert not (run_dir / "report.html").exists()  # the old run's report is gone


def test_predict_takes_out_json_and_refuses_proba_for_numbers(glassnet, tmp_path):
    model = tmp_path / "m.glassnet"
    assert glassnet("train", "moons", "--epochs", "3", "--out", model, "-q").returncode == 0
    points = tmp_path / "p.csv"
    points.write_text("x1,x2\n0.5,0.2\n")
    printed = glassnet("predict", model, points, "--json")
    assert printed.returncode == 0 and len(strict_json(printed.stdout)) == 1
    written = glassnet("predict", model, points, "--out", tmp_path / "o.csv")
    assert "1 prediction written" in written.stderr  # not "1 predictions"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    np.savetxt(tmp_path / "r.csv", np.c_[X, X.sum(1)], delimiter=",", header="a,b,t",
               comments="")  # fmt: skip
    assert glassnet("train", tmp_path / "r.csv", "--target", "t", "--epochs", "3", "--out",
                    tmp_path / "r.glassnet", "-q").returncode == 0  # fmt: skip
    proba = glassnet("predict", tmp_path / "r.glassnet", tmp_path / "r.csv", "--proba")
    assert proba.returncode == 2 and "predicts numbers" in proba.stderr


def test_plot_json_and_quiet(glassnet, tmp_path):
    result = glassnet("plot", "activations", "--out", tmp_path / "a.png", "--json")
    assert strict_json(result.stdout) == {"kind": "activations", "wrote": str(tmp_path / "a.png"),
                                          "notes": []}  # fmt: skip
    quiet = glassnet("plot", "activations", "--out", tmp_path / "b.png", "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == ""


def test_every_command_that_prints_results_takes_json_and_quiet():
    """One vocabulary: --json and --quiet on every command but the playground's server (and
    on every plot kind)."""
    from glassnet.cli.main import build_parser

    def options(parser) -> set[str]:
        return {o for action in parser._actions for o in action.option_strings}

    def commands(parser, prefix=""):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from commands(sub, f"{prefix}{name} ")
                return
        yield prefix.strip(), parser

    missing = [
        name
        for name, parser in commands(build_parser())
        if name != "playground" and not {"--json", "--quiet"} <= options(parser)
    ]
    assert missing == []


@pytest.mark.parametrize("command", [("seeds", "--n", "1"), ("lr-range", "--steps", "2")])
def test_every_experiment_refuses_a_batch_larger_than_the_data(glassnet, command):
    """As compare-gd does: a mini-batch of 32 on XOR's 4 points would silently be the full
    batch."""
    result = glassnet(*command, "xor", "--batch-size", "32", "--epochs", "1")
    assert result.returncode == 1 and "larger than the 4 samples" in result.stderr, result.stderr
    fits = glassnet(*command, "xor", "--batch-size", "4", "--epochs", "1", "--quiet")
    assert fits.returncode == 0, fits.stderr


def test_the_slow_plots_show_progress_and_quiet_silences_it(glassnet, tmp_path):
    gradients = glassnet("plot", "gradients", "--epochs", "3", "--out", tmp_path / "g.png")
    assert gradients.returncode == 0, gradients.stderr
    assert "plot gradients: 6/6 epochs" in gradients.stderr  # 3 sigmoid, 3 ReLU
    gif = glassnet("plot", "features", "--gif", tmp_path / "f.gif", "--frames", "3",
                   "--epochs", "8", "--out", tmp_path / "f.png")  # fmt: skip
    assert gif.returncode == 0, gif.stderr
    assert "plot features: 8/8 epochs trained" in gif.stderr
    assert "plot features: 3/3 GIF frames drawn" in gif.stderr
    quiet = glassnet("plot", "gradients", "--epochs", "2", "--out", tmp_path / "q.png", "-q")
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr


def test_explain_list_json_is_json(glassnet):
    result = glassnet("explain", "--list", "--json")
    assert result.returncode == 0, result.stderr
    listed = strict_json(result.stdout)
    assert [e["name"] for e in listed][:1] == ["1-1-1"] and all(e["description"] for e in listed)


def test_a_long_step_says_it_is_still_running_and_quiet_says_nothing(capsys):
    """compare-gd mnist's stochastic form runs minutes in a worker: between the steps' lines
    a line every `every` seconds, until the last step; none with --quiet."""
    import time

    from glassnet.cli.progress import Steps

    steps = Steps("compare-gd", every=0.05)
    steps(0, 3, "forms of gradient descent: stochastic is the slowest")
    deadline = time.monotonic() + 30
    while "still running" not in capsys.readouterr().err and time.monotonic() < deadline:
        time.sleep(0.05)
    assert time.monotonic() < deadline, "no 'still running' line"
    steps(3, 3, "forms of gradient descent")
    assert "3/3 forms of gradient descent" in capsys.readouterr().err
    quiet = Steps("seeds", quiet=True, every=0.05)
    quiet(0, 2, "seeds: training")
    time.sleep(0.3)
    quiet(2, 2, "seeds")
    assert capsys.readouterr().err == ""
