"""The machine a benchmark ran on, and the Markdown tables of its results."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sections as extra

NAMES = {
    "glassnet": "glassnet",
    "glassnet-numpy": "glassnet (NumPy only)",
    "torch": "PyTorch",
    "sklearn": "scikit-learn",
    "ceiling": "GEMM ceiling",
}


# ---------------------------------------------------------------- the machine


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float | None:
    """Total memory from /proc/meminfo, in GiB."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def version(package: str) -> str | None:
    """An installed distribution's version, without importing it."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


NUMPY_BLAS = """
import json, numpy
from threadpoolctl import threadpool_info
blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
pools = [{k: p.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
         for p in threadpool_info()]
print(json.dumps({"blas": blas.get("name"), "version": blas.get("version"),
                  "config": blas.get("openblas configuration"), "threadpools": pools}))
"""


def numpy_blas() -> dict:
    """NumPy's BLAS build and its thread pool, read in a fresh process that imports NumPy only."""
    proc = subprocess.run([sys.executable, "-c", NUMPY_BLAS], capture_output=True, text=True)
    return json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr[-500:]}


def git_commit(repo: Path) -> str | None:
    """The repository's commit, with "+dirty" when src/ has uncommitted changes."""

    def git(*args):
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    return commit + ("+dirty" if git("status", "--porcelain", "--", "src") else "") or None


def glassnet_step() -> str:
    """Which training step glassnet runs here: the C step (on one thread or two), or NumPy."""
    import ctypes

    from glassnet.fast import blas as _blas
    from glassnet.fast import step as fastpath

    if fastpath.kernels() is None:
        return f"NumPy only (C kernels not built, or {fastpath.KERNELS_ENV}=0)"
    if _blas.sgemm() is None:
        return "C kernels between np.matmul calls (NumPy's OpenBLAS not reachable)"
    functions = _blas.threads()
    if functions and ctypes.CFUNCTYPE(ctypes.c_int)(functions[0])() == 2:
        return "C step on a team of two threads"
    return "C step on one thread (OpenBLAS threads the GEMMs)"


def machine(repo: Path) -> dict:
    """Everything about where and with what the benchmark ran."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "torch": version("torch"),
        "scikit-learn": version("scikit-learn"),
        "glassnet": version("glassnet"),
        "glassnet_commit": git_commit(repo),
        "glassnet_step": glassnet_step(),
        "numpy_blas": numpy_blas(),
        "thread_env": {k: v for k, v in os.environ.items() if k.endswith("_NUM_THREADS")},
        "loadavg_before": os.getloadavg(),
    }


# ---------------------------------------------------------------- formatting


def fmt(stats: dict | None, scale: float = 1.0, digits: int = 0, unit: str = "") -> str:
    """ "median (min–max)" of a stats dict, scaled; "–" when missing."""
    if not stats or stats.get("median") is None:
        return "–"

    def one(x):
        return f"{x * scale:,.{digits}f}"

    if stats["n"] == 1:
        return f"{one(stats['median'])}{unit}"
    return f"{one(stats['median'])}{unit} ({one(stats['min'])}–{one(stats['max'])})"


def ratio(x: float | None, digits: int = 2, suffix: str = "×") -> str:
    return "–" if x is None else f"{x:.{digits}f}{suffix}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def throughput_section(res: dict) -> list[str]:
    fws = ("glassnet", "glassnet-numpy", "torch", "sklearn", "ceiling")
    rows = []
    for B, by_fw in res["throughput"].items():
        r = res["ratios"][B]
        rows.append(
            [B]
            + [fmt(by_fw.get(fw, {}).get("samples_per_s")) for fw in fws]
            + [
                ratio(r.get("glassnet/torch")),
                ratio(r.get("glassnet-numpy/torch")),
                ratio(r.get("glassnet/sklearn")),
                ratio(r.get("glassnet/ceiling") and 100 * r["glassnet/ceiling"], 0, " %"),
            ]
        )
    header = [
        "batch",
        *(NAMES[fw] for fw in fws),
        "glassnet / PyTorch",
        "NumPy only / PyTorch",
        "glassnet / sklearn",
        "glassnet / ceiling",
    ]
    return ["### Training throughput (samples/s)", ""] + table(header, rows)


def memory_section(res: dict) -> list[str]:
    rows = []
    for B, by_fw in res["throughput"].items():
        rows.append(
            [f"training run, batch {B}"]
            + [
                fmt(by_fw.get(fw, {}).get("peak_rss_mb"), unit=" MB")
                for fw in ("glassnet", "torch", "sklearn")
            ]
        )
    cli = res.get("cli_train", {})
    cli_cell = (
        fmt(cli.get("peak_rss_mb"), unit=" MB")
        if "peak_rss_mb" in cli
        else (f"skipped: {cli.get('skipped', 'not run')}")
    )
    rows.append(["`glassnet train mnist` (CLI)", cli_cell, "", ""])
    return ["### Peak resident memory (MB)", ""] + table(
        ["run", "glassnet", "PyTorch", "scikit-learn"], rows
    )


def accuracy_section(res: dict) -> list[str]:
    rows = []
    for run in res["time_to_accuracy"]:
        rows.append(
            [
                NAMES[run["framework"]],
                f"{run['recipe_name']} ({recipe_text(run)})",
                *[
                    fmt(run["time_to"].get(t), digits=2, unit=" s")
                    for t in ("0.97", "0.98", "0.985")
                ],
                run["reached_98"],
                fmt(run["final_accuracy"], 100, 2, " %"),
            ]
        )
    header = [
        "framework",
        "recipe",
        "to 97 %",
        "to 98 %",
        "to 98.5 %",
        "runs reaching 98 %",
        "final test acc.",
    ]
    return ["### Time to test accuracy (training seconds)", ""] + table(header, rows)


def recipe_text(run: dict) -> str:
    """ "256-128, nesterov 0.1, cosine, batch 128, 4 ep" for a recipe."""
    r, opt = run["recipe"], run["recipe"]["optimizer"]
    name = opt["name"]
    if name == "sgd" and opt.get("momentum"):
        name = "nesterov" if opt.get("nesterov") else f"momentum {opt['momentum']}"
    wd = f", wd {opt['weight_decay']:g}" if opt.get("weight_decay") else ""
    return (
        f"{'-'.join(map(str, r['hidden']))}, {name} {opt['lr']:g}{wd}, "
        f"{r['schedule']['name']}, batch {r['batch_size']}, {r['epochs']} ep"
    )


def latency_section(res: dict) -> list[str]:
    fws = ("glassnet", "torch", "sklearn")
    rows = [
        ["`import` (fresh process, bytecode written)"]
        + [fmt(res["import_s"].get(fw), 1000, 0, " ms") for fw in fws]
    ]
    for size in ("1", "1000"):
        rows.append(
            [f"`predict`, {int(size):,} raw sample{'s' * (size != '1')}"]
            + [fmt(res["predict_s"].get(fw, {}).get(size), 1e6, 0, " µs") for fw in fws]
        )
    rows.append(
        ["`glassnet --help` (whole process)", fmt(res.get("cli_help_s"), 1000, 0, " ms"), "", ""]
    )
    rows.append(
        [
            "`python -c pass` (interpreter start, for scale)",
            fmt(res.get("python_startup_s"), 1000, 0, " ms"),
            "",
            "",
        ]
    )
    return ["### Start-up and inference latency", ""] + table(
        ["what", "glassnet", "PyTorch", "scikit-learn"], rows
    )


def median(stats: dict | None) -> float | None:
    return stats.get("median") if stats else None


def target_rows(res: dict) -> list[tuple[str, str, float | None, float, bool]]:
    """(what, shown target, measured, limit, higher is better) for each target of issue 5,
    and the NumPy-only route's (glassnet with GLASSNET_KERNELS=0)."""
    r = res["ratios"]

    def glassnet_run(name):
        return next(
            (
                run
                for run in res["time_to_accuracy"]
                if run["framework"] == "glassnet" and run["recipe_name"] == name
            ),
            {},
        )

    default, best = glassnet_run("mnist"), glassnet_run("mnist-best")
    return [
        (
            "throughput / PyTorch, batch 64",
            "≥ 1.6×",
            r.get("64", {}).get("glassnet/torch"),
            1.6,
            True,
        ),
        (
            "throughput / PyTorch, batch 128",
            "≥ 1.35×",
            r.get("128", {}).get("glassnet/torch"),
            1.35,
            True,
        ),
        (
            "NumPy-only throughput / PyTorch, batch 64",
            "≥ 1.3×",
            r.get("64", {}).get("glassnet-numpy/torch"),
            1.3,
            True,
        ),
        (
            "throughput / scikit-learn (worse batch size)",
            "≥ 2×",
            min_or_none(r[B].get("glassnet/sklearn") for B in r),
            2.0,
            True,
        ),
        (
            "throughput / ceiling in % (worse batch size)",
            "≥ 85",
            scaled(min_or_none(r[B].get("glassnet/ceiling") for B in r), 100),
            85,
            True,
        ),
        (
            "peak memory of `glassnet train mnist` (MB)",
            "≤ 150",
            median(res.get("cli_train", {}).get("peak_rss_mb")),
            150,
            False,
        ),
        (
            "default recipe `mnist`: seconds to 98 %",
            "≤ 2.5 s",
            median(default.get("time_to", {}).get("0.98")),
            2.5,
            False,
        ),
        (
            "`mnist-best`: seconds to 98.5 %",
            "≤ 60 s",
            median(best.get("time_to", {}).get("0.985")),
            60,
            False,
        ),
        ("`import glassnet` (s)", "≤ 0.15", median(res["import_s"].get("glassnet")), 0.15, False),
        ("`glassnet --help` (s)", "≤ 0.4", median(res.get("cli_help_s")), 0.4, False),
        (
            "`predict` of one sample (µs)",
            "≤ 50",
            scaled(median(res["predict_s"].get("glassnet", {}).get("1")), 1e6),
            50,
            False,
        ),
    ]


def min_or_none(values) -> float | None:
    values = [v for v in values if v is not None]
    return min(values) if values else None


def scaled(x: float | None, factor: float) -> float | None:
    return None if x is None else x * factor


def targets_section(res: dict) -> list[str]:
    rows = []
    for what, shown, value, limit, higher in target_rows(res):
        met = (
            "–"
            if value is None
            else ("yes" if (value >= limit if higher else value <= limit) else "**no**")
        )
        rows.append([what, shown, "–" if value is None else f"{value:,.4g}", met])
    return ["### Targets of issue 5 (medians)", ""] + table(
        ["target", "goal", "measured", "met"], rows
    )


def machine_section(res: dict) -> list[str]:
    m = res["machine"]
    blas = m["numpy_blas"]
    pools = ", ".join(
        f"{p['internal_api']} {p.get('version') or ''} ({p['num_threads']} threads)"
        for p in blas.get("threadpools", [])
    )
    return [
        "### Machine",
        "",
        f"- {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['platform']}",
        f"- Python {m['python']}, NumPy {m['numpy']}, PyTorch {m['torch']}, "
        f"scikit-learn {m['scikit-learn']}, glassnet {m['glassnet']} ({m['glassnet_commit']}, "
        f"training step: {m.get('glassnet_step', 'not recorded')})",
        f"- NumPy BLAS: {blas.get('blas')} {blas.get('version')} [{blas.get('config')}]; "
        f"thread pools with NumPy alone: {pools}",
        f"- threads: {res.get('threads_note', '—')}",
        f"- run: {res['mode']}, {m['date']}, {res['wall_seconds']:.0f} s; load average before "
        f"{m['loadavg_before'][0]:.2f}, after {res['loadavg_after'][0]:.2f}; "
        f"other processes' CPU use during the kept measurements: "
        f"{fmt(res['foreign_load'], digits=2)} cores (a measurement is run again, up to twice, "
        "when it exceeds 0.25)",
    ]


def interference_warning(res: dict) -> list[str]:
    """A warning when other processes used the CPU while the kept measurements ran."""
    load, disturbed = res.get("foreign_load"), res.get("disturbed_runs", 0)
    if not disturbed:
        return []
    return [
        f"**Warning: {disturbed} of {load['n']} measurements ran while other processes kept "
        f"more than 0.25 cores busy (up to {load['max']:.2f}), even after retries; those "
        "numbers are noisy. Run again on a quiet machine (or with --wait-quiet).**",
        "",
    ]


def notes_section(res: dict) -> list[str]:
    return ["### How the peers were set up", ""] + [f"- {note}" for note in res["notes"]]


def markdown(res: dict) -> str:
    """The whole Markdown report."""
    s = res["settings"]
    intro = [
        "## glassnet vs PyTorch vs scikit-learn on MNIST",
        "",
        "784-256-128-10 MLP, ReLU, softmax cross-entropy, plain SGD (lr 0.1), float32, "
        "same initial weights. Each cell: median (min–max) over fresh-process runs, frameworks "
        f"in alternating order: {s['repeats']} runs for throughput and memory, "
        f"{s['accuracy_repeats']} for time to accuracy ({s.get('best_repeats', 0)} for "
        f"`mnist-best`), {s['predict_repeats']} for predict, {s['import_repeats']} for import "
        f"and start-up, {s['cli_repeats']} for the CLI, {s.get('load_repeats', s['repeats'])} "
        "beside busy processes. A throughput ratio is the median over "
        "the repeats of the ratio within each repeat, whose runs are seconds apart (the "
        "machine's speed swings by up to 2× within minutes). Every value is in `latest.json`.",
        "",
    ]
    sections = [
        targets_section,
        throughput_section,
        extra.load_section,
        extra.matrix_section,
        accuracy_section,
        memory_section,
        latency_section,
        notes_section,
        machine_section,
    ]
    if "throughput" not in res:  # --sections without main
        sections = [extra.load_section, extra.matrix_section, machine_section]
        intro = [
            "## glassnet under load and on every network",
            "",
            f"`bench.py --sections {','.join(res.get('sections', ['load', 'matrix']))}`: "
            "medians over fresh-process runs, frameworks in alternating order "
            f"({s['repeats']} runs under load, {s['repeats']} per matrix row). "
            "Every value is in the JSON file beside this one.",
            "",
        ]
    lines = intro + interference_warning(res)
    for section in sections:
        lines += section(res) + [""]
    if res["errors"]:
        lines += ["### Errors", ""] + [f"- {e['what']}: {e['error']}" for e in res["errors"]]
    return "\n".join(lines).rstrip() + "\n"
