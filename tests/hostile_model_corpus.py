"""A fixed corpus of hostile model files and checkpoints (issue 15), and how each one is opened.

Every case starts from a good file, changes it the way a damaged disk, a buggy writer or a
hostile user would, and says what must happen: "error" (one GlassnetError, nothing trusted) or
"ok" (loads and predicts as the original). A "sealed" change recomputes every checksum the
format keeps, so the file reaches the schema checks: it tests what a writer with a bug (or an
attacker who recomputes hashes) could produce. A "raw" change edits bytes and recomputes
nothing, as a flipped bit on disk does.

    python tests/hostile_model_corpus.py   prints each case's outcome (the issue's before/after)

tests/models/test_hostile_model_files.py runs the same corpus as regression tests.
"""

from __future__ import annotations

import json
import shutil
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.errors import GlassnetError
from glassnet.models import files

FEATURES = ["age", "pay"]
CLASSES = ["cat", "dog", "eel"]


# ---------------------------------------------------------------- good files


def classifier() -> tuple[gn.Network, np.ndarray]:
    """A small trained classifier with a card (classes, feature names) and a Standardize."""
    net = gn.Network(
        [gn.Standardize([1.0, 2.0], [3.0, 4.0]), gn.Dense(2, 5), gn.LeakyReLU(0.1),
         gn.Dropout(0.2), gn.Dense(5, 3)],
        seed=0,
    )  # fmt: skip
    X = np.random.default_rng(0).normal(size=(30, 2))
    net.fit(X, (X[:, 0] > 0) + (X[:, 1] > 0.5), optimizer=gn.Adam(0.05), epochs=60)
    net.card.classes = list(CLASSES)
    net.card.feature_names = list(FEATURES)
    return net, X


def regressor() -> tuple[gn.Network, np.ndarray]:
    net = gn.Network([gn.Dense(2, 4), gn.Tanh(), gn.Dense(4, 1), gn.Identity()], seed=0)
    X = np.random.default_rng(1).normal(size=(20, 2))
    net.fit(X, X[:, :1] * 3.0, epochs=2)
    net.card.target_scale = gn.card.TargetScale((10.0,), (2.0,))
    return net, X


def checkpoint(folder: Path) -> Path:
    """A checkpoint of an interrupted gn.run (xor-clusters, stopped in epoch 2)."""
    stop = threading.Event()
    folder.mkdir(parents=True, exist_ok=True)

    def after_a_few(event):
        if event["event"] == "batch" and event["epoch"] == 2:
            stop.set()

    config = gn.RunConfig(data="xor-clusters", epochs=4, out=str(folder / "m.glassnet"))
    result = gn.run(config, callbacks=[after_a_few], stop=stop)
    assert result.interrupted and result.checkpoint is not None
    return result.checkpoint


# ---------------------------------------------------------------- file surgery


def header_of(data: bytes) -> dict:
    (size,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + size])


def parts(path: Path) -> tuple[dict, dict]:
    """(string metadata, tensors) of a file, read without any glassnet check."""
    from safetensors.numpy import load

    data = path.read_bytes()
    return dict(header_of(data)["__metadata__"]), dict(load(data))


def write(path: Path, metadata: dict, tensors: dict, seal: bool = True) -> Path:
    """Write a safetensors file; `seal` recomputes every checksum this glassnet keeps."""
    from safetensors.numpy import save

    if seal:
        metadata["checksum"] = files.checksum(tensors)
        if hasattr(files, "metadata_checksum"):
            metadata["metadata_checksum"] = files.metadata_checksum(metadata)
    path.write_bytes(save(tensors, metadata=metadata))
    return path


def edit_json(key: str, change: Callable[[object], object]):
    """A sealed change of one JSON metadata entry (architecture, network, trainer)."""

    def mutate(metadata: dict, tensors: dict) -> None:
        metadata[key] = json.dumps(change(json.loads(metadata[key])))

    return mutate


def edit_card(name: str, value):
    def change(network):
        network["card"][name] = value
        return network

    return edit_json("network", change)


def edit_layer(i: int, config: dict | None = None, type_: str | None = None):
    def change(spec):
        if config is not None:
            spec[i]["config"] = config
        if type_ is not None:
            spec[i]["type"] = type_
        return spec

    return edit_json("architecture", change)


def edit_tensor(name: str, change: Callable[[np.ndarray], np.ndarray | None]):
    def mutate(metadata: dict, tensors: dict) -> None:
        new = change(tensors[name].copy())
        if new is None:
            del tensors[name]
        else:
            tensors[name] = new

    return mutate


def nan_at(a):
    a.flat[0] = np.nan
    return a


def inf_at(a):
    a.flat[-1] = np.inf
    return a


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def raw_replace(old: bytes, new: bytes):
    def mutate(data: bytes) -> bytes:
        assert old in data, old
        return data.replace(old, new, 1)

    return mutate


def flip_header_byte(data: bytes) -> bytes:
    """Change "cat" to "cbt" in the card: a one-bit flip in the header's JSON."""
    return raw_replace(b'\\"cat\\"', b'\\"cbt\\"')(data)


def swap_features(data: bytes) -> bytes:
    """Swap the two feature names (same length): the columns would be fed crossed."""
    return raw_replace(b'[\\"age\\", \\"pay\\"]', b'[\\"pay\\", \\"age\\"]')(data)


# ---------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class Case:
    name: str
    expect: str  # "error" or "ok"
    base: str = "classifier"  # classifier, regressor, checkpoint, legacy
    sealed: Callable | None = None  # (metadata, tensors) -> None, then resealed
    raw: Callable | None = None  # bytes -> bytes, not resealed
    open: str = "load"  # load (gn.load) or resume (gn.run(resume=...))


def card_cases() -> list[Case]:
    return [
        Case("card: classes a string", "error", sealed=edit_card("classes", "catdog")),
        Case("card: 2 classes for 3 outputs", "error", sealed=edit_card("classes", ["a", "b"])),
        Case("card: duplicate classes", "error", sealed=edit_card("classes", ["a", "a", "b"])),
        Case("card: a class is an object", "error", sealed=edit_card("classes", [{}, "b", "c"])),
        Case("card: feature names numbers", "error", sealed=edit_card("feature_names", [1, 2])),
        Case("card: 3 feature names for 2 inputs", "error",
             sealed=edit_card("feature_names", ["a", "b", "c"])),
        Case("card: task 'clustering'", "error", sealed=edit_card("task", "clustering")),
        Case("card: task a number", "error", sealed=edit_card("task", 3)),
        Case("card: target a list of numbers", "error", sealed=edit_card("target", [1])),
        Case("card: image_shape negative", "error", sealed=edit_card("image_shape", [-1, -2])),
        Case("card: image_shape not matching inputs", "error",
             sealed=edit_card("image_shape", [28, 28])),
        Case("card: training a list", "error", sealed=edit_card("training", [])),
        Case("card: outputs.out a number", "error", sealed=edit_card("outputs", {"out": 5})),
        Case("card: a string", "error",
             sealed=edit_json("network", lambda n: {**n, "card": "yes"})),
        Case("card: target_scale std 0", "error", base="regressor",
             sealed=edit_card("target_scale", {"mean": [1.0], "std": [0.0]})),
        Case("card: target_scale std negative", "error", base="regressor",
             sealed=edit_card("target_scale", {"mean": [1.0], "std": [-2.0]})),
        Case("card: target_scale mean NaN", "error", base="regressor",
             sealed=edit_json("network", lambda n: {**n, "card": {**n["card"], "target_scale":
                                                                  {"mean": ["NaN"], "std": [1]}}})),
        Case("card: target_scale 2 outputs for 1", "error", base="regressor",
             sealed=edit_card("target_scale", {"mean": [1.0, 2.0], "std": [1.0, 1.0]})),
        Case("card: target_scale a list", "error", base="regressor",
             sealed=edit_card("target_scale", [1, 2])),
        Case("card: nested 200,000 deep", "error",
             sealed=lambda m, t: m.update(network=m["network"][:-1] +
                                          f', "extra": {nested(200_000)}}}')),
    ]  # fmt: skip


def architecture_cases() -> list[Case]:
    return [
        Case("architecture: an object, not a list", "error",
             sealed=edit_json("architecture", lambda a: {"layers": a})),
        Case("architecture: empty", "error", sealed=edit_json("architecture", lambda a: [])),
        Case("architecture: n_in a string", "error",
             sealed=edit_layer(1, {"n_in": "2", "n_out": 5, "init": "auto"})),
        Case("architecture: n_in negative", "error",
             sealed=edit_layer(1, {"n_in": -2, "n_out": 5, "init": "auto"})),
        Case("architecture: n_in true", "error",
             sealed=edit_layer(1, {"n_in": True, "n_out": 5, "init": "auto"})),
        Case("architecture: n_out 10^12", "error",
             sealed=edit_layer(1, {"n_in": 2, "n_out": 10**12, "init": "auto"})),
        Case("architecture: unknown config key", "error",
             sealed=edit_layer(1, {"n_in": 2, "n_out": 5, "init": "auto", "evil": 1})),
        Case("architecture: config missing", "error",
             sealed=edit_json("architecture", lambda a: [{"type": e["type"]} for e in a])),
        Case("architecture: entry a string", "error",
             sealed=edit_json("architecture", lambda a: ["Dense", *a[1:]])),
        Case("architecture: unknown layer type", "error", sealed=edit_layer(2, type_="Evil")),
        Case("architecture: LeakyReLU alpha 'x'", "error", sealed=edit_layer(2, {"alpha": "x"})),
        Case("architecture: Dropout p 2", "error", sealed=edit_layer(3, {"p": 2})),
        Case("architecture: Dense widths do not chain", "error",
             sealed=edit_layer(4, {"n_in": 4, "n_out": 3, "init": "auto"})),
        Case("architecture: 100,000 layers", "error",
             sealed=edit_json("architecture", lambda a: a + [{"type": "ReLU", "config": {}}]
                              * 100_000)),
        Case("network: an array", "error", sealed=edit_json("network", lambda n: [n])),
        Case("network: dtype float16", "error",
             sealed=edit_json("network", lambda n: {**n, "dtype": "float16"})),
        Case("network: dtype a number", "error",
             sealed=edit_json("network", lambda n: {**n, "dtype": 5})),
        Case("network: seed 'abc'", "error",
             sealed=edit_json("network", lambda n: {**n, "seed": "abc"})),
        Case("metadata: format_version 2", "error",
             sealed=lambda m, t: m.update(format_version="2")),
        Case("metadata: architecture not JSON", "error",
             sealed=lambda m, t: m.update(architecture="[{")),
        Case("metadata: architecture missing", "error", sealed=lambda m, t: m.pop("architecture")),
    ]  # fmt: skip


def tensor_cases() -> list[Case]:
    return [
        Case("tensor: W transposed", "error",
             sealed=edit_tensor("layers.1.W", lambda a: a.T.copy())),
        Case("tensor: b too short", "error", sealed=edit_tensor("layers.1.b", lambda a: a[:-1])),
        Case("tensor: W missing", "error", sealed=edit_tensor("layers.4.W", lambda a: None)),
        Case("tensor: an extra one", "error",
             sealed=lambda m, t: t.update({"layers.9.W": np.zeros((2, 2), np.float32)})),
        Case("tensor: W NaN", "error", sealed=edit_tensor("layers.1.W", nan_at)),
        Case("tensor: b inf", "error", sealed=edit_tensor("layers.4.b", inf_at)),
        Case("tensor: W int32", "error",
             sealed=edit_tensor("layers.1.W", lambda a: a.astype(np.int32))),
        Case("tensor: W float64 in a float32 network", "error",
             sealed=edit_tensor("layers.1.W", lambda a: a.astype(np.float64))),
        Case("tensor: Standardize std 0", "error",
             sealed=edit_tensor("layers.0.std", lambda a: a * 0)),
        Case("tensor: Standardize std negative", "error",
             sealed=edit_tensor("layers.0.std", lambda a: -a)),
        Case("tensor: Standardize mean NaN", "error", sealed=edit_tensor("layers.0.mean", nan_at)),
        Case("tensor: Standardize 3 features for 2 inputs", "error",
             sealed=edit_tensor("layers.0.std", lambda a: np.ones(3, a.dtype))),
    ]  # fmt: skip


def checkpoint_cases() -> list[Case]:
    def edit_trainer(change):
        return edit_json("trainer", change)

    def without(key):
        return lambda t: {k: v for k, v in t.items() if k != key}

    cases = [
        ("trainer: epoch missing", edit_trainer(without("epoch"))),
        ("trainer: history missing", edit_trainer(without("history"))),
        ("trainer: epoch a string", edit_trainer(lambda t: {**t, "epoch": "x"})),
        ("trainer: batch negative", edit_trainer(lambda t: {**t, "batch": -3})),
        ("trainer: epoch past the run's end", edit_trainer(lambda t: {**t, "epoch": 99})),
        ("trainer: rng state garbage", edit_trainer(lambda t: {**t, "rng_state": {"x": 1}})),
        ("trainer: sums a number", edit_trainer(lambda t: {**t, "sums": 3})),
        ("trainer: base_lr negative", edit_trainer(lambda t: {**t, "base_lr": -1})),
        ("trainer: an array", edit_trainer(lambda t: [t])),
        ("trainer: optimizer slot wrong shape",
         edit_tensor("trainer.optimizer.0.m", lambda a: np.zeros((7, 7), a.dtype))),
        ("trainer: optimizer slot missing", edit_tensor("trainer.optimizer.0.m", lambda a: None)),
        ("trainer: card.run settings damaged", edit_card("run", {"epochs": "many"})),
    ]  # fmt: skip
    return [Case(name, "error", base="checkpoint", sealed=c, open="resume") for name, c in cases]


def raw_cases() -> list[Case]:
    return [
        Case("raw: one header byte flipped (a class label)", "error", raw=flip_header_byte),
        Case("raw: feature names swapped", "error", raw=swap_features),
        Case("raw: one tensor byte flipped", "error",
             raw=lambda d: d[:-1] + bytes([d[-1] ^ 1])),
        Case("raw: header size 2^63", "error", raw=lambda d: struct.pack("<Q", 2**63) + d[8:]),
        Case("raw: header size 0", "error", raw=lambda d: struct.pack("<Q", 0) + d[8:]),
        Case("raw: header is a JSON list", "error",
             raw=lambda d: struct.pack("<Q", 2) + b"[]" + d[8:]),
        Case("raw: truncated in the tensors", "error", raw=lambda d: d[: len(d) - 7]),
        Case("raw: truncated in the header", "error", raw=lambda d: d[:40]),
        Case("raw: empty file", "error", raw=lambda d: b""),
        Case("raw: 4 KB of random bytes", "error",
             raw=lambda d: np.random.default_rng(0).bytes(4096)),
        Case("raw: trailing junk", "error", raw=lambda d: d + b"junk" * 10),
        Case("checkpoint: raw trainer byte flipped", "error", base="checkpoint",
             raw=raw_replace(b'\\"epoch\\": 1,', b'\\"epoch\\": 3,'), open="resume"),
    ]  # fmt: skip


def good_cases() -> list[Case]:
    return [
        Case("good: a classifier", "ok"),
        Case("good: a regressor", "ok", base="regressor"),
        Case("good: a file written before this change (format 1)", "ok", base="legacy"),
        Case("good: a checkpoint resumes", "ok", base="checkpoint", open="resume"),
        Case(
            "good: a card field from a newer glassnet",
            "ok",
            sealed=edit_card("from_the_future", {"rows": [1, 2]}),
        ),
    ]


def corpus() -> list[Case]:
    return [*card_cases(), *architecture_cases(), *tensor_cases(), *checkpoint_cases(),
            *raw_cases(), *good_cases()]  # fmt: skip


# ---------------------------------------------------------------- running a case

LEGACY = Path(__file__).parent / "models" / "data" / "legacy-format-1.glassnet"


def bases(folder: Path) -> dict[str, tuple[Path, object]]:
    """The good files every case starts from: name → (path, what it must predict)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for name, make in (("classifier", classifier), ("regressor", regressor)):
        net, X = make()
        made[name] = (net.save(folder / f"{name}.glassnet"), (X, net.predict(X)))
    made["checkpoint"] = (checkpoint(folder / "run"), None)
    X = np.random.default_rng(0).normal(size=(30, 2))
    expected = np.load(LEGACY.with_suffix(".predictions.npy")) if LEGACY.exists() else None
    made["legacy"] = (LEGACY, (X, expected))
    return made


def build(case: Case, made: dict, folder: Path) -> Path:
    source, _ = made[case.base]
    folder.mkdir(parents=True, exist_ok=True)
    if case.base == "checkpoint":
        run = folder / "run"
        shutil.copytree(source.parent, run, dirs_exist_ok=True)
        path = run / source.name
    else:
        path = folder / source.name
        shutil.copyfile(source, path)
    if case.sealed is not None:
        metadata, tensors = parts(path)
        case.sealed(metadata, tensors)
        write(path, metadata, tensors)
    if case.raw is not None:
        path.write_bytes(case.raw(path.read_bytes()))
    return path


def outcome(case: Case, path: Path, made: dict) -> str:
    """ "clear error", "accepted correctly", "accepted (silently wrong)" or "traceback: …"."""
    try:
        if case.open == "resume":
            gn.run(gn.RunConfig(resume=str(path)))
        else:
            net = gn.load(path)
            expected = made[case.base][1]
            if expected is not None and expected[1] is not None:
                X, y = expected
                if not np.array_equal(net.predict(X), y):
                    return "accepted (silently wrong)"
    except GlassnetError as exc:
        return "clear error" if "\n" not in str(exc) else "error of several lines"
    except RecursionError:
        return "traceback: RecursionError"
    except Exception as exc:  # noqa: BLE001 - what the corpus measures
        return f"traceback: {type(exc).__name__}"
    return "accepted correctly" if case.expect == "ok" else "accepted (should be refused)"


def passed(case: Case, result: str) -> bool:
    return result == ("clear error" if case.expect == "error" else "accepted correctly")


def main() -> None:
    import tempfile
    from collections import Counter

    with tempfile.TemporaryDirectory() as tmp:
        made = bases(Path(tmp) / "bases")
        counts: Counter = Counter()
        for i, case in enumerate(corpus()):
            result = outcome(case, build(case, made, Path(tmp) / str(i)), made)
            counts[result] += 1
            mark = "  " if passed(case, result) else "✗ "
            print(f"{mark}{case.name:<52} {result}")
        print(", ".join(f"{n} {kind}" for kind, n in counts.most_common()), file=sys.stderr)


if __name__ == "__main__":
    main()
