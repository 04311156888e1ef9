"""glassnet sweep SWEEP.toml: every combination of the [vary] lists, one training run each, on
the local cores (--jobs) or a Dask cluster (--scheduler); results to a CSV or JSON table."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from glassnet.cli.commands._common import positive_int
from glassnet.cli.status import ExitStatus

HELP = "run a grid of training runs from a TOML file, on local cores or a Dask cluster"
EXAMPLE = """\
a sweep file:
  data = "moons"            # anything `glassnet train` accepts; target = "..." for a CSV
  [fixed]                   # RunConfig fields shared by every trial
  epochs = 30
  [vary]                    # field -> list of values; every combination is one trial
  lr = [0.01, 0.1]
  hidden = [[8], [16, 16]]
  seed = [0, 1, 2]

rerunning with the same --out skips the trials already in it."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXAMPLE
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("sweep", metavar="SWEEP.toml", help="the sweep file (see below)")
    add_executor_arguments(parser)
    parser.add_argument("--out", metavar="FILE",
                        help="results table, .csv or .json (default: SWEEP.csv beside the sweep "
                        "file); an existing one is continued")  # fmt: skip
    parser.add_argument("--json", action="store_true",
                        help="print every trial's row as one JSON object")  # fmt: skip
    parser.add_argument("--plot", action="store_true",
                        help="also draw the metric against each varied field, to the results "
                        "file's name with .png (or: glassnet plot sweep RESULTS)")  # fmt: skip
    parser.add_argument("--metric", help="the metric to rank and plot by (default: test "
                        "accuracy, else validation accuracy, else the costs)")  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="no progress display")


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    """--jobs and --scheduler, shared by sweep, seeds, lr-range and compare-gd."""
    parser.add_argument("--jobs", type=positive_int, metavar="N",
                        help="run trials in N local worker processes, one BLAS thread each "
                        "(default: the cores this process may use)")  # fmt: skip
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run trials on the Dask cluster of this scheduler instead "
                        "(pip install 'glassnet[dask]')")  # fmt: skip


def run(args) -> ExitStatus:
    from glassnet.errors import UsageError, ValidationError
    from glassnet.parallel import executor
    from glassnet.sweep import run_sweep

    try:
        sweep, out, plot = _usage(args)
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitStatus.USAGE
    display = SweepDisplay(quiet=args.quiet)
    try:
        with executor(args.jobs, args.scheduler) as pool:
            result = run_sweep(sweep, out, pool, on_progress=display)
    except UsageError as exc:  # the sweep's data, or --out holding another sweep: one line
        display.close()
        print(f"error: {exc}", file=sys.stderr)
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        display.close()
        print(f"interrupted; the trials done are in {out}: rerun the same command to continue",
              file=sys.stderr)  # fmt: skip
        return ExitStatus.INTERRUPTED
    finally:
        display.close()
    _report(args, result, plot)
    if result.counts.get("failed", 0) == len(result.rows):
        print(f"error: every trial failed; the first: {result.rows[0]['message']}",
              file=sys.stderr)  # fmt: skip
        return ExitStatus.ERROR
    return ExitStatus.SUCCESS


def _usage(args):
    """(sweep, results path, plot path or None), checked before any trial runs."""
    from glassnet.cli.commands.plot import check_output
    from glassnet.parallel import executor
    from glassnet.parallel.cluster import check_address
    from glassnet.sweep import load
    from glassnet.sweep.results import check_path
    from glassnet.viz.style import FORMATS

    sweep = load(args.sweep)
    out = check_path(args.out or Path(args.sweep).with_suffix(".csv"))
    plot = out.with_suffix(".png") if args.plot else None
    if plot is not None:
        check_output(plot, FORMATS)
    if args.scheduler is not None:
        check_address(args.scheduler)
        if args.jobs is not None:
            executor(args.jobs, args.scheduler)  # the message that they exclude each other
    if args.metric is not None:
        from glassnet.sweep import metric_of

        metric_of([], args.metric)
    return sweep, out, plot


def _report(args, result, plot) -> None:
    from glassnet.cli.commands import _common as C
    from glassnet.sweep import best_configurations

    metric, ranked = best_configurations(result.rows, result.varied, args.metric)
    if plot is not None:
        from glassnet.viz.style import save
        from glassnet.viz.sweep import sweep_figure

        save(sweep_figure(result.rows, result.varied, metric), plot)
    if args.json:
        C.print_json({"results": str(result.path), "ran": result.ran, "skipped": result.skipped,
                      "counts": result.counts, "metric": metric, "varied": result.varied,
                      "trials": result.rows})  # fmt: skip
        return
    _print_best(ranked, metric, result)
    print(f"wrote {result.path}")
    if plot is not None:
        print(f"wrote {plot}")


def _print_best(ranked, metric, result, top: int = 10) -> None:
    from rich.table import Table

    from glassnet.cli.commands import _common as C

    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts.items()))
    console = C.console()
    console.print(f"{len(result.rows)} trials ({counts}): ran {result.ran}, "
                  f"{result.skipped} already done")  # fmt: skip
    table = Table(title=f"best configurations by {metric.replace('_', ' ')} "
                  "(mean over seeds, min … max)")  # fmt: skip
    for column in ("configuration", "mean", "min … max", "trials", "not ok"):
        table.add_column(column, justify="left" if column == "configuration" else "right")
    for config in ranked[:top]:
        spread = (f"{min(config.scores):.4g} … {max(config.scores):.4g}"
                  if config.scores else "–")  # fmt: skip
        mean = "–" if config.mean is None else f"{config.mean:.4g}"
        table.add_row(config.label(), mean, spread, str(len(config.scores) + config.not_ok),
                      str(config.not_ok))  # fmt: skip
    console.print(table)
    failed = [row for row in result.rows if row["status"] != "ok"]
    for row in failed[:3]:
        console.print(f"{row['status']}: trial {row['trial']}: {row['message']}")


class SweepDisplay:
    """Trials done, running and failed: a rich bar on a terminal (stderr), else a line every
    few seconds."""

    def __init__(self, quiet: bool, every: float = 5.0):
        from glassnet.cli.commands import _common as C

        self.quiet, self.every = quiet, every
        self.live = not quiet and C.is_tty(sys.stderr)
        self.bar = self.task = None
        self._last = 0.0

    def __call__(self, progress) -> None:
        if self.quiet:
            return
        text = (f"{progress.running} running, {progress.failed} failed or diverged"
                f"{f', {progress.skipped} done before' if progress.skipped else ''}")  # fmt: skip
        if self.live:
            self._draw(progress)
            return
        now = time.monotonic()
        if progress.done in (progress.skipped, progress.total) or now - self._last > self.every:
            self._last = now
            print(f"trials {progress.done}/{progress.total} done, {text} ({progress.where})",
                  file=sys.stderr, flush=True)  # fmt: skip

    def _draw(self, progress) -> None:
        """One short line (it fits 80 columns): where the trials run is said once above it."""
        text = (f"{progress.running} running, {progress.failed} failed"
                f"{f', {progress.skipped} done before' if progress.skipped else ''}")  # fmt: skip
        if self.bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            from glassnet.cli.commands import _common as C

            console = C.console(stderr=True)
            console.print(f"{progress.total} trials on {progress.where}")
            self.bar = Bar(TextColumn("trials"), BarColumn(20), MofNCompleteColumn(),
                           TimeElapsedColumn(), TextColumn("{task.fields[text]}"),
                           console=console, transient=False)  # fmt: skip
            self.task = self.bar.add_task("trials", total=progress.total, text="")
            self.bar.start()
        self.bar.update(self.task, completed=progress.done, text=text)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
