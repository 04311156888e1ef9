"""Default architectures and training recipes, per data set and task.

A recipe is everything `glassnet train` needs beyond the data: hidden sizes, activation,
optimizer, learning rate, schedule, batch size, epochs, validation and early stopping. The
command line picks one from the data (`choose`), and every flag overrides one field.

    mnist          784-256-128-10 ReLU, Adam 0.004, cosine, batch 128, 3 epochs
    mnist-best     784-512-256-10 ReLU, Adam 0.003, cosine, batch 128, 10 epochs
    xor            2-8-1 tanh + sigmoid on the four points, Adam 0.05, full batch (the
                   documents' 2-3-1, --hidden 3, stalls on some seeds: `make xor-seeds`)
    xor-clusters   2-3-1 ReLU + sigmoid (the documents' network), Adam 0.05, mini-batch 32
    2d             2-32-32-K ReLU for circles, moons, spirals, blobs, Adam 0.01, batch 32
    tabular        a user's table (and the scikit-learn estimators): sized from the number of
                   rows, Glorot init, AdamW λ = 0.1, early stopping on a smoothed validation
                   cost, then a refit on every row (see `tabular`)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from glassnet.errors import ValidationError
from glassnet.nn import optimizers
from glassnet.nn.optimizers import Optimizer

MNIST_FAMILY = ("mnist", "fashion-mnist", "kmnist", "emnist-digits", "emnist-letters")
TWO_D = ("circles", "moons", "spirals", "blobs")
TINY = 30  # a table with fewer rows trains on all of them for a fixed number of epochs
FOLDS_BELOW = 1000  # a table with fewer rows chooses its epochs by 5-fold cross-validation


@dataclass(frozen=True)
class Recipe:
    """A training recipe: the network's hidden layers and how to train it."""

    name: str
    hidden: tuple[int, ...]  # widths of the hidden layers
    activation: str = "relu"  # hidden activation: relu, tanh, sigmoid, leaky_relu, identity
    optimizer: str = "adam"  # sgd, momentum, nesterov, adam, adamw
    lr: float = 0.001  # base learning rate η
    schedule: str = "constant"  # constant, step, cosine
    batch_size: int | str = 32  # 1 (stochastic), n (mini-batch) or "full" (batch)
    epochs: int = 50
    validation: float = 0.0  # fraction of the training data held out for validation
    early_stopping: bool = False  # stop when the validation cost stops improving
    patience: int = 10  # epochs without improvement before early stopping
    weight_decay: float = 0.0
    dropout: float = 0.0  # after each hidden activation; 0 for none
    loss: str | None = None  # the cost; None: the one the task calls for (builders.head)
    init: str = "auto"  # initialiser of every Dense layer (glassnet.nn.layers.Dense)
    smoothing: int = 1  # early stopping watches the mean cost of the last `smoothing` epochs
    refit: bool = False  # after early stopping, train afresh on every row for the best epochs
    test_fraction: float | None = None  # a file's rows held out for a test; None: the run's rule
    folds: int = 0  # k ≥ 2: early stopping on k-fold cross-validation, not a validation split

    def to_dict(self) -> dict:
        data = asdict(self)
        data["hidden"] = list(self.hidden)
        return data

    def new_optimizer(self, lr: float | None = None) -> Optimizer:
        """A fresh optimizer of this recipe (state is never shared between runs)."""
        kwargs = {}
        if self.weight_decay:
            kwargs["weight_decay"] = self.weight_decay
        return optimizers.get(self.optimizer, lr=self.lr if lr is None else lr, **kwargs)

    def fit_kwargs(self, lr: float | None = None) -> dict:
        """The keyword arguments of Network.fit for one run of this recipe (no validation)."""
        return {
            "loss": self.loss,
            "optimizer": self.new_optimizer(lr),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "schedule": self.schedule,
        }


RECIPES = {
    "mnist": Recipe(
        "mnist", (256, 128), optimizer="adam", lr=0.004, schedule="cosine",
        batch_size=128, epochs=3,
    ),
    "mnist-best": Recipe(
        "mnist-best", (512, 256), optimizer="adam", lr=0.003, schedule="cosine",
        batch_size=128, epochs=10,
    ),
    "xor": Recipe(
        "xor", (8,), activation="tanh", lr=0.05, batch_size="full", epochs=500,
    ),
    "xor-clusters": Recipe(
        "xor-clusters", (3,), lr=0.05, batch_size=32, epochs=100,
    ),
    "2d": Recipe(
        "2d", (32, 32), lr=0.01, batch_size=32, epochs=300,
    ),
    "tabular": Recipe(
        "tabular", (64, 32), optimizer="adamw", lr=0.001, weight_decay=0.1, batch_size=32,
        epochs=300, validation=0.1, early_stopping=True, patience=20, init="glorot",
        smoothing=5, refit=True, test_fraction=0.0,
    ),
}  # fmt: skip


def get(name: str) -> Recipe:
    """A named recipe; ValidationError listing the names for an unknown one."""
    if name not in RECIPES:
        raise ValidationError(f"unknown recipe {name!r}; valid recipes: {', '.join(RECIPES)}")
    return RECIPES[name]


def choose(dataset_name: str, n_samples: int, is_file: bool = False) -> Recipe:
    """The default recipe for a data set: by name for the built-ins, by size for files."""
    if not is_file:
        if dataset_name in MNIST_FAMILY:
            return RECIPES["mnist"]
        if dataset_name in ("xor", "xor-clusters"):
            return RECIPES[dataset_name]
        if dataset_name in TWO_D:
            return RECIPES["2d"]
    return tabular(n_samples)


def tabular(n_samples: int) -> Recipe:
    """The recipe for a user's table: a network and batch that grow with the number of rows.

    Under 1,000 rows: one hidden layer of 64; under 20,000: 64-32; more: 128-64 and batch 64
    (else batch 32: on breast cancer it beat batch 16, 98.0 % against 97.6 %, 10 seeds).
    Measured choices (benchmarks/tabular.py, README "Tables"):
    * Glorot-uniform weights, W ~ U(±√(6 / (n_in + n_out))): He's larger draws suit hundreds
      of pixel inputs, not a handful of standardised columns;
    * AdamW (η = 0.001 for large tables, 0.003 for small ones) with decoupled weight decay
      λ = 0.1 (0.3 under 1,000 rows), θ ← θ − ηλθ each step: the regulariser a small table
      needs;
    * the epoch count: from 1,000 rows on, 10 % of the rows (stratified) for validation and
      early stopping when the mean validation cost of the last 5 epochs has not improved for
      20 epochs, best weights restored. Under 1,000 rows (FOLDS_BELOW) that split is 10 to
      100 rows and its best epoch mostly noise: 5-fold cross-validation instead, the same
      rule on the folds' mean validation cost (glassnet.runs.crossval);
    * under TINY rows nothing is held out: 200 epochs on every row;
    * then the refit: a fresh network (same seed) trained on every row, validation rows
      included, for the best epoch count. That network is the model; the validation (and
      test) figures reported are those of the early-stopped one (or the fold networks),
      which never saw them;
    * no test split (test_fraction 0): the model learns from every row it is given, and the
      estimate printed is the validation split's or the cross-validation's
      (`--test-fraction 0.2` holds 20 % out again).
    """
    base = RECIPES["tabular"]
    if n_samples < TINY:  # too few rows to hold some out: a fixed number of epochs, no refit
        return replace(base, hidden=(32,), lr=0.003, validation=0.0,
                       early_stopping=False, refit=False, epochs=200)  # fmt: skip
    if n_samples < FOLDS_BELOW:
        return replace(base, hidden=(64,), lr=0.003, weight_decay=0.3, validation=0.0, folds=5)
    if n_samples < 20000:
        return base
    return replace(base, hidden=(128, 64), batch_size=64, epochs=100, patience=10)
