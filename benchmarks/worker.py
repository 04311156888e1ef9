"""One measurement in a fresh process: `python worker.py '<task as JSON>'`.

bench.py starts one worker per measurement, so imports, caches and peak resident memory belong
to that framework alone. The worker prints its result as one JSON line on stdout.

Tasks (the "kind" key):
    train        throughput: a warm-up, then time one epoch (or n_samples) of training; also for
                 glassnet-numpy, glassnet in a worker that bench.py starts with GLASSNET_KERNELS=0
    accuracy     time to test accuracy: train a recipe, test accuracy after every epoch
    predict      latency of predict() for 1 and 1,000 raw samples
    ceiling      the forward+backward GEMMs of one training step alone, NumPy float32
    agreement    glassnet and PyTorch from the same start and batches: how far apart after k steps
    cli          peak memory and time of a command (`glassnet train mnist`) run as a child
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import timeit

import numpy as np

from mnist_data import read_start
from peers import PLAIN_SGD, make_runner


def peak_rss_mb(who=resource.RUSAGE_SELF) -> float:
    """Peak resident memory so far in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(who).ru_maxrss / 1024


def thread_info(framework: str) -> dict:
    """BLAS thread pools loaded in this process (threadpoolctl), and torch's thread count."""
    info = {}
    try:
        from threadpoolctl import threadpool_info

        info["pools"] = [
            {k: p.get(k) for k in ("internal_api", "num_threads", "filepath", "version")}
            for p in threadpool_info()
        ]
    except ImportError:
        info["pools"] = None
    if framework == "torch":
        import torch

        info["torch_threads"] = torch.get_num_threads()
    return info


def task_train(task: dict) -> dict:
    """Samples per second over one timed window of training after a short warm-up."""
    os.environ.update(task.get("env", {}))  # read by glassnet when each fit binds its plan
    start = read_start(task["start"])
    recipe = task.get("recipe", PLAIN_SGD)
    runner = make_runner(task["framework"], start, task["batch_size"], recipe)
    runner.train(task["warmup_samples"])
    glassnet = task["framework"].startswith("glassnet")
    team_before = team_steps() if glassnet else 0
    began = time.perf_counter()
    runner.train(task["n_samples"])
    seconds = time.perf_counter() - began
    numpy_only = numpy_step() if glassnet else None
    if task["framework"] == "glassnet-numpy" and not numpy_only:
        raise RuntimeError(
            "glassnet-numpy trained with the C kernels: GLASSNET_KERNELS=0 was "
            "not set before glassnet was imported"
        )
    return {
        "samples_per_s": task["n_samples"] / seconds,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "threads": thread_info(task["framework"]),
        "team_steps": team_steps() - team_before if glassnet else None,
        "team": team_state() if glassnet else None,
        "compiled": compiled_step(runner) if glassnet else None,
        "numpy_only": numpy_only,
    }


def team_state() -> dict | None:
    """How glassnet's C step ran its last step (team or one thread), and its trials so far."""
    try:
        from glassnet.fast import _ckernels
    except ImportError:
        return None
    return _ckernels.team_state()


def compiled_step(runner) -> str:
    """The step glassnet's fit trains with: the class name of its Trainer's step and, if its C
    step left a batch's blank pixels out of the first layer, how many it kept in the last batch
    of an epoch over the first max(64, batch size) samples, after the timed window."""
    gn, recipe = runner.gn, runner.recipe
    n = max(64, runner.batch_size)
    trainer = gn.Trainer(
        runner.net,
        runner.X[:n],
        runner.y[:n],
        loss=recipe.get("loss", "cross_entropy"),
        optimizer=gn.optimizers.from_config(recipe["optimizer"]),
        epochs=1,
        batch_size=runner.batch_size,
    )
    trainer.run()
    name = type(trainer.step).__name__
    plan = getattr(trainer.step, "plan", None)
    if plan is None:
        return name
    from glassnet.fast import _ckernels

    steps, kept = _ckernels.compacted(plan)
    return f"{name}, {kept} of 784 pixels" if steps else name


def numpy_step() -> bool:
    """Whether glassnet trained with its NumPy-only step in this process (no C kernels)."""
    from glassnet.fast import step as fastpath

    return fastpath.kernels() is None


def team_steps() -> int:
    """Training steps glassnet's C step has run on its team of two threads in this process."""
    try:
        from glassnet.fast import _ckernels
    except ImportError:  # glassnet without its C code
        return 0
    return _ckernels.team_steps()


def task_accuracy(task: dict) -> dict:
    """Train a recipe; after each epoch record training seconds so far and test accuracy.

    Training seconds = wall time since the first step minus the time spent measuring test
    accuracy, so evaluation never counts as training.
    """
    start = read_start(task["start"])
    recipe = task["recipe"]
    runner = make_runner(task["framework"], start, recipe["batch_size"], recipe)
    X_test, y_test = start["X_test"], start["y_test"]
    curve, spent = [], [0.0]

    def on_epoch_end(epoch):
        entered = time.perf_counter()
        accuracy = float(np.mean(runner.predict(X_test) == y_test))
        curve.append(
            {"epoch": epoch, "seconds": entered - began - spent[0], "test_accuracy": accuracy}
        )
        spent[0] += time.perf_counter() - entered

    began = time.perf_counter()
    runner.train(len(start["X_train"]), recipe["epochs"], on_epoch_end)
    return {
        "curve": curve,
        "time_to": time_to(curve, task["targets"]),
        "peak_rss_mb": peak_rss_mb(),
    }


def time_to(curve: list[dict], targets: list[float]) -> dict:
    """{target: training seconds at the end of the first epoch reaching it, or None}."""
    return {
        str(t): next((p["seconds"] for p in curve if p["test_accuracy"] >= t), None)
        for t in targets
    }


def seconds_per_call(fn, repeat: int = 7) -> float:
    """Median over `repeat` rounds of the mean time of one call (timeit's autorange)."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return float(np.median(timer.repeat(repeat=repeat, number=number))) / number


def task_predict(task: dict) -> dict:
    """predict() latency on the first 1 and 1,000 raw test images (untrained start weights)."""
    start = read_start(task["start"])
    runner = make_runner(task["framework"], start, 64)
    latency = {}
    for size in task["sizes"]:
        X = np.ascontiguousarray(start["X_test"][:size])
        runner.predict(X)
        latency[str(size)] = seconds_per_call(lambda X=X: runner.predict(X))
    return {"seconds": latency}


def ceiling_gemms(batch_size: int, rng: np.random.Generator, sizes=(784, 256, 128, 10),
                  dtype="float32") -> list[tuple]:  # fmt: skip
    """(a, b, out) for the GEMMs of one training step of a network of these widths.

    For 784-256-128-10: forward X@W1.T, A1@W2.T, A2@W3.T; backward G3.T@A2, G3@W3, G2.T@A1,
    G2@W2, G1.T@X (no dL/dX for the first layer, as glassnet skips it).
    """
    B = batch_size

    def rand(*shape):
        return rng.standard_normal(shape).astype(dtype)

    A = [rand(B, n) for n in sizes[:-1]]  # each layer's input
    W = [rand(o, i) for i, o in zip(sizes, sizes[1:], strict=False)]
    G = [rand(B, n) for n in sizes[1:]]  # each layer's ∂L/∂z
    pairs = [(a, w.T) for a, w in zip(A, W, strict=True)]
    for i in range(len(W) - 1, -1, -1):
        pairs.append((G[i].T, A[i]))
        if i:
            pairs.append((G[i], W[i]))
    return [(a, b, np.empty((a.shape[0], b.shape[1]), dtype)) for a, b in pairs]


def task_ceiling(task: dict) -> dict:
    """Samples per second if a training step were nothing but its GEMMs (np.matmul, out=)."""
    sizes = task.get("sizes", (784, 256, 128, 10))
    gemms = ceiling_gemms(
        task["batch_size"], np.random.default_rng(0), sizes, task.get("dtype", "float32")
    )
    steps = -(-task["n_samples"] // task["batch_size"])

    def run(n):
        for _ in range(n):
            for a, b, out in gemms:
                np.matmul(a, b, out=out)

    run(max(1, task["warmup_samples"] // task["batch_size"]))
    began = time.perf_counter()
    run(steps)
    seconds = time.perf_counter() - began
    return {
        "samples_per_s": steps * task["batch_size"] / seconds,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "threads": thread_info("numpy"),
    }


def task_agreement(task: dict) -> dict:
    """Max |Δ| between glassnet's and PyTorch's weights after the same k batches (float32)."""
    start = read_start(task["start"])
    n = task["steps"] * task["batch_size"]
    runners = [
        make_runner(name, start, task["batch_size"], PLAIN_SGD) for name in ("glassnet", "torch")
    ]
    for runner in runners:
        runner.train(n)
    pairs = zip(runners[0].weights(), runners[1].weights(), strict=True)
    diffs = [
        float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
        for (Wg, bg), (Wt, bt) in pairs
        for a, b in ((Wg, Wt), (bg, bt))
    ]
    moved = float(np.max(np.abs(runners[0].weights()[0][0] - start["W1"])))
    return {
        "max_abs_diff": max(diffs),
        "per_array": diffs,
        "max_abs_change_W1": moved,
        "steps": task["steps"],
        "batch_size": task["batch_size"],
    }


def task_cli(task: dict) -> dict:
    """Run a command as this process's only child: its wall time and peak resident memory."""
    began = time.perf_counter()
    proc = subprocess.run(task["argv"], capture_output=True, text=True, cwd=task.get("cwd"))
    seconds = time.perf_counter() - began
    return {
        "returncode": proc.returncode,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
        "stdout_tail": proc.stdout[-2000:],
        "stderr_tail": proc.stderr[-2000:],
    }


TASKS = {
    "train": task_train,
    "accuracy": task_accuracy,
    "predict": task_predict,
    "ceiling": task_ceiling,
    "agreement": task_agreement,
    "cli": task_cli,
}


def main() -> None:
    task = json.loads(sys.argv[1])
    result = TASKS[task["kind"]](task)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
