"""The strict schema of a model file: what its header may hold before anything is trusted.

A model file's JSON and tensors are checked here, after the integrity hashes and before any
layer is built (glassnet.models.files reads, this module judges):

    architecture   a list of 1 … MAX_LAYERS {"type", "config"} objects; each config has exactly
                   its layer's keys, of the right types and ranges (Dense n_in, n_out ≥ 1 and
                   ≤ MAX_WIDTH, an initialiser's name; LeakyReLU 0 ≤ α < 1; Dropout 0 ≤ p < 1);
                   consecutive Dense layers chain (n_out of one = n_in of the next)
    network        {"dtype": float32 | float64, "seed": integer ≥ 0 or null, "task", "card"}
    tensors        exactly layers.{i}.{name} for every parameter and buffer, of the network's
                   dtype, W (n_out, n_in), b (n_out,), Standardize mean and std () or (n_in,);
                   every value finite; std > 0
    trainer        (checkpoints) the Trainer.state() fields with their types and ranges, the
                   generator states NumPy accepts, optimizer slots shaped like their parameters

Every violation raises ModelFileError naming the file, the entry and the rule.
"""

from __future__ import annotations

import math

import numpy as np

from glassnet.errors import ModelFileError
from glassnet.nn.layers import INITIALISERS, LAYER_TYPES

MAX_LAYERS = 1_000
MAX_WIDTH = 10_000_000
MAX_DEPTH = 64  # JSON nesting of any header entry
DTYPES = ("float32", "float64")
FIX = "re-save or re-train the model"


def fail(path, what: str) -> ModelFileError:
    return ModelFileError(f"{path} is not a valid glassnet model: {what}; {FIX}")


def is_int(value, low: int = 0, high: int | None = None) -> bool:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
    return ok and (high is None or value <= high)


def is_number(value) -> bool:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return ok and math.isfinite(value)


def depth(value, limit: int = MAX_DEPTH) -> int:
    """The nesting depth of a parsed JSON value, counted up to limit + 1 at most."""
    if limit < 0 or not isinstance(value, (dict, list)):
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((depth(v, limit - 1) for v in items), default=0)


# ---------------------------------------------------------------- architecture

# Each layer's config keys: name → (rule, check).
CONFIG_RULES = {
    "Dense": {
        "n_in": (f"an integer in [1, {MAX_WIDTH}]", lambda v: is_int(v, 1, MAX_WIDTH)),
        "n_out": (f"an integer in [1, {MAX_WIDTH}]", lambda v: is_int(v, 1, MAX_WIDTH)),
        "init": (f"one of {', '.join(INITIALISERS)}", lambda v: v in INITIALISERS),
    },
    "LeakyReLU": {"alpha": ("a number in [0, 1)", lambda v: is_number(v) and 0 <= v < 1)},
    "Dropout": {"p": ("a number in [0, 1)", lambda v: is_number(v) and 0 <= v < 1)},
}


def check_architecture(path, spec) -> list[dict]:
    """The architecture entry, checked: a list of {"type", "config"} that chain."""
    if not isinstance(spec, list) or not 1 <= len(spec) <= MAX_LAYERS:
        raise fail(path, f"the architecture must be a list of 1 to {MAX_LAYERS} layers")
    for i, entry in enumerate(spec):
        check_layer(path, i, entry)
    dense = [entry["config"] for entry in spec if entry["type"] == "Dense"]
    for i, (a, b) in enumerate(zip(dense, dense[1:], strict=False)):
        if a["n_out"] != b["n_in"]:
            raise fail(path, f"Dense layer {i + 1} has {a['n_out']} outputs but the next takes "
                             f"{b['n_in']} inputs")  # fmt: skip
    return spec


def check_layer(path, i: int, entry) -> None:
    where = f"layer {i}"
    if not isinstance(entry, dict) or set(entry) != {"type", "config"}:
        raise fail(path, f'{where} must be an object with "type" and "config"')
    kind, config = entry["type"], entry["config"]
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise fail(path, f"{where} has an unknown layer type {kind!r} (valid types: "
                         f"{', '.join(LAYER_TYPES)})")  # fmt: skip
    rules = CONFIG_RULES.get(kind, {})
    if not isinstance(config, dict) or set(config) - set(rules):
        raise fail(path, f"{where} ({kind}) config must be an object with keys among "
                         f"{sorted(rules)}")  # fmt: skip
    if kind == "Dense" and set(config) != set(rules):
        raise fail(path, f"{where} (Dense) config needs n_in, n_out and init")
    for key, value in config.items():
        rule, ok = rules[key]
        if not ok(value):
            raise fail(path, f"{where} ({kind}) {key} must be {rule}, got {value!r}")


# ---------------------------------------------------------------- network entry


def check_network(path, info) -> dict:
    """The network entry: dtype, seed, task and the card (or the older "metadata")."""
    if not isinstance(info, dict):
        raise fail(path, "the network entry must be a JSON object")
    if info.get("dtype") not in DTYPES:
        raise fail(path, f"dtype must be one of {', '.join(DTYPES)}, got {info.get('dtype')!r}")
    seed = info.get("seed")
    if seed is not None and not is_int(seed):
        raise fail(path, f"seed must be an integer ≥ 0 or null, got {seed!r}")
    card = info.get("card", info.get("metadata", {}))
    if not isinstance(card, dict):
        raise fail(path, f"the model card must be a JSON object, got {type(card).__name__}")
    return info


# ---------------------------------------------------------------- tensors


def expected_shapes(spec: list[dict], tensors: dict[str, np.ndarray]) -> dict[str, tuple]:
    """Every tensor the architecture calls for, with its shape. Standardize's width is that
    of the Dense layer after it (or whatever its own tensors say when nothing follows)."""
    shapes: dict[str, tuple] = {}
    for i, entry in enumerate(spec):
        config = entry["config"]
        if entry["type"] == "Dense":
            shapes[f"layers.{i}.W"] = (config["n_out"], config["n_in"])
            shapes[f"layers.{i}.b"] = (config["n_out"],)
        elif entry["type"] == "Standardize":
            width = next((e["config"]["n_in"] for e in spec[i:] if e["type"] == "Dense"), None)
            for name in ("mean", "std"):
                given = np.shape(tensors.get(f"layers.{i}.{name}", ()))
                ok = given == () or (width is None and len(given) == 1)
                shapes[f"layers.{i}.{name}"] = given if ok else (width,)
    return shapes


def check_tensors(path, spec: list[dict], dtype: str, tensors: dict[str, np.ndarray]) -> None:
    """Names, shapes, dtype and values of the layers' tensors (trainer.* are checked with
    the trainer state)."""
    shapes = expected_shapes(spec, tensors)
    present = {k for k in tensors if k.startswith("layers.")}
    if present != set(shapes):
        missing, extra = sorted(set(shapes) - present), sorted(present - set(shapes))
        raise fail(path, f"tensors missing {missing or 'none'}, unexpected {extra or 'none'}")
    for name, shape in shapes.items():
        array = tensors[name]
        if array.dtype != np.dtype(dtype) or array.shape != shape:
            raise fail(path, f"tensor {name} is {array.dtype}{list(array.shape)}; the "
                             f"architecture needs {dtype}{list(shape)}")  # fmt: skip
        if not np.all(np.isfinite(array)):
            raise fail(path, f"tensor {name} holds NaN or infinite values")
        if name.endswith(".std") and not np.all(array > 0):
            raise fail(path, f"tensor {name} (a standard deviation) must be positive")
    for name in tensors.keys() - present:
        if not name.startswith("trainer."):
            raise fail(path, f"unexpected tensor {name}")


# ---------------------------------------------------------------- trainer state

TRAINER_RULES = {
    "epoch": ("an integer ≥ 0", is_int),
    "batch": ("an integer ≥ 0", is_int),
    "sums": ("a list of 3 numbers", lambda v: isinstance(v, list) and len(v) == 3
             and all(is_number(x) for x in v)),
    "seconds": ("a number ≥ 0", lambda v: is_number(v) and v >= 0),
    "epoch_rng_state": ("a generator state or null", lambda v: v is None or is_rng_state(v)),
    "rng_state": ("a generator state", lambda v: is_rng_state(v)),
    "optimizer_t": ("an integer ≥ 0", is_int),
    "base_lr": ("a positive number", lambda v: is_number(v) and v > 0),
    "history": ("an object", lambda v: isinstance(v, dict)),
    "best": ("null or [cost, epoch]", lambda v: v is None or (isinstance(v, list)
             and len(v) == 2 and is_number(v[0]) and is_int(v[1]))),
}  # fmt: skip


def is_rng_state(value) -> bool:
    """Whether NumPy's PCG64 (net.rng's generator) accepts this state."""
    if not isinstance(value, dict) or value.get("bit_generator") != "PCG64":
        return False
    try:
        np.random.PCG64().state = value
    except (TypeError, ValueError, KeyError, OverflowError):
        return False
    return True


def check_trainer(path, info, epochs: int | None, parameters: list[np.ndarray],
                  arrays: dict[str, np.ndarray]) -> None:  # fmt: skip
    """A checkpoint's trainer state against Trainer.state(), the run's epochs and the
    network's parameters (optimizer slots and best weights have their shapes)."""
    if not isinstance(info, dict):
        raise fail(path, "the trainer state must be a JSON object")
    for key, (rule, ok) in TRAINER_RULES.items():
        if key not in info or not ok(info[key]):
            raise fail(path, f"trainer state {key} must be {rule}, got {info.get(key)!r}")
    if epochs is not None and info["epoch"] > epochs:
        raise fail(path, f"trainer state epoch {info['epoch']} is past the run's {epochs}")
    for name, array in arrays.items():
        kind, _, rest = name.partition(".")
        index = rest.split(".")[0] if kind == "optimizer" else rest
        if kind not in ("optimizer", "best") or not index.isdigit():
            raise fail(path, f"unexpected trainer tensor trainer.{name}")
        i = int(index)
        if i >= len(parameters) or array.shape != parameters[i].shape:
            raise fail(path, f"trainer tensor trainer.{name} does not match parameter {i}")
        if not np.all(np.isfinite(array)):
            raise fail(path, f"trainer tensor trainer.{name} holds NaN or infinite values")
