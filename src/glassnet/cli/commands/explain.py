"""glassnet explain: every number of one forward and backward pass, for one sample.

glassnet explain --list
glassnet explain --example 1-1-1 [--format text|markdown|latex] [--lr 1]
glassnet explain MODEL --input 0.5,1.0 --target 1 [--lr 0.1] [--loss NAME]
glassnet explain --weights net.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from glassnet.cli.status import ExitStatus

HELP = "show every number of one forward and backward pass: values, Jacobians, gradients, update"

WEIGHTS_FORMAT = """\
--weights FILE.json describes a small network by hand:

  {
    "layers": [
      {"W": [[3, 4], [2, 3]], "b": [-2, -4], "activation": "sigmoid"},
      {"Wb": [[5, -5, -2]], "activation": "sigmoid"}
    ],
    "loss": "half_squared_error",
    "input": [1, 0],
    "target": 1,
    "lr": 1
  }

Each layer is a dense layer z = W a + b: give "W" (n_out rows of n_in numbers) and "b" (n_out
numbers, default zeros), or "Wb", the augmented [W | b] with the bias as the last column.
"activation" is sigmoid, tanh, relu, leaky_relu, identity, softmax or none. "bias": "subtract"
reads the layer as z = W a − b, as some documents write it (the trace then prints their b and
∂L/∂b). "loss" (default squared_error), "lr" (optional: one update and the cost after it) and
"form" ("plain" or "extra-one": the [x; 1] form, for ReLU hidden layers) are optional.
--input, --target, --lr and --loss on the command line override the file.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = WEIGHTS_FORMAT
    parser.add_argument("model", nargs="?", metavar="MODEL", help="a model file to explain")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--example", metavar="NAME", help="a built-in worked example")
    source.add_argument("--weights", metavar="FILE.json", help="a network given as JSON")
    source.add_argument("--list", action="store_true", help="list the built-in examples")
    parser.add_argument("--input", metavar="X1,X2,…", help="the sample, comma-separated")
    parser.add_argument(
        "--target", metavar="Y", help="its target: value(s), a class id, or a model's class name"
    )
    parser.add_argument("--lr", type=float, metavar="η", help="take one update step with this rate")
    parser.add_argument("--loss", metavar="NAME", help="the cost (default: the model's)")
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "latex"),
        default="text",
        help="text for a terminal (default), markdown or latex for a handout",
    )
    parser.add_argument(
        "--standalone",
        action="store_true",
        help="with --format latex: a complete document pdflatex compiles",
    )
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal")
    parser.add_argument(
        "--json", action="store_true", help="print the numbers (values, cost, gradients) as JSON"
    )
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="as on every command (this one prints no progress)")  # fmt: skip


def run(args) -> ExitStatus:
    from glassnet import teach as explain
    from glassnet.errors import UsageError
    from glassnet.teach import worked as examples
    from glassnet.teach.trace import SampleError

    if args.list:
        if any(v is not None for v in (args.model, args.input, args.target, args.lr, args.loss)):
            raise UsageError("--list takes no other options; run it alone")
        if args.json:
            from glassnet.cli.commands._common import print_json

            print_json([{"name": name, "description": examples.get(name).description}
                        for name in examples.names()])  # fmt: skip
            return ExitStatus.SUCCESS
        width = max(len(name) for name in examples.names())
        for name in examples.names():
            print(f"{name:<{width}}  {examples.get(name).description}")
        return ExitStatus.SUCCESS
    chosen = [s for s in (args.model, args.example, args.weights) if s is not None]
    if len(chosen) != 1:
        raise UsageError(
            "give one of MODEL, --example NAME or --weights FILE.json "
            f"(examples: {', '.join(examples.names())})"
        )
    _refuse_inapplicable(args)
    x = _numbers(args.input, "--input") if args.input is not None else None
    y = None
    if args.target is not None and not (args.model is not None and _is_class_name(args.target)):
        y = _numbers(args.target, "--target")
    try:
        shown = _explained(args, x, y)
    except SampleError as exc:  # a value of --input or --target that does not fit: usage
        if args.input is None and args.target is None:
            raise  # the sample came from the weights file: the file's fault
        raise UsageError(str(exc)) from None
    if args.json:
        from glassnet.cli.commands._common import print_json
        from glassnet.teach.export import as_dict

        print_json(as_dict(shown))
        return ExitStatus.SUCCESS
    text = explain.render(shown, args.format)
    if args.standalone:
        from glassnet.teach.render.latex import standalone

        text = standalone(text)
    if args.out:
        from glassnet.cli.commands._common import write_text

        write_text(args.out, text)
        print(f"wrote {args.out}")
    else:
        write(text)
    return ExitStatus.SUCCESS


def _refuse_inapplicable(args) -> None:
    """Options that cannot apply are refused, not ignored."""
    from glassnet.errors import UsageError

    if args.standalone and args.format != "latex":
        raise UsageError("--standalone makes a LaTeX document: add --format latex")
    if args.json and (args.format != "text" or args.standalone or args.out):
        raise UsageError("--json prints the numbers on stdout: drop --format, --standalone, --out")
    if args.example is not None and args.loss is not None:
        raise UsageError(f"--loss cannot change example {args.example}: its cost is the document's")


def write(text: str) -> None:
    """Print text; where the terminal's encoding cannot show the symbols (σ, ∂, ⎡ …), write
    UTF-8 bytes instead of failing."""
    import sys

    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))


def _numbers(text: str, flag: str):
    import numpy as np

    from glassnet.errors import UsageError

    try:
        values = [float(v) for v in text.replace(" ", "").split(",") if v != ""]
    except ValueError:
        raise UsageError(
            f"{flag} must be numbers separated by commas, e.g. 0.5,1.0; got {text!r}"
        ) from None
    if not values:
        raise UsageError(f"{flag} is empty; give numbers separated by commas")
    return np.array(values)


def _explained(args, x, y):
    """The trace of the chosen example, weights file or model on the sample."""
    from glassnet.teach import worked as examples

    if args.example is not None:
        return examples.get(args.example).worked(lr=args.lr, x=x, y=y)
    if args.weights is not None:
        return _from_json(args.weights, x, y, args.lr, args.loss)
    return _from_model(args.model, x, y if y is not None else args.target, args.lr, args.loss)


def _target(y):
    """A single number as a scalar (a value or a class id), several as a vector."""
    if y is None:
        return None
    if y.size == 1:
        v = float(y[0])
        return int(v) if v == int(v) else v
    return y


def _is_class_name(text: str) -> bool:
    """--target is not a list of numbers (then it may name one of a model's classes)."""
    try:
        [float(v) for v in text.replace(" ", "").split(",") if v != ""]
    except ValueError:
        return True
    return False


def _from_model(path, x, y, lr, loss):
    import numpy as np

    from glassnet import load
    from glassnet import teach as explain
    from glassnet.errors import UsageError
    from glassnet.nn.network import default_loss

    net = load(path)
    if isinstance(y, str):  # a class by its name, as the model's card lists them
        classes = [str(c) for c in net.card.classes or []]
        if y not in classes:
            raise UsageError(
                "--target must be numbers separated by commas, e.g. 0.5,1.0, or one of the "
                f"model's classes ({', '.join(classes) or 'it has none'}); got {y!r}"
            )
        y = np.array([classes.index(y)])
    if x is None or y is None:
        raise UsageError(
            f"explain MODEL needs a sample: --input with {net.n_in} comma-separated numbers "
            "and --target (a value, several values, or a class id)"
        )
    target = _target(y)
    loss = loss or net.card.training.get("loss") or default_loss(net, target)
    return explain.trace(net, x, target, loss, lr, title=f"explain {Path(path).name}")


def _from_json(path, x, y, lr, loss):
    import json

    from glassnet import teach as explain
    from glassnet.errors import ValidationError

    try:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
    except FileNotFoundError:
        raise ValidationError(f"weights file {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ValidationError(f"weights file {path} is not valid JSON: {exc}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("layers"), list):
        raise ValidationError(
            f'weights file {path} needs an object with a "layers" list; see glassnet explain -h'
        )
    net, signs = network_from_spec(spec["layers"])
    x = x if x is not None else spec.get("input")
    y = _target(y) if y is not None else spec.get("target")
    if x is None or y is None:
        raise ValidationError(
            f'{path} gives no sample: add "input" and "target", or use --input and --target'
        )
    lr = lr if lr is not None else spec.get("lr")
    loss = loss or spec.get("loss") or "squared_error"
    notation = {"bias_signs": signs} if any(s < 0 for s in signs) else None
    return explain.trace(net, x, y, loss, lr, form=spec.get("form", "plain"), notation=notation,
                         title=f"explain --weights {Path(path).name}")  # fmt: skip


def network_from_spec(layers: list) -> tuple:
    """(Network, bias signs) from the JSON layer list described in WEIGHTS_FORMAT."""
    import numpy as np

    from glassnet.errors import ValidationError
    from glassnet.nn.layers import ACTIVATIONS, Dense, Softmax
    from glassnet.nn.network import Network

    built, signs = [], []
    activations = dict(ACTIVATIONS, softmax=Softmax)
    for k, entry in enumerate(layers):
        if not isinstance(entry, dict):
            raise ValidationError(f"layer {k} must be an object with W and b, or Wb")
        try:
            if "Wb" in entry:
                Wb = np.array(entry["Wb"], dtype=float)
                Wb = Wb[None, :] if Wb.ndim == 1 else Wb
                W, b = Wb[:, :-1], Wb[:, -1]
            else:
                W = np.array(entry["W"], dtype=float)
                W = W[None, :] if W.ndim == 1 else W
                b = np.array(entry.get("b", np.zeros(len(W))), dtype=float).reshape(-1)
        except (KeyError, ValueError, TypeError) as exc:
            raise ValidationError(
                f'layer {k}: give "W" and "b" or "Wb" as lists of numbers ({exc})'
            ) from None
        if W.ndim != 2:
            raise ValidationError(f"layer {k}: W must be a matrix (a list of rows)")
        sign = -1 if entry.get("bias") == "subtract" else 1
        if entry.get("bias") not in (None, "add", "subtract"):
            raise ValidationError(f'layer {k}: "bias" must be "add" or "subtract"')
        built.append(Dense(W.shape[1], W.shape[0], W=W, b=sign * b))
        signs.append(sign)
        name = entry.get("activation") or "none"
        if name == "none":
            continue
        if name not in activations:
            raise ValidationError(
                f"layer {k}: unknown activation {name!r}; valid: "
                f"{', '.join(list(activations) + ['none'])}"
            )
        built.append(activations[name]())
    if not built:
        raise ValidationError('"layers" is empty; give at least one layer')
    return Network(built, dtype="float64"), signs
