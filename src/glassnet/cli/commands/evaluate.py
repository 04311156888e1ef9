"""glassnet evaluate: accuracy, cost, per-class precision and recall, confusion matrix."""

from __future__ import annotations

import argparse

from glassnet.cli.commands import _common as C
from glassnet.cli.status import ExitStatus
from glassnet.datasets import features

HELP = (
    "measure a saved model on data: accuracy, balanced accuracy, per-class precision/recall/"
    "F1, ROC-AUC, confusion; RMSE/MAE/R² for regression"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model file written by glassnet train")
    parser.add_argument(
        "data", metavar="DATA", nargs="?",
        help="built-in data set (its test split) or a .csv/.npy/.npz file (default: the data "
        "set the model learnt from)",
    )  # fmt: skip
    parser.add_argument(
        "--target", metavar="COL", help="label column (default: the one the model was trained on)"
    )
    C.add_split(parser)
    C.add_data_dir(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", "-q", action="store_true", help="no download progress")


def run(args) -> ExitStatus:
    from glassnet.errors import UsageError

    net = C.load_model(args.model)
    data = args.data or own_data(net, args.model)
    if args.target is not None and C.is_builtin(data):
        raise UsageError(f"--target names your file's label column; {data} has its own labels")
    rows = C.scored_rows(net, data, args.split, args.target, args.data_dir, args.quiet)
    X = features.check_features(net, rows.X, data)
    report = evaluate(net, X, rows.y)
    report.update(model=str(args.model), data=data, split=rows.split, rows=rows.description)
    if args.json:
        C.print_json(report)
    else:
        print_report(report)
    return ExitStatus.SUCCESS


def own_data(net, model) -> str:
    """The data set the model learnt from (_common.recorded_data); a usage error naming the
    fix when it records none or the file is gone."""
    from glassnet.errors import UsageError

    data, why = C.recorded_data(net)
    if data is None:
        raise UsageError(f"no DATA given, and {model} cannot stand in for it ({why}): give DATA")
    return data


def evaluate(net, X, y) -> dict:
    """Cost and accuracy (classifiers: per-class precision/recall and the confusion matrix;
    regression: RMSE, MAE and R² in the target's own units)."""
    from glassnet.train.evaluate import evaluate as core_evaluate

    loss = net.card.training.get("loss")
    if net.task == "regression":
        return _regression(net, X, y, loss, core_evaluate)
    scores = core_evaluate(net, X, y, loss=loss)
    report = {"accuracy": scores["accuracy"], "loss": scores["loss"], "n": scores["n"]}
    proba = net.predict_proba(X)
    report.update(confusion(net, proba.argmax(axis=1), y, proba))
    return report


def _r2(value) -> str:
    return "– (the target is constant)" if value is None else f"{value:.4f}"


def _regression(net, X, y, loss, core_evaluate) -> dict:
    import numpy as np

    from glassnet.train.metrics import regression

    y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
    scores = core_evaluate(net, X, y, loss=loss)  # the card scales y as in training
    report = {"accuracy": None, "loss": scores["loss"], "n": scores["n"]}
    report.update(regression(y, net.predict(X)))  # in the target's units (R² None: y constant)
    return report


def confusion(net, predicted, y, proba=None) -> dict:
    """Confusion matrix (rows: true class, columns: predicted), per-class precision, recall,
    F1 and support, balanced accuracy, and ROC-AUC for two classes (glassnet.lab.metrics)."""
    from glassnet.train.metrics import classification

    classes = net.card.classes or list(range(max(net.n_out, 2)))
    report = classification(y, predicted, len(classes), proba, classes)
    del report["accuracy"]  # the core evaluation's
    return report


def print_report(report: dict) -> None:

    console = C.console()
    console.print(f"{report['model']} on {report['rows']}", markup=False)
    if report["accuracy"] is None:
        console.print(f"cost {report['loss']:.6g}   RMSE {report['rmse']:.6g}   "
                      f"MAE {report['mae']:.6g}   R² {_r2(report['r2'])}")  # fmt: skip
        return
    auc = report.get("roc_auc")
    console.print(f"accuracy {C.fmt_pct(report['accuracy'])}   balanced accuracy "
                  f"{C.fmt_pct(report['balanced_accuracy'])}   cost {report['loss']:.4f}"
                  + ("" if auc is None else f"   ROC-AUC {auc:.4f}"))  # fmt: skip
    console.print(C.per_class_table(report["per_class"]))
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
