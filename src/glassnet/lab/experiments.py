"""Experiments the documents invite: the three forms of gradient descent side by side, a recipe
over many seeds with each failure diagnosed, a learning-rate sweep, and weight and gradient
magnitudes per layer over training.

Everything here is NumPy and the glassnet core: functions take data and a way to build a
network, return plain records (dataclasses with `to_dict()` for JSON) and never print.

A *recipe* is how to build and train one network: `Recipe.make_net(seed)` builds it and
`Recipe.train_kwargs()` gives the arguments of `Network.fit`. The default, `xor_recipe()`, is the
documents' 2-3-1 network (ReLU hidden layer, sigmoid output) on the four XOR points.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from glassnet.errors import DivergenceError, ValidationError
from glassnet.nn import optimizers as _optimizers
from glassnet.nn.layers import Dense, LeakyReLU, ReLU, Sigmoid, Softmax, Standardize, Tanh
from glassnet.nn.network import Network
from glassnet.train.evaluate import evaluate

ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU}

# A unit is saturated when its activation's derivative stays below this on every sample:
# σ′(z) < 0.01 for |z| > 4.6, tanh′(z) < 0.01 for |z| > 2.6.
SATURATION = 0.01

ADVICE = {
    "dead_relu": (
        "Hidden ReLU units never switch on, so no gradient reaches them: use more hidden units, "
        "LeakyReLU, a smaller learning rate or another seed."
    ),
    "saturated": (
        "Hidden sigmoid/tanh units sit on the flat tails where the derivative is almost 0: "
        "scale the inputs, use a smaller initialisation or learning rate, or switch to ReLU."
    ),
    "divergence": (
        "The cost or the weights ran off to infinity: lower the learning rate (try a tenth) and "
        "standardise the inputs."
    ),
    "local_minimum": (
        "Training settled where the gradient is small but the data is not fitted: train longer, "
        "add hidden units, or try another seed or optimizer."
    ),
}


# ---------------------------------------------------------------- recipes


@dataclass
class Recipe:
    """How to build (`make_net(seed)`) and train (`fit` arguments) one network."""

    name: str
    make_net: Callable[[int], Network]
    loss: str = "binary_cross_entropy"
    optimizer: str = "adam"
    lr: float = 0.05
    epochs: int = 300
    batch_size: int | str = "full"

    def new_optimizer(self, lr: float | None = None):
        """A fresh optimizer of this recipe's kind (state must never be shared between runs)."""
        lr = self.lr if lr is None else lr
        if self.optimizer == "adam":
            return _optimizers.Adam(lr)
        if self.optimizer == "sgd":
            return _optimizers.SGD(lr)
        raise ValidationError(f"unknown optimizer {self.optimizer!r}; valid optimizers: adam, sgd")

    def train_kwargs(self, lr: float | None = None) -> dict:
        """The keyword arguments of Network.fit for one run (a fresh optimizer each call)."""
        return {
            "loss": self.loss,
            "optimizer": self.new_optimizer(lr),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
        }

    def describe(self) -> dict:
        """The recipe as JSON (for --json output)."""
        return {
            "name": self.name,
            "loss": self.loss,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
        }


def mlp(sizes, activation: str = "relu", seed: int | None = 0, output: str = "sigmoid",
        scale=None):  # fmt: skip
    """A multilayer perceptron Dense(sizes[0]→sizes[1]), act, …, Dense(→sizes[-1]), output.

    output is "sigmoid" (one probability), "softmax" (class probabilities) or "none" (logits or
    values). scale=(mean, std) puts Standardize(mean, std) first, e.g. (0, 255) for raw pixels.
    """
    if activation not in ACTIVATIONS:
        raise ValidationError(
            f"unknown activation {activation!r}; valid activations: {', '.join(ACTIVATIONS)}"
        )
    sizes = [int(s) for s in sizes]
    layers = [] if scale is None else [Standardize(*scale)]
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:], strict=False)):
        layers.append(Dense(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    if output == "sigmoid":
        layers.append(Sigmoid())
    elif output == "softmax":
        layers.append(Softmax())
    return Network(layers, seed=seed)


def xor_recipe(hidden: int = 3, activation: str = "relu", **kwargs) -> Recipe:
    """The documents' XOR network 2-`hidden`-1: hidden activation, sigmoid output, trained with
    binary cross-entropy and Adam(0.05) for 300 full-batch epochs."""
    return Recipe(
        name=f"xor 2-{hidden}-1 {activation}/sigmoid",
        make_net=lambda seed: mlp([2, hidden, 1], activation, seed),
        **kwargs,
    )


def recipe_for_data(X, y, hidden=(3,), activation="relu", *, task=None, scale=None,
                    **kwargs) -> Recipe:  # fmt: skip
    """A recipe for data (X, y): a sigmoid output and binary cross-entropy for 2 classes,
    softmax and cross-entropy for more, linear outputs and the squared error for task
    "regression". scale=(mean, std) standardises the inputs inside the network."""
    y = np.asarray(y)
    if task == "regression":
        width = 1 if y.ndim == 1 else y.shape[1]
        sizes, output, loss = [X.shape[1], *hidden, width], "none", "squared_error"
    elif int(np.max(y)) + 1 <= 2:
        sizes, output, loss = [X.shape[1], *hidden, 1], "sigmoid", "binary_cross_entropy"
    else:
        sizes, output, loss = [X.shape[1], *hidden, int(np.max(y)) + 1], "softmax", "cross_entropy"
    arch = "-".join(str(s) for s in sizes)
    kwargs.setdefault("loss", loss)
    return Recipe(
        name=f"{arch} {activation}/{'linear' if output == 'none' else output}",
        make_net=lambda seed: mlp(sizes, activation, seed, output, scale),
        **kwargs,
    )


def copy_weights(source: Network, target: Network) -> None:
    """Give `target` exactly the parameters of `source` (same architecture)."""
    for (p, _), (q, _) in zip(source.parameters(), target.parameters(), strict=True):
        q[...] = p


def _cost(net: Network, X, y, loss) -> tuple[float, float | None]:
    result = evaluate(net, X, y, loss=loss)
    return float(result["loss"]), result["accuracy"]


# ---------------------------------------------------------------- compare-gd


@dataclass
class GDRun:
    """One form of gradient descent: cost after each epoch (index 0 = before training)."""

    name: str
    batch_size: int
    epochs: list[int]
    cost: list[float]
    updates: list[int]
    samples_seen: list[int]
    final_cost: float
    accuracy: float | None
    seconds: float
    diverged: bool = False
    # The full-data cost also at log-spaced update counts (1, 2, 3, 5, 8, …), for the updates
    # and samples-seen axes: stochastic descent makes hundreds of updates per epoch.
    trace_updates: list[int] = field(default_factory=list)
    trace_samples: list[int] = field(default_factory=list)
    trace_cost: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def compare_gd(
    recipe: Recipe,
    X,
    y,
    *,
    epochs: int = 30,
    lr: float = 0.5,
    mini_batch: int = 32,
    seed: int = 0,
) -> list[GDRun]:
    """Stochastic (batch 1), full-batch and mini-batch gradient descent (plain SGD, learning rate
    `lr`) from identical initial weights on the same data, the full-data cost after each epoch."""
    n = len(X)
    forms = [("stochastic", 1), ("mini-batch", min(mini_batch, n)), ("full batch", n)]
    reference = recipe.make_net(seed)
    return [_gd_run(recipe, reference, X, y, name, size, epochs, lr) for name, size in forms]


def _gd_run(recipe, reference, X, y, name, batch_size, epochs, lr) -> GDRun:
    """One form of gradient descent from the reference network's weights."""
    n = len(X)
    net = recipe.make_net(reference.seed)
    copy_weights(reference, net)
    cost0, _ = _cost(net, X, y, recipe.loss)
    record = {"epochs": [0], "cost": [cost0], "updates": [0], "samples_seen": [0]}
    trace = {"trace_updates": [1], "trace_samples": [0], "trace_cost": [cost0]}
    total = epochs * math.ceil(n / batch_size)
    checkpoints = set(np.unique(np.round(np.geomspace(1, total, 80))).astype(int).tolist())
    counters = {"updates": 0, "samples": 0, "measuring": 0.0}

    def on_event(event):
        if event["event"] == "epoch":
            h = event["history"]
            record["epochs"].append(h.epoch[-1])
            record["cost"].append(h.train_loss[-1])
            record["updates"].append(h.updates[-1])
            record["samples_seen"].append(h.samples_seen[-1])
            return
        counters["updates"] += 1
        counters["samples"] += min(batch_size, n - (event["batch"] - 1) * batch_size)
        if counters["updates"] in checkpoints:
            started = time.perf_counter()
            trace["trace_updates"].append(counters["updates"])
            trace["trace_samples"].append(counters["samples"])
            trace["trace_cost"].append(_cost(net, X, y, recipe.loss)[0])
            counters["measuring"] += time.perf_counter() - started

    started = time.perf_counter()
    diverged = False
    try:
        net.fit(X, y, loss=recipe.loss, optimizer=_optimizers.SGD(lr), epochs=epochs,
                batch_size=batch_size, train_metrics="full", callback=on_event)  # fmt: skip
    except DivergenceError:
        diverged = True
    # Training time without the extra cost measurements made for the plot.
    seconds = time.perf_counter() - started - counters["measuring"]
    final, accuracy = (math.inf, None) if diverged else _cost(net, X, y, recipe.loss)
    return GDRun(name, batch_size, **record, final_cost=final, accuracy=accuracy,
                 seconds=seconds, diverged=diverged, **trace)  # fmt: skip


# ---------------------------------------------------------------- seeds


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


def hidden_units(net: Network, X) -> list[dict]:
    """For each hidden activation layer (not the output): its type, and per unit whether it is
    dead (ReLU with pre-activation z ≤ 0 on every sample) or saturated (sigmoid/tanh with
    f′(z) < SATURATION on every sample). Runs one forward pass on X."""
    net.forward(X)
    report = []
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        if i == last or not isinstance(layer, (ReLU, Sigmoid, Tanh)):
            continue
        z = np.asarray(layer.x, dtype=np.float64)
        if isinstance(layer, ReLU):
            bad = np.all(z <= 0, axis=0)
            kind = "dead"
        else:
            derivative = np.asarray(layer.derivative(), dtype=np.float64)
            bad = np.all(derivative < SATURATION, axis=0)
            kind = "saturated"
        report.append({
            "layer": i,  # index in net.layers
            "hidden": len(report) + 1,  # 1 for the first hidden layer
            "type": type(layer).__name__,
            "kind": kind,
            "units": np.flatnonzero(bad).tolist(),
            "width": z.shape[1],
        })  # fmt: skip
    return report


def classify_failure(net: Network | None, X, error: Exception | None = None) -> tuple[str, str]:
    """(kind, detail) for a network that did not solve its task.

    divergence     a DivergenceError was raised, or a weight is not finite;
    dead_relu      some hidden ReLU unit has pre-activation z ≤ 0 on every sample;
    saturated      some hidden sigmoid/tanh unit has f′(z) < 0.01 on every sample;
    local_minimum  none of these: training stopped somewhere that does not fit the data.
    """
    if isinstance(error, DivergenceError):
        return "divergence", str(error).split(":")[0]
    if net is None or not all(np.all(np.isfinite(p)) for p, _ in net.parameters()):
        return "divergence", "a weight is not finite"
    units = hidden_units(net, X)
    for kind, name in (("dead", "dead_relu"), ("saturated", "saturated")):
        found = [u for u in units if u["kind"] == kind and u["units"]]
        if found:
            parts = [
                f"{len(u['units'])} of {u['width']} {u['type']} units {kind} in hidden layer "
                f"{u['hidden']}"
                for u in found
            ]
            return name, ", ".join(parts)
    return "local_minimum", "no dead or saturated unit"


def is_solved(net: Network, X, y) -> bool:
    """Solved means every sample is classified right."""
    return bool(np.all(net.predict(X) == np.asarray(y)))


def run_seeds(recipe: Recipe, X, y, n: int = 20, first_seed: int = 0) -> SeedsResult:
    """Train the recipe from seeds first_seed … first_seed + n − 1; classify each failure."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValidationError(f"n must be a positive integer, got {n!r}")
    labels = np.asarray(y)
    if labels.ndim != 1 or not np.all(labels == np.round(labels)):
        raise ValidationError(
            "seeds needs class labels: a seed counts as solved when every sample is classified "
            "right, which has no meaning for regression targets"
        )
    result = SeedsResult(recipe.describe())
    for seed in range(first_seed, first_seed + n):
        net = recipe.make_net(seed)
        error = None
        try:
            net.fit(X, y, **recipe.train_kwargs())
        except DivergenceError as exc:
            error = exc
        if error is None:
            loss, accuracy = _cost(net, X, y, recipe.loss)
            solved = is_solved(net, X, y)
        else:
            loss, accuracy, solved = math.inf, None, False
        outcome = SeedOutcome(seed, solved, loss, accuracy)
        if not solved:
            outcome.failure, outcome.detail = classify_failure(net, X, error)
            outcome.advice = ADVICE[outcome.failure]
        result.outcomes.append(outcome)
    return result


# ---------------------------------------------------------------- lr-range


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


TOO_SMALL = 0.01  # a relative fall of the cost below 1 % counts as "barely moves"
BLOW_UP = 1.5  # a cost above 1.5 × the starting cost at any epoch counts as diverging


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
    recipe: Recipe,
    X,
    y,
    lrs=None,
    *,
    epochs: int = 5,
    batch_size: int | str = 32,
    seed: int = 0,
) -> list[LRTrial]:
    """Train a few epochs of plain SGD at each learning rate (default 13 values log-spaced from
    1e-4 to 100), every time from the same initial weights, and classify each."""
    lrs = np.logspace(-4, 2, 13) if lrs is None else np.asarray(lrs, dtype=float)
    if lrs.ndim != 1 or len(lrs) == 0 or np.any(lrs <= 0) or not np.all(np.isfinite(lrs)):
        raise ValidationError("learning rates must be a non-empty list of positive numbers")
    reference = recipe.make_net(seed)
    initial, _ = _cost(reference, X, y, recipe.loss)
    trials = []
    for lr in lrs:
        net = recipe.make_net(seed)
        copy_weights(reference, net)
        costs: list[float] = []

        def on_epoch(event, costs=costs):
            if event["event"] == "epoch":
                costs.append(event["history"].train_loss[-1])

        try:
            net.fit(
                X,
                y,
                loss=recipe.loss,
                optimizer=_optimizers.SGD(float(lr)),
                epochs=epochs,
                batch_size=batch_size,
                train_metrics="full",
                callback=on_epoch,
            )
        except DivergenceError:
            costs.append(math.inf)
        verdict, reason = classify_lr(initial, costs)
        final = costs[-1] if costs else math.inf
        trials.append(LRTrial(float(lr), initial, costs, final, verdict, reason))
    return trials


def suggested_lr(trials: list[LRTrial]) -> float | None:
    """The good learning rate with the lowest final cost, or None if none is good."""
    good = [t for t in trials if t.verdict == "good"]
    return min(good, key=lambda t: t.final_cost).lr if good else None


# ---------------------------------------------------------------- gradient magnitudes


@dataclass
class NormRecord:
    """Per layer and epoch: ‖W‖ (Frobenius, end of epoch) and the mean over the epoch's batches
    of ‖∂L/∂W‖. Lists are indexed [layer][epoch]."""

    label: str
    layers: list[str]
    weight_norm: list[list[float]]
    grad_norm: list[list[float]]
    loss: list[float]

    def to_dict(self) -> dict:
        return asdict(self)


def gradient_norms(net: Network, X, y, *, label: str = "", **fit_kwargs) -> NormRecord:
    """Train `net` with `fit_kwargs`, recording ‖W‖ and ‖∇W‖ of every Dense layer per epoch."""
    dense = net.dense_layers
    weight = [[] for _ in dense]
    grad = [[] for _ in dense]
    batch_sums = np.zeros(len(dense))
    batches = [0]
    losses: list[float] = []

    def record(event):
        if event["event"] == "batch":  # dW holds this batch's ∂L/∂W
            batch_sums[:] += [np.linalg.norm(layer.dW) for layer in dense]
            batches[0] += 1
            return
        if event["event"] != "epoch":
            return
        for i, layer in enumerate(dense):
            weight[i].append(float(np.linalg.norm(layer.W)))
            grad[i].append(float(batch_sums[i] / max(batches[0], 1)))
        losses.append(float(event["history"].train_loss[-1]))
        batch_sums[:] = 0
        batches[0] = 0

    net.fit(X, y, callback=record, **fit_kwargs)
    names = [f"layer {i + 1} ({d.n_in}→{d.n_out})" for i, d in enumerate(dense)]
    return NormRecord(label or repr(net), names, weight, grad, losses)


def deep_comparison(X, y, *, depth: int = 6, width: int = 16, epochs: int = 20, seed: int = 0,
                    lr: float = 0.1, batch_size: int = 32,
                    scale=None) -> list[NormRecord]:  # fmt: skip
    """The same deep network with sigmoid and with ReLU hidden layers, trained alike: sigmoid's
    gradients shrink layer by layer towards the input (vanishing gradients), ReLU's do not."""
    n_classes = int(np.max(y)) + 1
    out, loss = ("sigmoid", "binary_cross_entropy") if n_classes <= 2 else ("softmax", None)
    sizes = [X.shape[1], *([width] * depth), 1 if n_classes <= 2 else n_classes]
    records = []
    for activation in ("sigmoid", "relu"):
        net = mlp(sizes, activation, seed, out, scale)
        records.append(
            gradient_norms(
                net, X, y, label=f"{depth} hidden {activation} layers",
                loss=loss or "cross_entropy", optimizer=_optimizers.SGD(lr), epochs=epochs,
                batch_size=batch_size,
            )
        )  # fmt: skip
    return records


# ---------------------------------------------------------------- linear separability


def linear_separability(H, y, iterations: int = 50, ridge: float = 1e-3) -> float:
    """Accuracy on (H, y) of the best linear separator a logistic-regression fit finds.

    H (N, d) are hidden-layer activations; y (N,) class ids. Two classes: Newton's method on the
    standardised features with a small L2 penalty `ridge` (so perfectly separable data keeps
    finite weights). More classes: one-vs-rest, each sample given the class of highest score.
    1.0 means some hyperplane separates the classes in that space.
    """
    H = np.asarray(H, dtype=np.float64)
    y = np.asarray(y).astype(np.int64)
    std = H.std(axis=0)
    std[std == 0] = 1.0
    A = np.hstack([(H - H.mean(axis=0)) / std, np.ones((len(H), 1))])
    classes = np.unique(y)
    if len(classes) < 2:
        return 1.0
    targets = [classes[1]] if len(classes) == 2 else list(classes)
    scores = np.column_stack([A @ _newton_logistic(A, (y == c).astype(float), iterations, ridge)
                              for c in targets])  # fmt: skip
    if len(classes) == 2:
        predicted = np.where(scores[:, 0] > 0, classes[1], classes[0])
    else:
        predicted = classes[np.argmax(scores, axis=1)]
    return float(np.mean(predicted == y))


def _newton_logistic(A, t, iterations, ridge) -> np.ndarray:
    """Weights w maximising Σ log-likelihood − ½ ridge ‖w‖² of σ(A w) for targets t ∈ {0, 1}."""
    w = np.zeros(A.shape[1])
    penalty = ridge * len(A) * np.eye(A.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(A @ w, -500, 500)))
        gradient = A.T @ (p - t) + penalty @ w
        hessian = (A * (p * (1 - p))[:, None]).T @ A + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w
