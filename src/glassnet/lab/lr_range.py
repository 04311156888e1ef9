"""A learning-rate sweep: a few epochs of plain SGD at each rate, every time from the same
initial weights, and a verdict per rate: too small, good, or diverging."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import partial

import numpy as np

from glassnet.errors import DivergenceError, ValidationError
from glassnet.lab.problem import Problem
from glassnet.models.recipes import Recipe
from glassnet.nn.network import Network
from glassnet.nn.optimizers import SGD
from glassnet.parallel import Executor, serial_or

TOO_SMALL = 0.01  # a relative fall of the cost below 1 % counts as "barely moves"
BLOW_UP = 1.5  # a cost above 1.5 × the starting cost at any epoch counts as diverging


@dataclass
class LRTrial:
    """One learning rate: the cost before, after each epoch, and the verdict."""

    lr: float
    initial_cost: float
    costs: list[float]
    final_cost: float
    verdict: str  # too_small | good | diverges
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def classify_lr(initial: float, costs: list[float]) -> tuple[str, str]:
    """Verdict on one learning rate from the cost before training and after each epoch.

    diverges   a cost is not finite, ends above the start, or ever exceeds BLOW_UP × the start
    too_small  the cost fell by less than TOO_SMALL (1 %) of its starting value
    good       otherwise
    """
    if not costs or not all(math.isfinite(c) for c in costs):
        return "diverges", "cost became non-finite"
    final = costs[-1]
    if max(costs) > BLOW_UP * initial:
        return "diverges", f"cost rose to {max(costs):.3g}"
    if final > initial:
        return "diverges", f"cost ended higher, at {final:.3g}"
    fall = (initial - final) / initial if initial > 0 else 0.0
    if fall < TOO_SMALL:
        return "too_small", f"cost fell only {100 * fall:.2f} %"
    return "good", f"cost fell {100 * fall:.0f} %"


def lr_range(
    problem: Problem,
    recipe: Recipe,
    lrs=None,
    *,
    epochs: int = 5,
    batch_size: int | str = 32,
    seed: int = 0,
    executor: Executor | None = None,
    progress=None,
) -> list[LRTrial]:
    """Train `epochs` epochs of plain SGD at each learning rate (default 13 values log-spaced
    from 1e-4 to 100), every time from the same initial weights of the recipe's network, and
    classify each. Only the recipe's architecture and cost are used. The rates run on
    `executor` (glassnet.parallel; default: one after another here); progress(done, total,
    what), when given, is called after each learning rate."""
    lrs = np.logspace(-4, 2, 13) if lrs is None else np.asarray(lrs, dtype=float)
    if lrs.ndim != 1 or len(lrs) == 0 or np.any(lrs <= 0) or not np.all(np.isfinite(lrs)):
        raise ValidationError("learning rates must be a non-empty list of positive numbers")
    reference = problem.network(recipe, seed)
    loss = problem.loss(recipe)
    initial, _ = problem.cost(reference, loss)
    one_rate = partial(_lr_trial, problem, loss, reference, initial, epochs, batch_size)
    if progress is not None:
        progress(0, len(lrs), "learning rates: training")
    tell = None if progress is None else lambda done, total: progress(done, total, "learning rates")
    return serial_or(executor).map(one_rate, [float(lr) for lr in lrs], progress=tell)


def _lr_trial(problem: Problem, loss: str, reference: Network, initial: float, epochs: int,
              batch_size: int | str, lr: float) -> LRTrial:  # fmt: skip
    """One learning rate, trained from a copy of the reference network, with its verdict."""
    costs = _epoch_costs(problem, loss, reference.copy(), lr, epochs, batch_size)
    verdict, reason = classify_lr(initial, costs)
    final = costs[-1] if costs else math.inf
    return LRTrial(lr, initial, costs, final, verdict, reason)


def _epoch_costs(problem: Problem, loss: str, net: Network, lr: float, epochs: int,
                 batch_size: int | str) -> list[float]:  # fmt: skip
    """The full-data cost after each epoch of SGD(lr), ending in ∞ if training diverged."""
    costs: list[float] = []

    def on_epoch(event):
        if event["event"] == "epoch":
            costs.append(event["history"].train_loss[-1])

    try:
        net.fit(problem.X, problem.y, loss=loss, optimizer=SGD(lr), epochs=epochs,
                batch_size=batch_size, train_metrics="full", callback=on_epoch)  # fmt: skip
    except DivergenceError:
        costs.append(math.inf)
    return costs


def suggested_lr(trials: list[LRTrial]) -> float | None:
    """The good learning rate with the lowest final cost, or None if none is good."""
    good = [t for t in trials if t.verdict == "good"]
    return min(good, key=lambda t: t.final_cost).lr if good else None
