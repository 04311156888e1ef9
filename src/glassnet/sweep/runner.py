"""Running a sweep: every trial of the grid through an executor, the results file rewritten as
trials finish, and the trials already in that file skipped.

    sweep = load("grid.toml")
    with executor(jobs=2) as pool:
        result = run_sweep(sweep, "results.csv", pool)
    result.rows                                  # one dict per trial, in the grid's order
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from glassnet.datasets.features import open_dataset
from glassnet.errors import DataError, UsageError, ValidationError
from glassnet.parallel import Executor
from glassnet.runs.config import DEFAULT_DATA
from glassnet.sweep import results
from glassnet.sweep.spec import Sweep
from glassnet.sweep.trial import run_trial

SAVE_EVERY = 1.0  # seconds between rewrites of the results file while trials finish


@dataclass
class SweepProgress:
    """What a progress display shows: trials in the grid, done, running now, failed, and
    skipped (found done in the results file)."""

    total: int
    skipped: int = 0
    done: int = 0  # includes the skipped ones
    running: int = 0
    failed: int = 0  # diverged or failed
    where: str = ""


@dataclass
class SweepResult:
    """Every trial's row in the grid's order, the varied fields, and how many trials this
    call ran and how many it found done."""

    rows: list[dict]
    varied: list[str]
    ran: int
    skipped: int
    path: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)  # status → trials


def run_sweep(
    sweep: Sweep,
    out,
    executor: Executor,
    on_progress: Callable[[SweepProgress], None] | None = None,
) -> SweepResult:
    """Run the trials of `sweep` not yet done in `out` (a .csv or .json results file, created
    if missing) on `executor`; the file holds every finished trial at any moment."""
    out = results.check_path(out) if out is not None else None
    keys = [sweep.key(values) for values in sweep.trials]
    done = _previous_rows(out, sweep, keys)
    todo = [i for i, key in enumerate(keys) if key not in done]
    check_data(sweep, [sweep.trials[i] for i in todo])
    progress = SweepProgress(len(keys), skipped=len(done), done=len(done), where=executor.where)
    progress.failed = sum(row["status"] != "ok" for row in done.values())
    progress.running = min(executor.slots, len(todo))
    rows = dict(done)
    table = _Table(out, keys, sweep.varied, rows)
    if on_progress:
        on_progress(progress)
    settings = [{**sweep.base, **sweep.trials[i]} for i in todo]
    try:
        for j, row in executor.map_unordered(run_trial, settings):
            i = todo[j]
            rows[keys[i]] = {"trial": keys[i], **sweep.trials[i], **row}
            table.changed()
            progress.done += 1
            progress.failed += row["status"] != "ok"
            progress.running = min(executor.slots, progress.total - progress.done)
            if on_progress:
                on_progress(progress)
    finally:  # also when interrupted: every finished trial is in the file
        table.save()
    ordered = [rows[key] for key in keys]
    counts: dict[str, int] = {}
    for row in ordered:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return SweepResult(ordered, sweep.varied, len(todo), len(done), out, counts)


class _Table:
    """The results file of a running sweep: rewritten at most every SAVE_EVERY seconds while
    trials finish, and once more at the end for what is left."""

    def __init__(self, out: Path | None, keys: list[str], varied: list[str], rows: dict):
        self.out, self.keys, self.varied, self.rows = out, keys, varied, rows
        self.saved_at = time.monotonic()
        self.unsaved = False

    def changed(self) -> None:
        self.unsaved = True
        if time.monotonic() - self.saved_at > SAVE_EVERY:
            self.save()

    def save(self) -> None:
        if self.out is None or not self.unsaved:
            return
        finished = [self.rows[key] for key in self.keys if key in self.rows]
        results.write(self.out, finished, self.varied)
        self.saved_at, self.unsaved = time.monotonic(), False


def check_data(sweep: Sweep, trials: list[dict]) -> None:
    """Open each data set the trials train on, once, before any trial starts: a missing file,
    an unknown name or a bad target is one usage error naming the sweep file now (a bad value
    in it), and a download happens here, not in every worker."""
    seen = set()
    for values in trials:
        settings = {**sweep.base, **values}
        source = (settings.get("data", DEFAULT_DATA), settings.get("target"),
                  settings.get("data_dir"))  # fmt: skip
        if source not in seen:
            seen.add(source)
            try:
                open_dataset(source[0], data_dir=source[2], target=source[1])
            except (DataError, ValidationError) as exc:
                where = f"{sweep.path}: " if sweep.path is not None else ""
                raise UsageError(f"{where}data = {source[0]!r}: {exc}") from None


def _previous_rows(out: Path | None, sweep: Sweep, keys: list[str]) -> dict[str, dict]:
    """The rows of `out` done before (ok or diverged), by trial key; failed ones run again."""
    if out is None or not out.exists():
        return {}
    rows, varied = results.read(out)
    foreign = [row for row in rows if row["trial"] not in keys]
    if foreign or varied != sweep.varied:
        raise UsageError(
            f"{out} holds results of another sweep ({len(foreign)} of its {len(rows)} trials "
            "are not in this one, or other fields vary); give another --out, or delete the "
            "file to start again"
        )
    return {row["trial"]: row for row in rows if row["status"] in results.DONE}
