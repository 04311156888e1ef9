"""Runs lose nothing (issue 15): SIGTERM and SIGHUP checkpoint like Ctrl-C, kill -9 keeps the
last periodic checkpoint, a full disk keeps the old model and rescues the new one, a run that
explodes without NaN stops with the divergence advice and saves nothing."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

import glassnet as gn

LONG_RUN = ["xor-clusters", "--epochs", "60", "--batch-size", "4"]


def start(*args, env=None):
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "glassnet", "train", *map(str, args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
    )  # fmt: skip


def wait_for_epoch_line(process):
    for line in process.stdout:
        if line.startswith("epoch "):
            return


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_checkpoint_like_ctrl_c(glassnet, tmp_path, signum, code):
    run_dir = tmp_path / "run"
    process = start(*LONG_RUN, "--run-dir", run_dir)
    wait_for_epoch_line(process)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    checkpoint = run_dir / "checkpoint.glassnet"
    assert process.returncode == code, stderr
    assert checkpoint.is_file() and f"glassnet train --resume {checkpoint}" in stderr
    resumed = glassnet("train", "--resume", checkpoint, "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((run_dir / "summary.json").read_text())["epochs"] == 60
    assert not checkpoint.exists()


def test_kill_9_keeps_the_last_periodic_checkpoint(glassnet, tmp_path):
    run_dir = tmp_path / "run"
    checkpoint = run_dir / "checkpoint.glassnet"
    process = start(*LONG_RUN, "--checkpoint-every", "2", "--run-dir", run_dir, "--quiet")
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    info = json.loads(glassnet("info", checkpoint, "--json").stdout)["checkpoint"]
    assert info["epoch"] % 2 == 0 and info["epoch"] >= 2 and info["batch"] == 0
    # kill -9 may land while the next checkpoint is being written: its temporary file may stay
    # (nothing can remove it), never a half-written checkpoint.glassnet
    others = [p.name for p in run_dir.iterdir() if p.name != "checkpoint.glassnet"]
    assert all(re.fullmatch(r"\.checkpoint\.glassnet\..+\.tmp", name) for name in others), others
    resumed = glassnet("train", "--resume", run_dir, "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((run_dir / "summary.json").read_text())["epochs"] == 60


def test_an_exploding_run_stops_with_the_advice_and_keeps_the_old_model(glassnet, tmp_path):
    """Adam at η = 10⁶: the cost stays finite (10¹⁸) but far above its start."""
    model = tmp_path / "m.glassnet"
    glassnet("train", "moons", "--epochs", "2", "--out", model, "--quiet")
    before = model.read_bytes()
    result = glassnet("train", "moons", "--optimizer", "adam", "--lr", "1e6", "--epochs", "20",
                      "--out", model, "--quiet")  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: training diverged by epoch"), lines
    assert "lower the learning rate" in lines[0] and "No model was saved" in lines[0]
    assert model.read_bytes() == before
    assert not (tmp_path / "m.glassnet.checkpoint").exists()


# ---------------------------------------------------------------- a full disk (a real tmpfs)


@contextmanager
def small_disk(folder, kilobytes: int):
    """A tmpfs of `kilobytes` at folder (root only); skips the test where it cannot mount."""
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs",
                              str(folder)], capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def fill(folder):
    """Take every free byte of the file system."""
    with open(folder / "filler", "wb", buffering=0) as handle:
        try:
            while handle.write(b"\0" * 1024):
                pass
        except OSError:
            pass


def test_a_full_disk_keeps_the_old_model_and_rescues_the_new_one(glassnet, tmp_path):
    rescue = tmp_path / "rescue"
    rescue.mkdir()
    with small_disk(tmp_path / "small", 256) as small:
        model = small / "m.glassnet"
        first = glassnet("train", "moons", "--epochs", "2", "--out", model, "--quiet")
        assert first.returncode == 0, first.stderr
        before = model.read_bytes()
        fill(small)
        result = glassnet("train", "moons", "--epochs", "3", "--out", model, "--quiet",
                          env={"TMPDIR": str(rescue)})  # fmt: skip
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "No space left on device" in lines[0], lines
        assert "the old file there is untouched" in lines[0]
        assert model.read_bytes() == before
        assert sorted(p.name for p in small.iterdir()) == ["filler", "m.glassnet"]
    (rescued,) = rescue.iterdir()
    assert f"mv {rescued} {model}" in lines[0]
    assert gn.load(rescued).card.training["epochs"] == 3
