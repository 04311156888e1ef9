"""What a run watches while it trains: a divergence that never reaches NaN, and the periodic
checkpoint.

A step already stops a run whose cost becomes NaN or infinite. A run can also explode and stay
finite: Adam at η = 10⁶ ends with a test cost of 8·10¹⁶ and chance accuracy. After each epoch
the guard compares the epoch's training cost L with the reference

    L₀ = max(cost of the first batch, cost of a chance prediction)

(chance: ln K for K classes, ln 2 for two, 1 for standardised regression targets) and stops
the run with the divergence advice of glassnet.lab.diagnose when

    L > FAR_ABOVE · L₀                                  (the cost ran far above its start), or
    accuracy ≤ chance + 1 % and L > L₀ for STUCK_EPOCHS   (stuck at chance, worse than the start,
    epochs in a row after the first                       epoch after epoch)

where chance is the share of the commonest class, or when the run blew up and collapsed:

    some epoch's L > ROSE · L₀, and since then accuracy ≤ chance + 2σ and L ≥ the chance
    cost for STUCK_EPOCHS epochs in a row after the first

(σ = √(chance·(1 − chance)/n), the spread of a constant guess's accuracy over n rows: a
dead network's accuracy wanders that much around chance; a cost no lower than a constant
prediction's says it learnt nothing since), or when it thrashes at chance:

    accuracy ≤ chance + 2σ, L ≥ the chance cost and no epoch's L below the lowest before
    it, for FLAT_EPOCHS epochs in a row after the first

(a learning rate so large that every step undoes the last: the cost bounces above a constant
guess's and never sets a new low). A slow run never rose above its start and keeps setting
new lows, and a run that recovers from a bumpy first epoch leaves chance or gets below its
cost, so neither is stopped. No model is then saved.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from glassnet.errors import DivergenceError
from glassnet.lab.diagnose import ADVICE

FAR_ABOVE = 10.0
STUCK_EPOCHS = 3
ROSE = 1.5
FLAT_EPOCHS = 10


class DivergenceGuard:
    """A run callback raising DivergenceError when the cost explodes without NaN."""

    reads_gradients = False

    def __init__(self) -> None:
        self.start: float | None = None
        self.stuck = 0
        self.collapsed = 0
        self.flat = 0
        self.lowest = math.inf

    def __call__(self, event) -> None:
        if event["event"] == "batch" and self.start is None:
            self.start = event.loss  # the cost before the first update
        elif event["event"] == "epoch":
            self._check(event)

    def _check(self, event) -> None:
        trainer = event.trainer
        constant = chance_cost(trainer)  # a constant guess's cost
        reference = max(self.start or 0.0, constant)
        cost = event.history.train_loss[-1]
        if cost > FAR_ABOVE * reference:
            self._stop(event, f"the training cost {cost:.3g} is over {FAR_ABOVE:g} times its "
                              f"start ({reference:.3g})")  # fmt: skip
        accuracy = event.history.train_accuracy[-1]
        chance = chance_accuracy(trainer)
        at_chance = accuracy is not None and chance is not None and accuracy <= chance + 0.01
        self.stuck = self.stuck + 1 if at_chance and cost > reference and event.epoch > 1 else 0
        if self.stuck >= STUCK_EPOCHS:
            self._stop(event, f"the accuracy has stayed at chance ({accuracy:.1%}) with a cost "
                              f"above its start for {self.stuck} epochs")  # fmt: skip
        rose = max(event.history.train_loss) > ROSE * reference
        near_chance = (accuracy is not None and chance is not None
                       and accuracy <= chance + max(0.01, 2 * spread(trainer, chance)))  # fmt: skip
        dead = rose and near_chance and cost >= constant and event.epoch > 1
        self.collapsed = self.collapsed + 1 if dead else 0
        no_new_low = cost >= constant and cost >= self.lowest
        self.lowest = min(self.lowest, cost)
        thrashing = near_chance and no_new_low and event.epoch > 1
        self.flat = self.flat + 1 if thrashing else 0
        if self.flat >= FLAT_EPOCHS:
            self._stop(event, f"for {self.flat} epochs the network has done no better than a "
                              f"constant guess (accuracy {accuracy:.1%}, cost {cost:.3g}) and "
                              f"its cost set no new low")  # fmt: skip
        if self.collapsed >= STUCK_EPOCHS:
            self._stop(event, f"the cost rose to {max(event.history.train_loss):.3g} (over "
                              f"{ROSE:g} times its start, {reference:.3g}) and for "
                              f"{self.collapsed} epochs since the network has done no better "
                              f"than a constant guess (accuracy {accuracy:.1%})")  # fmt: skip

    @staticmethod
    def _stop(event, what: str) -> None:
        lr = event.trainer.optimizer.lr
        raise DivergenceError(
            f"training diverged by epoch {event.epoch} (learning rate {lr:g}): {what}. "
            f"{ADVICE['divergence']} No model was saved."
        )


def chance_cost(trainer) -> float:
    """The cost of predicting the class shares (at most ln K) or the mean target (1)."""
    labels = trainer.targets.labels
    if labels is None:
        return 1.0
    return math.log(max(2, int(np.max(labels)) + 1 if len(labels) else 2))


def spread(trainer, chance: float) -> float:
    """The standard deviation of a constant guess's accuracy over the training rows."""
    n = max(1, trainer.targets.labels.size)
    return math.sqrt(chance * (1 - chance) / n)


def chance_accuracy(trainer) -> float | None:
    """The share of the commonest class: what a constant prediction scores."""
    labels = trainer.targets.labels
    if labels is None or not len(labels):
        return None
    return float(np.bincount(np.asarray(labels, dtype=np.int64).ravel()).max() / labels.size)


class PeriodicCheckpoint:
    """A run callback that saves a checkpoint every `every` epochs (not after the last)."""

    reads_gradients = False

    def __init__(self, every: int, path: Path, save) -> None:
        self.every, self.path, self.save = every, path, save
        self.written = False

    def __call__(self, event) -> None:
        if event["event"] != "epoch" or event.epoch % self.every or event.epoch >= event.epochs:
            return
        if event.history.stopped_early:
            return
        self.save(event.network, self.path, trainer=event.trainer)
        self.written = True
