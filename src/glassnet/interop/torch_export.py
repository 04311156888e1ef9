"""glassnet → PyTorch: an nn.Sequential with the same weights and the same outputs.

    Standardize(mean, std) → Standardize (glassnet.interop.torch_layers)
    Dense(n_in → n_out)    → nn.Linear(n_in, n_out): weight = W (n_out, n_in), bias = b
    ReLU, LeakyReLU(α), Sigmoid, Tanh, Identity, Softmax, Dropout(p)
                           → nn.ReLU(), nn.LeakyReLU(α), …, nn.Softmax(dim=1), nn.Dropout(p)

nn.Linear computes y = x Wᵀ + b with W (out_features, in_features): glassnet's own layout,
so every array is copied as it is. `save_torch` writes a folder that runs without glassnet:
model.safetensors (the state dict) and model.py, whose load() returns the module.
"""

from __future__ import annotations

import inspect
import json
import string
from pathlib import Path

import numpy as np

from glassnet import _version
from glassnet._files import atomic_write
from glassnet.errors import ValidationError
from glassnet.interop.common import card_metadata, need
from glassnet.models.files import architecture
from glassnet.nn.layers import (
    Dense,
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

# glassnet layer → the nn module that computes the same function (its source text in model.py)
MODULES = {ReLU: "ReLU", Sigmoid: "Sigmoid", Tanh: "Tanh", Identity: "Identity"}


def to_torch(net: Network):
    """A torch.nn.Sequential (eval mode, the network's dtype) that computes `net.forward`."""
    torch = need("torch", "PyTorch export")
    from glassnet.interop.torch_layers import Standardize as TorchStandardize

    nn = torch.nn
    dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    modules = []
    for layer in net.layers:
        if isinstance(layer, Standardize):
            module = TorchStandardize(_tensor(torch, layer.mean), _tensor(torch, layer.std))
        elif isinstance(layer, Dense):
            module = nn.Linear(layer.n_in, layer.n_out, dtype=dtype)
            with torch.no_grad():
                module.weight.copy_(_tensor(torch, layer.W))
                module.bias.copy_(_tensor(torch, layer.b))
        else:
            module = _activation(nn, layer)
        modules.append(module)
    return nn.Sequential(*modules).to(dtype).eval()


def _tensor(torch, array: np.ndarray):
    return torch.from_numpy(np.array(array))  # a copy: the module never shares glassnet's memory


def _activation(nn, layer):
    """The nn module that computes the activation (or dropout) `layer`."""
    if isinstance(layer, LeakyReLU):
        return nn.LeakyReLU(layer.alpha)
    if isinstance(layer, Softmax):
        return nn.Softmax(dim=1)
    if isinstance(layer, Dropout):
        return nn.Dropout(layer.p)
    return getattr(nn, MODULES[type(layer)])()


def _module_source(layer) -> str:
    """The Python expression of the nn module that computes `layer` (as written in model.py)."""
    if type(layer) in MODULES:
        return f"nn.{MODULES[type(layer)]}()"
    if isinstance(layer, LeakyReLU):
        return f"nn.LeakyReLU({layer.alpha!r})"
    if isinstance(layer, Softmax):
        return "nn.Softmax(dim=1)"
    if isinstance(layer, Dropout):
        return f"nn.Dropout({layer.p!r})"
    raise ValidationError(f"{layer!r} has no PyTorch counterpart here")


# ---------------------------------------------------------------- a folder for PyTorch alone


def save_torch(net: Network, folder) -> Path:
    """Write model.safetensors (the state dict, with the card in its metadata) and model.py
    (whose load() returns the nn.Sequential) into `folder`, created if missing; returns it."""
    need("torch", "PyTorch export")
    from safetensors.torch import save as st_save

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValidationError(f"{folder} is a file; give a folder for the PyTorch export")
    if not folder.parent.is_dir():
        raise ValidationError(f"cannot create {folder}: {folder.parent} does not exist")
    folder.mkdir(exist_ok=True)
    module = to_torch(net)
    state = {name: t.contiguous() for name, t in module.state_dict().items()}
    metadata = {
        "format": "pt",
        "glassnet_architecture": json.dumps(architecture(net)),
        **card_metadata(net),
    }
    atomic_write(folder / "model.safetensors", st_save(state, metadata=metadata))
    atomic_write(folder / "model.py", model_py(net))
    return folder


def model_py(net: Network) -> str:
    """The text of model.py: the architecture as an nn.Sequential, and load()."""
    from glassnet.interop.torch_layers import Standardize as TorchStandardize

    dtype = "torch.float64" if net.dtype == np.float64 else "torch.float32"
    lines = [f"        {_build_line(layer)}" for layer in net.layers]
    card = net.card
    facts = [f"task: {net.task}"]
    if card.classes is not None:
        facts.append(f"classes (output k is class CLASSES[k]): {_short(card.classes)}")
    if card.feature_names:
        facts.append(f"features, in input order: {_short(card.feature_names)}")
    if card.target_scale is not None:
        facts.append(f"outputs are standardised targets: {card.target_scale}")
    return TEMPLATE.substitute(
        architecture=repr(net),
        version=_version.__version__,
        facts="\n".join(facts),
        classes=repr(card.classes),
        feature_names=repr(card.feature_names),
        standardize=inspect.getsource(TorchStandardize),
        layers="\n".join(lines),
        dtype=dtype,
        raw="uint8 pixels" if card.image_shape else f"{net.n_in} numbers per row",
    )


def _build_line(layer) -> str:
    """The line of build() that makes `layer`'s module (the weights come from the file)."""
    if isinstance(layer, Standardize):
        if layer.mean.ndim == 0 and layer.std.ndim == 0:
            return f"Standardize({float(layer.mean)!r}, {float(layer.std)!r}),"
        mean, std = _placeholder(layer.mean, "zeros"), _placeholder(layer.std, "ones")
        return f"Standardize({mean}, {std}),  # values: model.safetensors"
    if isinstance(layer, Dense):
        return f"nn.Linear({layer.n_in}, {layer.n_out}),"
    return _module_source(layer) + ","


def _placeholder(array: np.ndarray, fill: str) -> str:
    """torch.zeros(n) for a vector, torch.tensor(0.0) for a scalar: the buffer's shape."""
    if array.ndim == 0:
        return f"torch.tensor({0.0 if fill == 'zeros' else 1.0})"
    return f"torch.{fill}({array.shape[0]})"


def _short(values: list) -> str:
    shown = ", ".join(map(str, values[:12]))
    return shown + (f", … ({len(values)} in all)" if len(values) > 12 else "")


TEMPLATE = string.Template('''\
"""A glassnet model for PyTorch, exported by glassnet $version:
$architecture

    import torch, model
    net = model.load()                      # a torch.nn.Sequential in eval mode
    output = net(torch.as_tensor(x))        # x: (N, …) raw input, $raw

The output is what glassnet's net.forward returns for the same input (logits for a softmax
cross-entropy model). Needs torch and safetensors only, not glassnet.
$facts
"""

from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn

WEIGHTS = Path(__file__).resolve().parent / "model.safetensors"
CLASSES = $classes
FEATURE_NAMES = $feature_names


$standardize

def build() -> nn.Sequential:
    """The architecture, with placeholder weights (load() puts the trained ones in)."""
    return nn.Sequential(
$layers
    ).to($dtype)


def load(path=WEIGHTS) -> nn.Sequential:
    """The model with the weights of model.safetensors, in eval mode."""
    model = build()
    model.load_state_dict(load_file(path))
    return model.eval()
''')
