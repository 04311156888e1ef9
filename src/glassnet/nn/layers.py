"""Layers: a dense (affine) layer, the activation functions, dropout and input scaling.

Samples are rows. A batch x has shape (N, n_in). Every layer has

    forward(x)              y = f(x), caching the cheapest quantity backward needs
    backward(grad_out)      given g = ∂L/∂y (N, n_out), store parameter gradients and
                            return ∂L/∂x (N, n_in)

After a forward pass each layer keeps `x` (its input) and `y` (its output) for inspection:
a Dense layer's `y` is always z = W x + b, and the activation after it holds f(z). Every
forward pass returns a new array (`training` only switches Dropout on); the fast route of
training lives in glassnet.fast, not here.
"""

from __future__ import annotations

import numpy as np

from glassnet.errors import ValidationError

# ---------------------------------------------------------------- base


class Layer:
    """A step of the network: y = f(x), and the chain rule back through it."""

    params: tuple[str, ...] = ()  # names of trainable arrays
    buffers: tuple[str, ...] = ()  # saved with the model but not trained
    x: np.ndarray  # the input of the last forward pass
    y: np.ndarray  # its output

    def __init__(self) -> None:
        pass

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True):
        raise NotImplementedError

    def local_jacobian(self, x: np.ndarray) -> np.ndarray:
        """∂y/∂x for one sample x of shape (n,), as a matrix (n_out, n_in)."""
        raise NotImplementedError

    def config(self) -> dict:
        """Constructor arguments as JSON-serialisable values (no arrays)."""
        return {}

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array saved in a model file: parameters and buffers."""
        return {name: getattr(self, name) for name in self.params + self.buffers}

    def set_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        for name in self.params + self.buffers:
            setattr(self, name, arrays[name])

    def build(self, rng: np.random.Generator, dtype: np.dtype, next_layer: Layer | None) -> None:
        """Create or cast arrays for the network's dtype (the Network calls this once)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


# ---------------------------------------------------------------- dense

INITIALISERS = ("auto", "he", "xavier", "glorot", "uniform", "zeros")


class Dense(Layer):
    """Affine map z = W x + b, on a batch Z = X Wᵀ + b.

    Shapes: W (n_out, n_in), b (n_out,), X (N, n_in), Z (N, n_out).
    Backward, with G = ∂L/∂Z (N, n_out):
        ∂L/∂W = Gᵀ X     (n_out, n_in)
        ∂L/∂b = Σₙ Gₙ    (n_out,)
        ∂L/∂X = G W      (N, n_in)
    The documents' "bias as an extra input fixed at 1" is the same map printed as the augmented
    matrix [W | b] acting on [x; 1]; see `Wb`.

    init: how W is drawn when not given (b starts at 0):
        "he"              normal, mean 0, std √(2 / n_in)                  (for ReLU layers)
        "xavier"/"glorot" uniform on ±√(6 / (n_in + n_out))                  (for sigmoid/tanh)
        "uniform"         uniform on ±1/√n_in                                (PyTorch's nn.Linear)
        "zeros"           all zero (only useful for demonstrations: hidden units stay identical)
        "auto"            "he" when the next layer is ReLU or LeakyReLU, else "xavier"
    W, b or Wb (the augmented (n_out, n_in + 1) matrix) give the weights by hand.
    """

    params = ("W", "b")
    W: np.ndarray  # (n_out, n_in): given, or drawn by the initialiser when the Network builds
    b: np.ndarray  # (n_out,): given, or zeros
    dW: np.ndarray  # ∂L/∂W after a backward pass (overwritten, never accumulated)
    db: np.ndarray  # ∂L/∂b

    def __init__(self, n_in: int, n_out: int, init: str = "auto", *, W=None, b=None, Wb=None):
        super().__init__()
        for name, value in (("n_in", n_in), ("n_out", n_out)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValidationError(f"Dense {name} must be a positive integer, got {value!r}")
        if init not in INITIALISERS:
            raise ValidationError(
                f"unknown initialiser {init!r}; valid initialisers: {', '.join(INITIALISERS)}"
            )
        self.n_in, self.n_out, self.init = int(n_in), int(n_out), init
        if Wb is not None:
            if W is not None or b is not None:
                raise ValidationError("give either Wb or W and b, not both")
            Wb = np.asarray(Wb, dtype=float)
            self._check_shape("Wb", Wb, (self.n_out, self.n_in + 1))
            W, b = Wb[:, :-1], Wb[:, -1]
        if W is not None:
            self.W = self._given("W", W, (self.n_out, self.n_in))
        if b is not None:
            self.b = self._given("b", b, (self.n_out,))

    @staticmethod
    def _check_shape(name: str, value: np.ndarray, shape: tuple) -> None:
        if value.shape != shape:
            raise ValidationError(f"Dense {name} must have shape {shape}, got {value.shape}")

    def _given(self, name: str, value, shape: tuple) -> np.ndarray:
        value = np.array(value, dtype=float)
        if value.ndim == 0 and shape == (1,):
            value = value.reshape(1)
        if value.ndim == 1 and len(shape) == 2 and shape[0] == 1:
            value = value.reshape(shape)
        self._check_shape(name, value, shape)
        if not np.all(np.isfinite(value)):
            raise ValidationError(f"Dense {name} holds non-finite values; give finite weights")
        return value

    def build(self, rng, dtype, next_layer=None) -> None:
        if not hasattr(self, "W"):
            self.W = self._draw(rng, next_layer)
        if not hasattr(self, "b"):
            self.b = np.zeros(self.n_out)
        self.W = np.ascontiguousarray(self.W, dtype=dtype)
        self.b = np.ascontiguousarray(self.b, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)

    def _draw(self, rng: np.random.Generator, next_layer: Layer | None) -> np.ndarray:
        init = self.init
        if init == "auto":
            init = "he" if isinstance(next_layer, (ReLU, LeakyReLU)) else "xavier"
        shape = (self.n_out, self.n_in)
        if init == "he":
            return rng.normal(0.0, np.sqrt(2.0 / self.n_in), size=shape)
        if init in ("xavier", "glorot"):
            limit = np.sqrt(6.0 / (self.n_in + self.n_out))
            return rng.uniform(-limit, limit, size=shape)
        if init == "uniform":
            limit = 1.0 / np.sqrt(self.n_in)
            return rng.uniform(-limit, limit, size=shape)
        return np.zeros(shape)

    @property
    def Wb(self) -> np.ndarray:
        """The augmented matrix [W | b] (n_out, n_in + 1) that acts on [x; 1]."""
        return np.hstack([self.W, self.b[:, None]])

    @property
    def dWb(self) -> np.ndarray:
        """The gradient in augmented form [∂L/∂W | ∂L/∂b]."""
        return np.hstack([self.dW, self.db[:, None]])

    def forward(self, x, training=False):
        self.x = x
        self.y = x @ self.W.T + self.b  # Z = X Wᵀ + b
        return self.y

    def backward(self, grad_out, need_input_grad=True):
        np.matmul(grad_out.T, self.x, out=self.dW)  # ∂L/∂W = Gᵀ X
        np.sum(grad_out, axis=0, out=self.db)  # ∂L/∂b = Σₙ Gₙ
        if not need_input_grad:
            return None
        return grad_out @ self.W  # ∂L/∂X = G W

    def local_jacobian(self, x):
        return self.W.copy()

    def config(self):
        return {"n_in": self.n_in, "n_out": self.n_out, "init": self.init}

    def __repr__(self):
        return f"Dense({self.n_in}→{self.n_out})"


# ---------------------------------------------------------------- activations


class Activation(Layer):
    """An element-wise function y = f(z); its Jacobian is diag(f′(z))."""

    def derivative(self) -> np.ndarray:
        """f′ at the last forward pass's input, element-wise (N, n)."""
        raise NotImplementedError

    def backward(self, grad_out, need_input_grad=True):
        return grad_out * self.derivative()

    def local_jacobian(self, x):
        self.forward(np.asarray(x)[None, :])
        return np.diag(self.derivative()[0])


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^(−z)); σ′(z) = σ(z)(1 − σ(z)), computed from the cached output."""

    def forward(self, x, training=False):
        self.x = x
        # Split by sign so e^(−z) never overflows: σ(z) = e^z / (1 + e^z) for z < 0.
        e = np.exp(-np.abs(x))
        self.y = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)
        return self.y

    def derivative(self):
        return self.y * (1.0 - self.y)


class Tanh(Activation):
    """tanh(z) = 2σ(2z) − 1; tanh′(z) = 1 − tanh²(z), from the cached output."""

    def forward(self, x, training=False):
        self.x = x
        self.y = np.tanh(x)
        return self.y

    def derivative(self):
        return 1.0 - self.y * self.y


class ReLU(Activation):
    """R(z) = max(z, 0); R′(z) = 1 where z > 0, else 0 (so R′(0) = 0).

    y > 0 exactly where z > 0, so the output is a sufficient cache for backward.
    """

    def forward(self, x, training=False):
        self.x = x
        self.y = np.maximum(x, 0)
        return self.y

    def derivative(self):
        return (self.y > 0).astype(self.y.dtype)

    def backward(self, grad_out, need_input_grad=True):
        return grad_out * (self.y > 0)


class LeakyReLU(Activation):
    """f(z) = z for z > 0, αz otherwise; f′(z) = 1 for z > 0, α otherwise (α = 0.01)."""

    def __init__(self, alpha: float = 0.01):
        super().__init__()
        if not 0 <= alpha < 1:
            raise ValidationError(f"LeakyReLU alpha must be in [0, 1), got {alpha!r}")
        self.alpha = float(alpha)

    def forward(self, x, training=False):
        self.x = x
        self.y = np.where(x > 0, x, x * x.dtype.type(self.alpha))
        return self.y

    def derivative(self):
        return np.where(self.x > 0, 1.0, self.alpha).astype(self.x.dtype)

    def config(self):
        return {"alpha": self.alpha}

    def __repr__(self):
        return f"LeakyReLU({self.alpha:g})"


class Identity(Activation):
    """f(z) = z; f′(z) = 1. A linear output, for regression."""

    def forward(self, x, training=False):
        self.x = self.y = x
        return x

    def derivative(self):
        return np.ones_like(self.x)

    def backward(self, grad_out, need_input_grad=True):
        return grad_out


class Softmax(Layer):
    """yₖ = e^(zₖ) / Σⱼ e^(zⱼ) per row; ∂y/∂z = diag(y) − y yᵀ.

    Backward: ∂L/∂z = y ⊙ (g − Σₖ gₖ yₖ). With cross-entropy the network skips this and uses the
    fused δ = y − onehot(label) instead (see losses.CrossEntropy).
    """

    def forward(self, x, training=False):
        self.x = x
        self.y = softmax(x)
        return self.y

    def backward(self, grad_out, need_input_grad=True):
        y = self.y
        return y * (grad_out - np.sum(grad_out * y, axis=1, keepdims=True))

    def local_jacobian(self, x):
        y = softmax(np.asarray(x)[None, :])[0]
        return np.diag(y) - np.outer(y, y)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so e^z never overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


# ---------------------------------------------------------------- regularisation and scaling


class Dropout(Layer):
    """Inverted dropout: while training, y = x ⊙ m / (1 − p) with m ~ Bernoulli(1 − p);
    at prediction y = x. The expected activation is the same in both modes."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValidationError(f"Dropout p must be in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng: np.random.Generator | None = None
        self.mask: np.ndarray | None = None

    def build(self, rng, dtype, next_layer=None):
        self.rng = rng

    def forward(self, x, training=False):
        self.x = x
        if not training or self.p == 0:
            self.mask = None
            self.y = x
            return x
        if self.rng is None:
            raise ValidationError(
                "Dropout draws its masks with its Network's generator; use it in one"
            )
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p
        self.mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.p)
        self.y = x * self.mask
        return self.y

    def backward(self, grad_out, need_input_grad=True):
        return grad_out if self.mask is None else grad_out * self.mask

    def local_jacobian(self, x):
        return np.eye(np.asarray(x).shape[0])

    def config(self):
        return {"p": self.p}

    def __repr__(self):
        return f"Dropout({self.p:g})"


class Standardize(Layer):
    """y = (x − mean) / std, fixed (not trained). Input scaling that travels with the model.

    mean and std are scalars or per-feature vectors (n,). MNIST models start with
    Standardize(0, 255) so they take raw uint8 pixels; CSV models with the training data's
    per-feature mean and standard deviation. Integer input is converted to the network's dtype
    here, one batch at a time.
    """

    buffers = ("mean", "std")

    def __init__(self, mean=0.0, std=1.0):
        super().__init__()
        self.mean = np.asarray(mean, dtype=float)
        self.std = np.asarray(std, dtype=float)
        if self.mean.ndim > 1 or self.std.ndim > 1:
            raise ValidationError("Standardize mean and std must be scalars or vectors")
        if np.any(self.std <= 0) or not np.all(np.isfinite(self.std)):
            raise ValidationError("Standardize std must be positive and finite")
        self.scale = 1 / self.std  # 1/std, in the network's dtype once built

    def build(self, rng, dtype, next_layer=None):
        self.mean = np.asarray(self.mean, dtype=dtype)
        self.std = np.asarray(self.std, dtype=dtype)
        self.scale = (1 / self.std).astype(dtype)

    def set_arrays(self, arrays):
        super().set_arrays(arrays)
        self.scale = (1 / self.std).astype(self.std.dtype)

    def forward(self, x, training=False):
        self.x = x
        y = x.astype(self.mean.dtype)  # never scale the caller's data in place
        if self.mean.ndim or self.mean != 0:
            y -= self.mean
        y *= self.scale
        self.y = y
        return y

    def backward(self, grad_out, need_input_grad=True):
        return grad_out * self.scale if need_input_grad else None

    def local_jacobian(self, x):
        n = np.asarray(x).shape[0]
        return np.diag(np.broadcast_to(self.scale, (n,)).astype(float))

    def config(self):
        return {}

    def __repr__(self):
        if self.mean.ndim == 0 and self.std.ndim == 0:
            return f"Standardize({float(self.mean):g}, {float(self.std):g})"
        return f"Standardize({max(self.mean.size, self.std.size)} features)"


LAYER_TYPES = {
    cls.__name__: cls
    for cls in (Dense, Sigmoid, Tanh, ReLU, LeakyReLU, Identity, Softmax, Dropout, Standardize)
}
ACTIVATIONS = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "identity": Identity,
}
