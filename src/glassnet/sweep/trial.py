"""One trial of a sweep: one gn.run, reduced to one row of the results table.

`run_trial` runs wherever the executor puts it (this process, a local worker, a Dask worker)
and never raises for the trial's own sake: a run that diverges or fails becomes a row with its
status and message, so one bad combination does not end a sweep of a thousand.
"""

from __future__ import annotations

import os
import socket
import time
import warnings

from glassnet.errors import DivergenceError
from glassnet.runs.config import RunConfig
from glassnet.runs.run import run

STATUSES = ("ok", "diverged", "failed")
METRICS = (
    "test_accuracy", "test_loss", "validation_accuracy", "validation_loss",
    "train_accuracy", "train_loss",
)  # fmt: skip


def run_trial(settings: dict) -> dict:
    """Train the RunConfig of `settings` (its fields); the row: the metrics of every split,
    epochs run, seconds, status ("ok", "diverged" or "failed"), message and worker."""
    started = time.perf_counter()
    row = {name: None for name in METRICS} | {"epochs": None}
    try:
        with warnings.catch_warnings():  # a diverging run's overflows: its status says it
            warnings.simplefilter("ignore", RuntimeWarning)
            result = run(RunConfig(**settings))
    except DivergenceError as exc:
        row |= {"status": "diverged", "message": str(exc)}
    except Exception as exc:  # noqa: BLE001 (any failure is the row's, not the sweep's)
        row |= {"status": "failed", "message": f"{type(exc).__name__}: {exc}"}
    else:
        summary = result.summary
        row |= {name: summary.get(name) for name in METRICS}
        row |= {"epochs": summary["epochs"], "status": "ok", "message": ""}
    row["seconds"] = round(time.perf_counter() - started, 4)
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return row
