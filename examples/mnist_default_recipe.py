"""Measure `glassnet train mnist` (the default recipe): test accuracy, training time, peak memory.

    python examples/mnist_default_recipe.py [--data-dir DIR] [--recipe mnist-best] [--seed N]

Runs the command exactly as a user would, in a child process, and reads its --json summary.
Peak memory is the child's peak resident set size (ru_maxrss). By default MNIST is read from
../shared/data/mnist next to the repository when it is there, else from the usual data folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=SHARED_MNIST if SHARED_MNIST.is_dir() else None)
    parser.add_argument("--recipe", default=None, help="e.g. mnist-best (default: the default)")
    parser.add_argument("--seed", default="0")
    args = parser.parse_args()
    command = [sys.executable, "-m", "glassnet", "train", "mnist", "--json", "--seed", args.seed]
    if args.data_dir:
        command += ["--data-dir", str(args.data_dir)]
    if args.recipe:
        command += ["--recipe", args.recipe]
    load_before = os.getloadavg()[0]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        return result.returncode
    summary = json.loads(result.stdout)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"command:        glassnet {' '.join(command[3:])}")
    print(f"recipe:         {summary['recipe']}  {summary['architecture']}")
    print(f"test accuracy:  {100 * summary['test_accuracy']:.2f} %")
    print(
        f"training time:  {summary['seconds']:.2f} s  "
        f"(whole command {summary['wall_seconds']:.2f} s)"
    )
    print(f"peak memory:    {peak_mib:.0f} MiB (resident, whole process)")
    print(f"machine:        {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"Python {platform.python_version()}, {_cpu_count()} CPUs")  # fmt: skip
    print(
        f"load average:   {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
        "(other processes on the machine slow the BLAS threads down a lot)"
    )
    return 0


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())
