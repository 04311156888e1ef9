"""Two sections of `make bench`: training under load, and the matrix of networks.

Under load: the benchmark starts one, then two CPU-bound processes of its own (`while True:
pass`) and, while they run, measures training throughput of glassnet as it comes (its step
chooses between its team of threads and one thread), glassnet held to one thread
(OMP_NUM_THREADS=1: OpenBLAS on one thread, so no team) and PyTorch, in alternating order; then
it stops them. The targets: glassnet ≥ 0.9× its own single-thread step and ≥ 1.5× PyTorch
under the same load.

The matrix: one row per network a learner builds (activations, losses, optimizers, float64,
per-sample steps, a wide network): glassnet, PyTorch and the GEMM ceiling of that network's
step (its matrix multiplications alone, np.matmul), side by side. The machine has slow and fast
spells: the ceiling's own processes ranged 79,000-138,000 samples/s for the same GEMMs in one
quiet run, and a row's glassnet processes split the same way, so a ratio of medians taken from
separate processes mostly said which spell each had met. Each repeat therefore runs glassnet
and PyTorch, in turn first, between two ceiling runs (c g t c t g c g t c ...): a row's ratio to
the ceiling is the median of each glassnet run's rate over the mean of its repeat's two ceiling
runs, and its ratio to PyTorch the median of each glassnet run's rate over the PyTorch run
beside it (PyTorch's runs of the wide network spread 10,000-13,300 samples/s within one bench
run, when they all ran after glassnet's). A row's window is a full epoch, 60,000 samples at
batch 64.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from peers import PLAIN_SGD

LOADS = (1, 2)
LOAD_FRAMEWORKS = ("glassnet", "glassnet-1thread", "torch")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
LOAD_SAMPLES = 20_000  # the figures: 20,000 MNIST rows, batch 64
# PyTorch's rate under load is measured on fewer samples: it fell to ~100 samples/s here, and
# 20,000 of them took minutes (a rate is a rate; glassnet's window stays the issue's)
LOAD_SAMPLES_TORCH = 2_048


def sgd(lr=0.1, momentum=0.0, nesterov=False) -> dict:
    return {"name": "sgd", "lr": lr, "momentum": momentum, "nesterov": nesterov,
            "weight_decay": 0.0}  # fmt: skip


def adam(name="adam", lr=0.001, weight_decay=0.0) -> dict:
    return {"name": name, "lr": lr, "betas": [0.9, 0.999], "eps": 1e-8,
            "weight_decay": weight_decay}  # fmt: skip


EPOCH = 60_000  # samples timed per matrix row at batch 64: one MNIST epoch
# glassnet's C step leaves the pixels that are 0 in every digit of a batch out of the first
# layer (about a third at batch 64); the GEMM ceiling multiplies by all 784. With this in its
# worker's environment glassnet does too.
BLANK_OFF = {"GLASSNET_BLANK": "off"}

# (name, recipe, batch size, samples timed)
MATRIX = (
    ("ReLU, cross-entropy, SGD", {}, 64, EPOCH),
    ("sigmoid, squared error (sigmoid out)",
     {"activation": "sigmoid", "loss": "squared_error", "output": "sigmoid"}, 64, EPOCH),
    ("tanh, cross-entropy, momentum 0.9",
     {"activation": "tanh", "optimizer": sgd(0.05, 0.9)}, 64, EPOCH),
    ("leaky ReLU, cross-entropy, Nesterov",
     {"activation": "leaky_relu", "optimizer": sgd(0.05, 0.9, True)}, 64, EPOCH),
    ("identity, cross-entropy, SGD", {"activation": "identity", "optimizer": sgd(0.01)}, 64,
     EPOCH),
    ("ReLU, MSE", {"loss": "mse"}, 64, EPOCH),
    ("ReLU, binary cross-entropy (sigmoid out)",
     {"loss": "binary_cross_entropy", "output": "sigmoid"}, 64, EPOCH),
    ("ReLU, cross-entropy, Adam", {"optimizer": adam()}, 64, EPOCH),
    ("ReLU, cross-entropy, AdamW", {"optimizer": adam("adamw", weight_decay=0.01)}, 64, EPOCH),
    ("ReLU, cross-entropy, SGD, float64", {"dtype": "float64"}, 64, EPOCH),
    ("ReLU, cross-entropy, SGD, per sample", {"optimizer": sgd(0.01)}, 1, 6_000),
    ("784-1024-1024-10 ReLU, SGD, batch 256", {"hidden": [1024, 1024]}, 256, 20_480),
    # glassnet multiplying by every feature, blank or not, as the GEMM ceiling does
    ("ReLU, cross-entropy, SGD, every feature", {"env": BLANK_OFF}, 64, EPOCH),
    ("ReLU, cross-entropy, Adam, every feature", {"optimizer": adam(), "env": BLANK_OFF}, 64,
     EPOCH),
)  # fmt: skip


def recipe_of(extra: dict) -> dict:
    """PLAIN_SGD with the matrix row's changes (but its environment, "env")."""
    changes = {key: value for key, value in extra.items() if key != "env"}
    return {**PLAIN_SGD, "schedule": {"name": "constant"}, **changes}


# CPU-bound until killed, or until the benchmark that started it is gone
BUSY = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    sum(range(10**5))"


def busy_processes(n: int) -> list[subprocess.Popen]:
    """n CPU-bound processes, running until killed (or orphaned)."""
    return [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(n)]


def stop(processes: list[subprocess.Popen]) -> None:
    for proc in processes:
        proc.kill()
        proc.wait()


def measure_under_load(bench, repeats: int, stats) -> dict:
    """Samples/s of each LOAD_FRAMEWORKS entry with 1 and 2 busy processes beside it."""
    results = {}
    for load in LOADS:
        runs = {fw: [] for fw in LOAD_FRAMEWORKS}
        busy = busy_processes(load)
        try:
            time.sleep(0.5)  # let them take their cores
            for r in range(repeats):
                for fw in LOAD_FRAMEWORKS[r % 3 :] + LOAD_FRAMEWORKS[: r % 3]:
                    samples = LOAD_SAMPLES_TORCH if fw == "torch" else LOAD_SAMPLES
                    task = {"kind": "train", "framework": fw, "batch_size": 64,
                            "n_samples": samples, "warmup_samples": 1_024}  # fmt: skip
                    env = ONE_THREAD if fw == "glassnet-1thread" else {}
                    runs[fw].append(bench.run_once(f"load {load}: {fw} #{r + 1}", task, env=env))
        finally:
            stop(busy)
        results[str(load)] = {
            "samples_per_s": {
                fw: stats(x["samples_per_s"] for x in runs[fw] if x) for fw in LOAD_FRAMEWORKS
            },
            # glassnet's rate over the other's in the same repeat, seconds apart
            "ratios": {
                fw: stats(
                    g["samples_per_s"] / x["samples_per_s"]
                    for g, x in zip(runs["glassnet"], runs[fw], strict=True)
                    if g and x
                )
                for fw in LOAD_FRAMEWORKS[1:]
            },
            "team": [x["team"] for x in runs["glassnet"] if x],
            "foreign_load": stats(x["foreign_load"] for fw in runs for x in runs[fw] if x),
        }
    return results


def measure_matrix(bench, repeats: int, stats, quick: bool = False) -> list[dict]:
    """Per MATRIX row: glassnet's samples/s, PyTorch's and the GEMM ceiling's. Each glassnet
    run has a ceiling run just before and just after it (c g c g … c), and its ratio is its
    rate over theirs, so a ratio compares measurements of the same spell; PyTorch follows."""
    rows = []
    for name, extra, batch_size, n_samples in MATRIX:
        recipe = recipe_of(extra)
        n_samples = n_samples // 4 if quick else n_samples
        sizes = [784, *recipe["hidden"], 10]
        common = {"batch_size": batch_size, "n_samples": n_samples, "recipe": recipe,
                  "sizes": sizes, "dtype": recipe.get("dtype", "float32"),
                  "warmup_samples": min(2_048, n_samples // 4)}  # fmt: skip

        def ceiling(r, name=name, common=common):
            return bench.run(f"matrix [{name}] ceiling #{r + 1}", {"kind": "ceiling", **common})

        ceilings, glassnet, torch, ratios, torch_ratios = [ceiling(0)], [], [], [], []
        for r in range(repeats):
            task = {"kind": "train", "framework": "glassnet", "env": extra.get("env", {}),
                    **common}  # fmt: skip
            pair = [("glassnet", task), ("torch", {"kind": "train", "framework": "torch",
                                                  **common})]  # fmt: skip
            for fw, job in pair if r % 2 == 0 else pair[::-1]:
                (glassnet if fw == "glassnet" else torch).append(
                    bench.run(f"matrix [{name}] {fw} #{r + 1}", job)
                )
            ceilings.append(ceiling(r + 1))
            around = [c["samples_per_s"] for c in ceilings[-2:] if c]
            if glassnet[-1] and around:
                ratios.append(glassnet[-1]["samples_per_s"] / statistics.mean(around))
            if glassnet[-1] and torch[-1]:
                torch_ratios.append(glassnet[-1]["samples_per_s"] / torch[-1]["samples_per_s"])
        done = [x for x in glassnet if x]
        rows.append(
            {
                "name": name,
                "recipe": recipe,
                "batch_size": batch_size,
                "samples_per_s": {
                    "glassnet": stats(x["samples_per_s"] for x in done),
                    "torch": stats(x["samples_per_s"] for x in torch if x),
                    "ceiling": stats(x["samples_per_s"] for x in ceilings if x),
                },
                "ceiling_ratio": stats(ratios),
                "torch_ratio": stats(torch_ratios),
                "ceiling_runs": sum(1 for x in ceilings if x),
                "team": [x["team"] for x in done],
                "step": done[0]["compiled"] if done else None,
            }
        )
    return rows


def _median(st) -> float | None:
    return st["median"] if st else None


def _ratio(a, b) -> str:
    a, b = _median(a), _median(b)
    return f"{a / b:.2f}×" if a and b else "—"


def _paired(row: dict, other: str = "ceiling", ratios: dict | None = None) -> str:
    """The median of glassnet's ratios to the runs of `other` beside each of its runs (ratios:
    by name, else row[f"{other}_ratio"]); the ratio of the medians in older results, which
    have none."""
    paired = (ratios or {}).get(other) or row.get(f"{other}_ratio")
    if paired is None:
        return _ratio(row["samples_per_s"]["glassnet"], row["samples_per_s"][other])
    ratio = _median(paired)
    return f"{ratio:.2f}×" if ratio else "—"


def _rate(st) -> str:
    return f"{st['median']:,.0f}" if st else "—"


def load_section(res: dict) -> list[str]:
    """The Markdown table of the under-load section."""
    load = res.get("under_load")
    if not load:
        return []
    lines = [
        "### Under load (samples/s, batch 64; glassnet timed on 20,000 samples, PyTorch on 2,048)",
        "",
        "CPU-bound processes started by the benchmark beside each run. Targets: glassnet ≥ 0.9× "
        "its own single-thread step (OMP_NUM_THREADS=1) and ≥ 1.5× PyTorch under the same load. "
        "A ratio is the median over the repeats of glassnet's rate over the other's in the same "
        "repeat. The last column: what glassnet's trials of the mode it was not in cost beyond "
        "its pace (median over its processes, warm-up included).",
        "",
        "| busy processes | glassnet | glassnet, one thread | PyTorch | glassnet / one thread |"
        " glassnet / PyTorch | glassnet's step at the end | its failed trials of the other mode |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, row in load.items():
        rates = row["samples_per_s"]
        g, one, torch = rates["glassnet"], rates["glassnet-1thread"], rates["torch"]
        modes = sorted({"team" if t and t["threads"] > 1 else "one thread" for t in row["team"]})
        lost = [t["lost"] for t in row["team"] if t and "lost" in t]
        trials = f"{statistics.median(lost) * 1000:.0f} ms per process" if lost else "—"
        lines.append(
            f"| {n} | {_rate(g)} | {_rate(one)} | {_rate(torch)} | "
            f"{_paired(row, 'glassnet-1thread', row.get('ratios'))} | "
            f"{_paired(row, 'torch', row.get('ratios'))} | {', '.join(modes)} | {trials} |"
        )
    return lines


def matrix_section(res: dict) -> list[str]:
    """The Markdown table of the matrix section."""
    rows = res.get("matrix")
    if not rows:
        return []
    lines = [
        "### The matrix: every network a learner builds (samples/s)",
        "",
        "Target per row: glassnet ≥ 90 % of the GEMM ceiling (its matrix multiplications alone) "
        "and ≥ 1.3× PyTorch. Each repeat runs glassnet and PyTorch side by side (in turn first) "
        "between two ceiling runs (the number in brackets: ceiling runs); glassnet / ceiling is "
        "the median over the repeats of glassnet's rate over the mean of those two, and "
        "glassnet / PyTorch the median of its rate over PyTorch's in the same repeat. The "
        "ceiling multiplies by all 784 pixels; glassnet's C step leaves out those that are 0 in "
        "every digit of a batch (the last column: how many it kept in a batch of the row's "
        "size), and the rows marked "
        '"every feature" run it with GLASSNET_BLANK=off, multiplying by all of them as the '
        "ceiling does.",
        "",
        "| network | batch | glassnet | PyTorch | GEMM ceiling | glassnet / PyTorch | "
        "glassnet / ceiling | glassnet's step |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        r = row["samples_per_s"]
        lines.append(
            f"| {row['name']} | {row['batch_size']} | {_rate(r['glassnet'])} | "
            f"{_rate(r['torch'])} | {_rate(r['ceiling'])} ({row.get('ceiling_runs', '—')}) | "
            f"{_paired(row, 'torch')} | {_paired(row)} | {row['step'] or '—'} |"
        )
    return lines
