"""What an experiment trains on, and how it builds the network for a recipe.

A `Problem` is the data (X, y) with what the targets are (the task, the number of classes) and
the input scaling; a `Recipe` (glassnet.models.recipes) is the network's hidden layers and how
to train it. `problem.network(recipe, seed)` is then the one network every experiment trains:

    problem = Problem.xor()                          # the four XOR points
    net = problem.network(DOCUMENTS_XOR, seed=0)     # Dense(2→3), ReLU, Dense(3→1), Sigmoid
    loss = problem.loss(DOCUMENTS_XOR)               # "binary_cross_entropy"
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from glassnet.datasets import synthetic
from glassnet.models import builders
from glassnet.models.recipes import Recipe
from glassnet.nn.network import Network
from glassnet.train.evaluate import evaluate

# The documents' XOR network 2-3-1 (ReLU hidden layer, sigmoid output, binary cross-entropy),
# trained with Adam(0.05) for 300 full-batch epochs: it solves the four points from most seeds,
# not all, which is what the seeds experiment shows.
DOCUMENTS_XOR = Recipe("xor 2-3-1 relu/sigmoid", (3,), "relu", optimizer="adam", lr=0.05,
                       batch_size="full", epochs=300)  # fmt: skip


def xor_recipe(hidden: int = 3, activation: str = "relu", **changes) -> Recipe:
    """DOCUMENTS_XOR with `hidden` units of `activation` (and any other field changed)."""
    changes = {"name": f"xor 2-{hidden}-1 {activation}/sigmoid", **changes}
    return replace(DOCUMENTS_XOR, hidden=(hidden,), activation=activation, **changes)


@dataclass(frozen=True, eq=False)
class Problem:
    """Data for an experiment: inputs X (N, D), targets y, and what the targets are.

    task       "binary" or "multiclass" (y holds class ids 0 … K − 1) or "regression"
    n_classes  K for class labels, None for regression
    n_targets  columns of y for regression (1 for a vector y)
    scale      (μ, σ) for a Standardize first layer, x ↦ (x − μ) / σ; None for raw inputs
    name       the data's name, for titles
    """

    X: np.ndarray
    y: np.ndarray
    task: str
    n_classes: int | None = None
    n_targets: int = 1
    scale: tuple | None = None
    name: str = ""

    @classmethod
    def xor(cls) -> Problem:
        """The four XOR points (0,0) (0,1) (1,0) (1,1), labels x₁ XOR x₂."""
        X, y = synthetic.xor()
        return cls.from_arrays(X, y, name="xor")

    @classmethod
    def from_arrays(cls, X, y, *, task: str | None = None, scale=None, name: str = "") -> Problem:
        """A problem for arrays: numeric targets for task "regression", else class ids, two
        classes (K = max y + 1 ≤ 2) binary and more multiclass."""
        y = np.asarray(y)
        if task == "regression":
            n_targets = 1 if y.ndim == 1 else y.shape[1]
            return cls(X, y, "regression", None, n_targets, scale, name)
        n_classes = int(np.max(y)) + 1
        task = "binary" if n_classes <= 2 else "multiclass"
        return cls(X, y, task, n_classes, 1, scale, name)

    @classmethod
    def from_dataset(cls, dataset, X, y, *, is_file: bool = False) -> Problem:
        """A problem for (X, y) of a glassnet Dataset, inputs scaled as builders.input_scaling
        says: (0, 255) for raw pixels, standardised for a user's file, raw for the 2-D sets."""
        scale = builders.input_scaling(X, dataset, is_file)
        return cls.from_arrays(X, y, task=dataset.task, scale=scale, name=dataset.name)

    # ------------------------------------------------------------ the network of a recipe

    def head(self, recipe: Recipe) -> tuple[int, str, str]:
        """(outputs, output activation, loss) of the recipe's network on this problem."""
        return builders.head(self.task, self.n_classes, self.n_targets, recipe.loss)

    def loss(self, recipe: Recipe) -> str:
        """The name of the cost the recipe trains on this problem."""
        return self.head(recipe)[2]

    def network(self, recipe: Recipe, seed: int | None = 0) -> Network:
        """The recipe's network for this problem; the same seed draws the same weights."""
        net, _ = builders.for_task(
            self.X.shape[1], recipe.hidden, recipe.activation, task=self.task,
            n_classes=self.n_classes, n_targets=self.n_targets, loss=recipe.loss,
            scale=self.scale, dropout=recipe.dropout, seed=seed,
        )  # fmt: skip
        return net

    def architecture(self, recipe: Recipe) -> str:
        """The network in words, e.g. "2-3-1 relu/sigmoid" (softmax when the cost is the
        cross-entropy of the logits, linear for plain outputs)."""
        n_out, output, loss = self.head(recipe)
        sizes = [self.X.shape[1], *recipe.hidden, n_out]
        if loss == "cross_entropy":
            output = "softmax"
        elif output == "none":
            output = "linear"
        return f"{'-'.join(str(s) for s in sizes)} {recipe.activation}/{output}"

    def recipe(self, hidden, activation: str = "relu", **fields) -> Recipe:
        """A recipe with these hidden widths and fields, named by its architecture here."""
        draft = Recipe("", tuple(int(h) for h in hidden), activation, **fields)
        return replace(draft, name=self.architecture(draft))

    def sensible_hidden(self) -> tuple[int, ...]:
        """One hidden layer fit for the data: the documents' 3 units for a small problem (up
        to 10 inputs, 3 classes), else about D/4 units (16 to 128, at least twice the
        classes): 3 units cannot tell MNIST's 10 digits apart."""
        d, k = self.X.shape[1], self.n_classes or self.n_targets
        if d <= 10 and k <= 3:
            return (3,)
        return (int(min(128, max(16, 2 * k, d // 4))),)

    def network_warning(self, hidden) -> str | None:
        """Why hidden layers of these widths cannot learn this data, or None when they can."""
        d, k = self.X.shape[1], self.n_classes or 1
        narrowest = min(hidden) if hidden else d
        better = ",".join(map(str, self.sensible_hidden()))
        if k > 2 and narrowest < k:
            return (f"a hidden layer of {narrowest} units is narrower than the {k} classes it "
                    f"must tell apart; try --hidden {better}")  # fmt: skip
        if d >= 50 and narrowest < 16:
            return (f"{narrowest} hidden units for {d} inputs cannot learn this data (the result "
                    f"will say little about the experiment); try --hidden {better}")  # fmt: skip
        return None

    def describe(self, recipe: Recipe) -> dict:
        """The recipe as JSON, with the architecture and the cost it has on this problem."""
        return {**recipe.to_dict(), "architecture": self.architecture(recipe),
                "loss": self.loss(recipe)}  # fmt: skip

    # ------------------------------------------------------------ measuring

    def cost(self, net: Network, loss: str) -> tuple[float, float | None]:
        """(mean cost, accuracy) of the network on all of (X, y); accuracy None for numbers."""
        result = evaluate(net, self.X, self.y, loss=loss)
        return float(result["loss"]), result["accuracy"]
