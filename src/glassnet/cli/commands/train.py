"""glassnet train: parse the options into a RunConfig, call gn.run, print what it did."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from dataclasses import fields

from glassnet.cli.commands import _common as C
from glassnet.cli.status import ExitStatus
from glassnet.models.recipes import RECIPES
from glassnet.nn.layers import ACTIVATIONS, INITIALISERS
from glassnet.nn.losses import NAMES as LOSSES
from glassnet.nn.optimizers import OPTIMIZERS, SCHEDULES
from glassnet.runs.config import CLASS_WEIGHTS, DTYPES, IMPUTE, TASKS, RunConfig

HELP = "train a network on a built-in data set or your own CSV/.npy/.npz file"

EPILOG = """\
recipes (--recipe; chosen from the data when not given, every flag overrides one field):
  mnist         784-256-128-10 ReLU, Adam lr 0.004, cosine, batch 128, 3 epochs (default
                for the MNIST family)
  mnist-best    784-512-256-10 ReLU, Adam lr 0.003, cosine, batch 128, 10 epochs
  xor           2-8-1 tanh + sigmoid on the four XOR points, Adam 0.05, full batch
                (--hidden 3 gives the documents' 2-3-1, which stalls on some seeds)
  xor-clusters  2-3-1 ReLU + sigmoid (the default job, no DATA), Adam 0.05, batch 32
  2d            2-32-32-K ReLU for circles, moons, spirals, blobs, Adam 0.01, batch 32,
                300 epochs
  tabular       your files: hidden sizes and batch from the number of rows, Glorot init,
                AdamW λ 0.1 (0.3 under 1,000 rows), early stopping on the mean validation
                cost of 5 epochs, then a refit on every row for the best number of epochs.
                Under 1,000 rows the epochs come from 5-fold cross-validation (--folds 0: a
                10 % validation split instead), else from a 10 % validation split; the
                figure printed is that estimate (--test-fraction 0.2 holds 20 % out as a test)

examples:
  glassnet train                                   # 2-3-1 network on Gaussian-cluster XOR
  glassnet train mnist --out mnist.glassnet        # the digit classifier
  glassnet train my.csv --target label --out m.glassnet
  glassnet train shop.csv --target bought --categorical city,plan --impute median \
                 --class-weight balanced
  glassnet train mnist --train-size 1000 --validation 0.2 --epochs 50 --run-dir runs/overfit
  glassnet plot curves runs/overfit   # overfitting: validation cost parts from training cost
  glassnet train --resume model.glassnet.checkpoint   # after Ctrl-C, SIGTERM or SIGHUP
  glassnet train mnist --run-dir runs/long --checkpoint-every 1   # kill -9 loses ≤ 1 epoch
  glassnet train --resume runs/long                   # continue from the latest checkpoint
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument(
        "data",
        nargs="?",
        metavar="DATA",
        help="built-in data set (xor, xor-clusters, circles, moons, spirals, blobs, mnist, "
        "fashion-mnist, kmnist, emnist-digits, emnist-letters) or a .csv/.npy/.npz file "
        "(default: xor-clusters)",
    )
    parser.add_argument("--target", metavar="COL", help="label column of a CSV/.npy file")
    parser.add_argument("--recipe", choices=list(RECIPES), help="named recipe (see below)")
    parser.add_argument("--hidden", type=C.hidden_sizes, metavar="256,128",
                        help="hidden layer widths, comma-separated")  # fmt: skip
    parser.add_argument("--activation", choices=list(ACTIVATIONS), help="hidden activation")
    parser.add_argument("--loss", choices=list(LOSSES), help="cost (default: from the task)")
    parser.add_argument("--optimizer", choices=list(OPTIMIZERS))
    parser.add_argument("--lr", type=C.positive_float, help="learning rate η")
    parser.add_argument("--momentum", type=C.fraction, help="momentum μ for sgd/momentum")
    parser.add_argument("--weight-decay", type=C.fraction, metavar="λ", help="L2 weight decay")
    parser.add_argument("--schedule", choices=list(SCHEDULES), help="learning-rate schedule")
    parser.add_argument(
        "--batch-size",
        type=C.batch_size,
        metavar="1|N|full",
        help="1 = stochastic, N = mini-batch, full = batch gradient descent",
    )
    parser.add_argument("--epochs", type=C.positive_int, metavar="N")
    parser.add_argument(
        "--early-stopping",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="stop when the validation cost stops improving; keep the best",
    )
    parser.add_argument(
        "--patience",
        type=C.positive_int,
        metavar="N",
        help="epochs without improvement before early stopping",
    )
    parser.add_argument(
        "--validation",
        type=C.fraction,
        metavar="0.1",
        help="fraction of the training data held out for validation (0: none)",
    )
    parser.add_argument(
        "--dropout",
        type=C.fraction,
        metavar="P",
        help="dropout probability after each hidden activation",
    )
    parser.add_argument("--seed", type=C.non_negative_int, help="random seed (default 0)")
    parser.add_argument(
        "--train-size",
        type=C.positive_int,
        metavar="N",
        help="train on a seeded random subset of N samples",
    )
    parser.add_argument(
        "--test-fraction",
        type=C.fraction,
        metavar="0.2",
        help="share of a file's rows held out as its test split (default 0.2)",
    )
    parser.add_argument("--dtype", choices=list(DTYPES))
    add_table_arguments(parser)
    C.add_data_dir(parser)
    parser.add_argument("--out", metavar="MODEL", help="save the trained model to this file")
    parser.add_argument(
        "--run-dir",
        metavar="DIR",
        help="write history.csv/json, manifest.json, summary.json, model.glassnet",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an earlier run in --run-dir (else refused)"
    )
    parser.add_argument(
        "--resume",
        metavar="CHECKPOINT",
        help="continue an interrupted run from its checkpoint (or the run folder holding it)",
    )
    parser.add_argument(
        "--checkpoint-every",
        type=C.positive_int,
        metavar="N",
        help="save a checkpoint every N epochs too (kill -9 then loses at most N epochs)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object with the results on stdout"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")


def add_table_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a user's table (glassnet.runs.tables) and the tabular recipe's fields."""
    parser.add_argument("--task", choices=list(TASKS),
                        help="what the target is (default auto: text or ≤ 20 whole numbers are "
                        "classes); integer ratings can be regression")  # fmt: skip
    parser.add_argument("--categorical", type=column_names, metavar="COL,COL",
                        help="text columns of a CSV to one-hot encode")  # fmt: skip
    parser.add_argument("--impute", choices=list(IMPUTE),
                        help="fill missing cells of a CSV (from the training rows)")  # fmt: skip
    parser.add_argument("--class-weight", choices=list(CLASS_WEIGHTS),
                        help="balanced: weigh each class by N / (K · N_class)")  # fmt: skip
    parser.add_argument("--init", choices=list(INITIALISERS), help="weight initialiser")
    parser.add_argument(
        "--smoothing",
        type=C.positive_int,
        metavar="K",
        help="early stopping watches the mean cost of the last K epochs",
    )
    parser.add_argument("--refit", action=argparse.BooleanOptionalAction, default=None,
                        help="after early stopping, train afresh on every row")  # fmt: skip
    parser.add_argument("--folds", type=folds, metavar="K",
                        help="choose the epochs by K-fold cross-validation, then train on every "
                        "row (0: a validation split instead)")  # fmt: skip


def folds(text: str) -> int:
    """argparse type: 0 or an integer k ≥ 2."""
    try:
        k = int(text)
    except ValueError:
        k = -1
    if k != 0 and k < 2:
        raise argparse.ArgumentTypeError(f"must be 0 or an integer ≥ 2, got {text!r}")
    return k


def column_names(text: str) -> list[str]:
    """argparse type: comma-separated column names."""
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"must be column names separated by commas, got {text!r}")
    return names


# ---------------------------------------------------------------- running


def config_from_args(args) -> RunConfig:
    """The RunConfig the options describe: every option is the field of the same name."""
    names = {f.name for f in fields(RunConfig)}
    values = {k: v for k, v in vars(args).items() if k in names and v is not None}
    if args.hidden is not None:
        values["hidden"] = list(args.hidden)
    return RunConfig(**values)


def refuse_inapplicable(args) -> None:
    """Options that cannot apply are refused with the reason, not ignored."""
    from glassnet.errors import UsageError

    if args.force and not args.run_dir:
        raise UsageError("--force replaces an earlier run in --run-dir: give --run-dir DIR")
    if args.momentum is not None and args.optimizer not in ("sgd", "momentum", "nesterov"):
        raise UsageError(
            f"--momentum applies to --optimizer sgd, momentum or nesterov, not "
            f"{args.optimizer or 'the recipe' + chr(39) + 's optimizer'}: add --optimizer momentum"
        )
    if args.folds and args.early_stopping is False:
        raise UsageError(
            f"--folds {args.folds} chooses the epochs by cross-validated early stopping; "
            "--no-early-stopping trains a fixed number: give one"
        )
    if args.folds and args.validation:
        raise UsageError(
            f"--folds {args.folds} and --validation {args.validation} are two ways to choose the "
            "epochs; give one (--folds 0 for a validation split)"
        )
    if args.target is not None and args.data is not None and C.is_builtin(args.data):
        raise UsageError(
            f"--target names the label column of your file; {args.data} is a built-in data set "
            "with its own labels: drop --target"
        )


class StopOnSignals:
    """While active, Ctrl-C, SIGTERM and SIGHUP (how job schedulers and closed terminals stop
    a job) ask the run to stop after the current batch and save its checkpoint. A second
    signal during training interrupts at once (the last periodic checkpoint stays); once
    training has ended (it is told so as a run callback: give it first), signals wait for the
    model or checkpoint to be written."""

    NAMES = ("SIGINT", "SIGTERM", "SIGHUP")
    SIGNALS = tuple(getattr(signal, name) for name in NAMES if hasattr(signal, name))
    reads_gradients = False  # as a run callback it only watches for the end of training

    def __init__(self):
        self.stop, self.previous = threading.Event(), {}
        self.received: int | None = None
        self.training = True

    def __enter__(self):
        for signum in self.SIGNALS:
            self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def __call__(self, event) -> None:
        if event["event"] == "run":
            self.training = False

    def _handle(self, signum, frame):
        if self.received is None:
            self.received = signum
            self.stop.set()
        elif self.training and signum == signal.SIGINT:
            raise KeyboardInterrupt
        elif self.training:  # die of the signal, as the sender expects
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    @property
    def status(self) -> int:
        """128 + the signal's number (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP), the shells' code."""
        return 128 + (self.received or signal.SIGINT)

    def __exit__(self, *exc):
        for signum, previous in self.previous.items():
            signal.signal(signum, previous)
        return False


def run(args) -> ExitStatus:
    from glassnet.cli.progress import Progress
    from glassnet.runs.run import run as run_training

    refuse_inapplicable(args)
    config = config_from_args(args)
    stream = sys.stderr if args.json else sys.stdout
    progress = Progress(stream, quiet=args.quiet)
    quiet = args.quiet or args.json
    with StopOnSignals() as signals, C.download_progress(quiet) as download:
        # signals first: it learns that training has ended before any other callback runs
        callbacks = [signals, progress, _announcer(stream, quiet)]
        try:
            result = run_training(config, callbacks, stop=signals.stop, download_progress=download)
        finally:
            progress.close()
    if result.interrupted:
        at = result.summary
        print(
            f"interrupted after epoch {at['epoch']}, batch {at['batch']}; checkpoint saved "
            f"to {result.checkpoint}\nresume with: glassnet train --resume {result.checkpoint}",
            file=sys.stderr,
        )
        return ExitStatus(signals.status)
    if signals.received is not None:
        print("the interrupt came after training had ended: the run was finished and saved",
              file=sys.stderr)  # fmt: skip
    if args.json:
        C.print_json(result.summary)
    else:
        _print_summary(result)
    return ExitStatus.SUCCESS


def _announcer(stream, quiet: bool):
    """The line that says what is about to be trained (or resumed)."""

    def announce(event) -> None:
        if event["event"] != "start":
            return
        config = event.config
        if event.resumed is not None:
            print(f"resuming {config.data} from epoch {event.resumed['epoch']}, batch "
                  f"{event.resumed['batch']}", file=sys.stderr)  # fmt: skip
            return
        if quiet:
            return
        stream.write(
            f"training on {event.dataset}: {event.n_train} samples "
            f"(validation {event.n_val}, test {event.n_test}), recipe {config.recipe}, "
            f"hidden {config.hidden}, {config.optimizer} lr {config.lr:g}, "
            f"batch {config.batch_size}, {config.epochs} epochs\n"
        )
        stream.flush()

    announce.reads_gradients = False  # type: ignore[attr-defined]
    return announce


# ---------------------------------------------------------------- printing


def _print_summary(result) -> None:
    net, summary = result.network, result.summary
    console = C.console()
    console.print(f"{summary['dataset']}: {summary['architecture']}", markup=False)
    console.print(_splits_table(summary))
    print_metrics(summary, console)
    stopped = ""
    if summary["stopped_early"]:
        stopped = f" (stopped early; best weights from epoch {summary['best_epoch']})"
    console.print(f"epochs: {summary['epochs']}{stopped}   parameters: {summary['parameters']}")
    console.print(
        f"training time: {summary['seconds']:.2f} s "
        f"(wall time with data checks and evaluation {summary['wall_seconds']:.2f} s)"
    )
    if net.n_params <= 64:
        print_weights(net, console)
    if summary.get("n_train", 0) <= 8:
        print_outputs(result, console)
    if summary.get("model"):
        console.print(f"model saved to {summary['model']}")
    else:
        console.print("model not saved: add --out MODEL (or --run-dir DIR) to keep it")


def _splits_table(summary: dict):
    """A row per split: accuracy and cost; for a regression RMSE, MAE and R² in the target's
    units (its cost is in standardised units, and it has no accuracy)."""
    from rich.table import Table

    splits = [s for s in ("train", "validation", "test") if f"{s}_loss" in summary]
    regression = summary.get("task") == "regression"
    table = Table()
    table.add_column("split")
    table.add_column("samples", justify="right")
    for column in ("RMSE", "MAE", "R²") if regression else ("accuracy", "cost"):
        table.add_column(column, justify="right")
    for split in splits:
        if regression:
            metrics = summary.get(f"{split}_metrics") or {}
            cells = [_number(metrics.get(key)) for key in ("rmse", "mae", "r2")]
        else:
            cells = [C.fmt_pct(summary[f"{split}_accuracy"]), C.fmt_cost(summary[f"{split}_loss"])]
        table.add_row(_split_name(split, summary), str(summary[f"n_{split}"]), *cells)
    return table


def _number(value) -> str:
    return "–" if value is None else f"{value:.4g}"


def _split_name(split: str, summary: dict) -> str:
    """A split's name: the validation figures of a cross-validation are its folds'."""
    if split == "validation" and "cross_validation" in summary:
        return f"{summary['cross_validation']['folds']}-fold CV"
    return split


def print_metrics(summary: dict, console) -> None:
    """The held-out split's metrics (test, else validation or cross-validation), and what
    the saved model is."""
    split = next((s for s in ("test", "validation") if f"{s}_metrics" in summary), None)
    refit, folds = summary.get("refit"), "cross_validation" in summary
    if split is not None and summary.get("dataset") not in ("xor", "xor-clusters"):
        metrics = summary[f"{split}_metrics"]
        unseen = "held out from the early-stopped run" if refit and not folds else "not trained on"
        name = split
        if split == "validation" and folds:
            name = refit["estimate_from"]
            unseen = "each held out once, scored by the fold network that did not learn it"
        console.print(f"{name} ({summary[f'n_{split}']} rows {unseen}): " + metrics_line(metrics),
                      markup=False)  # fmt: skip
        if 0 < len(metrics.get("per_class", [])) <= 12:
            print_per_class(metrics, console)
    if refit and folds:
        console.print(
            f"saved model: refit on {_refit_rows(summary)} for {refit['epochs']} epochs (where "
            f"the {refit['estimate_from']}'s mean validation cost was lowest); the "
            f"{refit['estimate_from']} figures above are the fold networks'", markup=False
        )  # fmt: skip
    elif refit:
        console.print(
            f"saved model: refit on {_refit_rows(summary)} for {refit['epochs']} epochs (the "
            f"early-stopped run's best epoch); the table and the {refit['estimate_from']} "
            "figures above are the early-stopped network's", markup=False
        )  # fmt: skip


def _refit_rows(summary: dict) -> str:
    rows = summary["refit"]["rows"]
    if "n_test" in summary:
        return (
            f"the {rows} training and validation rows (the {summary['n_test']} test rows kept out)"
        )
    return f"all {rows} rows"


def metrics_line(metrics: dict) -> str:
    """One line: accuracy, balanced accuracy, ROC-AUC; or RMSE, MAE, R²."""
    if "rmse" in metrics:
        r2 = "–" if metrics["r2"] is None else f"{metrics['r2']:.4f}"
        return f"RMSE {metrics['rmse']:.6g}   MAE {metrics['mae']:.6g}   R² {r2}"
    parts = [f"accuracy {C.fmt_pct(metrics['accuracy'])}",
             f"balanced accuracy {C.fmt_pct(metrics['balanced_accuracy'])}"]  # fmt: skip
    if metrics.get("roc_auc") is not None:
        parts.append(f"ROC-AUC {metrics['roc_auc']:.4f}")
    return "   ".join(parts)


def print_per_class(metrics: dict, console) -> None:
    console.print(C.per_class_table(metrics["per_class"]))


def print_outputs(result, console) -> None:
    """For a handful of samples (the four XOR points): each input, its target and ŷ (the
    probabilities for a classifier whose network ends in logits, not the logits)."""
    import numpy as np

    from glassnet.runs import data

    net = result.network
    prepared = data.split(*data.load(result.config), result.config)
    from glassnet.nn.layers import Sigmoid, Softmax

    X = prepared.X_train
    if net.task == "regression":
        y_hat, name = net.predict(X).reshape(len(X), -1), "ŷ (in the target's units)"
    elif isinstance(net.layers[-1], (Sigmoid, Softmax)):
        y_hat, name = net.forward(X), "ŷ"
    else:  # the network ends in logits z; the cost applies the softmax
        y_hat, name = net.predict_proba(X), "softmax(z) (the network outputs logits z)"
    console.print(f"x → target, {name}:", markup=False)
    for x, target, out in zip(prepared.X_train, prepared.y_train, y_hat, strict=True):
        shown = ", ".join(f"{v:.4f}" for v in np.round(out, 4) + 0.0)  # + 0.0: no −0.0000
        console.print(f"  {list(map(float, x))} → {target}, [{shown}]", markup=False)


def print_weights(net, console) -> None:
    """Each Dense layer's W and b, and the same numbers as the augmented matrix [W | b]."""
    import numpy as np

    def shown(a):
        return np.round(a, 4) + 0.0  # + 0.0 turns −0.0 into 0.0: no "-0.0000"

    with np.printoptions(precision=4, suppress=True, floatmode="fixed"):
        for i, layer in enumerate(net.dense_layers, start=1):
            console.print(f"layer {i} {layer!r}:  W {layer.W.shape}, b {layer.b.shape}")
            console.print(f"W =\n{shown(layer.W)}\nb = {shown(layer.b)}\n[W | b] =\n"
                          f"{shown(layer.Wb)}", markup=False)  # fmt: skip
