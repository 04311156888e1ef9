"""Paths behind a folder the user may not search (issue 15): one `error:` line, exit 1.

Python's Path.is_file/is_dir/exists raise PermissionError (they do not answer False) when a
folder on the way cannot be searched; every command that met one used to end in a traceback.
The commands run as the user nobody (setpriv), because root may search any folder."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.main import refused_path

NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


@pytest.fixture(scope="module")
def places():
    """(locked, home): a folder only root may enter (a model, a table and a data folder in
    it), and a home for nobody; both under a folder every user may search."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("running a command as the user nobody needs root and setpriv")
    top = Path(tempfile.mkdtemp(prefix="glassnet-unreachable-"))
    top.chmod(0o755)
    locked, home = top / "locked", top / "home"
    (locked / "data").mkdir(parents=True)
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    X = np.random.default_rng(0).normal(size=(20, 2))
    net = gn.Network([gn.Dense(2, 3), gn.Sigmoid(), gn.Dense(3, 1), gn.Sigmoid()], seed=0)
    net.fit(X, (X[:, 0] > 0).astype(float), epochs=1)
    gn.save(net, locked / "m.glassnet")
    (locked / "t.csv").write_text("a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    locked.chmod(0o700)
    yield locked, home
    shutil.rmtree(top)


def as_nobody(home, *args):
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(home), "NO_COLOR": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "XDG_CACHE_HOME": str(home)}  # fmt: skip
    command = [*NOBODY, sys.executable, "-m", "glassnet", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=home, timeout=300)


COMMANDS = {
    "predict": lambda L, H: ["predict", L / "m.glassnet", H / "none.csv"],
    "info": lambda L, H: ["info", L / "m.glassnet"],
    "evaluate": lambda L, H: ["evaluate", L / "m.glassnet", "moons"],
    "explain": lambda L, H: ["explain", L / "m.glassnet"],
    "train --out": lambda L, H: ["train", "moons", "--epochs", "1", "--out", L / "new.glassnet"],
    "train --run-dir": lambda L, H: ["train", "moons", "--epochs", "1", "--run-dir", L / "run"],
    "train --resume": lambda L, H: ["train", "--resume", L / "run"],
    "train --data-dir": lambda L, H: ["train", "mnist", "--data-dir", L / "data"],
    "datasets verify": lambda L, H: ["datasets", "verify", "mnist", "--data-dir", L / "data"],
}


@pytest.mark.parametrize("name", COMMANDS)
def test_a_path_behind_an_unsearchable_folder_is_one_error_line(places, name):
    locked, home = places
    result = as_nobody(home, *COMMANDS[name](locked, home))
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in (result.stderr + result.stdout).splitlines()
              if line.startswith("error:")]  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert len(errors) == 1 and str(locked) in errors[0], result.stderr + result.stdout
    assert "Permission denied" in errors[0]
    assert sorted(p.name for p in home.iterdir()) == [], "nothing written in its place"


def test_the_line_names_the_path_and_the_fix():
    line = refused_path(PermissionError(13, "Permission denied", "/srv/x/m.glassnet"))
    assert line.startswith("cannot use /srv/x/m.glassnet (Permission denied): ")
    assert "search every folder on the way" in line
    assert refused_path(OSError("odd")).startswith("OSError: ")
