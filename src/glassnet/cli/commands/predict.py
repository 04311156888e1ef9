"""glassnet predict: predictions with the original class labels, as CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from glassnet.cli.commands import _common as C
from glassnet.cli.status import ExitStatus
from glassnet.datasets import features

HELP = "predict with a saved model: CSV/JSON of labels (and --proba), from files or images"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model file written by glassnet train")
    parser.add_argument("data", metavar="DATA", nargs="+",
                        help="a .csv/.npy/.npz file, a built-in data set, or image files "
                        "(PNG, JPEG) for an image model")  # fmt: skip
    parser.add_argument(
        "--out",
        "--output",
        "-o",
        dest="output",
        metavar="FILE",
        help="write here (.json for JSON, else CSV); default: CSV on stdout",
    )
    parser.add_argument("--proba", action="store_true", help="add a probability per class")
    parser.add_argument("--json", action="store_true", help="print the predictions as JSON")
    parser.add_argument("--quiet", "-q", action="store_true", help="no message on stderr")
    C.add_data_dir(parser)


def run(args) -> ExitStatus:
    from glassnet.errors import UsageError

    net = C.load_model(args.model)
    if args.proba and net.task == "regression":
        raise UsageError("--proba gives class probabilities; this model predicts numbers")
    if args.json and args.output:
        raise UsageError("--json prints on stdout; with --out, name the file .json instead")
    X, names = features.unlabelled_data(net, args.data, args.data_dir)
    rows = predictions(net, X, names, args.proba)
    if args.json:
        C.print_json(rows)
    elif args.output and Path(args.output).suffix.lower() == ".json":
        C.write_json(args.output, rows)
    else:
        text = to_csv(rows)
        if args.output:
            C.write_text(args.output, text)
        else:
            sys.stdout.write(text)
    if args.output and not args.quiet:
        count = f"{len(rows)} prediction{'s' if len(rows) != 1 else ''}"
        print(f"{count} written to {args.output}", file=sys.stderr)
    return ExitStatus.SUCCESS


def predictions(net, X, names, proba: bool) -> list[dict]:
    """One dict per sample: its name/row, the prediction (original label), probabilities."""
    import numpy as np

    if net.task == "regression":
        values = net.predict(X).astype(np.float64)  # in the target's units
        return [_row(name, "prediction", v) for name, v in zip(names, values, strict=True)]
    p = net.predict_proba(X)
    labels = net.card.decode(p.argmax(axis=1)).tolist()  # the original labels
    classes = net.card.classes or list(range(p.shape[1]))
    rows = []
    for name, label, probs in zip(names, labels, p, strict=True):
        row = {"input": name, "prediction": label}
        if proba:
            row.update({f"p_{c}": round(float(q), 6) for c, q in zip(classes, probs, strict=True)})
        rows.append(row)
    return rows


def _row(name, key, values) -> dict:
    values = [float(v) for v in values]
    if len(values) == 1:
        return {"input": name, key: values[0]}
    return {"input": name, **{f"{key}_{i}": v for i, v in enumerate(values)}}


def to_csv(rows: list[dict]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
