"""What every test may use: `glassnet`, the one way tests run the command line."""

import os
import subprocess
import sys

import pytest


def run_glassnet(*args, cwd=None, env=None, timeout=300) -> subprocess.CompletedProcess:
    """Run `python -m glassnet ARGS` in a fresh process (no colours, a wide terminal) and
    return the CompletedProcess with its text output."""
    environment = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "glassnet", *map(str, args)],
        capture_output=True, text=True, encoding="utf-8", cwd=cwd, env=environment,
        timeout=timeout,
    )  # fmt: skip


@pytest.fixture(scope="session")
def glassnet():
    """The command line runner: glassnet("train", "moons", "--json") → CompletedProcess."""
    return run_glassnet
