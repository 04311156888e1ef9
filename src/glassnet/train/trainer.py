"""Gradient descent in the documents' three forms, epochs, validation, early stopping, history.

    batch_size=1        stochastic gradient descent: one update per sample
    batch_size="full"   (full-)batch gradient descent: one update per epoch, gradient averaged
                        over every sample
    batch_size=n        mini-batch gradient descent: one update per n samples

Each epoch visits the samples in an order drawn by the network's generator (`net.rng`) and
gathers each batch by index. The trainer can be asked to stop after any batch (from another
thread too), saved and resumed exactly. It prints nothing and installs no signal handlers.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from glassnet.errors import DivergenceError, ValidationError
from glassnet.nn import losses as _losses
from glassnet.nn import optimizers as _optimizers
from glassnet.nn.network import Network, default_loss
from glassnet.train.evaluate import evaluate_prepared
from glassnet.train.history import BatchEnd, EpochEnd, Event, History, RunEnd
from glassnet.train.step import STEP_COMPILERS, ReferenceStep, Step
from glassnet.train.targets import (
    Targets,
    prepare_targets,
    sample_weights,
    stratified_indices,
    task_for,
)


def batch_size_for(batch_size, n: int) -> int:
    """The number of samples per update for batch_size = 1, n or "full"."""
    if batch_size in ("full", None):
        return max(n, 1)
    rule = 'batch_size must be a positive integer or "full"'
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise ValidationError(f"{rule}, got {batch_size!r}")
    if batch_size < 1:
        raise ValidationError(f"{rule}, got {batch_size}")
    return int(min(batch_size, max(n, 1)))


def gd_form(batch_size: int, n: int) -> str:
    """The documents' name for the gradient-descent form a batch size gives."""
    if batch_size == 1:
        return "stochastic"
    return "batch" if batch_size >= n else "mini-batch"


class Trainer:
    """The training loop of `fit`, as an object that can be stopped, saved and resumed."""

    def __init__(
        self,
        net: Network,
        X,
        y,
        *,
        loss=None,
        optimizer=None,
        epochs: int = 10,
        batch_size=32,
        shuffle: bool = True,
        validation_data=None,
        validation_fraction: float | None = None,
        early_stopping: bool = False,
        patience: int = 10,
        min_delta: float = 0.0,
        smoothing: int = 1,
        schedule=None,
        callback=None,
        callbacks=(),
        train_metrics: str = "running",
        stop: threading.Event | None = None,
        sample_weight=None,
    ):
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValidationError(f"epochs must be a positive integer, got {epochs!r}")
        if train_metrics not in ("running", "full"):
            raise ValidationError(
                f'train_metrics must be "running" or "full", got {train_metrics!r}'
            )
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValidationError(f"patience must be a positive integer, got {patience!r}")
        if isinstance(smoothing, bool) or not isinstance(smoothing, int) or smoothing < 1:
            raise ValidationError(f"smoothing must be a positive integer, got {smoothing!r}")
        self.net = net
        self.loss = _losses.get(loss or default_loss(net, y))
        self.optimizer = _optimizers.get(optimizer if optimizer is not None else "sgd")
        self.epochs = int(epochs)
        self.shuffle = shuffle
        self.early_stopping, self.patience, self.min_delta = early_stopping, patience, min_delta
        self.smoothing = smoothing
        self.callbacks = [*([callback] if callback is not None else []), *callbacks]
        self.train_metrics = train_metrics
        X = net.check_input(X)
        targets = prepare_targets(net, self.loss, y)
        if len(X) != len(targets.values):
            raise ValidationError(
                f"X and y must have the same number of samples, got {len(X)} and "
                f"{len(targets.values)}"
            )
        if len(X) == 0:
            raise ValidationError("X is empty; training needs at least one sample")
        X, targets = _weighted(X, targets, sample_weights(sample_weight, len(X)))
        self.history = History()
        self.X, self.targets, self.val = self._split(
            X, targets, validation_data, validation_fraction
        )
        self.batch_size = batch_size_for(batch_size, len(self.X))
        self._n_batches = math.ceil(len(self.X) / self.batch_size)
        self.schedule = _optimizers.get_schedule(schedule, self.epochs)
        self.base_lr = self.optimizer.lr
        self.optimizer.bind(net.parameters())
        self.step = self._choose_step()
        self.epoch = 0  # epochs completed
        self.batch = 0  # batches completed in the current epoch
        self._sums = [0.0, 0, 0]  # cost × samples, correct, samples, for the current epoch
        self._epoch_rng_state: Mapping[str, Any] | None = None  # the generator at epoch start
        # (monitored value, epoch, copies of the arrays) of the best epoch so far
        self._best: tuple[float, int, list[np.ndarray]] | None = None
        self._stop = stop if stop is not None else threading.Event()  # set: stop after a batch
        self._seconds = 0.0
        net.task = task_for(net, targets)
        self.history.config = self.config()

    # ------------------------------------------------------------ set-up

    def _split(self, X, targets, validation_data, fraction):
        if validation_data is not None and fraction:
            raise ValidationError("give validation_data or validation_fraction, not both")
        if validation_data is not None:
            X_val, y_val, *w_val = validation_data  # (X, y) or (X, y, sample weights)
            X_val = self.net.check_input(X_val, "validation X")
            val_targets = prepare_targets(self.net, self.loss, y_val, "validation y")
            if w_val and w_val[0] is not None:
                val_targets.weights = sample_weights(w_val[0], len(X_val))
            self.history.validation = {"source": "given", "n": len(X_val)}
            return X, targets, (X_val, val_targets)
        if not fraction:
            return X, targets, None
        if not 0 < fraction < 1:
            raise ValidationError(f"validation_fraction must be in (0, 1), got {fraction!r}")
        val_idx = stratified_indices(targets.labels, len(X), fraction, self.net.rng)
        train_idx = np.setdiff1d(np.arange(len(X)), val_idx)
        if len(val_idx) == 0 or len(train_idx) == 0:
            raise ValidationError(
                f"validation_fraction {fraction} leaves no samples for training or validation "
                f"out of {len(X)}; use more data or another fraction"
            )
        self.history.validation = {
            "source": "split",
            "fraction": fraction,
            "stratified": targets.labels is not None,
            "n_train": len(train_idx),
            "n": len(val_idx),
            "indices": val_idx.tolist(),
        }
        return X[train_idx], targets.take(train_idx), (X[val_idx], targets.take(val_idx))

    def config(self) -> dict:
        """Everything that defines the run, as JSON (saved with the model and the manifest)."""
        optimizer = self.optimizer.config()
        optimizer["lr"] = self.base_lr  # the schedule changes optimizer.lr as the run goes
        return {
            "loss": self.loss.name,
            "optimizer": optimizer,
            "schedule": self.schedule.config(),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "gd": gd_form(self.batch_size, len(self.X)),
            "shuffle": self.shuffle,
            "early_stopping": self.early_stopping,
            "patience": self.patience,
            "min_delta": self.min_delta,
            "smoothing": self.smoothing,
            "sample_weights": self.targets.weights is not None,
            "train_metrics": self.train_metrics,
            "seed": self.net.seed,
            "dtype": self.net.dtype.name,
            "n_train": len(self.X),
        }

    # ------------------------------------------------------------ the loop

    def _choose_step(self) -> Step:
        """The compiled step where one applies (glassnet.fast registers it), else the
        reference step. A watched run's steps leave ∂L/∂θ in the layers after every batch."""
        running = self.train_metrics == "running"
        self._watched = self.watched
        weighted = self.targets.weights is not None  # the compiled steps weigh every row alike
        for compiler in STEP_COMPILERS if not weighted else ():
            step = compiler(
                self.net,
                self.loss,
                self.optimizer,
                self.X,
                self.targets,
                batch_size=self.batch_size,
                watched=self._watched,
            )
            if step is not None:
                return step
        return ReferenceStep(self.net, self.loss, self.optimizer, self.X, self.targets, running)

    @property
    def watched(self) -> bool:
        """Whether a callback may read the layers' gradients after a batch (every callback may,
        unless it says `reads_gradients = False`, as a progress bar does): the compiled step
        then leaves ∂L/∂θ of every batch in dW and db."""
        return any(getattr(callback, "reads_gradients", True) for callback in self.callbacks)

    def request_stop(self) -> None:
        """Stop after the current batch. Safe from another thread or a signal handler."""
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def run(self) -> History:
        """Train until `epochs` are done, early stopping ends the run, or a stop is requested."""
        if self._watched != self.watched:  # callbacks were added or removed since
            self.step = self._choose_step()
        try:
            # A diverging run overflows on its way to the DivergenceError that reports it.
            with np.errstate(over="ignore", invalid="ignore"):
                while self.epoch < self.epochs and not self.history.stopped_early:
                    if not self._run_epoch():
                        self.history.interrupted = True
                        break
        finally:
            self.step.finish()
        if self.early_stopping and self._best is not None and not self.history.interrupted:
            self._restore_best()
        self.net.card.training = self.config()
        self._emit(RunEnd, self.history.train_loss[-1] if self.history.train_loss else math.nan)
        return self.history

    def _run_epoch(self) -> bool:
        started = time.perf_counter()
        if self.batch == 0:
            self._epoch_rng_state = self.net.rng.bit_generator.state
            self._sums = [0.0, 0, 0]
        order = self._order(len(self.X))
        self.optimizer.lr = self.base_lr * self.schedule.factor(self.epoch)
        while self.batch < self._n_batches:
            if self.stop_requested:
                if self.batch == 0:  # nothing of this epoch happened: not even its order
                    self.net.rng.bit_generator.state = self._epoch_rng_state
                self._seconds += time.perf_counter() - started
                return False
            idx = order[self.batch * self.batch_size : (self.batch + 1) * self.batch_size]
            self._step(idx)
            self.batch += 1
        self._seconds += time.perf_counter() - started
        self._end_epoch()
        return True

    def _order(self, n: int) -> np.ndarray:
        """This epoch's sample order (redrawn identically when resuming mid-epoch)."""
        if not self.shuffle:
            return np.arange(n)
        resumed_state = self.net.rng.bit_generator.state
        self.net.rng.bit_generator.state = self._epoch_rng_state
        order = self.net.rng.permutation(n)
        if self.batch:
            self.net.rng.bit_generator.state = resumed_state
        return order

    def _step(self, idx: np.ndarray) -> None:
        """One update on the samples idx. The step checks the cost before any update and
        returns a non-finite one without updating, for this to report."""
        result = self.step(idx, last=self.batch + 1 == self._n_batches)
        if not math.isfinite(result.cost):
            raise DivergenceError(self._divergence_message(f"the cost became {result.cost}"))
        sums = self._sums
        sums[0] += result.cost * len(idx)
        sums[1] += result.correct
        sums[2] += len(idx)
        self._emit(BatchEnd, result.cost)

    def _divergence_message(self, what: str) -> str:
        return (
            f"training diverged at epoch {self.epoch + 1}, batch {self.batch + 1}: {what}. "
            f"Lower the learning rate (it is {self.optimizer.lr:g}; try {self.optimizer.lr / 10:g})"
            " or scale the inputs (standardise features to mean 0 and standard deviation 1)"
        )

    def _end_epoch(self) -> None:
        for p, _ in self.net.parameters():
            if not np.all(np.isfinite(p)):
                raise DivergenceError(self._divergence_message("a weight became non-finite"))
        self.epoch += 1
        self.batch = 0
        h = self.history
        loss_sum, correct, seen = self._sums
        if self.train_metrics == "full":
            full = evaluate_prepared(self.net, self.loss, self.X, self.targets)
            train_loss, train_acc = full["loss"], full["accuracy"]
        else:
            train_loss = loss_sum / seen
            train_acc = correct / seen if self.targets.labels is not None else None
        val = evaluate_prepared(self.net, self.loss, *self.val) if self.val else None
        updates = (h.updates[-1] if h.updates else 0) + self._n_batches
        h.epoch.append(self.epoch)
        h.train_loss.append(float(train_loss))
        h.train_accuracy.append(train_acc)
        h.val_loss.append(val["loss"] if val else None)
        h.val_accuracy.append(val["accuracy"] if val else None)
        h.lr.append(self.optimizer.lr)
        h.updates.append(updates)
        h.samples_seen.append((h.samples_seen[-1] if h.samples_seen else 0) + len(self.X))
        h.seconds.append(round(self._seconds, 6))
        self._track_best(self._smoothed(h.val_loss if val else h.train_loss))
        self._emit(EpochEnd, train_loss)

    def _emit(self, kind: type[Event], cost: float) -> None:
        """Send an event of this kind to every callback."""
        if not self.callbacks:
            return
        running = kind is BatchEnd
        event = kind(
            epoch=self.epoch + 1 if running else max(self.epoch, 1),
            epochs=self.epochs,
            batch=self.batch + 1 if running else self._n_batches,
            batches=self._n_batches,
            loss=float(cost),
            history=self.history,
            network=self.net,
            trainer=self,
        )
        for callback in self.callbacks:
            callback(event)

    # ------------------------------------------------------------ early stopping

    def _smoothed(self, series: list) -> float:
        """The monitored cost: the mean of its last `smoothing` epochs (1: the cost itself), so
        that the noise of a small validation set does not pick the best epoch."""
        recent = series[-self.smoothing :]
        return float(sum(recent) / len(recent))

    def _track_best(self, monitored: float) -> None:
        if self._best is None or monitored < self._best[0] - self.min_delta:
            arrays = [p.copy() for p, _ in self.net.parameters()] if self.early_stopping else []
            self._best = (monitored, self.epoch, arrays)
            self.history.best_epoch = self.epoch
        elif self.early_stopping and self.epoch - self._best[1] >= self.patience:
            self.history.stopped_early = True

    def _restore_best(self) -> None:
        best_arrays = self._best[2] if self._best is not None else []
        for (p, _), best in zip(self.net.parameters(), best_arrays, strict=True):
            p[...] = best

    # ------------------------------------------------------------ checkpoints

    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON, arrays) that let a new Trainer on the same data continue this run exactly."""
        info = {
            "epoch": self.epoch,
            "batch": self.batch,
            "sums": list(self._sums),
            "seconds": self._seconds,
            "epoch_rng_state": self._epoch_rng_state,
            "rng_state": self.net.rng.bit_generator.state,
            "optimizer_t": self.optimizer.t,
            "base_lr": self.base_lr,
            "history": self.history.to_dict(),
            "best": None if self._best is None else [self._best[0], self._best[1]],
        }
        arrays = {f"optimizer.{k}": v for k, v in self.optimizer.state_arrays().items()}
        if self._best is not None:
            arrays.update({f"best.{i}": a for i, a in enumerate(self._best[2])})
        return _jsonable(info), arrays

    def restore(self, info: dict, arrays: dict[str, np.ndarray]) -> None:
        """Continue from `state()` saved by an earlier run with the same data and settings."""
        self.epoch, self.batch = info["epoch"], info["batch"]
        self._sums = list(info["sums"])
        self._seconds = info["seconds"]
        self._epoch_rng_state = info["epoch_rng_state"]
        self.net.rng.bit_generator.state = info["rng_state"]
        self.base_lr = info["base_lr"]
        self.history = History.from_dict(info["history"])
        self.history.interrupted = False
        optimizer_arrays = {
            k.removeprefix("optimizer."): v for k, v in arrays.items() if k.startswith("optimizer.")
        }
        self.optimizer.load_state_arrays(optimizer_arrays, info["optimizer_t"])
        if info["best"] is not None:
            n = len(self.net.parameters())
            best_arrays = [arrays[f"best.{i}"] for i in range(n)] if f"best.{0}" in arrays else []
            self._best = (info["best"][0], info["best"][1], best_arrays)


def _weighted(X: np.ndarray, targets: Targets, weights: np.ndarray | None):
    """(X, targets) with the sample weights attached; rows of weight 0 are left out, which is
    exactly what a weight of 0 means (and keeps the batches of the other rows unchanged)."""
    if weights is None:
        return X, targets
    keep = np.flatnonzero(weights > 0)
    X, targets = X[keep], targets.take(keep)
    kept = weights[keep]
    targets.weights = None if np.all(kept == kept[0]) else kept / kept.mean()
    return X, targets


def _jsonable(value):
    """NumPy scalars inside nested containers as plain Python numbers."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def fit(net: Network, X, y, **kwargs) -> History:
    """Train `net` on (X, y) by gradient descent and return the History.

    loss:                name or Loss (default: from the output layer and the targets)
    optimizer:           Optimizer or name (default SGD(lr=0.1))
    epochs:              passes over the training data (default 10)
    batch_size:          1 (stochastic), n (mini-batch) or "full" (batch) (default 32)
    validation_data:     (X_val, y_val) or (X_val, y_val, w_val), or validation_fraction: a
                         seeded, stratified split (its cost weighted as the training cost)
    early_stopping:      stop when the validation cost (the training cost without validation)
                         has not improved by min_delta for `patience` epochs, and restore the
                         best weights; smoothing=k monitors the mean of the last k epochs
    sample_weight:       a weight wₙ ≥ 0 per sample: the cost is (1/N) Σₙ wₙ ℓₙ with the
                         weights scaled to mean 1 (0 leaves the sample out)
    schedule:            "constant", "step", "cosine" or a Schedule
    callback:            called with an event (glassnet.train.history: BatchEnd after every
                         batch, with ∂L/∂θ of that batch in every dW and db; EpochEnd; RunEnd)
    train_metrics:       "running" (mean over the epoch's batches, free) or "full" (the whole
                         training set re-evaluated after each epoch)
    Raises DivergenceError on a non-finite cost or weight, naming the epoch and batch.
    """
    return Trainer(net, X, y, **kwargs).run()
