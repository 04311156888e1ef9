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
    metadata_checksum  SHA-256 over every other entry (so over the tensors too); files written
                    before it (glassnet ≤ 0.1 of issue 15) load on the tensor checksum alone
    trainer         (checkpoints only) JSON state of the interrupted run

Files are written completely or not at all (glassnet._files.atomic_write). Reading checks the
header first (bounded size and depth, a tensor table that accounts for every byte), then the
checksums, then the schema (glassnet.models.schema, the card's own rules) before building.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
from pathlib import Path

import numpy as np

from glassnet._files import atomic_write
from glassnet.card import ModelCard
from glassnet.errors import ModelFileError, ValidationError
from glassnet.models import schema
from glassnet.nn.layers import LAYER_TYPES
from glassnet.nn.network import Network

FORMAT = "glassnet"
FORMAT_VERSION = "1"
MAX_HEADER = 100 * 1024 * 1024
METADATA_CHECKSUM = "metadata_checksum"
METADATA_KEYS = ("format", "format_version", "architecture", "network", "checksum", "trainer",
                 METADATA_CHECKSUM)  # fmt: skip


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
    _check_card(net, card, path)
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
    metadata[METADATA_CHECKSUM] = metadata_checksum(metadata)
    path = Path(path)
    if str(path.parent) and not path.parent.exists():
        raise ModelFileError(f"cannot write {path}: folder {path.parent} does not exist; create it")
    return atomic_write(path, st_save(tensors, metadata=metadata))


def _check_card(net: Network, card: dict, path) -> None:
    """Refuse to write a card the reader would refuse (a file nobody could load)."""
    try:
        ModelCard.from_dict(card).check_against(net.n_in, net.n_out)
    except ValidationError as exc:
        raise ValidationError(f"cannot save {path}: {exc}; fix net.card first") from None


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


def metadata_checksum(metadata: dict[str, str]) -> str:
    """SHA-256 over every other metadata entry, the tensors' checksum among them: with it one
    changed byte anywhere in the file (labels, feature names, architecture, weights) shows."""
    entries = {k: v for k, v in metadata.items() if k != METADATA_CHECKSUM}
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------- reading


def read_model_file(path, verify: bool = True) -> tuple[dict, dict[str, np.ndarray]]:
    """(string metadata, tensors) of a glassnet file. The header is read first and bounded
    (MAX_HEADER bytes, MAX_DEPTH levels of JSON), its tensor table must account for every
    byte of the file, and the checksums must hold, before the tensors are read. verify=False
    leaves the header's checksum to the caller (load_checkpoint checks it after the schema,
    whose messages say more)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file; give the .glassnet file")
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist; check the path or train one first")
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            length = _header_length(path, handle, size)
            prefix = struct.pack("<Q", length) + handle.read(length)
            metadata = _header_metadata(path, prefix, size, verify)
            data = prefix + handle.read()
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc.strerror}") from None
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


def _header_length(path: Path, handle, size: int) -> int:
    """The header's length from the file's first 8 bytes, within MAX_HEADER and the file."""
    not_ours = f"{path} is not a glassnet model file"
    if size < 8:
        raise ModelFileError(f"{not_ours} (it is only {size} bytes); check the path")
    (length,) = struct.unpack("<Q", handle.read(8))
    starts_like_json = handle.read(1) == b"{"
    handle.seek(8)
    if length < 2 or length > MAX_HEADER or not starts_like_json:
        raise ModelFileError(f"{not_ours} (no safetensors header); check the path")
    if length > size - 8:
        raise ModelFileError(f"{path} is truncated; re-save or re-train the model")
    return length


def _header_metadata(path: Path, prefix: bytes, size: int, verify: bool) -> dict:
    """The checked string metadata of a file whose header (with its length) is `prefix`."""
    not_ours = f"{path} is not a glassnet model file"
    length = len(prefix) - 8
    header = _parse_json(path, prefix[8 : 8 + length], "header", not_ours)
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        metadata = {}
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"{not_ours} (a safetensors file from another program)")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has glassnet format version {metadata.get('format_version')!r}; this "
            f"glassnet reads version {FORMAT_VERSION}: upgrade glassnet"
        )
    _check_tensor_table(path, header, size - 8 - length)
    _check_metadata_keys(path, metadata)
    if verify:
        check_metadata_checksum(path, metadata)
    return metadata


def _parse_json(path: Path, text: bytes | str, entry: str, problem: str | None = None):
    """JSON of at most MAX_DEPTH levels (deeper JSON is refused, never a RecursionError)."""
    too_deep = f"{path}: its {entry} is nested more than {schema.MAX_DEPTH} levels deep"
    try:
        value = json.loads(text)
    except RecursionError:
        raise ModelFileError(f"{too_deep}; {schema.FIX}") from None
    except (ValueError, UnicodeDecodeError):
        what = problem or f"{path} is not a valid glassnet model: its {entry} is not JSON"
        raise ModelFileError(f"{what}; {schema.FIX}") from None
    if schema.depth(value) > schema.MAX_DEPTH:
        raise ModelFileError(f"{too_deep}; {schema.FIX}")
    return value


DTYPE_SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
               "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1}  # fmt: skip


def _check_tensor_table(path: Path, header: dict, data_size: int) -> None:
    """The tensors' dtypes, shapes and byte ranges fill the rest of the file exactly."""
    spans = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        ok = isinstance(entry, dict) and entry.get("dtype") in DTYPE_SIZES
        shape, offsets = (entry.get("shape"), entry.get("data_offsets")) if ok else (None, None)
        ok = ok and isinstance(shape, list) and all(schema.is_int(n) for n in shape)
        ok = ok and isinstance(offsets, list) and len(offsets) == 2
        ok = ok and all(schema.is_int(n) for n in offsets)
        if not ok or offsets[1] - offsets[0] != DTYPE_SIZES[entry["dtype"]] * math.prod(shape):
            raise ModelFileError(f"{path} is damaged (tensor {name}); {schema.FIX}")
        spans.append(tuple(offsets))
    end = 0
    for start, stop in sorted(spans):
        if start != end:
            raise ModelFileError(f"{path} is damaged (its tensors overlap); {schema.FIX}")
        end = stop
    if end != data_size:
        problem = "is truncated" if end > data_size else "has bytes after its tensors"
        raise ModelFileError(f"{path} {problem}; {schema.FIX}")


def _check_metadata_keys(path: Path, metadata: dict) -> None:
    unknown = set(metadata) - set(METADATA_KEYS)
    if unknown:
        raise ModelFileError(
            f"{path} has unknown entries {sorted(unknown)}: damaged, or written by a newer "
            "glassnet (upgrade glassnet)"
        )


def check_metadata_checksum(path, metadata: dict) -> None:
    """ModelFileError unless the header's checksum (when the file has one) holds."""
    if METADATA_CHECKSUM in metadata and metadata_checksum(metadata) != metadata[METADATA_CHECKSUM]:
        raise ModelFileError(
            f"{path} failed its checksum: its header (labels, feature names, architecture) was "
            "changed after saving or the file is damaged; use an intact copy or re-train"
        )


def load(path) -> Network:
    """Read a model written by `Network.save` (or a checkpoint) and return the Network."""
    return load_checkpoint(path)[0]


def load_checkpoint(path) -> tuple[Network, dict | None, dict[str, np.ndarray]]:
    """(network, trainer state or None, trainer arrays) from a model or checkpoint file, every
    entry checked against glassnet.models.schema before a layer is built."""
    metadata, tensors = read_model_file(path, verify=False)
    for key in ("architecture", "network"):
        if key not in metadata:
            raise schema.fail(path, f"the {key} entry is missing")
    spec = _parse_json(path, metadata["architecture"], "architecture")
    spec = schema.check_architecture(path, spec)
    info = schema.check_network(path, _parse_json(path, metadata["network"], "network"))
    schema.check_tensors(path, spec, info["dtype"], tensors)
    try:
        layers = [LAYER_TYPES[entry["type"]](**entry["config"]) for entry in spec]
        for i, layer in enumerate(layers):
            prefix = f"layers.{i}."
            layer.set_arrays(
                {k.removeprefix(prefix): v for k, v in tensors.items() if k.startswith(prefix)}
            )
        net = Network(layers, seed=info.get("seed"), dtype=info["dtype"])
        net.card = ModelCard.from_dict(info.get("card") or info.get("metadata") or {})
        net.card.check_against(net.n_in, net.n_out)
        net.task = info.get("task") or net.task
    except (KeyError, TypeError, ValueError) as exc:
        raise schema.fail(path, str(exc).rstrip(".")) from None
    check_metadata_checksum(path, metadata)
    trainer, trainer_arrays = (
        None,
        {k.removeprefix("trainer."): v for k, v in tensors.items() if k.startswith("trainer.")},
    )
    if "trainer" in metadata:
        trainer = _parse_json(path, metadata["trainer"], "trainer state")
        epochs = net.card.run.get("epochs") if isinstance(net.card.run, dict) else None
        params = [p for p, _ in net.parameters()]
        schema.check_trainer(path, trainer, epochs if schema.is_int(epochs) else None, params,
                             trainer_arrays)  # fmt: skip
    return net, trainer, trainer_arrays
