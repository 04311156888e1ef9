"""The executors: every item's result, from the worker processes, with lost workers replaced."""

from __future__ import annotations

import os
from functools import partial

import pytest
from sweep_helpers import always_die, die_the_first_time, fail_on_three, square_and_pid

from glassnet.errors import GlassnetError, ValidationError
from glassnet.parallel import LocalExecutor, SerialExecutor, executor
from glassnet.parallel.executor import MAX_ATTEMPTS, available_cores


def test_local_workers_compute_every_item_in_other_processes():
    with LocalExecutor(2) as pool:
        results = pool.map(square_and_pid, range(12))
    assert [r[0] for r in results] == [i * i for i in range(12)]
    pids = {r[1] for r in results}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


def test_workers_have_one_blas_thread():
    from threadpoolctl import threadpool_info

    with LocalExecutor(1) as pool:
        [info] = pool.map(_blas_threads, [None])
    assert info and all(n == 1 for n in info)
    assert threadpool_info()  # this process keeps its own BLAS threads


def test_the_compiled_step_in_a_worker_runs_on_one_thread():
    # N workers on N cores: not BLAS alone, the C step's team of threads (fast/csrc/team.h) too
    with LocalExecutor(1) as pool:
        [threads] = pool.map(_step_threads, [None])
    assert threads == 1


def _step_threads(_):
    import glassnet as gn
    from glassnet.fast.step import TEAM_ENV, kernels

    os.environ[TEAM_ENV] = "on"  # the team whenever it can (here, in this process: 2 threads)
    gn.run(gn.RunConfig(data="moons", hidden=[64, 64], epochs=2, batch_size=64))
    assert kernels() is not None, "the C extension is not built (make test builds it)"
    return kernels().team_state()["threads"]


def _blas_threads(_):
    from threadpoolctl import threadpool_info

    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_a_dead_worker_costs_its_trial_a_restart_not_its_result(tmp_path):
    marker = str(tmp_path / "marker")
    with LocalExecutor(2) as pool:
        results = pool.map(partial(die_the_first_time, marker), range(6))
    assert results == [i * i for i in range(6)]
    assert (tmp_path / "marker").exists()


def test_a_trial_that_always_kills_its_worker_ends_the_run_with_a_message():
    with LocalExecutor(1) as pool, pytest.raises(GlassnetError, match=f"died {MAX_ATTEMPTS} times"):
        pool.map(always_die, [1])


def test_an_exception_in_a_trial_reaches_the_caller():
    with LocalExecutor(2) as pool, pytest.raises(ValueError, match="three is not allowed"):
        pool.map(fail_on_three, range(6))
    with pytest.raises(ValueError, match="three is not allowed"):
        SerialExecutor().map(fail_on_three, range(6))


def test_executor_arguments_are_checked():
    with pytest.raises(ValidationError, match="jobs must be a positive integer, got 0"):
        LocalExecutor(0)
    with pytest.raises(ValidationError, match="--jobs and --scheduler exclude each other"):
        executor(2, "tcp://127.0.0.1:8786")
    with pytest.raises(ValidationError, match="--scheduler must be a Dask scheduler address"):
        executor(None, "127.0.0.1:8786")
    assert executor(3).slots == 3


def test_the_default_jobs_are_capped_by_a_cgroup_cpu_quota(tmp_path):
    # a container's --cpus: cpu.max on this process's cgroup v2 path, or on a parent of it
    proc_self = tmp_path / "cgroup"
    proc_self.write_text("1:cpu:/\n0::/job/step\n")
    root, leaf = tmp_path / "fs", tmp_path / "fs" / "job" / "step"
    leaf.mkdir(parents=True)
    affinity = len(os.sched_getaffinity(0))
    assert available_cores(root, proc_self) == affinity  # no cpu.max anywhere: the affinity
    (leaf / "cpu.max").write_text("max 100000\n")
    assert available_cores(root, proc_self) == affinity  # "max": no quota
    (leaf / "cpu.max").write_text("50000 100000\n")
    assert available_cores(root, proc_self) == 1  # half a core: one worker
    (leaf / "cpu.max").write_text("max 100000\n")
    (root / "job" / "cpu.max").write_text("150000 100000\n")  # the parent's 1.5 cores
    assert available_cores(root, proc_self) == min(affinity, 2)
    (root / "cpu.max").write_text("100000 100000\n")  # the tightest on the path: 1
    assert available_cores(root, proc_self) == 1
