"""RunConfig: everything a training run is given. Each `glassnet train` option is a field of
the same name (dashes as underscores); the DATA argument is `data`.

    gn.run(gn.RunConfig(data="moons", hidden=[16, 16], epochs=50))
    gn.run(gn.RunConfig(data="my.csv", target="label", out="m.glassnet"))

None means "the recipe decides": a recipe is chosen from the data (or named by `recipe`) and
fills every hyperparameter left None (glassnet.models.recipes).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from glassnet.errors import ValidationError
from glassnet.models.recipes import RECIPES
from glassnet.nn.layers import ACTIVATIONS, INITIALISERS
from glassnet.nn.losses import NAMES as LOSSES
from glassnet.nn.optimizers import OPTIMIZERS, SCHEDULES

DEFAULT_DATA = "xor-clusters"
DTYPES = ("float32", "float64")
# The fields a recipe fills; the rest say what to train on and where results go.
HYPERPARAMETERS = (
    "recipe", "hidden", "activation", "loss", "optimizer", "lr", "momentum", "weight_decay",
    "schedule", "batch_size", "epochs", "early_stopping", "patience", "validation", "dropout",
    "seed", "train_size", "test_fraction", "dtype", "init", "smoothing", "refit", "folds",
)  # fmt: skip
TASKS = ("auto", "classification", "regression")
IMPUTE = ("mean", "median", "most-frequent")
CLASS_WEIGHTS = ("balanced",)


@dataclass
class RunConfig:
    """A training run's settings (see the module docstring)."""

    data: str = DEFAULT_DATA  # built-in data set name or a .csv/.npy/.npz file
    target: str | None = None  # label (or target) column of a CSV/.npy file
    recipe: str | None = None  # named recipe; None: chosen from the data
    hidden: list[int] | None = None  # hidden layer widths, e.g. [256, 128]; [] for none
    activation: str | None = None  # hidden activation: relu, tanh, sigmoid, leaky_relu, identity
    loss: str | None = None  # cost; None: the one the task calls for
    optimizer: str | None = None  # sgd, momentum, nesterov, adam, adamw
    lr: float | None = None  # learning rate η
    momentum: float | None = None  # momentum μ for sgd/momentum/nesterov
    weight_decay: float | None = None  # L2 weight decay λ (decoupled for adamw)
    schedule: str | None = None  # learning-rate schedule: constant, step, cosine
    batch_size: int | str | None = None  # 1 = stochastic, N = mini-batch, "full" = batch GD
    epochs: int | None = None  # passes over the training data
    early_stopping: bool | None = None  # stop when the validation cost stops improving
    patience: int | None = None  # epochs without improvement before early stopping
    validation: float | None = None  # fraction of the training data held out (0: none)
    dropout: float | None = None  # dropout probability after each hidden activation
    seed: int | None = None  # random seed of the weights and the shuffling (default 0)
    train_size: int | None = None  # train on a seeded random subset of this many samples
    test_fraction: float | None = None  # share of a file's rows held out as its test split
    dtype: str | None = None  # float32 (default) or float64
    init: str | None = None  # initialiser of the Dense layers: auto, he, glorot, uniform, …
    smoothing: int | None = None  # early stopping watches the mean cost of this many epochs
    refit: bool | None = None  # after early stopping, train afresh on every row
    folds: int | None = None  # k ≥ 2: early stopping on k-fold cross-validation; 0: a split
    task: str | None = None  # auto (None), classification or regression (a file's target)
    categorical: list[str] | None = None  # a CSV's text columns to one-hot encode
    impute: str | None = None  # fill missing cells: mean, median, most-frequent
    class_weight: str | None = None  # "balanced": weigh each class by N / (K · N_class)
    data_dir: str | None = None  # folder of downloaded data sets
    out: str | None = None  # save the trained model to this file
    run_dir: str | None = None  # write history, manifest, summary and the model here
    resume: str | None = None  # continue an interrupted run from this checkpoint (or run folder)
    checkpoint_every: int | None = None  # also save the checkpoint every N epochs
    json: bool = False  # the command line prints one JSON object (gn.run prints nothing)
    quiet: bool = False  # the command line shows no progress (gn.run shows none anyway)
    force: bool = False  # replace an earlier run in run_dir (refused without it)

    def __post_init__(self) -> None:
        self.check()

    @classmethod
    def from_dict(cls, values: dict) -> RunConfig:
        """A config from a dict of fields; unknown keys are ignored (older manifests)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})

    def to_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> RunConfig:
        return replace(self, **changes)

    def hyperparameters(self) -> dict:
        return {name: getattr(self, name) for name in HYPERPARAMETERS}

    # ------------------------------------------------------------ validation

    def check(self) -> None:
        """ValidationError naming the field, the rule and the value, for the first bad one."""
        if not isinstance(self.data, str) or not self.data.strip():
            raise ValidationError(f"data must be a data set name or a file path, got {self.data!r}")
        _one_of("recipe", self.recipe, RECIPES)
        _one_of("activation", self.activation, ACTIVATIONS)
        _one_of("loss", self.loss, LOSSES)
        _one_of("optimizer", self.optimizer, OPTIMIZERS)
        _one_of("schedule", self.schedule, SCHEDULES)
        _one_of("dtype", self.dtype, DTYPES)
        _one_of("init", self.init, INITIALISERS)
        _one_of("task", self.task, TASKS)
        _one_of("impute", self.impute, IMPUTE)
        _one_of("class_weight", self.class_weight, CLASS_WEIGHTS)
        if self.categorical is not None:
            names = self.categorical
            if isinstance(names, str) or not all(isinstance(n, str) and n for n in names):
                raise ValidationError(
                    f"categorical must be a list of column names, got {self.categorical!r}"
                )
            self.categorical = list(names)
        if self.hidden is not None:
            hidden = list(self.hidden) if isinstance(self.hidden, (list, tuple)) else None
            if hidden is None or not all(_is_int(h) and h >= 1 for h in hidden):
                raise ValidationError(
                    f"hidden sizes must be positive integers, e.g. [256, 128], got {self.hidden!r}"
                )
            self.hidden = [int(h) for h in hidden]
        for name in ("epochs", "patience", "train_size", "checkpoint_every", "smoothing"):
            positive = "a positive integer"
            _number(name, getattr(self, name), lambda v: _is_int(v) and v >= 1, positive)
        _number(
            "folds",
            self.folds,
            lambda v: _is_int(v) and (v == 0 or v >= 2),
            "0 (a validation split) or an integer k ≥ 2",
        )
        if self.folds and self.validation:
            raise ValidationError(
                f"folds {self.folds} and validation {self.validation} are two ways to choose the "
                "epochs; give one (folds 0 for a validation split, validation 0 for k folds)"
            )
        _number("seed", self.seed, lambda v: _is_int(v) and v >= 0, "an integer ≥ 0")
        _number("lr", self.lr, lambda v: v > 0 and math.isfinite(v), "a positive finite number")
        for name in ("momentum", "weight_decay", "validation", "dropout", "test_fraction"):
            _number(name, getattr(self, name), lambda v: 0 <= v < 1, "a number in [0, 1)")
        batch = self.batch_size
        if batch is not None and batch != "full" and not (_is_int(batch) and batch >= 1):
            raise ValidationError(
                f'batch_size must be 1 (stochastic), a positive integer N (mini-batch) or "full", '
                f"got {batch!r}"
            )


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _one_of(name: str, value, valid) -> None:
    if value is not None and value not in valid:
        raise ValidationError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")


def _number(name: str, value, ok, rule: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok(value):
        raise ValidationError(f"{name} must be {rule}, got {value!r}")
