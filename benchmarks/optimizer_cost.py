"""What an optimizer with state costs a training step, measured inside one process.

    python benchmarks/optimizer_cost.py          plain SGD, momentum, Nesterov, Adam, AdamW
    python benchmarks/optimizer_cost.py --rounds 40 --steps 200
    python benchmarks/optimizer_cost.py --only "plain SGD" Adam

On a shared two-core machine, the speed of a fresh process swings by up to 2x from one process
to the next (docs/performance.md: "The ceiling moves too"), far more than the 10-15 % an
optimizer adds. Here every network is built once, from the benchmark's start (784-256-128-10,
ReLU, cross-entropy, batch 64, MNIST), and trained in short windows taken in turn, so each
window of a row meets the same spell as the plain-SGD window beside it. The figure per row is
the median over rounds of its rate over plain SGD's in the same round, with the quartiles.
The GEMM ceiling is not timed here: NumPy's threaded matmul leaves OpenBLAS's threads spinning,
which would slow the next glassnet window (the matrix section of bench.py times it in its own
processes).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mnist_data import read_start, write_start
from peers import make_runner
from sections import adam, recipe_of, sgd

ROWS = {
    "plain SGD": {},
    "momentum 0.9": {"optimizer": sgd(0.05, 0.9)},
    "Nesterov 0.9": {"optimizer": sgd(0.05, 0.9, True)},
    "Adam": {"optimizer": adam()},
    "AdamW": {"optimizer": adam("adamw", weight_decay=0.01)},
}
BASE = "plain SGD"


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, q2, q3 = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return q1, q2, q3


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="windows per row (default 30)")
    parser.add_argument("--steps", type=int, default=100, help="steps per window (default 100)")
    parser.add_argument("--only", nargs="+", choices=list(ROWS), help="rows besides plain SGD")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.steps < 1:
        parser.error("--rounds and --steps must be at least 1")
    names = [BASE, *[n for n in (args.only or ROWS) if n != BASE]]
    batch = 64
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "start.npz"
        write_start(path)
        start = read_start(path)
    runners = {name: make_runner("glassnet", start, batch, recipe_of(ROWS[name])) for name in names}
    for runner in runners.values():
        runner.train(4_096)  # warm-up: buffers, the compiled plan, the team
    samples = args.steps * batch
    rates: dict[str, list[float]] = {name: [] for name in names}
    for r in range(args.rounds):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            began = time.perf_counter()
            runners[name].train(samples)
            rates[name].append(samples / (time.perf_counter() - began))
    print(f"{args.rounds} rounds of {args.steps}-step windows, batch {batch}, 784-256-128-10 ReLU")
    print(f"{'row':14s} {'samples/s':>10s} {'/ plain SGD':>12s} {'quartiles':>14s}")
    for name in names:
        ratios = [a / b for a, b in zip(rates[name], rates[BASE], strict=True)]
        q1, q2, q3 = quartiles(ratios)
        median_rate = statistics.median(rates[name])
        print(f"{name:14s} {median_rate:10,.0f} {q2:11.3f}x {q1:6.3f}-{q3:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
