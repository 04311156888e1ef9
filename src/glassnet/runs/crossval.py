"""The epoch count of a small table's model, chosen by k-fold cross-validation.

On a few hundred rows a 10 % validation split is 10 to 40 rows, and the epoch at which its
cost is lowest is mostly noise. Here every row is held out once instead: the rows are dealt
into k folds (stratified for classes), one network per fold learns the other k − 1 folds, and
the k networks train side by side, one epoch at a time. After epoch t each fold's network has
a validation cost L_f(t) on its own fold; the folds' mean curve

    L̄(t) = Σ_f n_f · L_f(t) / Σ_f n_f        (n_f rows in fold f)

is smoothed over the last `smoothing` epochs, and training stops when that smoothed curve has
not improved for `patience` epochs (or at `epochs`). Its minimum, epoch t*, is the epoch count
of the final network, trained afresh on every row (glassnet.runs.run). The estimate reported is
the folds' out-of-fold predictions at t*: every row predicted by the network that did not
learn it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from glassnet.train.trainer import Trainer

STREAM = 4  # default_rng([seed, STREAM]) deals the folds (glassnet.runs.data.STREAMS)


@dataclass
class CrossValidation:
    """What k-fold cross-validation chose: the epoch count t* and the figures at t*."""

    folds: int
    epochs: int  # t*, the minimum of the smoothed mean validation cost
    curve: list[float]  # L̄(t) for t = 1 … the epochs trained, unsmoothed
    loss: float  # L̄(t*)
    outputs: np.ndarray  # every row's out-of-fold output at t* (ŷ in the target's units)
    epochs_trained: int  # how far the folds trained before the smoothed curve stopped improving

    def summary(self) -> dict:
        """The JSON record (summary and model card): k, t*, how far the folds trained, L̄(t*)."""
        return {"folds": self.folds, "epochs": self.epochs, "epochs_trained": self.epochs_trained,
                "loss": self.loss}  # fmt: skip


def fold_of_rows(y: np.ndarray, k: int, seed: int, classify: bool) -> np.ndarray:
    """The fold (0 … k − 1) of each row: a seeded shuffle dealt round-robin, class by class
    for a classifier, so each fold holds every class in its share (± 1 row)."""
    rng = np.random.default_rng([seed, STREAM])
    fold = np.empty(len(y), dtype=np.int64)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if classify else [np.arange(len(y))]
    dealt = 0
    for rows in groups:
        shuffled = rng.permutation(rows)
        fold[shuffled] = (dealt + np.arange(len(rows))) % k
        dealt += len(rows)  # the next class starts where this one stopped
    return fold


def choose_epochs(config, X, y, weights, build, new_optimizer, classify: bool,
                  stop: threading.Event | None = None) -> CrossValidation:  # fmt: skip
    """k-fold cross-validation (k = config.folds) of the recipe on the rows (X, y), as the
    module docstring says. `build(X, y)` returns a fresh network for those training rows
    (its input scaling and target scale fitted on them), `new_optimizer()` a fresh optimizer;
    `weights` is one weight per row or None; `stop` set ends it at the best epoch so far.

    The folds take turns `patience` epochs at a time, not one: each fold's networks trains the
    same either way, and a compiled step that runs many steps of one network in a row can
    learn how best to run them (glassnet.fast). The curve is read up to the stopping epoch.
    """
    fold = fold_of_rows(y, config.folds, config.seed or 0, classify)
    folds = [_Fold(build, config, X, y, weights, np.flatnonzero(fold == f), new_optimizer())
             for f in range(config.folds)]  # fmt: skip
    sizes = np.array([len(f.held) for f in folds], dtype=np.float64)
    curve: list[float] = []
    best, best_epoch, trained, done = np.inf, 1, 0, False
    while trained < config.epochs and not done:
        trained = min(trained + config.patience, config.epochs)
        for each in folds:
            each.train_to(trained)
        for epoch in range(len(curve) + 1, trained + 1):
            costs = [each.trainer.history.val_loss[epoch - 1] for each in folds]
            curve.append(float(sizes @ costs / sizes.sum()))
            smoothed = float(np.mean(curve[-(config.smoothing or 1) :]))
            if smoothed < best:
                best, best_epoch = smoothed, epoch
            elif epoch - best_epoch >= config.patience:
                done = True  # no better for `patience` epochs
                break
        done = done or (stop is not None and stop.is_set())
    first = folds[0].outputs[0]
    out_of_fold = np.empty((len(X), first.shape[1]), dtype=first.dtype)
    for each in folds:
        out_of_fold[each.held] = each.outputs[best_epoch - 1]
    return CrossValidation(config.folds, best_epoch, curve, curve[best_epoch - 1], out_of_fold,
                           len(curve))  # fmt: skip


class _Fold:
    """One fold: a fresh network learning every row but `held`, validated on `held`, and its
    outputs on the held rows after each epoch (a regressor's in the target's units: each fold
    network has its own target scale)."""

    def __init__(self, build, config, X, y, weights, held, optimizer):
        learn = np.setdiff1d(np.arange(len(X)), held)
        self.held, self.X_held = held, X[held]
        self.outputs: list[np.ndarray] = []
        self.until, self.pause = 0, threading.Event()
        net = build(X[learn], y[learn])
        w_learn, w_held = (None, None) if weights is None else (weights[learn], weights[held])
        self.trainer = Trainer(
            net, X[learn], y[learn], loss=net.card.run["loss"], optimizer=optimizer,
            epochs=config.epochs, batch_size=config.batch_size, schedule=config.schedule,
            validation_data=(X[held], y[held], w_held), callbacks=[self._after_epoch],
            stop=self.pause, sample_weight=w_learn,
        )  # fmt: skip

    def train_to(self, epoch: int) -> None:
        """Train on until `epoch` epochs are done (the callback asks the trainer to stop)."""
        self.until = epoch
        self.pause.clear()
        self.trainer.run()

    def _after_epoch(self, event) -> None:
        if event.kind != "epoch":
            return
        net = self.trainer.net
        out = net.forward(self.X_held)
        self.outputs.append(net.card.decode(out) if net.task == "regression" else out)
        if self.trainer.epoch >= self.until:
            self.pause.set()

    _after_epoch.reads_gradients = False  # type: ignore[attr-defined]
