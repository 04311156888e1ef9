"""`glassnet sweep`, `glassnet plot sweep` and the --jobs of seeds, lr-range and compare-gd, end
to end in a subprocess, as a person types them."""

from __future__ import annotations

import csv
import json
import os
import pty
import re
import subprocess
import sys

import pytest

from glassnet.parallel import executor

GRID = """
data = "moons"
[fixed]
epochs = 3
validation = 0.2
[vary]
lr = [0.01, 0.1]
hidden = [[4], [8, 8]]
seed = [0, 1]
"""


def ok(result):
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def grid(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text(GRID)
    return path


def test_a_sweep_writes_its_table_and_a_rerun_skips_it(glassnet, grid, tmp_path):
    first = ok(glassnet("sweep", grid, "--jobs", "2", "--plot"))
    assert "8 trials (8 ok): ran 8, 0 already done" in first.stdout
    assert "best configurations by test accuracy" in first.stdout
    assert "trials 8/8 done, 0 running, 0 failed or diverged (2 local worker processes)" in (
        first.stderr)  # fmt: skip
    table = list(csv.DictReader((tmp_path / "grid.csv").open()))
    assert len(table) == 8 and {row["status"] for row in table} == {"ok"}
    assert (tmp_path / "grid.png").read_bytes()[:4] == b"\x89PNG"
    again = ok(glassnet("sweep", grid, "--json", "--quiet"))
    data = json.loads(again.stdout)
    assert (data["ran"], data["skipped"], data["counts"]) == (0, 8, {"ok": 8})
    assert [row["trial"] for row in data["trials"]] == [row["trial"] for row in table]
    assert again.stderr == ""


def test_one_worker_and_two_give_the_same_table(glassnet, grid, tmp_path):
    ok(glassnet("sweep", grid, "--jobs", "1", "--out", tmp_path / "one.json", "--quiet"))
    ok(glassnet("sweep", grid, "--jobs", "2", "--out", tmp_path / "two.json", "--quiet"))
    one, two = (json.loads((tmp_path / f"{n}.json").read_text())["trials"] for n in ("one", "two"))
    drop = ("seconds", "worker")
    assert [{k: v for k, v in r.items() if k not in drop} for r in one] == [
        {k: v for k, v in r.items() if k not in drop} for r in two]  # fmt: skip


def test_plot_sweep_draws_a_results_table(glassnet, grid, tmp_path):
    ok(glassnet("sweep", grid, "--quiet", "--out", tmp_path / "r.csv"))
    result = ok(glassnet("plot", "sweep", tmp_path / "r.csv", "--out", tmp_path / "s.svg",
                         "--metric", "validation_loss"))  # fmt: skip
    assert "wrote" in result.stdout and "<svg" in (tmp_path / "s.svg").read_text()
    missing = glassnet("plot", "sweep", tmp_path / "missing.csv")
    assert missing.returncode == 1 and missing.stderr.startswith("error: results file")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[vary]\nlearning_rate = [0.1]\n", "unknown field vary.learning_rate"),
        ("[vary]\nlr = [0.1, -2]\n", "vary.lr: lr must be a positive finite number, got -2"),
        ("[vary]\nlr = []\n", "vary.lr must be a non-empty list"),
        ("[fixed]\nepochs = 2\n", "[vary] is empty"),
        ("[vary\n", "is not valid TOML"),
        ('data = "nope"\n[vary]\nseed = [0]\n', "bad.toml: data = 'nope': unknown data set"),
        ('[vary]\ndata = ["moons", "nope.csv"]\n', "data = 'nope.csv': nope.csv does not exist"),
        (
            'data = "moons"\ntarget = "y"\n[vary]\nseed = [0]\n',
            "data = 'moons': target 'y' names the label column of a file",
        ),
    ],
)
def test_a_bad_sweep_file_is_one_line_and_exit_2(glassnet, tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = glassnet("sweep", path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert message in result.stderr


def test_bad_options_are_usage_errors(glassnet, grid):
    for args, message in [
        (("--out", "r.txt"), "--out must end in .csv or .json"),
        (("--scheduler", "localhost:8786"), "must be a Dask scheduler address"),
        (("--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"), "exclude each other"),
        (("--metric", "acc"), "unknown metric 'acc'"),
    ]:
        result = glassnet("sweep", grid, *args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
    missing = glassnet("sweep", grid.with_name("missing.toml"))
    assert missing.returncode == 2 and "sweep file" in missing.stderr


def test_results_of_another_sweep_are_a_usage_error(glassnet, grid, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text('data = "moons"\n[fixed]\nepochs = 2\n[vary]\nseed = [0]\n')
    ok(glassnet("sweep", other, "--quiet", "--jobs", "1", "--out", tmp_path / "r.csv"))
    result = glassnet("sweep", grid, "--quiet", "--jobs", "1", "--out", tmp_path / "r.csv")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: ") and "holds results of another sweep" in result.stderr


def test_seeds_lr_range_and_compare_gd_give_the_same_answer_on_two_workers(glassnet):
    for command in (("seeds", "--n", "4", "--epochs", "50"), ("lr-range", "--epochs", "2",
                    "--steps", "4"), ("compare-gd", "--epochs", "2")):  # fmt: skip
        one = json.loads(ok(glassnet(*command, "--json", "--jobs", "1")).stdout)
        two = json.loads(ok(glassnet(*command, "--json", "--jobs", "2")).stdout)
        for run in one.get("runs", []) + two.get("runs", []):
            run.pop("seconds")  # compare-gd's training time: the one value that may differ
        assert one == two, command


def test_jobs_defaults_to_the_cores_this_process_may_use(grid, tmp_path):
    # one core allowed (sched_setaffinity, as taskset or a job scheduler sets it): one worker
    command = [sys.executable, "-m", "glassnet", "sweep", str(grid), "--out",
               str(tmp_path / "r.csv")]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            preexec_fn=_one_core, env={**os.environ, "NO_COLOR": "1"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "(1 local worker process)" in result.stderr
    cores = len(os.sched_getaffinity(0))
    assert executor().slots == cores and executor().where.startswith(f"{cores} local worker")


def _one_core() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def test_the_progress_bar_on_a_narrow_terminal_keeps_its_counts(grid, tmp_path):
    # stderr a terminal of 80 columns: the bar of trials done, running and failed
    master, slave = pty.openpty()
    command = [sys.executable, "-m", "glassnet", "sweep", str(grid), "--jobs", "2", "--out",
               str(tmp_path / "r.csv")]  # fmt: skip
    environment = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80", "TERM": "xterm"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave, env=environment) as p:
        os.close(slave)
        screen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            screen += chunk
        assert p.wait(timeout=300) == 0
    os.close(master)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.decode())  # the cursor's moves
    lines = text.replace("\r", "\n").splitlines()
    assert "8 trials on 2 local worker processes" in lines
    final = [line for line in lines if "8/8" in line][-1]
    assert final.startswith("trials ") and final.endswith("0 running, 0 failed")
    assert len(final) <= 80


def test_without_dask_the_scheduler_option_says_what_to_install(grid):
    # sys.modules["distributed"] = None: importing it fails, as when it is not installed
    args = ["sweep", str(grid), "--scheduler", "tcp://127.0.0.1:8786"]
    script = ("import sys; sys.modules['distributed'] = None\n"
              f"from glassnet.cli import main; sys.exit(main({args!r}))")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == (
        "error: running on a Dask cluster needs dask.distributed: pip install 'glassnet[dask]'\n"
    )
