"""glassnet: neural networks in which nothing is hidden.

    import glassnet as gn
    net = gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(3, 1), gn.Sigmoid()], seed=0)
    history = net.fit(X, y, loss="binary_cross_entropy", optimizer=gn.Adam(0.05), epochs=200)
    result = gn.run(gn.RunConfig(data="moons", epochs=50))      # what `glassnet train` does

The package is cut by role (docs/ARCHITECTURE.md): nn (the mathematics), train (the fit loop),
fast (the compiled step, a plug-in of train), models (building, cards, files), datasets, runs
(a training run as a library call), teach, lab, viz and cli. `import glassnet` loads NumPy only.
"""

from glassnet import fast  # noqa: F401  (registers the compiled step with the trainer)
from glassnet._version import __version__  # noqa: F401  (glassnet.__version__)
from glassnet.card import ModelCard, TargetScale
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

# The training loop, runs, model files, the gradient check and the border crossings to ONNX,
# PyTorch and scikit-learn (glassnet.interop) load on first use.
_LAZY = {
    "BatchEnd": "glassnet.train.history",
    "EpochEnd": "glassnet.train.history",
    "History": "glassnet.train.history",
    "RunEnd": "glassnet.train.history",
    "Trainer": "glassnet.train.trainer",
    "fit": "glassnet.train.trainer",
    "evaluate": "glassnet.train.evaluate",
    "gradcheck": "glassnet.teach.gradcheck",
    "GradcheckResult": "glassnet.teach.gradcheck",
    "run": "glassnet.runs.run",
    "Run": "glassnet.runs.run",
    "RunConfig": "glassnet.runs.config",
    "load": "glassnet.models.files",
    "save": "glassnet.models.files",
    "to_onnx": "glassnet.interop",
    "from_onnx": "glassnet.interop",
    "to_torch": "glassnet.interop",
    "from_torch": "glassnet.interop",
    "from_sklearn": "glassnet.interop",
    "save_torch": "glassnet.interop",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "BatchEnd",
    "Cosine",
    "DataError",
    "Dense",
    "DivergenceError",
    "DownloadError",
    "Dropout",
    "EpochEnd",
    "GlassnetError",
    "GradcheckResult",
    "History",
    "Identity",
    "LeakyReLU",
    "ModelCard",
    "ModelFileError",
    "Network",
    "ReLU",
    "Run",
    "RunConfig",
    "RunEnd",
    "Sigmoid",
    "Softmax",
    "Standardize",
    "StepDecay",
    "Tanh",
    "TargetScale",
    "Trainer",
    "ValidationError",
    "evaluate",
    "fit",
    "from_onnx",
    "from_sklearn",
    "from_torch",
    "gradcheck",
    "load",
    "losses",
    "optimizers",
    "run",
    "save",
    "save_torch",
    "to_onnx",
    "to_torch",
]
