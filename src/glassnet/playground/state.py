"""A playground's settings: everything a page shows, as one object that travels in the URL.

    settings = Settings.from_query({"data": "moons", "hidden": "4,4", "act": "tanh"})
    settings.to_query()           # the same dict back, only the values that differ from the default

Every field is bounded (LIMITS): a classroom server takes settings from any browser, so a
network of 6 × 16 units, 1000 points and a learning rate of 10 is the most it will build.
A bad value is a ValidationError naming the field, the rule and the value.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from glassnet.errors import ValidationError
from glassnet.nn.layers import ACTIVATIONS, INITIALISERS
from glassnet.nn.losses import NAMES as COSTS

DATASETS = {  # name: what the page calls it
    "xor": "XOR, the four points",
    "xor-clusters": "XOR, Gaussian clusters",
    "circles": "circles",
    "moons": "moons",
    "spirals": "spirals",
    "blobs": "blobs with K classes",
    "regression-1d": "regression in 1-D",
    "regression-2d": "regression in 2-D",
    "upload": "your CSV file",
}
OPTIMIZERS = ("sgd", "momentum", "adam")
GD_FORMS = ("stochastic", "mini-batch", "batch")  # batch size 1, n, every sample
PANELS = ("data", "network", "training", "glassbox", "lessons")  # what `hide` can hide
SPEEDS = (1, 2, 5, 10, 25, 50, 100)  # updates per frame, the speed control's steps


@dataclass(frozen=True)
class Limits:
    """What one session may ask for."""

    layers: int = 6  # hidden layers
    units: int = 16  # units per hidden layer
    points: int = 1000  # samples in a generated or uploaded data set
    classes: int = 6  # blobs' K
    upload_bytes: int = 256 * 1024  # size of an uploaded CSV


LIMITS = Limits()


@dataclass(frozen=True)
class Settings:
    """One page's choices (the URL's query parameters have these names)."""

    data: str = "xor-clusters"
    noise: float = 0.15  # the generator's noise (standard deviation, or its share of a gap)
    train: int = 50  # percent of the points used for training; the rest is the test set
    points: int = 200
    classes: int = 3  # blobs only
    dataseed: int = 0  # the data set's seed; "regenerate" draws the next
    hidden: tuple[int, ...] = (4, 4)
    act: str = "tanh"
    cost: str = "binary_cross_entropy"
    init: str = "auto"
    opt: str = "sgd"
    lr: float = 0.1
    gd: str = "mini-batch"
    batch: int = 10  # n of mini-batch gradient descent
    l2: float = 0.0  # L2 weight decay λ
    seed: int = 0  # the weights' seed
    speed: int = 5  # updates per frame
    example: str = ""  # a worked example's name: its network, sample and data replace the rest
    hide: tuple[str, ...] = ()  # panels a lesson's URL hides

    def __post_init__(self) -> None:
        self.check()

    # ------------------------------------------------------------ the URL

    @classmethod
    def from_query(cls, query) -> Settings:
        """Settings from a URL's query parameters (strings); unknown names are ignored
        (the token, the weights); a value that cannot be read names its parameter."""
        values = {}
        for f in fields(cls):
            if f.name in query and query[f.name] != "":
                values[f.name] = _parse(f.name, query[f.name], getattr(cls, f.name))
        return cls(**values)

    def to_query(self) -> dict[str, str]:
        """The parameters that differ from the defaults, as strings."""
        default = Settings()
        query = {}
        for name, value in asdict(self).items():
            if value != getattr(default, name):
                query[name] = _format(value)
        return query

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def replace(self, **changes) -> Settings:
        return replace(self, **changes)

    # ------------------------------------------------------------ checks

    def check(self) -> None:
        """ValidationError for the first field outside its rule."""
        _one_of("data", self.data, DATASETS)
        _one_of("act", self.act, ACTIVATIONS)
        _one_of("cost", self.cost, COSTS)
        _one_of("init", self.init, INITIALISERS)
        _one_of("opt", self.opt, OPTIMIZERS)
        _one_of("gd", self.gd, GD_FORMS)
        _one_of("speed", self.speed, SPEEDS)
        for panel in self.hide:
            _one_of("hide", panel, PANELS)
        _between("noise", self.noise, 0.0, 2.0)
        _between("train", self.train, 10, 90)
        _between("points", self.points, 4, LIMITS.points)
        _between("classes", self.classes, 2, LIMITS.classes)
        _between("dataseed", self.dataseed, 0, 2**31 - 1)
        _between("seed", self.seed, 0, 2**31 - 1)
        _between("batch", self.batch, 1, LIMITS.points)
        _between("l2", self.l2, 0.0, 0.99)
        if not (isinstance(self.lr, (int, float)) and 0 < self.lr <= 10 and math.isfinite(self.lr)):
            raise ValidationError(f"lr must be a number in (0, 10], got {self.lr!r}")
        if len(self.hidden) > LIMITS.layers:
            raise ValidationError(
                f"at most {LIMITS.layers} hidden layers, got {len(self.hidden)}; remove a layer"
            )
        for width in self.hidden:
            if not isinstance(width, int) or not 1 <= width <= LIMITS.units:
                raise ValidationError(
                    f"hidden layers have 1 to {LIMITS.units} units, got {list(self.hidden)}"
                )
        if self.example:
            from glassnet.teach.worked import names

            _one_of("example", self.example, names())

    @property
    def batch_size(self) -> int | str:
        """The Trainer's batch_size for the chosen form of gradient descent."""
        return {"stochastic": 1, "mini-batch": self.batch, "batch": "full"}[self.gd]


def _parse(name: str, text: str, default):
    """One query value as the type of the field's default."""
    text = str(text)
    try:
        if isinstance(default, tuple):
            parts = [p for p in text.split(",") if p != ""]
            return tuple(int(p) for p in parts) if name == "hidden" else tuple(parts)
        if isinstance(default, bool):
            return text in ("1", "true", "yes")
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(text)
            return value
    except ValueError:
        kind = "whole numbers" if name == "hidden" else type(default).__name__
        raise ValidationError(f"URL parameter {name} must be {kind}, got {text!r}") from None
    return text


def _format(value) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _one_of(name: str, value, valid) -> None:
    if value not in valid:
        raise ValidationError(f"unknown {name} {value!r}; valid: {', '.join(map(str, valid))}")


def _between(name: str, value, low, high) -> None:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not low <= value <= high or (isinstance(low, int) and value != int(value)):
        raise ValidationError(f"{name} must be between {low} and {high}, got {value!r}")
