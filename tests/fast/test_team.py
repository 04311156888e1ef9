"""The compiled step's team: sized from the cores the process may use, and free to switch
between the team and one thread without changing a single number.

The C step chooses, step by step, the team or one thread (csrc/team.h); GLASSNET_TEAM pins the
choice. Whatever it picks, the weights after training are the same bit for bit."""

import ctypes
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import glassnet as gn
from glassnet import cores

_ckernels = pytest.importorskip("glassnet.fast._ckernels", reason="the C extension is not built")

from glassnet.fast import blas as _blas  # noqa: E402
from glassnet.fast import step as fastpath  # noqa: E402


@pytest.mark.parametrize(
    ("line", "expected"),
    [("max 100000", None), ("150000 100000", 1.5), ("50000 100000\n", 0.5), ("junk", None)],
)
def test_a_cgroup_cpu_max_line_gives_the_cores_it_allows(line, expected):
    assert cores.quota_cores(line) == expected


def test_the_tightest_quota_on_the_cgroup_path_counts(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "cpu.max").write_text("max 100000\n")
    (tmp_path / "a" / "cpu.max").write_text("100000 100000\n")  # one core for the parent
    (tmp_path / "a" / "b" / "cpu.max").write_text("300000 100000\n")
    proc_self = tmp_path / "cgroup"
    proc_self.write_text("0::/a/b\n")
    assert cores.cgroup_quota(tmp_path, proc_self) == 1.0
    proc_self.write_text("0::/\n")
    assert cores.cgroup_quota(tmp_path, proc_self) is None


def test_usable_cores_follow_the_affinity():
    assert 1 <= cores.usable_cores() <= len(os.sched_getaffinity(0))


def data(n=96, n_in=20, k=4):
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, size=(n, n_in)).astype(np.uint8), rng.integers(0, k, n)


def trained(policy: str, monkeypatch, optimizer=None, batch_size=40, epochs=3):
    """The parameters after fit with GLASSNET_TEAM=policy, and the team's state."""
    monkeypatch.setenv(fastpath.TEAM_ENV, policy)
    X, y = data()
    net = gn.Network(
        [gn.Standardize(0, 255), gn.Dense(20, 48), gn.ReLU(), gn.Dense(48, 40), gn.ReLU(),
         gn.Dense(40, 4)], seed=3)  # fmt: skip
    net.fit(X, y, loss="cross_entropy", optimizer=optimizer or gn.SGD(0.1), epochs=epochs,
            batch_size=batch_size)  # fmt: skip
    return [p.copy() for p, _ in net.parameters()], _ckernels.team_state()


def blas_threads():
    get, set_ = _blas.threads()
    return ctypes.CFUNCTYPE(ctypes.c_int)(get), ctypes.CFUNCTYPE(None, ctypes.c_int)(set_)


needs_team = pytest.mark.skipif(
    _blas.threads() is None or _blas.sgemm() is None, reason="no OpenBLAS thread control"
)


@needs_team
@pytest.mark.parametrize("optimizer", [None, gn.Adam(0.01)], ids=["sgd", "adam"])
def test_the_team_and_one_thread_give_the_same_numbers_bit_for_bit(monkeypatch, optimizer):
    get, set_ = blas_threads()
    count = get()
    set_(2)
    try:  # batches of 45, 45 and 6: fewer than 8 rows, auto runs on one thread
        on, state_on = trained("on", monkeypatch, optimizer, batch_size=45)
        off, state_off = trained("off", monkeypatch, optimizer, batch_size=45)
        auto, _ = trained("auto", monkeypatch, optimizer, batch_size=45)
    finally:
        set_(count)
    assert state_on["threads"] == min(2, cores.usable_cores())  # the last batch too
    assert state_off["threads"] == 1
    for a, b, c in zip(on, off, auto, strict=True):
        assert np.array_equal(a, b) and np.array_equal(a, c)


@needs_team
def test_a_team_of_four_computes_what_one_thread_does(monkeypatch):
    # A team is as large as the usable cores and OpenBLAS's threads allow: pretend four.
    get, set_ = blas_threads()
    count = get()
    monkeypatch.setattr(cores, "usable_cores", lambda: 4)
    set_(4)
    try:
        before = _ckernels.team_steps()
        four, state = trained("on", monkeypatch, batch_size=70)
        ran = _ckernels.team_steps() - before
        one, _ = trained("off", monkeypatch, batch_size=70)
    finally:
        set_(count)
    assert state["threads"] == 4 and ran == 3 * 2  # 96 samples: batches of 70 and 26
    assert get() == count
    for a, b in zip(four, one, strict=True):
        assert np.array_equal(a, b)


@needs_team
def test_one_usable_core_means_no_team():
    # A process pinned to one CPU (taskset): the team would only wait for itself.
    code = (
        "import os, numpy as np, glassnet as gn\n"
        "from glassnet import cores\nfrom glassnet.fast import step\n"
        "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
        "X = np.random.default_rng(0).integers(0, 256, (64, 20), dtype=np.uint8)\n"
        "net = gn.Network([gn.Standardize(0, 255), gn.Dense(20, 8), gn.ReLU(), gn.Dense(8, 4)])\n"
        "net.fit(X, np.arange(64) % 4, loss='cross_entropy', epochs=2, batch_size=16)\n"
        "k = step.kernels()\n"
        "print(cores.usable_cores(), k.team_steps(), k.team_state()['threads'])\n"
    )
    env = {**os.environ, fastpath.TEAM_ENV: "on"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.split() == ["1", "0", "1"]


def test_a_wrong_glassnet_team_value_is_named(monkeypatch):
    monkeypatch.setenv(fastpath.TEAM_ENV, "sometimes")
    X, y = data()
    net = gn.Network([gn.Standardize(0, 255), gn.Dense(20, 4)])
    with pytest.raises(gn.ValidationError, match="GLASSNET_TEAM='sometimes' is not auto, on or"):
        net.fit(X, y, loss="cross_entropy", epochs=1)


def test_team_config_refuses_what_it_cannot_use():
    with pytest.raises(ValueError, match="policy in 0, 1, 2"):
        _ckernels.team_config(3, 2)
    with pytest.raises(TypeError, match="2 arguments"):
        _ckernels.team_config(0)


def test_the_team_state_tells_what_failed_trials_cost():
    state = _ckernels.team_state()
    assert set(state) == {"threads", "team", "trials", "switches", "postponed", "lost"}
    assert state["lost"] >= 0.0 and state["switches"] <= state["trials"]
    assert state["postponed"] >= 0


BUSY = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    pass"

on_linux = pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="no /proc/loadavg")


@on_linux
def test_idle_cores_count_the_caller_as_busy():
    # The caller is running while it asks, so at most every other online core is idle.
    idle = _ckernels.idle_cores()
    assert isinstance(idle, int) and idle <= os.cpu_count() - 1


@on_linux
def test_idle_cores_see_a_busy_process_on_every_core():
    # With a CPU-bound process for every core, the caller makes one runnable thread too many:
    # a trial of the team would have to take a core from one of them.
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(os.cpu_count())]
    try:
        time.sleep(0.5)
        seen = [_ckernels.idle_cores() for _ in range(5)]
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    assert max(seen) < 0, seen
