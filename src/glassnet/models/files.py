"""Model files: arrays in safetensors, architecture and configuration as JSON. Never pickle.

A model file is one safetensors file. Its tensors are `layers.{i}.{name}` (and, in a
checkpoint, `trainer.*`); its string metadata holds

    format          "glassnet"
    format_version  "1"
    architecture    JSON list of {"type": layer class name, "config": constructor arguments}
    network         JSON: dtype, seed, task, card (glassnet.card.ModelCard: classes, target
                    scale, feature names, provenance, …; files before cards hold "metadata",
                    read as a card)
    checksum        SHA-256 over every tensor's name, dtype, shape and bytes
    trainer         (checkpoints only) JSON state of the interrupted run

Files are written completely or not at all (glassnet._files.atomic_write).
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import numpy as np

from glassnet._files import atomic_write
from glassnet.card import ModelCard
from glassnet.errors import ModelFileError
from glassnet.nn.layers import LAYER_TYPES, Layer
from glassnet.nn.network import Network

FORMAT = "glassnet"
FORMAT_VERSION = "1"
MAX_HEADER = 100 * 1024 * 1024


# ---------------------------------------------------------------- writing


def save(net: Network, path, trainer=None) -> Path:
    """Write `net` (and, for a checkpoint, the trainer's state) to `path` atomically."""
    from safetensors.numpy import save as st_save

    tensors = {
        f"layers.{i}.{name}": _contiguous(array)
        for i, layer in enumerate(net.layers)
        for name, array in layer.arrays().items()
    }
    card = net.card.to_dict()
    card["task"] = net.task
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": json.dumps(architecture(net)),
        "network": json.dumps(
            {"dtype": net.dtype.name, "seed": net.seed, "task": net.task, "card": card}
        ),
    }
    if trainer is not None:
        info, arrays = trainer.state()
        metadata["trainer"] = json.dumps(info)
        tensors.update({f"trainer.{k}": _contiguous(v) for k, v in arrays.items()})
    metadata["checksum"] = checksum(tensors)
    path = Path(path)
    if str(path.parent) and not path.parent.exists():
        raise ModelFileError(f"cannot write {path}: folder {path.parent} does not exist; create it")
    return atomic_write(path, st_save(tensors, metadata=metadata))


def _contiguous(array: np.ndarray) -> np.ndarray:
    """A C-contiguous array of the same shape (np.ascontiguousarray makes a 0-d array 1-d)."""
    return np.ascontiguousarray(array).reshape(np.shape(array))


def architecture(net: Network) -> list[dict]:
    return [{"type": type(layer).__name__, "config": layer.config()} for layer in net.layers]


def checksum(tensors: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tensors):
        array = tensors[name]
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(_contiguous(array).tobytes())
    return digest.hexdigest()


# ---------------------------------------------------------------- reading


def read_model_file(path) -> tuple[dict, dict[str, np.ndarray]]:
    """(string metadata, tensors) of a glassnet file, with every check a corrupt file fails."""
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file; give the .glassnet file")
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist; check the path or train one first")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc.strerror}") from None
    metadata = _header_metadata(path, data)
    try:
        tensors = st_load(data)
    except (SafetensorError, ValueError, OSError) as exc:
        raise ModelFileError(f"{path} is damaged ({exc}); re-save or re-train the model") from None
    if checksum(tensors) != metadata.get("checksum"):
        raise ModelFileError(
            f"{path} failed its checksum: the weights were changed after saving or the file is "
            "damaged; use an intact copy or re-train"
        )
    return metadata, tensors


def _header_metadata(path: Path, data: bytes) -> dict:
    not_ours = f"{path} is not a glassnet model file"
    if len(data) < 8:
        raise ModelFileError(f"{not_ours} (it is only {len(data)} bytes); check the path")
    (size,) = struct.unpack("<Q", data[:8])
    if size > min(MAX_HEADER, len(data) - 8):
        if size <= MAX_HEADER and data[8:9] == b"{":
            raise ModelFileError(f"{path} is truncated; re-save or re-train the model")
        raise ModelFileError(f"{not_ours} (no safetensors header); check the path")
    try:
        header = json.loads(data[8 : 8 + size])
        metadata = header.get("__metadata__") or {}
    except (ValueError, AttributeError):
        raise ModelFileError(f"{not_ours} (unreadable header); check the path") from None
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"{not_ours} (a safetensors file from another program)")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has glassnet format version {metadata.get('format_version')!r}; this "
            f"glassnet reads version {FORMAT_VERSION}: upgrade glassnet"
        )
    return metadata


def load(path) -> Network:
    """Read a model written by `Network.save` (or a checkpoint) and return the Network."""
    return load_checkpoint(path)[0]


def load_checkpoint(path) -> tuple[Network, dict | None, dict[str, np.ndarray]]:
    """(network, trainer state or None, trainer arrays) from a model or checkpoint file."""
    metadata, tensors = read_model_file(path)
    try:
        spec = json.loads(metadata["architecture"])
        info = json.loads(metadata["network"])
        layers = [_make_layer(entry) for entry in spec]
        for i, layer in enumerate(layers):
            prefix = f"layers.{i}."
            layer.set_arrays(
                {k.removeprefix(prefix): v for k, v in tensors.items() if k.startswith(prefix)}
            )
        net = Network(layers, seed=info.get("seed"), dtype=info["dtype"])
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(
            f"{path} has a glassnet header but its contents do not fit together ({exc}); "
            "re-save or re-train the model"
        ) from None
    try:
        net.card = ModelCard.from_dict(info.get("card") or info.get("metadata") or {})
        net.task = info.get("task") or net.task
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(
            f"{path} has a glassnet header but its model card does not fit ({exc}); "
            "re-save or re-train the model"
        ) from None
    trainer = json.loads(metadata["trainer"]) if "trainer" in metadata else None
    trainer_arrays = {
        k.removeprefix("trainer."): v for k, v in tensors.items() if k.startswith("trainer.")
    }
    return net, trainer, trainer_arrays


def _make_layer(entry: dict) -> Layer:
    kind = entry["type"]
    if kind not in LAYER_TYPES:
        raise ModelFileError(
            f"unknown layer type {kind!r} in the model file; valid types: {', '.join(LAYER_TYPES)}"
        )
    return LAYER_TYPES[kind](**entry["config"])
