"""Sweeps on local worker processes: the same rows as in this process, a results file that a
rerun continues, and failed trials recorded rather than fatal."""

from __future__ import annotations

import os

import pytest
from sweep_helpers import SMALL, outcome, small_sweep

from glassnet.errors import GlassnetError, ValidationError
from glassnet.parallel import LocalExecutor, SerialExecutor
from glassnet.sweep import parse, read_results, run_sweep


@pytest.fixture(scope="module")
def serial_rows():
    return run_sweep(small_sweep(), None, SerialExecutor()).rows


def test_two_workers_give_the_rows_of_one_process(tmp_path, serial_rows):
    out = tmp_path / "results.csv"
    with LocalExecutor(2) as pool:
        result = run_sweep(small_sweep(), out, pool)
    assert outcome(result.rows) == outcome(serial_rows)
    assert result.ran == 8 and result.skipped == 0
    workers = {row["worker"] for row in result.rows}
    assert f":{os.getpid()}" not in " ".join(workers) and 1 <= len(workers) <= 2
    rows, varied = read_results(out)
    assert varied == ["lr", "hidden", "seed"]
    assert rows == result.rows  # the file holds exactly what was returned


def test_a_diverging_trial_is_a_row_with_its_status(serial_rows):
    statuses = {(row["lr"], row["status"]) for row in serial_rows}
    assert (0.1, "ok") in statuses and (1e6, "diverged") in statuses
    diverged = next(row for row in serial_rows if row["status"] == "diverged")
    assert "learning rate" in diverged["message"] and diverged["test_accuracy"] is None
    ok = next(row for row in serial_rows if row["status"] == "ok")
    assert 0 <= ok["test_accuracy"] <= 1 and ok["validation_loss"] > 0 and ok["epochs"] == 3


def test_a_failing_trial_is_recorded_and_the_others_run():
    sweep = parse({"data": "moons", "fixed": {"epochs": 1}, "vary": {"train_size": [50, 10**6]}})
    rows = run_sweep(sweep, None, SerialExecutor()).rows
    assert [row["status"] for row in rows] == ["ok", "failed"]
    assert "larger than the" in rows[1]["message"]


def test_a_rerun_skips_the_trials_done_and_runs_only_the_new_ones(tmp_path, serial_rows):
    out = tmp_path / "results.json"
    first = run_sweep(small_sweep(), out, SerialExecutor())
    again = run_sweep(small_sweep(), out, SerialExecutor())
    assert (again.ran, again.skipped) == (0, 8)
    assert again.rows == first.rows
    bigger = parse({**SMALL, "vary": {**SMALL["vary"], "seed": [0, 1, 2]}})
    more = run_sweep(bigger, out, SerialExecutor())
    assert (more.ran, more.skipped) == (4, 8)
    assert outcome([r for r in more.rows if r["seed"] < 2]) == outcome(serial_rows)


def test_a_partial_file_is_continued(tmp_path, serial_rows):
    out = tmp_path / "results.csv"
    run_sweep(small_sweep(), out, SerialExecutor())
    lines = out.read_text().splitlines()
    out.write_text("\n".join(lines[:4]) + "\n")  # as if stopped after three trials
    result = run_sweep(small_sweep(), out, SerialExecutor())
    assert (result.ran, result.skipped) == (5, 3)
    assert outcome(result.rows) == outcome(serial_rows)


def test_results_of_another_sweep_are_not_mixed_in(tmp_path):
    out = tmp_path / "results.csv"
    run_sweep(small_sweep(), out, SerialExecutor())
    other = parse({"data": "moons", "fixed": {"epochs": 2}, "vary": {"seed": [0]}})
    with pytest.raises(ValidationError, match="holds results of another sweep"):
        run_sweep(other, out, SerialExecutor())


def test_missing_data_is_one_message_before_any_trial(tmp_path):
    sweep = parse({"data": str(tmp_path / "nope.csv"), "vary": {"seed": [0, 1]}})
    with pytest.raises(GlassnetError, match="nope.csv"):
        run_sweep(sweep, tmp_path / "results.csv", SerialExecutor())
    assert not (tmp_path / "results.csv").exists()


def test_an_interrupted_sweep_keeps_every_finished_trial(tmp_path, serial_rows):
    out = tmp_path / "results.csv"

    def interrupt_after_three(progress):
        if progress.done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(small_sweep(), out, SerialExecutor(), on_progress=interrupt_after_three)
    rows, _ = read_results(out)
    assert outcome(rows) == outcome(serial_rows[:3])
    result = run_sweep(small_sweep(), out, SerialExecutor())
    assert (result.ran, result.skipped) == (5, 3)
