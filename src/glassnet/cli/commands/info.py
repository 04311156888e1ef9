"""glassnet info: what a model file holds and how it was made."""

from __future__ import annotations

import argparse

import numpy as np

from glassnet.cli.commands import _common as C
from glassnet.cli.status import ExitStatus

HELP = "show a model's architecture, parameter count, training configuration and data source"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model (or checkpoint) file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="as on every command (this one prints no progress)")  # fmt: skip


def describe(net, path) -> dict:
    """Everything `info` shows, as JSON."""
    card = net.card
    layers = []
    for i, layer in enumerate(net.layers):
        params = sum(a.size for name, a in layer.arrays().items() if name in layer.params)
        layers.append({"index": i, "layer": repr(layer), "parameters": int(params)})
    return {
        "model": str(path),
        "architecture": repr(net),
        "layers": layers,
        "parameters": net.n_params,
        "n_inputs": net.n_in,
        "n_outputs": net.n_out,
        "dtype": net.dtype.name,
        "task": net.task,
        "classes": card.classes,
        "feature_names": card.feature_names,
        "target": card.target,
        "target_scale": card.to_dict()["target_scale"],
        "training": card.training or None,
        "recipe": card.run.get("recipe"),
        "hyperparameters": _hyperparameters(card.run),
        "data": {k: v for k, v in card.data.items() if k != "provenance"},
        "provenance": card.data.get("provenance"),
        "input_scaling": _scaling(net),
        "learnt_from": _learnt_from(card.learnt_from),
    }


def _learnt_from(record: dict) -> dict | None:
    """The card's record of the rows it learnt from, the held-out rows counted, not listed."""
    if not record:
        return None
    shown = {k: v for k, v in record.items() if k != "test_rows"}
    if "test_rows" in record:
        shown["n_test_rows"] = len(record["test_rows"])
    return shown


def _scaling(net) -> list[dict] | None:
    """A Standardize first layer's mean and std, per feature: x′ = (x − mean) / std."""
    from glassnet.nn.layers import Standardize

    first = net.layers[0] if net.layers else None
    if not isinstance(first, Standardize):
        return None
    n = net.n_in
    mean = np.broadcast_to(first.mean, (n,)) if first.mean.ndim == 0 else first.mean
    std = np.broadcast_to(first.std, (n,)) if first.std.ndim == 0 else first.std
    names = net.card.feature_names or [f"x{i + 1}" for i in range(n)]
    return [{"feature": str(f), "mean": float(m), "std": float(s)}
            for f, m, s in zip(names, mean, std, strict=True)]  # fmt: skip


def plural(n: int, word: str) -> str:
    """ "1 output", "3 outputs"."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def plain(value) -> str:
    """A setting as a person writes it: dicts as key value pairs, not Python reprs."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {plain(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, (list, tuple)):
        return ",".join(map(plain, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


SHOWN = (
    "hidden activation loss optimizer lr momentum weight_decay schedule batch_size epochs "
    "validation early_stopping patience dropout train_size seed dtype"
).split()


def _hyperparameters(run: dict) -> dict:
    """The settings `glassnet train` ran with (lr is the base rate, before any schedule)."""
    return {key: run[key] for key in SHOWN if run.get(key) is not None}


def run(args) -> ExitStatus:
    from glassnet.models.files import load_checkpoint

    net = C.load_model(args.model)
    info = describe(net, args.model)
    trainer = load_checkpoint(args.model)[1]
    if trainer is not None:
        info["checkpoint"] = {"epoch": trainer["epoch"], "batch": trainer["batch"]}
    if args.json:
        C.print_json(info)
        return ExitStatus.SUCCESS
    from rich.table import Table

    console = C.console()
    console.print(f"{info['model']}: {info['architecture']}", markup=False)
    console.print(
        f"{plural(info['parameters'], 'parameter')}, {plural(info['n_inputs'], 'input')} → "
        f"{plural(info['n_outputs'], 'output')}, {info['dtype']}, task {info['task']}"
    )
    table = Table(title="layers")
    for name in ("#", "layer", "parameters"):
        table.add_column(name, justify="right" if name != "layer" else "left")
    for row in info["layers"]:
        table.add_row(str(row["index"]), row["layer"], f"{row['parameters']:,}")
    console.print(table)
    _print_facts(console, info)
    return ExitStatus.SUCCESS


def _print_facts(console, info: dict) -> None:
    if info["classes"]:
        shown = ", ".join(map(str, info["classes"][:20]))
        console.print(f"classes ({len(info['classes'])}): {shown}", markup=False)
    if info["feature_names"]:
        names = info["feature_names"]
        more = f" … ({len(names)} in all)" if len(names) > 12 else ""
        console.print(f"features: {', '.join(map(str, names[:12]))}{more}", markup=False)
    if info["target"]:
        console.print(f"target: {info['target']}", markup=False)
    if info["training"]:
        console.print("training:", markup=False)
        for key, value in info["training"].items():
            console.print(f"  {key}: {plain(value)}", markup=False)
    if info["recipe"]:
        console.print(f"recipe: {info['recipe']}", markup=False)
    if info["hyperparameters"]:
        shown = ", ".join(f"{k} {plain(v)}" for k, v in info["hyperparameters"].items())
        console.print(f"hyperparameters: {shown}", markup=False)
    if info.get("checkpoint"):
        at = info["checkpoint"]
        console.print(f"checkpoint of an interrupted run after epoch {at['epoch']}, batch "
                      f"{at['batch']}: continue it with glassnet train --resume {info['model']}",
                      markup=False)  # fmt: skip
    if info["input_scaling"]:
        rows = info["input_scaling"]
        shown = ", ".join(f"{r['feature']} {r['mean']:.4g} ± {r['std']:.4g}" for r in rows[:8])
        more = f" … ({len(rows)} in all)" if len(rows) > 8 else ""
        console.print(f"input scaling x′ = (x − mean) / std, mean ± std: {shown}{more}",
                      markup=False)  # fmt: skip
    learnt = info["learnt_from"]
    if learnt and learnt.get("kind") == "file":
        n, held = learnt["rows"], learnt["n_test_rows"]
        if held:
            console.print(f"learnt from {n - held} of the file's {n} rows; {held} are held out "
                          "(evaluate scores them by default)", markup=False)  # fmt: skip
        else:
            console.print(f"learnt from all {n} rows of the file (none held out: the estimate "
                          "training printed is the validation split's)", markup=False)  # fmt: skip
    data = info["data"]
    if data:
        console.print(f"data: {data.get('name')}  path {data.get('path') or '(built-in)'}  "
                      f"SHA-256 {data.get('sha256')}", markup=False)  # fmt: skip
