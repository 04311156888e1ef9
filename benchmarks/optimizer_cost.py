"""What an optimizer with state costs a training step, and what the C step's leaving blank
pixels out of the first layer saves, measured inside one process.

    python benchmarks/optimizer_cost.py          every row below, 784-256-128-10, batch 64
    python benchmarks/optimizer_cost.py --rounds 40 --steps 200
    python benchmarks/optimizer_cost.py --only Adam "plain SGD, every feature"
    python benchmarks/optimizer_cost.py --hidden 1024 1024 --batch 256 --steps 20 --only \
        "plain SGD, every feature"

On a shared two-core machine, the speed of a fresh process swings by up to 2x from one process
to the next (docs/performance.md: "The ceiling moves too"), far more than the 10-15 % an
optimizer adds. Here every network is built once, from the benchmark's start (ReLU,
cross-entropy, MNIST), and trained in short windows taken in turn, so each window of a row meets
the same spell as the plain-SGD window beside it. The figure per row is the median over rounds
of its rate over plain SGD's in the same round, with the quartiles. The rows "every feature"
run with GLASSNET_BLANK=off (set for their windows only: each window's fit binds a new plan),
multiplying by all 784 pixels as the GEMM ceiling does. The GEMM ceiling is not timed here:
NumPy's threaded matmul leaves OpenBLAS's threads spinning, which would slow the next glassnet
window (the matrix section of bench.py times it in its own processes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

from mnist_data import read_start, write_start
from peers import make_runner
from sections import BLANK_OFF, adam, recipe_of, sgd

ROWS = {
    "plain SGD": {},
    "momentum 0.9": {"optimizer": sgd(0.05, 0.9)},
    "Nesterov 0.9": {"optimizer": sgd(0.05, 0.9, True)},
    "Adam": {"optimizer": adam()},
    "AdamW": {"optimizer": adam("adamw", weight_decay=0.01)},
    "plain SGD, every feature": {"env": BLANK_OFF},
    "Adam, every feature": {"optimizer": adam(), "env": BLANK_OFF},
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
    parser.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    parser.add_argument("--hidden", type=int, nargs="+", default=[256, 128],
                        help="hidden widths (default 256 128)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.steps < 1 or args.batch < 1 or min(args.hidden) < 1:
        parser.error("--rounds, --steps, --batch and --hidden must be at least 1")
    names = [BASE, *[n for n in (args.only or ROWS) if n != BASE]]
    batch = args.batch
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "start.npz"
        write_start(path)
        start = read_start(path)
    rows = {name: {**ROWS[name], "hidden": args.hidden} for name in names}
    runners = {name: make_runner("glassnet", start, batch, recipe_of(rows[name])) for name in names}
    samples = args.steps * batch
    rates: dict[str, list[float]] = {name: [] for name in names}

    def window(name: str, n: int) -> float:
        """Samples/s of n samples of the row's training, in the row's environment."""
        with mock.patch.dict(os.environ, rows[name].get("env", {})):
            began = time.perf_counter()
            runners[name].train(n)
            return n / (time.perf_counter() - began)

    for name in names:
        window(name, 4_096)  # warm-up: buffers, the compiled plan, the team
    for r in range(args.rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            rates[name].append(window(name, samples))
    widths = "-".join(map(str, [784, *args.hidden, 10]))
    print(f"{args.rounds} rounds of {args.steps}-step windows, batch {batch}, {widths} ReLU")
    print(f"{'row':26s} {'samples/s':>10s} {'/ plain SGD':>12s} {'quartiles':>14s}")
    for name in names:
        ratios = [a / b for a, b in zip(rates[name], rates[BASE], strict=True)]
        q1, q2, q3 = quartiles(ratios)
        median_rate = statistics.median(rates[name])
        print(f"{name:26s} {median_rate:10,.0f} {q2:11.3f}x {q1:6.3f}-{q3:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
