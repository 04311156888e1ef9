"""PyTorch → glassnet: an nn.Sequential of Linear layers and activations as a Network.

    nn.Linear(n_in, n_out)    → Dense(n_in → n_out): W = weight (n_out, n_in), b = bias (or 0)
    nn.ReLU, nn.LeakyReLU(α), nn.Sigmoid, nn.Tanh, nn.Identity, nn.Softmax(dim=1), nn.Dropout(p)
                              → the glassnet layer of the same name
    nn.Flatten() before the first Linear, and glassnet's own Standardize, are input handling.

Nested nn.Sequential stacks are read in order. A module with its own forward() cannot be read
(its order of operations is code), nor a layer glassnet has no counterpart for (Conv2d,
BatchNorm1d, LogSoftmax, …): one ValidationError names the module and what is supported.
"""

from __future__ import annotations

import numpy as np

from glassnet.card import ModelCard
from glassnet.errors import ValidationError
from glassnet.interop.common import build, cannot_represent, dense, float_dtype, need
from glassnet.nn.layers import (
    Dropout,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Standardize,
    Tanh,
)
from glassnet.nn.network import Network

SIMPLE = {"ReLU": ReLU, "Sigmoid": Sigmoid, "Tanh": Tanh, "Identity": Identity}


def from_torch(module, *, classes=None, feature_names=None) -> Network:
    """The Network that computes what the nn.Sequential `module` computes, with the same
    weights (float64 stays float64). `classes` labels the outputs of a classifier and
    `feature_names` the inputs; both go into the card."""
    torch = need("torch", "PyTorch import")
    if not isinstance(module, torch.nn.Sequential):
        raise ValidationError(
            f"from_torch takes an nn.Sequential, got {type(module).__name__}; a module with its "
            "own forward() is code glassnet cannot read: pass the nn.Sequential it calls, or "
            "rebuild it as one"
        )
    layers = []
    for name, child in _flatten(torch, module):
        layer = _layer(torch, name, child, seen_linear=any(layer_has_W(x) for x in layers))
        if layer is not None:
            layers.append(layer)
    card = ModelCard(
        classes=None if classes is None else list(classes),
        feature_names=None if feature_names is None else [str(n) for n in feature_names],
        training={"imported_from": f"PyTorch {type(module).__name__} (torch {torch.__version__})"},
    )
    weights = [_array(m.weight) for m in module.modules() if isinstance(m, torch.nn.Linear)]
    return build(layers, card, float_dtype(weights))


def layer_has_W(layer) -> bool:
    return hasattr(layer, "W")


def _flatten(torch, module, prefix=""):
    """(name, module) of every leaf, nested nn.Sequential stacks opened in order."""
    for name, child in module.named_children():
        if isinstance(child, torch.nn.Sequential):
            yield from _flatten(torch, child, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", child


def _layer(torch, name: str, child, seen_linear: bool):
    """The glassnet layer computing `child` (None for a Flatten that only reshapes)."""
    nn = torch.nn
    kind = type(child).__name__
    where = f"module {name} ({kind})"
    if isinstance(child, nn.Linear):
        bias = None if child.bias is None else _array(child.bias)
        return dense(_array(child.weight), bias)
    if isinstance(child, nn.LeakyReLU):
        return LeakyReLU(child.negative_slope)
    if isinstance(child, nn.Softmax):
        if child.dim not in (1, -1):
            why = f"over dim {child.dim}; glassnet's Softmax runs over the features"
            raise cannot_represent(where, "torch", why)
        return Softmax()
    if isinstance(child, nn.Dropout):
        return Dropout(child.p)
    if isinstance(child, nn.Flatten) and not seen_linear and child.start_dim == 1:
        return None
    if kind == "Standardize" and hasattr(child, "mean") and hasattr(child, "std"):
        if seen_linear:
            raise cannot_represent(where, "torch", "input scaling after a Linear layer")
        return Standardize(_array(child.mean), _array(child.std))
    if kind in SIMPLE and type(child).__module__.startswith("torch.nn"):
        return SIMPLE[kind]()
    raise cannot_represent(where, "torch", _hint(kind))


def _hint(kind: str) -> str:
    if kind.startswith("Conv"):
        return "a convolution"
    if kind == "LogSoftmax":
        return "use nn.Softmax, or end with the Linear layer: its outputs are the logits"
    if kind.startswith("BatchNorm"):
        return "fold it into the Linear layer before it"
    return ""


def _array(tensor) -> np.ndarray:
    """The tensor's values in NumPy, float16/bfloat16 widened to float32."""
    import torch

    t = tensor.detach().cpu()
    return (t if t.dtype == torch.float64 else t.float()).numpy().copy()
