"""What every border crossing shares: optional packages, the layers an MLP may hold, the card
as plain key/value metadata, and the one message for what glassnet cannot represent."""

from __future__ import annotations

import importlib
import json

import numpy as np

from glassnet.card import ModelCard
from glassnet.errors import GlassnetError, ValidationError
from glassnet.nn.layers import Dense, Layer, Standardize
from glassnet.nn.network import Network

# The pip extra that brings each optional package (pyproject.toml's optional-dependencies).
EXTRAS = {
    "onnx": "onnx",
    "onnxruntime": "onnx",
    "torch": "torch",
    "safetensors": "torch",
    "sklearn": "sklearn",
}
# What each importer reads, in the names of the format it reads.
SUPPORTED = {
    "onnx": "Gemm, or MatMul + Add; Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Identity, Dropout; "
    "and input scaling before the first Gemm/MatMul (Cast, Flatten, Sub, Div, Mul, Add), "
    "nodes of constants alone being computed first",
    "torch": "Linear; ReLU, LeakyReLU, Sigmoid, Tanh, Softmax(dim=1), Identity, Dropout; "
    "and Flatten or glassnet's Standardize before the first Linear",
}


def need(module: str, what: str):
    """The module `module` (e.g. "onnx"), or one line naming what to pip install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package = "scikit-learn" if module == "sklearn" else module
        raise GlassnetError(
            f"{what} needs {package}, which is not installed: "
            f"pip install 'glassnet[{EXTRAS[module]}]' (or pip install {package})"
        ) from None


def cannot_represent(where: str, kind: str, why: str = "") -> ValidationError:
    """The error for a piece of a foreign model (`where`: its node or module) that glassnet
    has no layer for; `kind` is "onnx" or "torch", for the list of what it can read."""
    reason = f" ({why})" if why else ""
    return ValidationError(
        f"{where} cannot be represented in glassnet{reason}; glassnet imports chains of "
        f"{SUPPORTED[kind]}"
    )


def dense(W: np.ndarray, b: np.ndarray | None) -> Dense:
    """A Dense layer holding W (n_out, n_in) and b (n_out,) exactly as given (a bias of one
    number, or of shape (1, n_out), is spread over the n_out units)."""
    n_out, n_in = W.shape
    if b is None:
        b = np.zeros(n_out, dtype=W.dtype)
    try:
        b = np.broadcast_to(b, (1, n_out)).reshape(n_out)
    except ValueError:
        raise ValidationError(
            f"a dense layer of {n_out} units has a bias of shape {np.shape(b)}; it needs "
            f"{n_out} numbers"
        ) from None
    return Dense(n_in, n_out, W=W, b=b)


def standardize(mean, std) -> Standardize:
    """Standardize(mean, std), a number spread over the features when the other is a vector
    (one shape for both, as glassnet's layer and its PyTorch twin expect)."""
    mean, std = np.broadcast_arrays(np.asarray(mean, dtype=float), np.asarray(std, dtype=float))
    return Standardize(mean.copy(), std.copy())


def float_dtype(arrays) -> str:
    """float64 when the foreign weights are float64, float32 otherwise (float16 widens)."""
    return "float64" if any(np.asarray(a).dtype == np.float64 for a in arrays) else "float32"


def build(layers: list[Layer], card: ModelCard, dtype: str) -> Network:
    """The Network of the imported layers, with its card (seed 0: no weights are drawn)."""
    if not any(isinstance(layer, Dense) for layer in layers):
        raise ValidationError("the model has no dense layer; glassnet imports MLPs")
    first_dense = next(i for i, layer in enumerate(layers) if isinstance(layer, Dense))
    for i, layer in enumerate(layers):
        if isinstance(layer, Standardize) and i > first_dense:
            raise ValidationError(
                f"input scaling after the first dense layer (layer {i}) cannot be represented "
                "in glassnet; scale the input before the first layer"
            )
    net = Network(layers, seed=0, dtype=dtype)
    net.card = card
    if card.task is None and card.classes is not None:  # labelled outputs: a classifier
        card.task = "binary" if net.n_out == 1 else "multiclass"
    return net


# ---------------------------------------------------------------- the card as metadata

CARD_KEY = "glassnet_card"


def card_metadata(net: Network) -> dict[str, str]:
    """String key/value pairs any reader understands (classes, feature names, task, …) and the
    whole model card as JSON under glassnet_card, for a lossless way back."""
    card = net.card.to_dict()
    card["task"] = net.task
    plain = {
        "task": net.task,
        "classes": card["classes"],
        "feature_names": card["feature_names"],
        "target": card["target"],
        "image_shape": card["image_shape"],
        "target_scale": card["target_scale"],
    }
    metadata = {k: v if isinstance(v, str) else json.dumps(v) for k, v in plain.items() if v}
    metadata[CARD_KEY] = json.dumps(card)
    return metadata


def card_from_metadata(metadata: dict[str, str], imported_from: str) -> ModelCard:
    """The card a file's metadata describes: glassnet's own, else the plain keys that other
    exporters may write (classes and feature_names as JSON lists or comma-separated)."""
    if CARD_KEY in metadata:
        try:
            card = ModelCard.from_dict(json.loads(metadata[CARD_KEY]))
        except ValueError as exc:  # bad JSON, or a card field of the wrong type
            raise ValidationError(f"the model's {CARD_KEY} metadata is not a card: {exc}") from None
    else:
        card = ModelCard(
            classes=_list(metadata.get("classes")),
            feature_names=_list(metadata.get("feature_names")),
        )
        if metadata.get("task") in ("multiclass", "binary", "regression"):
            card.task = metadata["task"]
    card.training = {**card.training, "imported_from": imported_from}
    return card


def _list(text: str | None) -> list | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = [part.strip() for part in text.split(",")]
    return value if isinstance(value, list) else None
