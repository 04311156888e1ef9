"""Optimizers: each shows its own update rule, with the defaults of the paper it comes from.

Notation: θ a parameter, g = ∂L/∂θ its gradient from the last backward pass, η the learning
rate, t the step count (1, 2, …). Every update is done in place; optimizer state has the
parameter's dtype.
"""

from __future__ import annotations

import math

import numpy as np

from glassnet.errors import ValidationError


def _check_positive(name: str, value: float, allow_zero: bool = False) -> float:
    ok = value >= 0 if allow_zero else value > 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok:
        rule = "non-negative" if allow_zero else "positive"
        raise ValidationError(f"{name} must be a {rule} number, got {value!r}")
    if not math.isfinite(value):
        raise ValidationError(f"{name} must be finite, got {value!r}")
    return float(value)


class Optimizer:
    """Holds references to (θ, g) pairs and updates each θ in place on `step()`."""

    slots: tuple[str, ...] = ()  # names of per-parameter state arrays

    def __init__(self, lr: float):
        self.lr = _check_positive("lr", lr)
        self.params: list[tuple[np.ndarray, np.ndarray]] = []
        self.state: list[dict[str, np.ndarray]] = []
        self.t = 0

    def bind(self, params: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Attach to a network's (parameter, gradient) pairs; state starts at zero."""
        self.params = params
        self.state = [{s: np.zeros_like(p) for s in self.slots} for p, _ in params]
        self.t = 0

    def step(self) -> None:
        """One update of every bound parameter from its gradient (t counts the steps)."""
        self.t += 1
        for (p, g), state in zip(self.params, self.state, strict=True):
            self.update(p, g, state)

    def count_step(self) -> None:
        """Count a step whose update was applied elsewhere by this optimizer's rule (the compiled
        training step applies it inside its kernels), so t stays the number of updates."""
        self.t += 1

    def update(self, p: np.ndarray, g: np.ndarray, state: dict) -> None:
        raise NotImplementedError

    def config(self) -> dict:
        """Hyperparameters as JSON (for model files, manifests and resume)."""
        raise NotImplementedError

    def state_arrays(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": slots[k] for i, slots in enumerate(self.state) for k in self.slots}

    def load_state_arrays(self, arrays: dict[str, np.ndarray], t: int) -> None:
        for i, slots in enumerate(self.state):
            for k in self.slots:
                slots[k][...] = arrays[f"{i}.{k}"]
        self.t = t

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov and weight decay.

        g ← g + λθ                     (weight_decay λ, an L2 penalty ½λ‖θ‖²)
        plain:     θ ← θ − η g
        momentum:  v ← μ v + g ;  θ ← θ − η v
        Nesterov:  v ← μ v + g ;  θ ← θ − η (g + μ v)
    (the form PyTorch uses; Sutskever et al. 2013). Defaults: η = 0.1, μ = 0, λ = 0.
    """

    def __init__(self, lr=0.1, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(lr)
        self.momentum = _check_positive("momentum", momentum, allow_zero=True)
        if self.momentum >= 1:
            raise ValidationError(f"momentum must be below 1, got {momentum!r}")
        if nesterov and self.momentum == 0:
            raise ValidationError("nesterov=True needs a momentum above 0, e.g. momentum=0.9")
        self.nesterov = bool(nesterov)
        self.weight_decay = _check_positive("weight_decay", weight_decay, allow_zero=True)
        self.slots = ("v",) if self.momentum else ()

    @property
    def plain(self) -> bool:
        """Whether the update is θ ← θ − η g alone (no momentum, no weight decay)."""
        return not self.momentum and not self.weight_decay

    def update(self, p, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            v = state["v"]
            v *= self.momentum
            v += g
            g = g + self.momentum * v if self.nesterov else v
        p -= self.lr * g

    def config(self):
        return {
            "name": "sgd",
            "lr": self.lr,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
        }


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with the paper's defaults η = 0.001, β₁ = 0.9, β₂ = 0.999,
    ε = 1e-8:

        g ← g + λθ                    (weight_decay λ as an L2 penalty, as in the paper's Adam)
        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g²
        θ ← θ − η · m̂ / (√v̂ + ε),    m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
    """

    slots = ("m", "v")
    decoupled = False

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(lr)
        beta1, beta2 = (float(b) for b in betas)
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValidationError(f"betas must each be in [0, 1), got {tuple(betas)!r}")
        self.betas = (beta1, beta2)
        self.eps = _check_positive("eps", eps)
        self.weight_decay = _check_positive("weight_decay", weight_decay, allow_zero=True)

    def update(self, p, g, state):
        beta1, beta2 = self.betas
        lr, decay, t = self.lr, self.weight_decay, self.t
        if decay and not self.decoupled:
            g = g + decay * p  # g ← g + λθ
        m, v = state["m"], state["v"]
        m[...] = beta1 * m + (1 - beta1) * g  # m ← β₁ m + (1 − β₁) g
        v[...] = beta2 * v + (1 - beta2) * g * g  # v ← β₂ v + (1 − β₂) g²
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        if decay and self.decoupled:
            p -= lr * decay * p  # θ ← θ − ηλθ
        p -= lr * m_hat / (np.sqrt(v_hat) + self.eps)  # θ ← θ − η m̂ / (√v̂ + ε)

    def config(self):
        return {
            "name": type(self).__name__.lower(),
            "lr": self.lr,
            "betas": list(self.betas),
            "eps": self.eps,
            "weight_decay": self.weight_decay,
        }


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, default λ = 0.01.

    θ ← θ − ηλθ, then the Adam step on the gradient without the penalty.
    """

    decoupled = True

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(lr, betas, eps, weight_decay)


OPTIMIZERS = {"sgd": SGD, "momentum": SGD, "nesterov": SGD, "adam": Adam, "adamw": AdamW}


def get(name: str | Optimizer, lr: float | None = None, **kwargs) -> Optimizer:
    """An optimizer by name: sgd, momentum (SGD with μ = 0.9), nesterov, adam, adamw."""
    if isinstance(name, Optimizer):
        return name
    if name not in OPTIMIZERS:
        raise ValidationError(
            f"unknown optimizer {name!r}; valid optimizers: {', '.join(OPTIMIZERS)}"
        )
    if name in ("momentum", "nesterov"):
        kwargs.setdefault("momentum", 0.9)
        kwargs["nesterov"] = name == "nesterov"
    if lr is not None:
        kwargs["lr"] = lr
    return OPTIMIZERS[name](**kwargs)


def from_config(config: dict) -> Optimizer:
    """Rebuild an optimizer from its `config()`."""
    config = dict(config)
    name = config.pop("name")
    if "betas" in config:
        config["betas"] = tuple(config["betas"])
    return OPTIMIZERS[name](**config)


# ---------------------------------------------------------------- learning-rate schedules


class Schedule:
    """η at epoch e (0-based) = base η × factor(e)."""

    name = "constant"

    def factor(self, epoch: int) -> float:
        return 1.0

    def config(self) -> dict:
        return {"name": self.name}


class StepDecay(Schedule):
    """η × γ^⌊e / step⌋: multiply by γ (default 0.1) every `step` epochs."""

    name = "step"

    def __init__(self, step: int = 10, gamma: float = 0.1):
        if not isinstance(step, int) or step < 1:
            raise ValidationError(f"step decay needs a positive number of epochs, got {step!r}")
        self.step, self.gamma = step, _check_positive("gamma", gamma)

    def factor(self, epoch):
        return self.gamma ** (epoch // self.step)

    def config(self):
        return {"name": self.name, "step": self.step, "gamma": self.gamma}


class Cosine(Schedule):
    """η_min + ½(η − η_min)(1 + cos(π e / E)) over E epochs (Loshchilov & Hutter, 2017, no
    restarts); `floor` is η_min as a fraction of η."""

    name = "cosine"

    def __init__(self, epochs: int, floor: float = 0.0):
        if not isinstance(epochs, int) or epochs < 1:
            raise ValidationError(f"cosine schedule needs epochs ≥ 1, got {epochs!r}")
        self.epochs, self.floor = epochs, _check_positive("floor", floor, allow_zero=True)

    def factor(self, epoch):
        progress = min(epoch, self.epochs) / self.epochs
        return self.floor + 0.5 * (1 - self.floor) * (1 + math.cos(math.pi * progress))

    def config(self):
        return {"name": self.name, "epochs": self.epochs, "floor": self.floor}


SCHEDULES = {"constant": Schedule, "step": StepDecay, "cosine": Cosine}


def get_schedule(name: str | Schedule | None, epochs: int = 1, **kwargs) -> Schedule:
    """A schedule by name: constant, step (÷10 every third of the run), cosine (to 0)."""
    if isinstance(name, Schedule):
        return name
    if name is None or name == "constant":
        return Schedule()
    if name == "step":
        kwargs.setdefault("step", max(1, epochs // 3))
        return StepDecay(**kwargs)
    if name == "cosine":
        return Cosine(kwargs.pop("epochs", epochs), **kwargs)
    raise ValidationError(f"unknown schedule {name!r}; valid schedules: {', '.join(SCHEDULES)}")


def schedule_from_config(config: dict) -> Schedule:
    config = dict(config)
    name = config.pop("name")
    return SCHEDULES[name](**config)
