"""The sweep section of `make bench`: trials per second on 1 and 2 local worker processes, and
the per-trial overhead of the Dask route against the local one.

    python benchmarks/sweep_bench.py [--trials 48] [--epochs 300] [--repeats 3]  (`make bench`)

Trials: the moons, a 2-16-16-2 network, `--epochs` epochs of Adam, seeds 0 … trials − 1 (one
sweep; every trial the same work). A sweep's wall time counts everything a user waits for:
starting the worker processes, sending the trials, collecting the rows, except the fork
server's start (one warm-up sweep of one short trial before, its time recorded), which a
process pays once. Overhead: no-op trials
(`abs`) through each route, the wall time per trial once the workers are up. The Dask cluster is
a LocalCluster of 2 worker processes with 1 thread each on 127.0.0.1, reached by address as a
remote one would be. The load average of the machine is recorded before and after, since a
shared machine's other work takes cores from the workers.

Results: benchmarks/results/sweep.json (every value) and sweep.md (the table for the README).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from glassnet.parallel import LocalExecutor, available_cores
from glassnet.parallel.cluster import DaskExecutor
from glassnet.sweep import parse, run_sweep

RESULTS = Path(__file__).resolve().parent / "results"
NO_OP_TRIALS = 400


def the_sweep(trials: int, epochs: int):
    return parse({"data": "moons",
                  "fixed": {"epochs": epochs, "hidden": [16, 16], "optimizer": "adam"},
                  "vary": {"seed": list(range(trials))}})  # fmt: skip


def sweep_seconds(sweep, pool) -> float:
    started = time.perf_counter()
    result = run_sweep(sweep, None, pool)
    seconds = time.perf_counter() - started
    assert result.counts == {"ok": len(sweep.trials)}, result.counts
    return seconds


def no_op_seconds(pool, n: int) -> float:
    """Seconds per no-op trial, workers already started (a first map starts them)."""
    pool.map(abs, range(2 * pool.slots))
    started = time.perf_counter()
    results = []
    for _, value in pool.map_unordered(abs, range(-n, 0)):
        results.append(value)
    seconds = time.perf_counter() - started
    assert sorted(results) == list(range(1, n + 1))
    return seconds / n


def local_no_op(n: int) -> float:
    """A local pool keeps its workers for one map: time the second half of one long map."""
    with LocalExecutor(2) as pool:
        marks = []
        for _ in pool.map_unordered(abs, range(2 * n)):
            marks.append(time.perf_counter())
    return (marks[-1] - marks[n - 1]) / n


def measure(args) -> dict:
    sweep = the_sweep(args.trials, args.epochs)
    load_before = os.getloadavg()
    runs: dict[str, list[float]] = {"local 1": [], "local 2": [], "dask 2": []}
    with LocalExecutor(1) as pool:  # the first local pool also starts the fork server
        cold_start = sweep_seconds(the_sweep(1, 1), pool)
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster:  # fmt: skip
        for _ in range(args.repeats):  # interleaved, so a slow spell hits every route
            for jobs in (1, 2):
                with LocalExecutor(jobs) as pool:
                    runs[f"local {jobs}"].append(sweep_seconds(sweep, pool))
            with DaskExecutor(cluster.scheduler_address) as pool:
                runs["dask 2"].append(sweep_seconds(sweep, pool))
        with DaskExecutor(cluster.scheduler_address) as pool:
            dask_overhead = no_op_seconds(pool, NO_OP_TRIALS)
    local_overhead = local_no_op(NO_OP_TRIALS)
    load_after = os.getloadavg()
    medians = {route: statistics.median(seconds) for route, seconds in runs.items()}
    rate = {route: args.trials / seconds for route, seconds in medians.items()}
    return {
        "command": f"python benchmarks/sweep_bench.py --trials {args.trials} --epochs "
        f"{args.epochs} --repeats {args.repeats}",
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{available_cores()} available, Python {platform.python_version()}",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "first_local_sweep_of_one_short_trial_seconds": round(cold_start, 3),
        "trials": args.trials,
        "epochs": args.epochs,
        "sweep_seconds": {route: [round(s, 3) for s in seconds] for route, seconds in runs.items()},
        "trials_per_second": {route: round(r, 3) for route, r in rate.items()},
        "speedup_2_over_1": round(rate["local 2"] / rate["local 1"], 3),
        # each repeat's 1-worker time over its 2-worker time, measured back to back: less
        # exposed to the machine's swings than the ratio of medians
        "paired_speedups": [
            round(one / two, 3) for one, two in zip(runs["local 1"], runs["local 2"], strict=True)
        ],
        "goal_speedup": 1.7,
        "overhead_ms_per_trial": {
            "local 2": round(1000 * local_overhead, 3),
            "dask 2": round(1000 * dask_overhead, 3),
        },  # fmt: skip
    }


def markdown(r: dict) -> str:
    rate, seconds = r["trials_per_second"], r["sweep_seconds"]
    lines = [
        f"Sweep of {r['trials']} trials (moons, 2-16-16-2, {r['epochs']} epochs of Adam, one "
        f"seed each); median of {len(seconds['local 1'])} runs, wall time including worker "
        "start-up.",
        "",
        "| route | trials/s | sweep seconds (each run) | overhead per no-op trial |",
        "|---|---:|---|---:|",
    ]
    overhead = r["overhead_ms_per_trial"]
    for route, name in (("local 1", "1 local worker"), ("local 2", "2 local workers"),
                        ("dask 2", "Dask, 2 workers on 127.0.0.1")):  # fmt: skip
        cost = f"{overhead[route]:.2f} ms" if route in overhead else "–"
        runs = ", ".join(f"{s:.2f}" for s in seconds[route])
        lines.append(f"| {name} | {rate[route]:.2f} | {runs} | {cost} |")
    lines += [
        "",
        f"2 workers / 1 worker: **{r['speedup_2_over_1']:.2f}×** (goal ≥ {r['goal_speedup']}×); "
        f"each repeat, 1 worker then 2 back to back: "
        f"{', '.join(f'{x:.2f}×' for x in r['paired_speedups'])} (median "
        f"{statistics.median(r['paired_speedups']):.2f}×). "
        f"The first local sweep of a process (one short trial) took "
        f"{r['first_local_sweep_of_one_short_trial_seconds']:.2f} s: the fork server's start. "
        f"Load average before {r['load_average_before'][0]}, after "
        f"{r['load_average_after'][0]} (other processes on the machine take cores from the "
        f"workers). {r['machine']}. Command: `{r['command']}`.",
        "",
        "On a real cluster (docs/sweeps.md): `dask scheduler --port 8786` on one machine, "
        "`dask worker tcp://HOST:8786 --nworkers $(nproc) --nthreads 1` on every machine that "
        "trains (the same command on each, glassnet installed), then the same sweep from any "
        "machine: `glassnet sweep grid.toml --scheduler tcp://HOST:8786`.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=48)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS / "sweep")
    args = parser.parse_args()
    result = measure(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    args.out.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
