"""glassnet export: a model for ONNX Runtime or PyTorch, with the same numbers.

glassnet export MODEL [--format onnx] [--out m.onnx]     an ONNX graph (opset 17)
glassnet export MODEL --format torch [--out DIR]         DIR/model.safetensors + model.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

from glassnet.cli.commands import _common as C
from glassnet.cli.status import ExitStatus

HELP = "export a model to ONNX (--format onnx) or PyTorch (--format torch), same numbers"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__.split("\n\n", 1)[1]
    parser.add_argument("model", metavar="MODEL", help="model file (.glassnet)")
    parser.add_argument(
        "--format",
        choices=("onnx", "torch"),
        default=None,
        help="onnx (default) or torch",
    )
    parser.add_argument(
        "--out",
        metavar="PATH",
        help="the .onnx file, or the folder for torch (default: beside MODEL, "
        "MODEL.onnx or MODEL-torch/)",
    )
    parser.add_argument(
        "--opset",
        type=C.positive_int,
        default=17,
        help="ONNX opset (default 17, the earliest allowed)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print only what was written")  # fmt: skip


def run(args) -> ExitStatus:
    from glassnet.interop import save_torch, to_onnx

    net = C.load_model(args.model)
    fmt = args.format or "onnx"
    out = Path(args.out) if args.out else _default_out(Path(args.model), fmt)
    if fmt == "onnx":
        model = to_onnx(net, out, opset=args.opset)
        inputs = [_describe(v) for v in model.graph.input]
        outputs = [_describe(v) for v in model.graph.output]
        written = [str(out)]
    else:
        save_torch(net, out)
        inputs, outputs = [], ["output"]
        written = [str(out / "model.safetensors"), str(out / "model.py")]
    report = {
        "model": str(args.model),
        "format": fmt,
        "written": written,
        "inputs": inputs,
        "outputs": outputs,
    }
    if args.json:
        C.print_json(report)
    else:
        _print(report, net, out, args.quiet)
    return ExitStatus.SUCCESS


def _default_out(model: Path, fmt: str) -> Path:
    stem = model.with_suffix("") if model.suffix == ".glassnet" else model
    return Path(f"{stem}.onnx") if fmt == "onnx" else Path(f"{stem}-torch")


def _describe(value) -> str:
    """ "input uint8 (N, 784)" for an ONNX value."""
    from onnx import helper

    t = value.type.tensor_type
    dims = [d.dim_param or str(d.dim_value) for d in t.shape.dim]
    elem = helper.tensor_dtype_to_np_dtype(t.elem_type)
    return f"{value.name} {getattr(elem, 'name', elem)} ({', '.join(dims)})"


def _print(report: dict, net, out: Path, quiet: bool = False) -> None:
    if quiet:
        print("wrote " + ", ".join(report["written"]))
        return
    print(f"{report['model']}: {net!r}")
    print("wrote " + ", ".join(report["written"]))
    if report["format"] == "onnx":
        print("inputs:  " + "; ".join(report["inputs"]))
        print("outputs: " + "; ".join(report["outputs"]) + "  (output = net.forward)")
        print(f"run it: onnxruntime.InferenceSession('{out}').run(None, {{'input': X}})")
    else:
        print(
            f"run it without glassnet: import sys; sys.path.insert(0, '{out}'); "
            "import model; net = model.load()"
        )
