"""Issue 15's runs surface, tried from the command line as a user would (run as root: it mounts
a 256 KB tmpfs and runs a command as nobody). PYTHONPATH selects the glassnet under test; MNIST
is read from ../shared/data beside the repository. Prints one Markdown row per case
(benchmarks/results/hostile.md).

    .venv/bin/python benchmarks/hostile_runs.py
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# long enough that kill -9 lands mid-run on a quiet machine (60 epochs finished within the 0.3 s
# the harness waits after the first checkpoint)
LONG_EPOCHS = 600
LONG = ["xor-clusters", "--epochs", str(LONG_EPOCHS), "--batch-size", "4"]
root = Path(tempfile.mkdtemp(prefix="runs-"))
root.chmod(0o755)
env = {**os.environ, "NO_COLOR": "1"}


def gl(*args, cwd=root, extra=None, timeout=300):
    return subprocess.run(
        [PY, "-m", "glassnet", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**env, **(extra or {})},
        timeout=timeout,
    )


def show(name, outcome, detail=""):
    print(f"| runs | {name} | {outcome} | {detail[:220]} |", flush=True)


def last(err):
    lines = [l for l in err.strip().splitlines() if l.strip()]
    return lines[-1] if lines else ""


def tb(err):
    return "Traceback" in err


def show_rescue(name, r, same, rescue, where=""):
    """A save that failed: a clear error (exit 1, no traceback) only if the old model is
    untouched and the new one was rescued into `rescue`."""
    rescued = [p.name for p in rescue.iterdir()]
    ok = r.returncode == 1 and same and not tb(r.stderr) and rescued
    show(
        name,
        "clear error" if ok else "OTHER",
        f"exit {r.returncode}, old {'untouched' if same else 'CHANGED'}, {where}"
        f"rescued {rescued}: {last(r.stderr)}",
    )


def signal_case(name, signum, want):
    d = root / name.replace(" ", "_")
    p = subprocess.Popen(
        [PY, "-m", "glassnet", "train", *LONG, "--out", d / "m.glassnet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    d.mkdir(exist_ok=True)
    for line in p.stdout:
        if line.startswith("epoch "):
            break
    p.send_signal(signum)
    _, err = p.communicate(timeout=120)
    files = sorted(x.name for x in d.iterdir())
    ckpt = [f for f in files if "checkpoint" in f and not f.startswith(".")]
    if tb(err):
        return show(name, "OTHER", "traceback " + last(err))
    if p.returncode == want and ckpt:
        r = gl("train", "--resume", d / ckpt[0], "--quiet")
        ok = r.returncode == 0 and (d / "m.glassnet").exists()
        return show(
            name,
            "clear (checkpoint, resumed)" if ok else "OTHER",
            f"exit {p.returncode}, {ckpt[0]}; resume exit {r.returncode} {last(r.stderr)}",
        )
    show(name, "OTHER", f"exit {p.returncode}, files {files}: {last(err)}")


signal_case("SIGINT mid-training", signal.SIGINT, 130)
signal_case("SIGTERM mid-training", signal.SIGTERM, 143)
signal_case("SIGHUP mid-training", signal.SIGHUP, 129)

# kill -9 with periodic checkpoints
d = root / "kill9"
d.mkdir()
r = gl("train", "--help")
if "--checkpoint-every" not in r.stdout:
    show(
        "kill -9 with --checkpoint-every 2",
        "OTHER",
        "no --checkpoint-every: kill -9 loses the whole run",
    )
else:
    p = subprocess.Popen(
        [
            PY,
            "-m",
            "glassnet",
            "train",
            *LONG,
            "--checkpoint-every",
            "2",
            "--run-dir",
            d / "run",
            "--quiet",
        ],
        env=env,
    )
    c = d / "run" / "checkpoint.glassnet"
    t = time.monotonic()
    while not c.exists() and time.monotonic() - t < 120:
        time.sleep(0.05)
    time.sleep(0.3)
    p.kill()
    p.wait()
    info = gl("info", c, "--json")
    ep = json.loads(info.stdout)["checkpoint"]["epoch"] if info.returncode == 0 else None
    r = gl("train", "--resume", d / "run", "--quiet")
    s = (
        json.loads((d / "run" / "summary.json").read_text())
        if (d / "run" / "summary.json").exists()
        else {}
    )
    show(
        "kill -9 with --checkpoint-every 2",
        "clear (resumed)" if r.returncode == 0 and s.get("epochs") == LONG_EPOCHS else "OTHER",
        f"checkpoint at epoch {ep}; resume exit {r.returncode}, "
        f"summary epochs {s.get('epochs')} {last(r.stderr)}",
    )
    for bad in ("0", "-1", "abc", "1.5"):
        r = gl("train", "moons", "--checkpoint-every", bad)
        show(
            f"--checkpoint-every {bad}",
            "clear error"
            if r.returncode == 2 and not tb(r.stderr) and len(r.stderr.strip().splitlines()) == 1
            else "OTHER",
            f"exit {r.returncode}: {last(r.stderr)}",
        )

# Adam at lr 1e6
d = root / "adam"
d.mkdir()
gl("train", "moons", "--epochs", "2", "--out", d / "m.glassnet", "--quiet")
before = (d / "m.glassnet").read_bytes()


def diverging(name, out, before, *args):
    """Adam at lr 1e6 over an older model `out` (bytes `before`): a clear error, and the older
    model untouched."""
    r = gl("train", *args, "--optimizer", "adam", "--lr", "1e6", "--out", out)
    same = out.read_bytes() == before
    show(
        name,
        "clear error" if r.returncode != 0 and same and not tb(r.stderr) else "OTHER",
        f"exit {r.returncode}, old model {'untouched' if same else 'REPLACED'}: {last(r.stderr)}",
    )


diverging("Adam lr 1e6 on mnist (2,000 rows, 3 epochs)", d / "m.glassnet", before, "mnist",
          "--epochs", "3", "--train-size", "2000", "--data-dir", str(SHARED_DATA))  # fmt: skip
diverging("Adam lr 1e6 on moons", d / "m.glassnet", before, "moons", "--epochs", "20")

# read-only output folder (an I/O error), and a full disk (tmpfs)
d = root / "ro"
d.mkdir()
gl("train", "moons", "--epochs", "2", "--out", d / "m.glassnet", "--quiet")
before = (d / "m.glassnet").read_bytes()
d.chmod(0o555)
rescue = root / "rescue-ro"
rescue.mkdir()
nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
r = subprocess.run(
    [*nobody, PY, "-m", "glassnet", "train", "moons", "--epochs", "3", "--out", d / "m.glassnet"],
    capture_output=True,
    text=True,
    env={**env, "TMPDIR": str(rescue), "HOME": str(rescue)},
    cwd="/",
)
rescue.chmod(0o777)
r = subprocess.run(
    [*nobody, PY, "-m", "glassnet", "train", "moons", "--epochs", "3", "--out", d / "m.glassnet"],
    capture_output=True,
    text=True,
    env={**env, "TMPDIR": str(rescue), "HOME": str(rescue)},
    cwd="/",
)
same = (d / "m.glassnet").read_bytes() == before
show_rescue("read-only output folder (user nobody)", r, same, rescue)
d.chmod(0o755)

small = root / "small"
small.mkdir()
if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(small)]).returncode == 0:
    try:
        gl("train", "moons", "--epochs", "2", "--out", small / "m.glassnet", "--quiet")
        before = (small / "m.glassnet").read_bytes()
        with open(small / "filler", "wb", buffering=0) as h:
            try:
                while h.write(b"\0" * 1024):
                    pass
            except OSError:
                pass
        rescue = root / "rescue"
        rescue.mkdir()
        r = gl(
            "train",
            "moons",
            "--epochs",
            "3",
            "--out",
            small / "m.glassnet",
            extra={"TMPDIR": str(rescue)},
        )
        same = (small / "m.glassnet").read_bytes() == before
        left = sorted(p.name for p in small.iterdir())
        show_rescue("full disk (256 KB tmpfs) at the final save", r, same, rescue,
                    f"folder {left}, ")  # fmt: skip
        # full disk at a periodic checkpoint / interrupt checkpoint
        (small / "m.glassnet").unlink()
        r = gl(
            "train",
            *LONG,
            "--checkpoint-every",
            "2",
            "--run-dir",
            small / "run",
            extra={"TMPDIR": str(rescue)},
        )
        show(
            "full disk, --checkpoint-every 2 --run-dir on it",
            "clear error" if r.returncode == 1 and not tb(r.stderr) else "OTHER",
            f"exit {r.returncode}: {last(r.stderr)}",
        )
    finally:
        subprocess.run(["umount", str(small)])
else:
    show("full disk", "NOT TRIED", "cannot mount tmpfs")

# damaged checkpoint on --resume (trainer state)
shutil.rmtree(root)
