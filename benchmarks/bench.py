"""glassnet against PyTorch and scikit-learn on MNIST, side by side, in one invocation.

    python bench.py [--quick] [--only glassnet,glassnet-numpy,torch,sklearn]   (`make bench`)

Every measurement runs in a fresh worker process (worker.py), so imports, caches and peak
memory belong to one framework; repeats alternate the order of the frameworks so that a slow
spell of the machine does not fall on one of them. Results: results/latest.json (every value,
with medians and spreads) and results/latest.md (the tables the README shows). What each
number means: README.md beside this file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

import report
import sections
from mnist_data import write_start
from notes import peer_notes, threads_note
from peers import PLAIN_SGD
from util import rotated, stats

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
WORKER = BENCH_DIR / "worker.py"
FRAMEWORKS = ("glassnet", "glassnet-numpy", "torch", "sklearn")
# glassnet-numpy is glassnet's NumPy-only route (its reference step, as without a C compiler):
# the same runner, in a worker started with GLASSNET_KERNELS=0. Throughput only.
THROUGHPUT_ONLY = ("glassnet-numpy",)
WORKER_ENV = {"glassnet-numpy": {"GLASSNET_KERNELS": "0"}}
BATCH_SIZES = (64, 128)
SECTIONS = ("main", "load", "matrix")
TARGETS = (0.97, 0.98, 0.985)
MAX_FOREIGN = 0.25  # cores used by other processes above which a measurement is run again
IMPORTS = {
    "glassnet": "import glassnet",
    "torch": "import torch",
    "sklearn": "from sklearn.neural_network import MLPClassifier",
}


@dataclass(frozen=True)
class Settings:
    """How much to measure: the default run (all sections) takes ~20 minutes, --quick a few."""

    repeats: int = 5  # throughput and ceiling runs per framework and batch size
    n_samples: int = 60_000  # samples in the timed window (60,000 = one epoch)
    warmup_samples: int = 4_096  # trained before the timed window
    accuracy_repeats: int = 3  # time-to-accuracy runs per framework and recipe
    best_repeats: int = 1  # runs of the long `mnist-best` recipe (0: skip it)
    max_epochs: int = 8  # epochs of the plain-SGD time-to-accuracy run
    import_repeats: int = 7
    predict_repeats: int = 3
    cli_repeats: int = 2
    # runs per framework and load in the under-load section: one run beside busy processes
    # swings ±20 % with the scheduler, and a median of five swung the section's ratio 0.8–1.1
    load_repeats: int = 9


QUICK = Settings(
    repeats=2,
    n_samples=16_384,
    warmup_samples=2_048,
    accuracy_repeats=1,
    best_repeats=0,
    max_epochs=3,
    import_repeats=3,
    predict_repeats=1,
    cli_repeats=1,
    load_repeats=3,
)


# ---------------------------------------------------------------- running workers


class Bench:
    """Runs workers and collects their results and errors."""

    def __init__(self, start: Path, quiet_wait: float = 0.0, retries: int = 2):
        self.start, self.quiet_wait, self.retries = str(start), quiet_wait, retries
        self.errors: list[dict] = []
        self.foreign: list[float] = []  # other processes' CPU use during each kept worker
        self.disturbed = 0  # kept results that were still disturbed after every retry
        self.began = time.perf_counter()

    def run(self, what: str, task: dict) -> dict | None:
        """A worker's result, run again (up to self.retries times) while other processes
        disturbed it; None (with the error recorded) if it failed."""
        for attempt in range(1 + self.retries):
            result = self.run_once(what, task)
            if result is None or result["foreign_load"] <= MAX_FOREIGN:
                break
            self.disturbed += attempt == self.retries
        if result is not None:
            result["attempts"] = attempt + 1
            self.foreign.append(result["foreign_load"])
        return result

    def run_once(self, what: str, task: dict, timeout: float = 900, env=None) -> dict | None:
        """One worker process (with `env` added to its environment); its JSON result, or None
        (with the error recorded)."""
        task = {"start": self.start, **task}
        argv = [sys.executable, str(WORKER), json.dumps(task)]
        env = {**os.environ, **WORKER_ENV.get(task.get("framework"), {}), **(env or {})}
        self.wait_quiet()
        before = cpu_counters()
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            return self.fail(what, f"timed out after {timeout:.0f} s")
        if proc.returncode != 0:
            return self.fail(what, proc.stderr.strip().splitlines()[-1:] or proc.returncode)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["foreign_load"] = foreign_load(before, cpu_counters())
        self.log(what, result)
        return result

    def wait_quiet(self, threshold: float = 0.15, probe: float = 0.5) -> None:
        """Wait (up to self.quiet_wait seconds) until other processes use < threshold cores."""
        deadline = time.perf_counter() + self.quiet_wait
        while time.perf_counter() < deadline:
            before = cpu_counters()
            time.sleep(probe)
            if foreign_load(before, cpu_counters()) < threshold:
                return

    def fail(self, what: str, error) -> None:
        error = error[0] if isinstance(error, list) else str(error)
        self.errors.append({"what": what, "error": error})
        print(f"[{self.elapsed()}] {what}: FAILED: {error}", flush=True)
        return None

    def log(self, what: str, result: dict) -> None:
        shown = {
            k: v
            for k, v in result.items()
            if isinstance(v, (int, float, dict)) and k not in ("threads", "time_to")
        }
        print(f"[{self.elapsed()}] {what}: {json.dumps(shown, default=str)[:160]}", flush=True)

    def elapsed(self) -> str:
        return f"{time.perf_counter() - self.began:6.1f}s"


def cpu_counters() -> tuple[float, float, float]:
    """(wall seconds, CPU-busy seconds of the whole machine, CPU seconds of our children)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (
        time.perf_counter(),
        busy / os.sysconf("SC_CLK_TCK"),
        children.ru_utime + children.ru_stime,
    )


def foreign_load(before, after) -> float:
    """Cores kept busy by other processes (not our worker) while the worker ran."""
    wall, busy, ours = (b - a for a, b in zip(before, after, strict=True))
    return round(max(0.0, (busy - ours) / wall), 3) if wall > 0 else 0.0


def timed_process(argv: list[str]) -> float | None:
    """Wall time of a whole command, or None if it failed."""
    began = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True)
    return time.perf_counter() - began if proc.returncode == 0 else None


# ---------------------------------------------------------------- the measurements


def compile_bytecode(package: str) -> None:
    """Write the bytecode of `package`'s modules, as installing a wheel does. An editable
    install writes none until a module is imported, and none at all where
    PYTHONDONTWRITEBYTECODE is set (this machine sets it): every import would then compile
    glassnet from source (~30 ms) while NumPy, torch and scikit-learn, installed from wheels,
    load theirs."""
    spec = importlib.util.find_spec(package)
    for where in (spec.submodule_search_locations or []) if spec else []:
        subprocess.run([sys.executable, "-m", "compileall", "-q", where], check=True)


def measure_imports(bench: Bench, frameworks, s: Settings) -> dict:
    """Seconds to import each framework in a fresh interpreter (median over runs), each with
    its bytecode written (compile_bytecode)."""
    compile_bytecode("glassnet")
    code = "import time; t = time.perf_counter(); {}; print(time.perf_counter() - t)"
    times: dict[str, list] = {fw: [] for fw in frameworks}
    for r in range(s.import_repeats):
        for fw in rotated(frameworks, r):
            bench.wait_quiet()
            proc = subprocess.run(
                [sys.executable, "-c", code.format(IMPORTS[fw])], capture_output=True, text=True
            )
            ok = proc.returncode == 0
            times[fw].append(float(proc.stdout) if ok else None)
            if not ok and r == 0:
                bench.fail(f"import {fw}", proc.stderr.strip().splitlines()[-1])
    print(
        f"[{bench.elapsed()}] import: "
        + ", ".join(
            f"{fw} {np.median([t for t in v if t] or [np.nan]):.3f}s" for fw, v in times.items()
        ),
        flush=True,
    )
    return {fw: stats(v) for fw, v in times.items()}


def measure_startup(s: Settings) -> tuple[dict | None, dict | None]:
    """Wall time of `glassnet --help` and, for scale, of `python -c pass`."""
    cli = Path(sys.executable).with_name("glassnet")
    help_times, python_times = [], []
    for _ in range(s.import_repeats):
        help_times.append(timed_process([str(cli), "--help"]) if cli.exists() else None)
        python_times.append(timed_process([sys.executable, "-c", "pass"]))
    return stats(help_times), stats(python_times)


def measure_throughput(bench: Bench, frameworks, s: Settings) -> dict:
    """Samples/s and peak memory of training, and the GEMM ceiling, per batch size."""
    runs = {str(B): {fw: [] for fw in (*frameworks, "ceiling")} for B in BATCH_SIZES}
    for r in range(s.repeats):
        for B in BATCH_SIZES:
            for fw in rotated((*frameworks, "ceiling"), r):
                task = {
                    "kind": "ceiling" if fw == "ceiling" else "train",
                    "framework": fw,
                    "batch_size": B,
                    "n_samples": s.n_samples,
                    "warmup_samples": s.warmup_samples,
                }
                runs[str(B)][fw].append(bench.run(f"train {fw} B={B} #{r + 1}", task))
    return runs


def summarize_throughput(runs: dict) -> tuple[dict, dict, dict]:
    """(stats per batch and framework, paired ratios, thread info per framework)."""
    table, ratios, threads = {}, {}, {}
    for B, by_fw in runs.items():
        table[B] = {
            fw: {
                key: stats(r[key] for r in results if r) for key in ("samples_per_s", "peak_rss_mb")
            }
            for fw, results in by_fw.items()
        }
        ratios[B] = throughput_ratios(by_fw)
        for fw, results in by_fw.items():
            threads[fw] = next((r["threads"] for r in results if r), None)
    return table, ratios, threads


def throughput_ratios(by_fw: dict) -> dict:
    """glassnet's samples/s over each other's, and that of glassnet's NumPy-only route over
    PyTorch's: the median over repeats of the ratio within each repeat, whose runs are seconds
    apart (this machine's speed swings by up to 2x within minutes, docs/performance.md).
    by_fw: per framework, its runs in repeat order (None for a run that failed)."""

    def ratio(a, b):
        pairs = zip(by_fw.get(a, []), by_fw.get(b, []), strict=False)
        within = [x["samples_per_s"] / y["samples_per_s"] for x, y in pairs if x and y]
        return float(np.median(within)) if within else None

    pairs = [("glassnet", fw) for fw in ("torch", "sklearn", "ceiling")]
    pairs.append(("glassnet-numpy", "torch"))
    return {f"{a}/{b}": ratio(a, b) for a, b in pairs}


def measure_predict(bench: Bench, frameworks, s: Settings) -> dict:
    """Seconds per predict() call on 1 and 1,000 raw samples."""
    runs: dict[str, list] = {fw: [] for fw in frameworks}
    for r in range(s.predict_repeats):
        for fw in rotated(frameworks, r):
            task = {"kind": "predict", "framework": fw, "sizes": [1, 1000]}
            runs[fw].append(bench.run(f"predict {fw} #{r + 1}", task))
    return {
        fw: {size: stats(x["seconds"][size] for x in results if x) for size in ("1", "1000")}
        for fw, results in runs.items()
    }


def glassnet_recipe(name: str) -> dict | None:
    """glassnet's named recipe (glassnet.recipes) as a runner recipe; None if it is missing
    or needs what the runners do not build (another activation, dropout)."""
    try:
        from glassnet.models import recipes
        from glassnet.nn import optimizers

        r = recipes.get(name)
    except Exception:  # glassnet.recipes not there (yet), or no such recipe
        return None
    if r.activation != "relu" or r.dropout:
        return None
    optimizer = optimizers.get(r.optimizer, lr=r.lr, weight_decay=r.weight_decay)
    return {
        "hidden": list(r.hidden),
        "optimizer": optimizer.config(),
        "schedule": optimizers.get_schedule(r.schedule, r.epochs).config(),
        "epochs": r.epochs,
        "batch_size": r.batch_size,
    }


def accuracy_plan(frameworks, s: Settings) -> list[tuple[str, str, dict, int]]:
    """(framework, recipe name, recipe, repeats) for every time-to-accuracy run: plain SGD for
    all; glassnet's `mnist` (its default) and, in a full run, `mnist-best` for glassnet and
    PyTorch (the same optimizer, schedule, batch size, epochs and widths)."""
    plain = {**PLAIN_SGD, "epochs": s.max_epochs, "batch_size": 64}
    plan = [(fw, "plain SGD", plain, s.accuracy_repeats) for fw in frameworks]
    named = [("mnist", s.accuracy_repeats), ("mnist-best", s.best_repeats)]
    for name, repeats in named:
        recipe = glassnet_recipe(name)
        if recipe is not None and repeats:
            plan += [
                (fw, name, recipe, repeats) for fw in ("glassnet", "torch") if fw in frameworks
            ]
    return plan


def measure_accuracy(bench: Bench, frameworks, s: Settings) -> list[dict]:
    """Training seconds to 97 %, 98 % and 98.5 % test accuracy, per framework and recipe."""
    plan = accuracy_plan(frameworks, s)
    runs: dict[int, list] = {i: [] for i in range(len(plan))}
    for r in range(max((p[3] for p in plan), default=0)):
        for i in rotated(range(len(plan)), r):
            fw, name, recipe, repeats = plan[i]
            if r >= repeats:
                continue
            task = {"kind": "accuracy", "framework": fw, "recipe": recipe, "targets": list(TARGETS)}
            runs[i].append(bench.run(f"accuracy {fw} [{name}] #{r + 1}", task))
    return [summarize_accuracy(*plan[i][:3], [x for x in runs[i] if x]) for i in runs]


def summarize_accuracy(fw: str, name: str, recipe: dict, results: list[dict]) -> dict:
    """Stats of the time to each target over the runs that reached it."""
    reached = [x for x in results if x["time_to"]["0.98"] is not None]
    return {
        "framework": fw,
        "recipe_name": name,
        "recipe": recipe,
        "epochs": recipe["epochs"],
        "batch_size": recipe["batch_size"],
        "time_to": {str(t): stats(x["time_to"][str(t)] for x in results) for t in TARGETS},
        "reached_98": f"{len(reached)}/{len(results)}",
        "final_accuracy": stats(x["curve"][-1]["test_accuracy"] for x in results if x["curve"]),
        "curves": [x["curve"] for x in results],
    }


def measure_cli(bench: Bench, s: Settings) -> dict:
    """Peak memory and wall time of `glassnet train mnist`, or why it was skipped."""
    cli = Path(sys.executable).with_name("glassnet")
    if not cli.exists() or timed_process([str(cli), "train", "--help"]) is None:
        return {"skipped": "`glassnet train` is not there yet"}
    data_dir = str(REPO.parent / "shared" / "data" / "mnist")
    argv = [str(cli), "train", "mnist", "--data-dir", data_dir]
    results = []
    with tempfile.TemporaryDirectory() as cwd:
        for r in range(s.cli_repeats):
            task = {"kind": "cli", "argv": argv, "cwd": cwd}
            result = bench.run(f"cli glassnet train mnist #{r + 1}", task)
            if result and result["returncode"] != 0:
                return {
                    "skipped": f"exit {result['returncode']}: "
                    + result["stderr_tail"].strip()[-300:],
                    "argv": argv,
                }
            results.append(result)
    results = [x for x in results if x]
    return {
        "argv": argv,
        "peak_rss_mb": stats(x["peak_rss_mb"] for x in results),
        "seconds": stats(x["seconds"] for x in results),
        "stdout_tail": results[-1]["stdout_tail"] if results else None,
    }


# ---------------------------------------------------------------- the run


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and steps (~2 min)")
    parser.add_argument(
        "--only",
        default=",".join(FRAMEWORKS),
        help="comma-separated frameworks (default: all of "
        f"{','.join(FRAMEWORKS)}; {','.join(THROUGHPUT_ONLY)} is measured for "
        "throughput only)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each worker, wait up to SECONDS for other processes to "
        "leave the CPU idle (for shared machines; default 0)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        metavar="N",
        help="run a measurement again, up to N times, when other processes used "
        f"more than {MAX_FOREIGN} cores while it ran (default 2)",
    )
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated sections (default: all of {','.join(SECTIONS)}): main is MNIST "
        "against the peers, load is training beside busy processes, matrix is every network",
    )
    parser.add_argument(
        "--out",
        default=str(RESULTS / "latest"),
        help="output path without extension (default: results/latest)",
    )
    args = parser.parse_args(argv)
    args.frameworks = tuple(f for f in FRAMEWORKS if f in args.only.split(","))
    unknown = set(args.only.split(",")) - set(FRAMEWORKS)
    if unknown or not args.frameworks:
        parser.error(f"--only takes {', '.join(FRAMEWORKS)}; got {args.only!r}")
    args.sections = tuple(args.sections.split(","))
    if not set(args.sections) <= set(SECTIONS):
        parser.error(f"--sections takes {', '.join(SECTIONS)}; got {','.join(args.sections)!r}")
    return args


def run_all(args, start: Path, loader: str) -> dict:
    """Every measurement, in order, and the summary that latest.json holds."""
    s, train_fws = (QUICK if args.quick else Settings()), args.frameworks
    fws = tuple(fw for fw in train_fws if fw not in THROUGHPUT_ONLY)  # all but throughput
    bench = Bench(start, args.wait_quiet, args.retries)
    res = {
        "mode": "quick" if args.quick else "full",
        "settings": asdict(s),
        "frameworks": list(train_fws),
        "machine": report.machine(REPO),
        "import_statements": IMPORTS,
        "sections": list(args.sections),
    }
    res["loadavg_before"] = os.getloadavg()
    if "main" in args.sections:
        res["import_s"] = measure_imports(bench, fws, s)
        res["cli_help_s"], res["python_startup_s"] = measure_startup(s)
        runs = measure_throughput(bench, train_fws, s)
        res["throughput"], res["ratios"], threads = summarize_throughput(runs)
        res["threads"], res["threads_note"] = threads, threads_note(threads)
        res["predict_s"] = measure_predict(bench, fws, s)
        agreement = None
        if {"glassnet", "torch"} <= set(fws):
            agreement = bench.run(
                "agreement glassnet vs torch", {"kind": "agreement", "steps": 200, "batch_size": 64}
            )
        res["agreement"] = agreement
        res["time_to_accuracy"] = measure_accuracy(bench, fws, s)
        res["cli_train"] = measure_cli(bench, s) if "glassnet" in fws else {"skipped": "--only"}
        res["notes"] = peer_notes(train_fws, loader, agreement)
    if "load" in args.sections:
        res["under_load"] = sections.measure_under_load(bench, s.load_repeats, stats)
    if "matrix" in args.sections:
        res["matrix"] = sections.measure_matrix(bench, s.repeats, stats, args.quick)
    res["errors"], res["loadavg_after"] = bench.errors, os.getloadavg()
    res["foreign_load"], res["disturbed_runs"] = stats(bench.foreign), bench.disturbed
    res["wall_seconds"] = time.perf_counter() - bench.began
    return res


def write(res: dict, out: Path) -> None:
    """results/latest.json and results/latest.md."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(res, indent=1) + "\n")
    out.with_suffix(".md").write_text(report.markdown(res))


def main(argv=None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="glassnet-bench-") as tmp:
        start = Path(tmp) / "start.npz"
        loader = write_start(start)
        res = run_all(args, start, loader)
    write(res, Path(args.out))
    print(
        f"\n{report.markdown(res)}\nwrote {args.out}.json and {args.out}.md "
        f"in {res['wall_seconds']:.0f} s"
    )
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
