"""One recipe over many seeds: how many solve the task, and why each of the others fails."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from functools import partial

import numpy as np

from glassnet.errors import DivergenceError, ValidationError
from glassnet.lab.diagnose import ADVICE, classify_failure, is_solved
from glassnet.lab.problem import Problem
from glassnet.models.recipes import Recipe
from glassnet.parallel import Executor, serial_or


@dataclass
class SeedOutcome:
    """One seed of a recipe: solved or not, and if not, why."""

    seed: int
    solved: bool
    loss: float
    accuracy: float | None
    failure: str | None = None  # dead_relu | saturated | divergence | local_minimum
    detail: str = ""
    advice: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SeedsResult:
    """Every seed's outcome, with the count solved and the failures by kind."""

    recipe: dict
    outcomes: list[SeedOutcome] = field(default_factory=list)

    @property
    def solved(self) -> int:
        return sum(o.solved for o in self.outcomes)

    @property
    def counts(self) -> dict[str, int]:
        """How many failures of each kind."""
        kinds: dict[str, int] = {}
        for o in self.outcomes:
            if o.failure:
                kinds[o.failure] = kinds.get(o.failure, 0) + 1
        return kinds

    def to_dict(self) -> dict:
        return {
            "recipe": self.recipe,
            "n": len(self.outcomes),
            "solved": self.solved,
            "failures": self.counts,
            "seeds": [o.to_dict() for o in self.outcomes],
        }


def run_seeds(problem: Problem, recipe: Recipe, n: int = 20, first_seed: int = 0,
              executor: Executor | None = None, progress=None) -> SeedsResult:  # fmt: skip
    """Train the recipe from seeds first_seed … first_seed + n − 1; classify each failure.
    The seeds run on `executor` (glassnet.parallel; default: one after another here);
    progress(done, total, what), when given, is called after each seed."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValidationError(f"n must be a positive integer, got {n!r}")
    labels = np.asarray(problem.y)
    if labels.ndim != 1 or not np.all(labels == np.round(labels)):
        raise ValidationError(
            "seeds needs class labels: a seed counts as solved when every sample is classified "
            "right, which has no meaning for regression targets"
        )
    seeds = range(first_seed, first_seed + n)
    if progress is not None:
        progress(0, n, "seeds: training")
    tell = None if progress is None else lambda done, total: progress(done, total, "seeds")
    outcomes = serial_or(executor).map(partial(_one_seed, problem, recipe), seeds, progress=tell)
    return SeedsResult(problem.describe(recipe), outcomes)


def _one_seed(problem: Problem, recipe: Recipe, seed: int) -> SeedOutcome:
    """Train the recipe's network from `seed`; the outcome, diagnosed if not solved."""
    net = problem.network(recipe, seed)
    loss = problem.loss(recipe)
    error = None
    try:
        net.fit(problem.X, problem.y, **{**recipe.fit_kwargs(), "loss": loss})
    except DivergenceError as exc:
        error = exc
    if error is None:
        cost, accuracy = problem.cost(net, loss)
        solved = is_solved(net, problem.X, problem.y)
    else:
        cost, accuracy, solved = math.inf, None, False
    outcome = SeedOutcome(seed, solved, cost, accuracy)
    if not solved:
        outcome.failure, outcome.detail = classify_failure(net, problem.X, error)
        outcome.advice = ADVICE[outcome.failure]
    return outcome
