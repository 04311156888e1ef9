"""Sweeps on a real Dask cluster: a scheduler and two worker processes on 127.0.0.1, reached by
address as a remote cluster would be. The workers do the work, the rows equal a local run's,
and a worker killed mid-sweep loses no trial."""

from __future__ import annotations

import os
import signal

import pytest
from sweep_helpers import SMALL, outcome, small_sweep

from glassnet.errors import GlassnetError
from glassnet.parallel import LocalExecutor, executor
from glassnet.parallel.cluster import DaskExecutor
from glassnet.sweep import parse, run_sweep

distributed = pytest.importorskip("distributed")


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
    killed = []

    def kill_one(progress):
        if progress.done >= 1 and not killed:
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    with executor(scheduler=cluster.scheduler_address) as pool:
        result = run_sweep(sweep, tmp_path / "results.csv", pool, on_progress=kill_one)
    assert killed
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
