"""examples/graduation.py, run as a user runs it: every step prints what the README promises."""

import re
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "graduation.py"


def test_the_graduation_example_runs_and_every_step_agrees(tmp_path):
    ran = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=600)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    out = ran.stdout
    differences = [float(x) for x in re.findall(r"max \|difference\| (\S+?),?\s", out)]
    assert len(differences) == 2 and max(differences) <= 1e-5, out  # ONNX Runtime, PyTorch
    n = re.search(r"labels equal for (\d+) of (\d+) samples", out)
    assert n and n.group(1) == n.group(2), out
    assert "the same class for 100 % of the samples" in out
    assert "Forward pass" in out and "Backward pass" in out
    written = sorted(p.name for p in (tmp_path / "graduation").iterdir())
    assert written == ["from_torch.glassnet", "moons-torch", "moons.glassnet", "moons.onnx"]
