"""Gradient descent in the documents' three forms, epochs, validation, early stopping, history.

    batch_size=1        stochastic gradient descent: one update per sample
    batch_size="full"   (full-)batch gradient descent: one update per epoch, gradient averaged
                        over every sample
    batch_size=n        mini-batch gradient descent: one update per n samples

Each epoch visits the samples in an order drawn by the network's generator (`net.rng`) and
gathers each batch by index. The trainer can stop after any batch and be resumed exactly.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from glassnet.errors import DivergenceError, ValidationError
from glassnet.fast import step as _fastpath
from glassnet.nn import losses as _losses
from glassnet.nn import optimizers as _optimizers
from glassnet.nn.layers import Sigmoid
from glassnet.nn.network import Network, default_loss

EVAL_CHUNK = 8192  # rows per forward pass when evaluating, to bound memory


# ---------------------------------------------------------------- targets and accuracy


@dataclass
class Targets:
    """Targets prepared for a loss: `values` go to the loss, `labels` (class ids) to accuracy."""

    values: np.ndarray
    labels: np.ndarray | None


def prepare_targets(net: Network, loss: _losses.Loss, y, name: str = "y") -> Targets:
    """Check y against the network's output and the loss, and shape it for both."""
    y = np.asarray(y)
    k = net.n_out
    if loss.targets == "labels":
        if k < 2:
            raise ValidationError(
                "cross_entropy needs at least 2 outputs; for one output use binary_cross_entropy"
            )
        labels = _as_labels(y, name, k)
        return Targets(labels, labels)
    if isinstance(loss, _losses.BinaryCrossEntropy) and not isinstance(net.layers[-1], Sigmoid):
        raise ValidationError(
            "binary_cross_entropy takes probabilities: end the network with Sigmoid()"
        )
    if y.ndim == 1 and k > 1:
        labels = _as_labels(y, name, k)
        onehot = np.zeros((len(labels), k), dtype=net.dtype)
        onehot[np.arange(len(labels)), labels] = 1
        return Targets(onehot, labels)
    values = y.reshape(-1, 1) if y.ndim == 1 else y
    if values.ndim != 2 or values.shape[1] != k:
        raise ValidationError(
            f"expected {name} with shape (N,) or (N, {k}) for a network with {k} outputs, "
            f"got {y.shape}"
        )
    if values.dtype.kind not in "uifb" or not np.all(np.isfinite(values)):
        raise ValidationError(f"{name} must hold finite numbers")
    values = values.astype(net.dtype)
    return Targets(values, _labels_from_values(values))


def _as_labels(y: np.ndarray, name: str, k: int) -> np.ndarray:
    if y.ndim != 1:
        raise ValidationError(f"expected {name} as class ids with shape (N,), got {y.shape}")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValidationError(f"{name} must hold integer class ids, got non-integer values")
    elif y.dtype.kind not in "uib":
        raise ValidationError(f"{name} must hold integer class ids, got dtype {y.dtype}")
    labels = y.astype(np.int64)
    if len(labels) and (labels.min() < 0 or labels.max() >= k):
        raise ValidationError(
            f"{name} holds class ids from {labels.min()} to {labels.max()}, but the network has "
            f"{k} outputs, so ids must be in 0..{k - 1}"
        )
    return labels


def _labels_from_values(values: np.ndarray) -> np.ndarray | None:
    """Class ids when the targets are 0/1 (one output) or one-hot rows; None otherwise."""
    if not np.all((values == 0) | (values == 1)):
        return None
    if values.shape[1] == 1:
        return values[:, 0].astype(np.int64)
    if np.all(values.sum(axis=1) == 1):
        return values.argmax(axis=1)
    return None


def count_correct(y_hat: np.ndarray, labels: np.ndarray) -> int:
    """How many rows the output classifies right: argmax, or ŷ > 0.5 for one output."""
    if y_hat.shape[1] == 1:
        predicted = (y_hat[:, 0] > 0.5).astype(np.int64)
    else:
        predicted = y_hat.argmax(axis=1)
    return int(np.count_nonzero(predicted == labels))


def evaluate(net: Network, X, y, loss=None) -> dict:
    """Mean cost and accuracy of the network on (X, y), in chunks of EVAL_CHUNK rows."""
    X = net.check_input(X)
    loss = _losses.get(loss or net.metadata.get("training", {}).get("loss") or default_loss(net, y))
    targets = prepare_targets(net, loss, y)
    return _evaluate(net, loss, X, targets)


def _evaluate(net: Network, loss: _losses.Loss, X: np.ndarray, targets: Targets) -> dict:
    total, correct = 0.0, 0
    for start in range(0, len(X), EVAL_CHUNK):
        rows = slice(start, start + EVAL_CHUNK)
        y_hat = net._forward(X[rows])
        total += net.cost(loss, y_hat, targets.values[rows]) * len(y_hat)
        if targets.labels is not None:
            correct += count_correct(y_hat, targets.labels[rows])
    n = len(X)
    accuracy = correct / n if targets.labels is not None and n else None
    return {"loss": total / n if n else float("nan"), "accuracy": accuracy, "n": n}


# ---------------------------------------------------------------- history


@dataclass
class History:
    """Per-epoch record of a run. Lists are indexed by epoch (epoch[i] is 1-based)."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float | None] = field(default_factory=list)
    val_loss: list[float | None] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    samples_seen: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    interrupted: bool = False
    validation: dict | None = None
    config: dict = field(default_factory=dict)

    COLUMNS = (
        "epoch train_loss train_accuracy val_loss val_accuracy lr updates samples_seen seconds"
    ).split()

    def rows(self) -> list[dict]:
        """One dict per epoch with the COLUMNS."""
        return [{c: getattr(self, c)[i] for c in self.COLUMNS} for i in range(len(self.epoch))]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> History:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def __len__(self) -> int:
        return len(self.epoch)


# ---------------------------------------------------------------- the trainer


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
        schedule=None,
        callback=None,
        train_metrics: str = "running",
    ):
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValidationError(f"epochs must be a positive integer, got {epochs!r}")
        if train_metrics not in ("running", "full"):
            raise ValidationError(
                f'train_metrics must be "running" or "full", got {train_metrics!r}'
            )
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValidationError(f"patience must be a positive integer, got {patience!r}")
        self.net = net
        self.loss = _losses.get(loss or default_loss(net, y))
        self.optimizer = _optimizers.get(optimizer if optimizer is not None else "sgd")
        self.epochs = int(epochs)
        self.shuffle = shuffle
        self.early_stopping, self.patience, self.min_delta = early_stopping, patience, min_delta
        self.callback = callback
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
        self.history = History()
        self.X, self.targets, self.val = self._split(
            X, targets, validation_data, validation_fraction
        )
        self.batch_size = batch_size_for(batch_size, len(self.X))
        self._n_batches = math.ceil(len(self.X) / self.batch_size)
        self.schedule = _optimizers.get_schedule(schedule, self.epochs)
        self.base_lr = self.optimizer.lr
        self.optimizer.bind(net.parameters())
        self._fast = _fastpath.plan(self)  # the compiled step, where it applies
        self.epoch = 0  # epochs completed
        self.batch = 0  # batches completed in the current epoch
        self._sums = [0.0, 0, 0]  # cost × samples, correct, samples, for the current epoch
        self._epoch_rng_state = None
        self._best = None  # (monitored value, epoch, copies of the arrays)
        self._stop_requested = False
        self._seconds = 0.0
        net.task = _task_for(net, targets)
        self.history.config = self.config()

    # ------------------------------------------------------------ set-up

    def _split(self, X, targets, validation_data, fraction):
        if validation_data is not None and fraction:
            raise ValidationError("give validation_data or validation_fraction, not both")
        if validation_data is not None:
            X_val, y_val = validation_data
            X_val = self.net.check_input(X_val, "validation X")
            val_targets = prepare_targets(self.net, self.loss, y_val, "validation y")
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
        return X[train_idx], _take(targets, train_idx), (X[val_idx], _take(targets, val_idx))

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
            "train_metrics": self.train_metrics,
            "seed": self.net.seed,
            "dtype": self.net.dtype.name,
            "n_train": len(self.X),
        }

    # ------------------------------------------------------------ the loop

    def request_stop(self) -> None:
        """Stop after the current batch (safe to call from a signal handler)."""
        self._stop_requested = True

    def run(self) -> History:
        """Train until `epochs` are done, early stopping ends the run, or a stop is requested."""
        # A diverging run overflows on its way to the DivergenceError that reports it.
        with np.errstate(over="ignore", invalid="ignore"):
            while self.epoch < self.epochs and not self.history.stopped_early:
                if not self._run_epoch():
                    self.history.interrupted = True
                    break
        self._unscale_gradients()
        if self.early_stopping and self._best is not None and not self.history.interrupted:
            self._restore_best()
        self.net.metadata["training"] = self.config()
        return self.history

    def _run_epoch(self) -> bool:
        if self._stop_requested:  # before this epoch draws its order from the generator
            return False
        started = time.perf_counter()
        n = len(self.X)
        if self.batch == 0:
            self._epoch_rng_state = self.net.rng.bit_generator.state
            self._sums = [0.0, 0, 0]
        order = self._order(n)
        self.optimizer.lr = self.base_lr * self.schedule.factor(self.epoch)
        while self.batch < self._n_batches:
            if self._stop_requested:
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

    @property
    def gradient_scale(self) -> float:
        """The factor the layers' dW and db carry during this run: η for plain SGD, where the
        learning rate is folded into ∂L/∂ŷ so each update is one in-place subtraction (it saves
        a pass over every weight per step); 1 otherwise. dW / gradient_scale is ∂L/∂W."""
        return self.optimizer.lr if self.optimizer.prescalable else 1.0

    def _unscale_gradients(self) -> None:
        """After the run, leave ∂L/∂W (not η·∂L/∂W) in the layers, as after any backward pass."""
        scale = self.gradient_scale
        if scale != 1.0 and self.optimizer.t:
            for _, g in self.net.parameters():
                g /= g.dtype.type(scale)

    def _step(self, idx: np.ndarray) -> None:
        """One update on the samples idx: through `fastpath` (compiled kernels between the
        GEMMs) where it applies, else layer by layer. The cost is checked before any update."""
        running = self.targets.labels is not None and self.train_metrics == "running"
        if self._fast is not None:
            cost, correct = self._fast.step(idx, last_batch=self.batch + 1 == self._n_batches)
            self._check_cost(cost)  # the step updated nothing if the cost is not finite
        else:
            prescaled = self.optimizer.prescalable
            cost, y_hat = self.net.loss_and_backward(
                self.loss, self.X[idx], self.targets.values[idx], training=True,
                grad_scale=self.optimizer.lr if prescaled else None,
            )
            self._check_cost(cost)
            if prescaled:
                self.optimizer.step_prescaled()
            else:
                self.optimizer.step()
            correct = count_correct(y_hat, self.targets.labels[idx]) if running else 0
        sums = self._sums
        sums[0] += cost * len(idx)
        sums[1] += correct if running else 0
        sums[2] += len(idx)
        if self.callback is not None:
            self.callback(self._event("batch", cost))

    def _check_cost(self, cost: float) -> None:
        if not math.isfinite(cost):
            raise DivergenceError(self._divergence_message(f"the cost became {cost}"))

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
            full = _evaluate(self.net, self.loss, self.X, self.targets)
            train_loss, train_acc = full["loss"], full["accuracy"]
        else:
            train_loss = loss_sum / seen
            train_acc = correct / seen if self.targets.labels is not None else None
        val = _evaluate(self.net, self.loss, *self.val) if self.val else None
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
        self._track_best(val["loss"] if val else train_loss)
        if self.callback is not None:
            self.callback(self._event("epoch", train_loss))

    def _event(self, kind: str, cost: float) -> dict:
        return {
            "event": kind,
            "epoch": self.epoch if kind == "epoch" else self.epoch + 1,
            "epochs": self.epochs,
            "batch": self.batch + 1 if kind == "batch" else self._n_batches,
            "batches": self._n_batches,
            "loss": cost,
            "gradient_scale": self.gradient_scale,
            "history": self.history,
            "trainer": self,
        }

    # ------------------------------------------------------------ early stopping

    def _track_best(self, monitored: float) -> None:
        if self._best is None or monitored < self._best[0] - self.min_delta:
            arrays = [p.copy() for p, _ in self.net.parameters()] if self.early_stopping else []
            self._best = (monitored, self.epoch, arrays)
            self.history.best_epoch = self.epoch
        elif self.early_stopping and self.epoch - self._best[1] >= self.patience:
            self.history.stopped_early = True

    def _restore_best(self) -> None:
        for (p, _), best in zip(self.net.parameters(), self._best[2], strict=True):
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


def _jsonable(value):
    """NumPy scalars inside nested containers as plain Python numbers."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _take(targets: Targets, idx: np.ndarray) -> Targets:
    labels = None if targets.labels is None else targets.labels[idx]
    return Targets(targets.values[idx], labels)


def _task_for(net: Network, targets: Targets) -> str:
    if targets.labels is None:
        return "regression"
    return "binary" if net.n_out == 1 else "multiclass"


def stratified_indices(labels, n: int, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of a random `fraction` of 0..n−1, the same fraction of every class
    (rounded, at least one where a class has two or more samples) when labels are given."""
    if labels is None:
        return np.sort(rng.permutation(n)[: round(n * fraction)])
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        k = round(len(members) * fraction)
        if k == 0 and len(members) > 1:
            k = 1
        chosen.append(rng.permutation(members)[:k])
    return np.sort(np.concatenate(chosen))


def fit(net: Network, X, y, **kwargs) -> History:
    """Train `net` on (X, y) by gradient descent and return the History.

    loss:                name or Loss (default: from the output layer and the targets)
    optimizer:           Optimizer or name (default SGD(lr=0.1))
    epochs:              passes over the training data (default 10)
    batch_size:          1 (stochastic), n (mini-batch) or "full" (batch) (default 32)
    validation_data:     (X_val, y_val), or validation_fraction: a seeded, stratified split
    early_stopping:      stop when the validation cost (the training cost without validation)
                         has not improved by min_delta for `patience` epochs, and restore the
                         best weights
    schedule:            "constant", "step", "cosine" or a Schedule
    callback:            called with a dict after every batch and epoch ("event" says which)
    train_metrics:       "running" (mean over the epoch's batches, free) or "full" (the whole
                         training set re-evaluated after each epoch)
    Raises DivergenceError on a non-finite cost or weight, naming the epoch and batch.
    """
    return Trainer(net, X, y, **kwargs).run()
