"""The three forms of gradient descent side by side: stochastic (batch 1), mini-batch and full
batch, plain SGD at one learning rate, from identical initial weights on the same data."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from functools import partial

import numpy as np

from glassnet.errors import DivergenceError
from glassnet.lab.problem import Problem
from glassnet.models.recipes import Recipe
from glassnet.nn.network import Network
from glassnet.nn.optimizers import SGD
from glassnet.parallel import Executor, serial_or


@dataclass
class GDRun:
    """One form of gradient descent: cost after each epoch (index 0 = before training)."""

    name: str
    batch_size: int
    epochs: list[int]
    cost: list[float]
    updates: list[int]
    samples_seen: list[int]
    final_cost: float
    accuracy: float | None
    seconds: float
    diverged: bool = False
    # The full-data cost also at log-spaced update counts (1, 2, 3, 5, 8, …), for the updates
    # and samples-seen axes: stochastic descent makes hundreds of updates per epoch.
    trace_updates: list[int] = field(default_factory=list)
    trace_samples: list[int] = field(default_factory=list)
    trace_cost: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def compare_gd(
    problem: Problem,
    recipe: Recipe,
    *,
    epochs: int = 30,
    lr: float = 0.5,
    mini_batch: int = 32,
    seed: int = 0,
    executor: Executor | None = None,
    progress=None,
) -> list[GDRun]:
    """Stochastic (batch 1), mini-batch and full-batch gradient descent (plain SGD, learning
    rate `lr`) of the recipe's network from identical initial weights, the full-data cost after
    each epoch. Only the recipe's architecture and cost are used. The three forms run on
    `executor` (glassnet.parallel; default: one after another here); their `seconds` are each
    form's own training time wherever it ran. progress(done, total, what), when given, is
    called after each form."""
    n = len(problem.X)
    forms = [("stochastic", 1), ("mini-batch", min(mini_batch, n)), ("full batch", n)]
    reference = problem.network(recipe, seed)
    loss = problem.loss(recipe)
    one_form = partial(_gd_form, problem, loss, reference, epochs, lr)
    if progress is not None:
        progress(0, len(forms), "forms of gradient descent: stochastic is the slowest")
    what = "forms of gradient descent"
    tell = None if progress is None else lambda done, total: progress(done, total, what)
    return serial_or(executor).map(one_form, forms, progress=tell)


def _gd_form(problem: Problem, loss: str, reference: Network, epochs: int, lr: float,
             form: tuple[str, int]) -> GDRun:  # fmt: skip
    """One form (name, batch size) of gradient descent from a copy of the reference network."""
    name, batch_size = form
    return _gd_run(problem, loss, reference.copy(), name, batch_size, epochs, lr)


def _gd_run(problem: Problem, loss: str, net: Network, name: str, batch_size: int, epochs: int,
            lr: float) -> GDRun:  # fmt: skip
    """One form of gradient descent, training `net`."""
    n = len(problem.X)
    cost0, _ = problem.cost(net, loss)
    record = {"epochs": [0], "cost": [cost0], "updates": [0], "samples_seen": [0]}
    trace = {"trace_updates": [1], "trace_samples": [0], "trace_cost": [cost0]}
    total = epochs * math.ceil(n / batch_size)
    checkpoints = set(np.unique(np.round(np.geomspace(1, total, 80))).astype(int).tolist())
    counters = {"updates": 0, "samples": 0, "measuring": 0.0}

    def on_event(event):
        if event["event"] == "epoch":
            h = event["history"]
            record["epochs"].append(h.epoch[-1])
            record["cost"].append(h.train_loss[-1])
            record["updates"].append(h.updates[-1])
            record["samples_seen"].append(h.samples_seen[-1])
            return
        counters["updates"] += 1
        counters["samples"] += min(batch_size, n - (event["batch"] - 1) * batch_size)
        if counters["updates"] in checkpoints:
            started = time.perf_counter()
            trace["trace_updates"].append(counters["updates"])
            trace["trace_samples"].append(counters["samples"])
            trace["trace_cost"].append(problem.cost(net, loss)[0])
            counters["measuring"] += time.perf_counter() - started

    started = time.perf_counter()
    diverged = False
    try:
        net.fit(problem.X, problem.y, loss=loss, optimizer=SGD(lr), epochs=epochs,
                batch_size=batch_size, train_metrics="full", callback=on_event)  # fmt: skip
    except DivergenceError:
        diverged = True
    # Training time without the extra cost measurements made for the plot.
    seconds = time.perf_counter() - started - counters["measuring"]
    final, accuracy = (math.inf, None) if diverged else problem.cost(net, loss)
    return GDRun(name, batch_size, **record, final_cost=final, accuracy=accuracy,
                 seconds=seconds, diverged=diverged, **trace)  # fmt: skip
