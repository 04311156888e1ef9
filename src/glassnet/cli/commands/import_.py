"""glassnet import: an MLP from ONNX as a glassnet model, for every glassnet tool.

    glassnet import FILE.onnx [--out M.glassnet]

The graph may hold Gemm or MatMul + Add, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Identity,
Dropout and input scaling (Cast, Flatten, Sub/Div, Mul/Add) before the first layer; nodes of
constants alone (Constant, a Reciprocal of the std, a Transpose of weights) are computed
first. PyTorch modules and
scikit-learn estimators live in Python objects, not in files glassnet may open without running
code (pickles): convert them there with gn.from_torch(module).save("m.glassnet") or
gn.from_sklearn(estimator).save("m.glassnet").
"""

from __future__ import annotations

import argparse
from pathlib import Path

from glassnet.cli.commands import _common as C
from glassnet.cli.status import ExitStatus

HELP = "import an MLP from an ONNX file as a glassnet model (explain, gradcheck, … it)"
PICKLES = (".pt", ".pth", ".pkl", ".pickle", ".joblib", ".bin")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__.split("\n\n", 1)[1]
    parser.add_argument("file", metavar="FILE.onnx", help="an ONNX model of an MLP")
    parser.add_argument(
        "--out",
        metavar="M.glassnet",
        help="the glassnet model to write (default: FILE with .glassnet)",
    )
    parser.add_argument(
        "--classes",
        metavar="A,B,…",
        help="class labels of the outputs, when the file does not name them",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print only what was written, no hints")  # fmt: skip


def run(args) -> ExitStatus:
    from glassnet.errors import ValidationError
    from glassnet.interop import from_onnx
    from glassnet.models.files import save
    from glassnet.nn.layers import Identity

    source = Path(args.file)
    if source.suffix.lower() in PICKLES:
        raise ValidationError(
            f"{source} is a pickle, which glassnet does not open (loading it runs code); in "
            "Python use gn.from_torch(module) or gn.from_sklearn(estimator) and .save()"
        )
    net = from_onnx(source)
    if args.classes:
        _set_classes(net, args.classes)
    out = Path(args.out) if args.out else source.with_suffix(".glassnet")
    save(net, out)
    report = {
        "source": str(source),
        "written": str(out),
        "architecture": repr(net),
        "task": net.task,
        "classes": net.card.classes,
    }
    if args.json:
        C.print_json(report)
        return ExitStatus.SUCCESS
    print(f"{source} → {out}: {net!r}, task {net.task}")
    if args.quiet:
        return ExitStatus.SUCCESS
    if net.task == "regression" and not isinstance(net.layers[-1], Identity):
        print(
            "the graph ends in a linear layer, read as regression; for a classifier whose "
            "outputs are logits, import it again with --classes A,B,…"
        )
    print(
        f"next: glassnet info {out}; glassnet gradcheck {out}; glassnet explain {out} "
        f"--input … --target …"
    )
    return ExitStatus.SUCCESS


def _set_classes(net, text: str) -> None:
    from glassnet.errors import ValidationError

    labels = [label.strip() for label in text.split(",")]
    width = 2 if net.n_out == 1 else net.n_out
    if len(labels) != width or "" in labels:
        raise ValidationError(f"--classes needs {width} labels separated by commas, got {text!r}")
    net.card.classes = [int(x) if x.lstrip("-").isdigit() else x for x in labels]
    if net.task == "regression":  # a graph ending in a linear layer: its outputs are logits
        net.task = "multiclass" if net.n_out > 1 else "binary"
