"""Network: an ordered list of layers, evaluated left to right and differentiated right to left."""

from __future__ import annotations

import numpy as np

from glassnet.card import TASKS, ModelCard
from glassnet.errors import ValidationError
from glassnet.nn.layers import (
    Dense,
    Dropout,
    Identity,
    Layer,
    Sigmoid,
    Softmax,
    Standardize,
    softmax,
)

DTYPES = ("float32", "float64")


def as_dtype(dtype) -> np.dtype:
    """The network dtype for a name or NumPy dtype; only float32 and float64 are allowed."""
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in DTYPES:
        raise ValidationError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return np.dtype(name)


class Network:
    """A feed-forward network ŷ = fₖ(… f₂(f₁(x))) of layers applied in order.

    Network([Dense(2, 3), ReLU(), Dense(3, 1), Sigmoid()], seed=0, dtype="float32")

    seed (or rng, a numpy.random.Generator) draws the initial weights, the shuffling order and
    dropout masks; the library never touches NumPy's global random state. dtype is float32
    (default) or float64, used for every parameter, gradient and optimizer state.
    """

    def __init__(self, layers, seed: int | None = None, dtype="float32", *, rng=None):
        layers = list(layers)
        if not layers or not all(isinstance(layer, Layer) for layer in layers):
            raise ValidationError("Network needs a non-empty list of glassnet layers")
        if rng is not None and seed is not None:
            raise ValidationError("give either seed or rng, not both")
        self.layers = layers
        self.dtype = as_dtype(dtype)
        self.seed = seed
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.card = ModelCard()
        self._check_sizes()
        for i, layer in enumerate(layers):
            layer.build(self.rng, self.dtype, self._activation_after(i))

    def _activation_after(self, i: int) -> Layer | None:
        """The first layer after layer i that is not Dropout (a Dense layer's initialiser
        depends on the activation that follows it)."""
        following = (layer for layer in self.layers[i + 1 :] if not isinstance(layer, Dropout))
        return next(following, None)

    def _check_sizes(self) -> None:
        width = None
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Dense):
                if width is not None and layer.n_in != width:
                    raise ValidationError(
                        f"layer {i} {layer!r} takes {layer.n_in} inputs but the layer before it "
                        f"gives {width}; make each Dense n_in equal the previous n_out"
                    )
                width = layer.n_out
        if width is None:
            raise ValidationError("Network needs at least one Dense layer")

    # ------------------------------------------------------------ shape facts

    @property
    def dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def n_in(self) -> int:
        return self.dense_layers[0].n_in

    @property
    def n_out(self) -> int:
        return self.dense_layers[-1].n_out

    @property
    def n_params(self) -> int:
        """The number of trainable numbers (every W and b)."""
        return sum(layer.W.size + layer.b.size for layer in self.dense_layers)

    @property
    def task(self) -> str:
        """What the output means: "multiclass", "binary" or "regression" (the card's, else
        inferred from the last layer)."""
        if self.card.task is not None:
            return self.card.task
        last = self.layers[-1]
        if isinstance(last, Softmax):
            return "multiclass"
        if isinstance(last, Sigmoid) and self.n_out == 1:
            return "binary"
        return "regression"

    @task.setter
    def task(self, value: str) -> None:
        if value not in TASKS:
            raise ValidationError(f"task must be one of {', '.join(TASKS)}, got {value!r}")
        self.card.task = value

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(parameter, gradient) pairs in layer order: W₁, b₁, W₂, b₂, …"""
        return [
            (getattr(layer, name), getattr(layer, "d" + name))
            for layer in self.dense_layers
            for name in layer.params
        ]

    def __repr__(self) -> str:
        layers = ", ".join(repr(layer) for layer in self.layers)
        scale = self.card.target_scale
        return f"Network({layers}{'; ' + str(scale) if scale else ''})"

    def copy(self, dtype=None) -> Network:
        """A new network with the same layers, a copy of every array (cast to `dtype` if
        given), the same seed and card, and a generator in the same state: training the copy
        leaves this one unchanged."""
        dtype = self.dtype if dtype is None else as_dtype(dtype)
        layers = []
        for layer in self.layers:
            fresh = type(layer)(**layer.config())
            fresh.set_arrays({k: np.array(v, dtype=dtype) for k, v in layer.arrays().items()})
            layers.append(fresh)
        rng = np.random.default_rng()
        rng.bit_generator.state = self.rng.bit_generator.state
        twin = Network(layers, dtype=dtype, rng=rng)
        twin.seed = self.seed
        twin.card = ModelCard.from_dict(self.card.to_dict())
        return twin

    # ------------------------------------------------------------ validation

    def check_input(self, X, name: str = "X") -> np.ndarray:
        """X as a 2-D array of this network's dtype (integer images stay integer for
        Standardize); shapes and finiteness checked, with a message naming the fix."""
        X = np.asarray(X)
        if X.ndim == 1 and self.n_in != 1 and X.shape[0] == self.n_in:
            raise ValidationError(
                f"expected {name} with shape (N, {self.n_in}), got a single sample of shape "
                f"{X.shape}; pass X[None, :] (or X.reshape(1, -1)) for one sample"
            )
        if X.ndim == 1 and self.n_in == 1:
            X = X[:, None]
        if X.ndim > 2 and int(np.prod(X.shape[1:])) == self.n_in:
            X = X.reshape(len(X), -1)
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValidationError(
                f"expected {name} with {self.n_in} features per sample, i.e. shape "
                f"(N, {self.n_in}), got array of shape {X.shape}"
            )
        if X.dtype.kind in "ui" and isinstance(self.layers[0], Standardize):
            return X  # raw pixels: Standardize converts one batch at a time
        if X.dtype.kind not in "uifb":
            raise ValidationError(f"{name} must be numeric, got dtype {X.dtype}")
        if X.dtype != self.dtype:
            X = X.astype(self.dtype)
        if not np.all(np.isfinite(X)):
            bad = np.argwhere(~np.isfinite(X))[0]
            raise ValidationError(
                f"{name} holds non-finite values (first at row {bad[0]}, column {bad[1]}); "
                "remove or fill NaN and infinite values"
            )
        return X

    # ------------------------------------------------------------ propagation

    def forward(self, X, training: bool = False) -> np.ndarray:
        """ŷ for a batch X (N, n_in) → (N, n_out); each layer keeps its x and y."""
        a = self.check_input(X)
        return self.forward_checked(a, training)

    def forward_checked(self, a: np.ndarray, training: bool = False) -> np.ndarray:
        """`forward` for an input that `check_input` has already checked."""
        for layer in self.layers:
            a = layer.forward(a, training)
        return a

    def backward(
        self, grad: np.ndarray, *, start: int | None = None, stop: int = 0, input_grad=True
    ):
        """Back-propagate ∂L/∂ŷ: for layer in reversed(layers): g = layer.backward(g).

        Fills every Dense layer's dW and db (overwritten, never accumulated) and returns ∂L/∂X.
        `start` is the index of the layer to begin at (default: the last layer) and `stop` the
        one to end at. With input_grad=False layer `stop` skips its ∂L/∂x and None is returned:
        training stops at the first trainable layer, whose input gradient nobody uses.
        """
        grad = np.asarray(grad)
        start = len(self.layers) - 1 if start is None else start
        expected = self.layers[start].y.shape
        if grad.shape != expected:
            raise ValidationError(
                f"backward expected a gradient of shape {expected} (the output of the last "
                f"forward pass), got {grad.shape}"
            )
        g = grad.astype(self.dtype, copy=False)
        for i in range(start, stop - 1, -1):
            g = self.layers[i].backward(g, need_input_grad=(i > stop or input_grad))
        return g

    @property
    def first_trainable(self) -> int:
        return next(i for i, layer in enumerate(self.layers) if layer.params)

    def loss_and_backward(
        self, loss, X, target, training=True, weights=None
    ) -> tuple[float, np.ndarray]:
        """One forward and backward pass for prepared targets; returns (cost, ŷ).

        If the loss fuses with the final activation (softmax + cross-entropy, sigmoid + binary
        cross-entropy) the cost and δ = ŷ − y are computed on that activation's input.
        With sample weights w (N,) the cost is L = (1/N) Σₙ wₙ ℓₙ, so row n of δ is scaled by wₙ.
        """
        y_hat = self.forward_checked(X, training)
        if self._fuses(loss):
            out, start = self.layers[-1].x, len(self.layers) - 2
            cost, grad = loss.value_and_grad_logits(out, target)
        elif loss.fuses_with is Softmax:  # cross_entropy on a network that outputs logits
            out, start = y_hat, len(self.layers) - 1
            cost, grad = loss.value_and_grad_logits(out, target)
        else:
            out, start = y_hat, len(self.layers) - 1
            cost, grad = loss.value(out, target), loss.grad(out, target)
        if weights is not None:
            costs = loss.sample_costs_logits(out, target) if out is not y_hat else None
            costs = loss.sample_costs(out, target) if costs is None else costs
            cost = float(np.mean(weights * costs))
            grad = grad * weights.astype(grad.dtype)[:, None]
        self.backward(grad, start=start, stop=self.first_trainable, input_grad=False)
        return cost, y_hat

    def _fuses(self, loss) -> bool:
        """Whether the loss absorbs the final activation (sigmoid + binary cross-entropy,
        softmax + cross-entropy) and so works on that activation's input."""
        return loss.fuses_with is not None and isinstance(self.layers[-1], loss.fuses_with)

    def cost(self, loss, y_hat, target, weights=None) -> float:
        """The cost of the output ŷ of the last forward pass, for prepared targets (computed on
        the logits when the loss fuses with the final activation); with sample weights w,
        (1/N) Σₙ wₙ ℓₙ."""
        if weights is not None:
            if self._fuses(loss):
                return float(np.mean(weights * loss.sample_costs_logits(self.layers[-1].x, target)))
            return float(np.mean(weights * loss.sample_costs(y_hat, target)))
        if self._fuses(loss):
            return loss.value_and_grad_logits(self.layers[-1].x, target)[0]
        return loss.value(y_hat, target)

    # ------------------------------------------------------------ prediction

    def output_for_predict(self, X) -> np.ndarray:
        """forward(X), as predict needs it: from the first of PREDICTION_FORWARDS that takes
        this network (glassnet.fast offers one in C, with the same numbers), else layer by
        layer."""
        a = self.check_input(X)
        for compiled in PREDICTION_FORWARDS:
            out = compiled(self, a)
            if out is not None:
                return out
        return self.forward_checked(a)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (N, K): softmax of the logits for multiclass networks
        (or the Softmax output), (1 − p, p) for a single sigmoid output."""
        return self.proba_of(self.forward(X))

    def proba_of(self, out: np.ndarray) -> np.ndarray:
        """predict_proba from an output the network has already computed (forward(X))."""
        task = self.task
        if task == "multiclass":
            return out if isinstance(self.layers[-1], Softmax) else softmax(out)
        if task == "binary":
            p = out[:, :1] if isinstance(self.layers[-1], Sigmoid) else _sigmoid(out[:, :1])
            return np.hstack([1 - p, p])
        raise ValidationError("predict_proba needs a classifier; this network does regression")

    def predict(self, X) -> np.ndarray:
        """Class labels (N,) for a classifier: argmax, or p > 0.5 for one sigmoid output, as
        the card's original labels (class ids when it has none); the output values (N, n_out)
        otherwise, in the target's own units when the card scales them."""
        task = self.task
        if task == "regression":
            return self.card.decode(self.output_for_predict(X))
        if task == "multiclass":  # softmax keeps the order: the largest logit is the class
            ids = np.argmax(self.output_for_predict(X), axis=1)
        else:
            ids = np.argmax(self.predict_proba(X), axis=1)
        return self.card.decode(ids)

    # ------------------------------------------------------------ training and files

    def fit(self, X, y, **kwargs):
        """Train by gradient descent; returns the History. See glassnet.train.trainer.fit.
        (The one place nn reaches up: fit, evaluate and save delegate to the packages that
        hold the training loop and the model files, imported when called.)"""
        from glassnet.train.trainer import fit

        return fit(self, X, y, **kwargs)

    def evaluate(self, X, y, loss=None) -> dict:
        """{"loss": mean cost, "accuracy": fraction correct or None} on (X, y)."""
        from glassnet.train.evaluate import evaluate

        return evaluate(self, X, y, loss=loss)

    def save(self, path, **kwargs):
        """Write the model to `path` atomically (safetensors + JSON; never pickle)."""
        from glassnet.models.files import save

        return save(self, path, **kwargs)


# Faster ways to compute a network's output for `predict`, each (network, checked X) → output
# or None; glassnet.fast adds its compiled forward pass. `forward` never uses them.
PREDICTION_FORWARDS: list = []


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return Sigmoid().forward(z)


def default_loss(net: Network, y) -> str:
    """The cost that fits the network's output and the targets given."""
    last = net.layers[-1]
    y = np.asarray(y)
    if isinstance(last, Softmax):
        return "cross_entropy"
    if isinstance(last, Sigmoid):
        return "binary_cross_entropy"
    if isinstance(last, (Dense, Identity)) and net.n_out > 1 and y.ndim == 1:
        if y.dtype.kind in "uibOUS":  # class ids, or labels (text) that become ids
            return "cross_entropy"
    return "squared_error"
