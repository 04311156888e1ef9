"""glassnet evaluate: accuracy, cost, per-class precision and recall, confusion matrix."""

from __future__ import annotations

import argparse

from glassnet.cli.commands import _common as C
from glassnet.cli.status import ExitStatus
from glassnet.datasets import features

HELP = "measure a saved model on data: accuracy, cost, per-class precision/recall, confusion"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model file written by glassnet train")
    parser.add_argument(
        "data", metavar="DATA", help="built-in data set (its test split) or a .csv/.npy/.npz file"
    )
    parser.add_argument(
        "--target", metavar="COL", help="label column (default: the one the model was trained on)"
    )
    C.add_split(parser)
    C.add_data_dir(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", "-q", action="store_true", help="no download progress")


def run(args) -> ExitStatus:
    from glassnet.errors import UsageError

    if args.target is not None and C.is_builtin(args.data):
        raise UsageError(f"--target names your file's label column; {args.data} has its own labels")
    net = C.load_model(args.model)
    rows = C.scored_rows(net, args.data, args.split, args.target, args.data_dir, args.quiet)
    X = features.check_features(net, rows.X, args.data)
    report = evaluate(net, X, rows.y)
    report.update(model=str(args.model), data=args.data, split=rows.split, rows=rows.description)
    if args.json:
        C.print_json(report)
    else:
        print_report(report)
    return ExitStatus.SUCCESS


def evaluate(net, X, y) -> dict:
    """Cost and accuracy (classifiers: per-class precision/recall and the confusion matrix;
    regression: RMSE, MAE and R² in the target's own units)."""
    from glassnet.train.evaluate import evaluate as core_evaluate

    loss = net.card.training.get("loss")
    if net.task == "regression":
        return _regression(net, X, y, loss, core_evaluate)
    scores = core_evaluate(net, X, y, loss=loss)
    report = {"accuracy": scores["accuracy"], "loss": scores["loss"], "n": scores["n"]}
    report.update(confusion(net, _class_ids(net, X), y))
    return report


def _class_ids(net, X):
    """The predicted class ids (not labels): argmax of the probabilities."""
    return net.predict_proba(X).argmax(axis=1)


def _regression(net, X, y, loss, core_evaluate) -> dict:
    import numpy as np

    y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
    scores = core_evaluate(net, X, y, loss=loss)  # the card scales y as in training
    y_hat = net.predict(X).astype(np.float64)  # in the target's units
    error = y_hat - y
    variance = float(np.var(y)) or 1.0
    return {
        "accuracy": None,
        "loss": scores["loss"],
        "n": scores["n"],
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mae": float(np.mean(np.abs(error))),
        "r2": 1.0 - float(np.mean(error**2)) / variance,
    }


def confusion(net, predicted, y) -> dict:
    """Confusion matrix (rows: true class, columns: predicted) and per-class scores."""
    from glassnet.lab.metrics import confusion_matrix

    classes = net.card.classes or list(range(max(net.n_out, 2)))
    matrix = confusion_matrix(y, predicted, len(classes))
    per_class = []
    for i, label in enumerate(classes):
        true_positive = int(matrix[i, i])
        predicted_i, actual_i = int(matrix[:, i].sum()), int(matrix[i].sum())
        per_class.append({
            "class": label,
            "precision": true_positive / predicted_i if predicted_i else None,
            "recall": true_positive / actual_i if actual_i else None,
            "support": actual_i,
        })  # fmt: skip
    return {"classes": classes, "per_class": per_class, "confusion_matrix": matrix.tolist()}


def print_report(report: dict) -> None:
    from rich.table import Table

    console = C.console()
    console.print(f"{report['model']} on {report['rows']}", markup=False)
    if report["accuracy"] is None:
        console.print(f"cost {report['loss']:.6g}   RMSE {report['rmse']:.6g}   "
                      f"MAE {report['mae']:.6g}   R² {report['r2']:.4f}")  # fmt: skip
        return
    console.print(f"accuracy {C.fmt_pct(report['accuracy'])}   cost {report['loss']:.4f}")
    table = Table(title="per class")
    for name in ("class", "precision", "recall", "support"):
        table.add_column(name, justify="left" if name == "class" else "right")
    for row in report["per_class"]:
        table.add_row(str(row["class"]), C.fmt_pct(row["precision"]), C.fmt_pct(row["recall"]),
                      str(row["support"]))  # fmt: skip
    console.print(table)
    if len(report["classes"]) <= 30:
        console.print(confusion_table(report))


def confusion_table(report: dict):
    from rich.table import Table

    table = Table(title="confusion matrix (rows: true class, columns: predicted)")
    table.add_column("true")
    for label in report["classes"]:
        table.add_column(str(label), justify="right")
    for label, row in zip(report["classes"], report["confusion_matrix"], strict=True):
        table.add_row(str(label), *(str(v) for v in row))
    return table
