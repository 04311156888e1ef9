"""glassnet: neural networks in which nothing is hidden.

    import glassnet as gn
    net = gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(3, 1), gn.Sigmoid()], seed=0)
    history = net.fit(X, y, loss="binary_cross_entropy", optimizer=gn.Adam(0.05), epochs=200)

The core (layers, losses, network, optimizers, training, gradcheck) needs NumPy only.
"""

from glassnet.errors import (
    DataError,
    DivergenceError,
    DownloadError,
    GlassnetError,
    ModelFileError,
    ValidationError,
)
from glassnet.nn import losses, optimizers
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
from glassnet.nn.optimizers import SGD, Adam, AdamW, Cosine, StepDecay
from glassnet.teach.gradcheck import GradcheckResult, gradcheck

__version__ = "0.1.0"

# The training loop loads on first use, which keeps `import glassnet` close to NumPy's own
# import time. (gradcheck cannot: importing the submodule would replace the function.)
_LAZY = {
    "History": "train.trainer",
    "Trainer": "train.trainer",
    "evaluate": "train.trainer",
    "fit": "train.trainer",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


def load(path) -> Network:
    """Read a model file written by `Network.save` (safetensors + JSON, never pickle)."""
    from glassnet.models.files import load as _load

    return _load(path)


__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "Cosine",
    "DataError",
    "Dense",
    "DivergenceError",
    "DownloadError",
    "Dropout",
    "GlassnetError",
    "GradcheckResult",
    "History",
    "Identity",
    "LeakyReLU",
    "ModelFileError",
    "Network",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Standardize",
    "StepDecay",
    "Tanh",
    "Trainer",
    "ValidationError",
    "evaluate",
    "fit",
    "gradcheck",
    "load",
    "losses",
    "optimizers",
]
