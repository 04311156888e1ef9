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
    """
    fold = fold_of_rows(y, config.folds, config.seed or 0, classify)
    held = [np.flatnonzero(fold == f) for f in range(config.folds)]
    pauses = [threading.Event() for _ in held]
    trainers = [
        _fold_trainer(build, config, X, y, weights, rows, pause, new_optimizer())
        for rows, pause in zip(held, pauses, strict=True)
    ]
    sizes = np.array([len(rows) for rows in held], dtype=np.float64)
    curve: list[float] = []
    outputs: list[list[np.ndarray]] = []  # per epoch, per fold: the held-out rows' outputs
    best, best_epoch = np.inf, 1
    for epoch in range(1, config.epochs + 1):
        for trainer, pause in zip(trainers, pauses, strict=True):
            pause.clear()
            trainer.run()  # one epoch: the trainer's callback asks it to stop at the epoch's end
        curve.append(float(sizes @ [t.history.val_loss[-1] for t in trainers] / sizes.sum()))
        outputs.append([_held_out(t.net, X[rows]) for t, rows in zip(trainers, held, strict=True)])
        smoothed = float(np.mean(curve[-(config.smoothing or 1) :]))
        if smoothed < best:
            best, best_epoch = smoothed, epoch
        elif epoch - best_epoch >= config.patience:
            break
        if stop is not None and stop.is_set():
            break
    out_of_fold = np.empty((len(X), outputs[0][0].shape[1]), dtype=outputs[0][0].dtype)
    for rows, output in zip(held, outputs[best_epoch - 1], strict=True):
        out_of_fold[rows] = output
    return CrossValidation(config.folds, best_epoch, curve, curve[best_epoch - 1], out_of_fold,
                           len(curve))  # fmt: skip


def _fold_trainer(build, config, X, y, weights, held, stop, optimizer) -> Trainer:
    """The Trainer of one fold: a fresh network learning every row but `held`, validated on
    `held`, stopping after each epoch (its `stop` set by its own EpochEnd callback)."""
    learn = np.setdiff1d(np.arange(len(X)), held)
    net = build(X[learn], y[learn])

    def pause(event) -> None:
        if event.kind == "epoch":
            stop.set()

    pause.reads_gradients = False  # type: ignore[attr-defined]
    w_learn, w_held = (None, None) if weights is None else (weights[learn], weights[held])
    return Trainer(
        net, X[learn], y[learn], loss=net.card.run["loss"], optimizer=optimizer,
        epochs=config.epochs, batch_size=config.batch_size, schedule=config.schedule,
        validation_data=(X[held], y[held], w_held), callbacks=[pause], stop=stop,
        sample_weight=w_learn,
    )  # fmt: skip


def _held_out(net, X) -> np.ndarray:
    """The network's outputs on its held-out rows: a classifier's raw outputs, a regressor's
    ŷ in the target's units (each fold network has its own target scale)."""
    out = net.forward(X)
    return net.card.decode(out) if net.task == "regression" else out
