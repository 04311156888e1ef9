"""What the sweep tests share: a small sweep, and functions a worker process can import."""

from __future__ import annotations

import os
from pathlib import Path

from glassnet.sweep import parse

# Eight quick trials on the moons; lr = 1e6 with plain SGD diverges, so one status is not "ok".
SMALL = {
    "data": "moons",
    "fixed": {"epochs": 3, "optimizer": "sgd", "validation": 0.2},
    "vary": {"lr": [0.1, 1e6], "hidden": [[4], [8, 8]], "seed": [0, 1]},
}
# What may differ between two runs of the same trial: where and how fast it ran.
WHERE = ("seconds", "worker")


def small_sweep():
    return parse(SMALL)


def outcome(rows: list[dict]) -> list[dict]:
    """The rows without where and how fast each trial ran."""
    return [{k: v for k, v in row.items() if k not in WHERE} for row in rows]


def square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def die_the_first_time(marker: str, x: int) -> int:
    """x², but the process running it dies the first time any trial sees no `marker` file."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died once")
        os._exit(1)
    return x * x


def always_die(x: int) -> int:
    os._exit(1)


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three is not allowed")
    return x
