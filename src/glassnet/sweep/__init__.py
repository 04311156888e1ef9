"""Sweeps: a grid of training runs from a TOML file, run on local cores or a Dask cluster.

    sweep = load("grid.toml")                     # data, [fixed] and [vary]
    with executor(jobs=2) as pool:                # glassnet.parallel
        result = run_sweep(sweep, "results.csv", pool)

Each trial is one gn.run; its row (the varied fields, the metrics, epochs, seconds, status)
goes to the results file as soon as it finishes, and a rerun skips the trials done.
"""

from glassnet.sweep.results import read as read_results
from glassnet.sweep.runner import SweepProgress, SweepResult, run_sweep
from glassnet.sweep.spec import Sweep, load, parse
from glassnet.sweep.summary import best_configurations, metric_of

__all__ = [
    "Sweep",
    "SweepProgress",
    "SweepResult",
    "best_configurations",
    "load",
    "metric_of",
    "parse",
    "read_results",
    "run_sweep",
]
