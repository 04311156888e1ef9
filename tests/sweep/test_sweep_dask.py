"""Sweeps on a real Dask cluster: a scheduler and two worker processes on 127.0.0.1, reached by
address as a remote cluster would be. The workers do the work, the rows equal a local run's,
and a worker killed mid-sweep loses no trial."""

from __future__ import annotations

import json
import os
import signal

import distributed
import pytest
from sweep_helpers import SMALL, outcome, small_sweep

from glassnet.errors import GlassnetError
from glassnet.parallel import LocalExecutor, executor
from glassnet.parallel.cluster import DaskExecutor
from glassnet.sweep import parse, run_sweep


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  silence_logs=40) as local:  # fmt: skip
        yield local


def worker_pids(address: str) -> dict[str, int]:
    with distributed.Client(address, set_as_default=False) as client:
        return client.run(os.getpid)


@pytest.fixture(scope="module")
def local_rows():
    with LocalExecutor(2) as pool:
        return run_sweep(small_sweep(), None, pool).rows


def test_the_cluster_runs_the_sweep_and_gives_the_local_rows(cluster, tmp_path, local_rows):
    pids = worker_pids(cluster.scheduler_address)
    with executor(scheduler=cluster.scheduler_address) as pool:
        assert pool.slots == 2 and "127.0.0.1" in pool.where
        result = run_sweep(small_sweep(), tmp_path / "results.csv", pool)
    assert outcome(result.rows) == outcome(local_rows)
    ran_in = {int(row["worker"].rsplit(":", 1)[1]) for row in result.rows}
    assert ran_in <= set(pids.values()) and os.getpid() not in ran_in


def test_a_worker_killed_mid_sweep_loses_no_trial(cluster, tmp_path):
    # 16 trials of a few hundred milliseconds each: one worker is killed after the first
    # finishes, while the others run; its nanny starts a new one.
    sweep = parse({**SMALL, "fixed": {**SMALL["fixed"], "epochs": 40},
                   "vary": {**SMALL["vary"], "seed": [0, 1, 2, 3]}})  # fmt: skip
    pids = worker_pids(cluster.scheduler_address)
    killed, running_there = [], []

    def kill_one(progress):  # a worker that is running a trial now, so that trial is lost
        if progress.done >= 1 and not killed:
            busy = {a: keys for a, keys in pool.client.processing().items() if keys}
            victim = min(busy)
            os.kill(pids[victim], signal.SIGKILL)
            killed.append(pids[victim])
            running_there.extend(busy[victim])

    with executor(scheduler=cluster.scheduler_address) as pool:
        result = run_sweep(sweep, tmp_path / "results.csv", pool, on_progress=kill_one)
    assert killed and running_there  # it died with at least one trial on it
    assert len(result.rows) == 16 and result.ran == 16
    assert all(row["status"] in ("ok", "diverged") for row in result.rows)
    with LocalExecutor(2) as pool:
        local = run_sweep(sweep, None, pool)
    assert outcome(result.rows) == outcome(local.rows)
    assert killed[0] not in worker_pids(cluster.scheduler_address).values()  # it did die


def test_seeds_on_the_cluster_equal_seeds_here(cluster):
    from glassnet.lab import Problem, run_seeds, xor_recipe

    problem, recipe = Problem.xor(), xor_recipe()
    here = run_seeds(problem, recipe, n=4)
    with DaskExecutor(cluster.scheduler_address) as pool:
        there = run_seeds(problem, recipe, n=4, executor=pool)
    assert there.to_dict() == here.to_dict()


def test_an_address_with_no_scheduler_is_one_message():
    with pytest.raises(GlassnetError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        executor(scheduler="tcp://127.0.0.1:9")


@pytest.mark.parametrize(
    "command",
    [
        ("seeds", "--n", "4", "--epochs", "50"),
        ("lr-range", "--epochs", "2", "--steps", "4"),
        ("compare-gd", "--epochs", "2"),
    ],
)
def test_the_experiments_take_scheduler_and_answer_as_here(glassnet, cluster, command):
    there = glassnet(*command, "--json", "--scheduler", cluster.scheduler_address)
    assert there.returncode == 0, there.stderr
    here = glassnet(*command, "--json", "--jobs", "1")
    one, two = json.loads(here.stdout), json.loads(there.stdout)
    for run in one.get("runs", []) + two.get("runs", []):
        run.pop("seconds")  # compare-gd's training time: the one value that may differ
    assert one == two


def test_the_sweep_command_runs_on_the_cluster(glassnet, cluster, tmp_path):
    grid = tmp_path / "grid.toml"
    grid.write_text('data = "moons"\n[fixed]\nepochs = 3\n[vary]\nlr = [0.01, 0.1]\n'
                    "seed = [0, 1]\n")  # fmt: skip
    pids = set(worker_pids(cluster.scheduler_address).values())
    result = glassnet("sweep", grid, "--scheduler", cluster.scheduler_address, "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["trials"]
    assert len(rows) == 4 and {row["status"] for row in rows} == {"ok"}
    assert {int(row["worker"].rsplit(":", 1)[1]) for row in rows} <= pids
    assert f"(the Dask cluster at {cluster.scheduler_address})" in result.stderr
    local = glassnet("sweep", grid, "--jobs", "1", "--json", "--out", tmp_path / "local.csv")
    assert outcome(json.loads(local.stdout)["trials"]) == outcome(rows)
