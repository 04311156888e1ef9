"""glassnet train: fit a network to a built-in data set or the user's file, and report it."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from glassnet.cli.commands import _common as C

HELP = "train a network on a built-in data set or your own CSV/.npy/.npz file"

EPILOG = """\
recipes (--recipe; chosen from the data when not given, every flag overrides one field):
  mnist         784-256-128-10 ReLU, Adam lr 0.004, cosine, batch 128, 3 epochs (default
                for the MNIST family; 98.1-98.4 % test accuracy on MNIST in ~2.5 s)
  mnist-best    784-512-256-10 ReLU, Adam lr 0.003, cosine, batch 128, 10 epochs
                (98.6-98.7 % on MNIST in ~20 s)
  xor           2-8-1 tanh + sigmoid on the four XOR points, Adam 0.05, full batch
                (--hidden 3 gives the documents' 2-3-1, which stalls on some seeds)
  xor-clusters  2-3-1 ReLU + sigmoid (the default job, no DATA), Adam 0.05, batch 32
  2d            2-32-32-K ReLU for circles, moons, spirals, blobs, Adam 0.01, batch 32,
                300 epochs
  tabular       your files: hidden sizes and batch from the number of rows, Adam,
                10 % validation, early stopping; 20 % of the rows held out as a test split

examples:
  glassnet train                                   # 2-3-1 network on Gaussian-cluster XOR
  glassnet train mnist --out mnist.glassnet        # ≥ 98 % in a few seconds
  glassnet train my.csv --target label --out m.glassnet
  glassnet train mnist --train-size 1000 --epochs 50 --run-dir runs/overfit
  glassnet train --resume model.glassnet.checkpoint   # after Ctrl-C
"""

HYPERPARAMETERS = (
    "recipe hidden activation loss optimizer lr momentum weight_decay schedule batch_size "
    "epochs early_stopping patience validation dropout seed train_size test_fraction dtype"
).split()
RESERVED_STREAMS = {"train_size": 2, "validation": 3}  # default_rng([seed, stream]) per split


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from glassnet.models.recipes import RECIPES

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
    parser.add_argument("--activation", choices=["relu", "tanh", "sigmoid", "leaky_relu",
                        "identity"], help="hidden activation")  # fmt: skip
    parser.add_argument("--loss", choices=["cross_entropy", "binary_cross_entropy",
                        "squared_error", "half_squared_error", "mse"],
                        help="cost (default: from the task)")  # fmt: skip
    parser.add_argument("--optimizer", choices=["sgd", "momentum", "nesterov", "adam", "adamw"])
    parser.add_argument("--lr", type=C.positive_float, help="learning rate η")
    parser.add_argument("--momentum", type=C.fraction, help="momentum μ for sgd/momentum")
    parser.add_argument("--weight-decay", type=C.fraction, metavar="λ", help="L2 weight decay")
    parser.add_argument("--schedule", choices=["constant", "step", "cosine"],
                        help="learning-rate schedule")  # fmt: skip
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
    parser.add_argument("--dtype", choices=["float32", "float64"])
    C.add_data_dir(parser)
    parser.add_argument("--out", metavar="MODEL", help="save the trained model to this file")
    parser.add_argument(
        "--run-dir",
        metavar="DIR",
        help="write history.csv/json, manifest.json, summary.json, model.glassnet",
    )
    parser.add_argument(
        "--resume", metavar="CHECKPOINT", help="continue an interrupted run from its checkpoint"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object with the results on stdout"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")


# ---------------------------------------------------------------- settings


def settings_from_args(args) -> dict:
    """The run's settings as the user gave them (None where the recipe decides)."""
    settings = {name: getattr(args, name, None) for name in HYPERPARAMETERS}
    settings["hidden"] = None if args.hidden is None else list(args.hidden)
    settings["data"] = args.data or "xor-clusters"
    settings["target"] = args.target
    settings["data_dir"] = args.data_dir
    return settings


def resolve(settings: dict, dataset, is_file: bool) -> dict:
    """Every hyperparameter filled in: the user's value, else the recipe's."""
    from glassnet.models import recipes

    n = len(dataset.X_train)
    if settings.get("recipe"):
        recipe = recipes.get(settings["recipe"])
    else:
        recipe = recipes.choose(dataset.name, n, is_file)
    filled = dict(settings)
    for key, value in recipe.to_dict().items():
        if key != "name" and filled.get(key) is None:
            filled[key] = value
    filled["recipe"] = recipe.name
    filled["seed"] = filled.get("seed") or 0
    filled["dtype"] = filled.get("dtype") or "float32"
    if filled.get("test_fraction") is None:
        filled["test_fraction"] = 0.2 if is_file and not dataset.has_test else 0.0
    filled["hidden"] = list(filled["hidden"])
    return filled


# ---------------------------------------------------------------- data


@dataclass
class Prepared:
    """The arrays one run trains, validates and tests on, and what they came from."""

    dataset: object
    is_file: bool
    X_train: object
    y_train: object
    X_val: object = None
    y_val: object = None
    X_test: object = None
    y_test: object = None
    digest: str = ""
    y_scale: tuple | None = None  # (mean, std) of regression targets


def load_data(settings: dict, quiet: bool = False):
    """(dataset, is_file) for the run's DATA. Generated sets are always drawn with data seed
    0, so --seed changes the initial weights and the shuffling, never the data."""
    is_file = not C.is_builtin(settings["data"])
    dataset = C.load_dataset(
        settings["data"], settings.get("data_dir"), settings.get("target"), seed=0, quiet=quiet
    )
    return dataset, is_file


def split_data(dataset, is_file: bool, settings: dict) -> Prepared:
    """Seeded test hold-out (files), training subset (--train-size), validation split."""
    import numpy as np

    from glassnet import datasets
    from glassnet.errors import ValidationError

    seed = settings["seed"]
    X, y = dataset.X_train, dataset.y_train
    X_test, y_test = dataset.X_test, dataset.y_test
    classify = dataset.task != "regression"
    if X_test is None and settings["test_fraction"] and len(X) >= 10:
        # a fixed split (data seed 0), so runs with different --seed share one test set
        train, test = datasets.train_test_split(X, y, settings["test_fraction"], 0, classify)
        X, y, X_test, y_test = X[train], y[train], X[test], y[test]
    if settings.get("train_size"):
        n = settings["train_size"]
        if n > len(X):
            raise ValidationError(
                f"--train-size {n} is larger than the {len(X)} training samples; "
                f"use at most {len(X)}"
            )
        rng = np.random.default_rng([seed, RESERVED_STREAMS["train_size"]])
        subset = np.sort(rng.choice(len(X), n, replace=False))
        X, y = X[subset], y[subset]
    prepared = Prepared(dataset, is_file, X, y, X_test=X_test, y_test=y_test)
    if settings["validation"]:
        rng = np.random.default_rng([seed, RESERVED_STREAMS["validation"]])
        train, val = datasets.train_test_split(X, y, settings["validation"], rng, classify)
        prepared.X_train, prepared.y_train = X[train], y[train]
        prepared.X_val, prepared.y_val = X[val], y[val]
    prepared.digest = data_digest(dataset)
    if dataset.task == "regression":
        y_train = np.asarray(prepared.y_train, dtype=np.float64)
        prepared.y_scale = (float(y_train.mean()), float(y_train.std() or 1.0))
    return prepared


def data_digest(dataset) -> str:
    """SHA-256 of the data: the file's for a user's file, else over the recorded hashes."""
    import hashlib
    import json

    provenance = dataset.provenance or {}
    if provenance.get("sha256"):
        return provenance["sha256"]
    parts = provenance.get("files") or provenance.get("arrays") or {}
    hashes = {k: v.get("sha256") for k, v in parts.items() if isinstance(v, dict)}
    if not hashes:
        from glassnet.datasets import array_sha256

        hashes = {name: array_sha256(getattr(dataset, name)) for name in ("X_train", "y_train")}
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()


def scaled(y, prepared: Prepared):
    """Regression targets standardised with the training mean and std (others unchanged)."""
    if prepared.y_scale is None or y is None:
        return y
    mean, std = prepared.y_scale
    return ((y - mean) / std).astype(y.dtype)


# ---------------------------------------------------------------- the network


def build_network(settings: dict, prepared: Prepared):
    """Input scaling, hidden layers and the output layer and cost the task calls for."""
    import numpy as np

    from glassnet.models import builders

    dataset = prepared.dataset
    n_in = int(np.prod(prepared.X_train.shape[1:]))
    n_targets = 1 if prepared.y_train.ndim == 1 else prepared.y_train.shape[1]
    scale = builders.input_scaling(prepared.X_train, dataset, prepared.is_file)
    net, loss = builders.for_task(
        n_in, settings["hidden"], settings["activation"], task=dataset.task,
        n_classes=dataset.n_classes, n_targets=n_targets, loss=settings.get("loss"),
        scale=scale, dropout=settings["dropout"], seed=settings["seed"], dtype=settings["dtype"],
    )  # fmt: skip
    net.metadata.update(model_metadata(settings, prepared, loss))
    return net, loss


def model_metadata(settings: dict, prepared: Prepared, loss: str) -> dict:
    """What the model file remembers: labels, features, target, provenance, the run."""
    dataset = prepared.dataset
    meta = {
        "classes": dataset.classes,
        "feature_names": dataset.feature_names,
        "target": (dataset.provenance or {}).get("target", settings.get("target")),
        "dataset": dataset.name,
        "data": {
            "name": dataset.name,
            "path": str(Path(settings["data"]).resolve()) if prepared.is_file else None,
            "sha256": prepared.digest,
            "provenance": dataset.provenance,
        },
        "image_shape": list(dataset.image_shape) if dataset.image_shape else None,
        "task": dataset.task,
        "run": {**settings, "loss": loss},
    }
    if prepared.y_scale is not None:
        meta["target_scale"] = {"mean": prepared.y_scale[0], "std": prepared.y_scale[1]}
    return meta


def make_trainer(net, loss: str, settings: dict, prepared: Prepared, callback=None):
    """The Trainer for these settings (also used to rebuild one when resuming)."""
    from glassnet.nn import optimizers
    from glassnet.train.trainer import Trainer

    kwargs = {}
    if settings["optimizer"] in ("sgd", "momentum", "nesterov") and settings.get("momentum"):
        kwargs["momentum"] = settings["momentum"]
    if settings.get("weight_decay"):
        kwargs["weight_decay"] = settings["weight_decay"]
    optimizer = optimizers.get(settings["optimizer"], lr=settings["lr"], **kwargs)
    validation = None
    if prepared.X_val is not None:
        validation = (prepared.X_val, scaled(prepared.y_val, prepared))
    return Trainer(
        net, prepared.X_train, scaled(prepared.y_train, prepared),
        loss=loss, optimizer=optimizer, epochs=settings["epochs"],
        batch_size=settings["batch_size"], validation_data=validation,
        early_stopping=settings["early_stopping"], patience=settings["patience"],
        schedule=settings["schedule"], callback=callback,
    )  # fmt: skip


# ---------------------------------------------------------------- progress


class Progress:
    """Training progress: a rich bar on a terminal, plain per-epoch lines otherwise."""

    def __init__(self, stream, quiet: bool):
        self.stream, self.quiet = stream, quiet
        self.bar = self.task = None
        self.live = not quiet and C.is_tty(stream)
        self._cost_sum = self._count = 0
        self._last_line = time.perf_counter()
        self._last_epoch = ""  # the finished epoch's costs and accuracies, kept on the bar

    def __call__(self, event: dict) -> None:
        if self.quiet:
            return
        if self.live:
            self._live(event)
        elif event["event"] == "epoch" and self._worth_a_line(event):
            self.stream.write(epoch_line(event["history"], event["epochs"]) + "\n")
            self.stream.flush()

    def _worth_a_line(self, event: dict) -> bool:
        """About 25 lines a run: the first and last epochs, every k-th, and every 2 s."""
        epoch, epochs = event["epoch"], event["epochs"]
        every = max(1, epochs // 25)
        now = time.perf_counter()
        if epoch in (1, epochs) or epoch % every == 0 or now - self._last_line > 2:
            self._last_line = now
            return True
        return False

    def _live(self, event: dict) -> None:
        if self.bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("{task.fields[stats]}"),
                console=C.console(stderr=self.stream is sys.stderr), transient=False,
            )  # fmt: skip
            total = event["epochs"] * event["batches"]
            self.task = self.bar.add_task("training", total=total, stats="")
            self.bar.start()
        if event["event"] == "batch":
            self._cost_sum += event["loss"]
            self._count += 1
            if self._count % 8 == 0 or event["batch"] == event["batches"]:
                done = (event["epoch"] - 1) * event["batches"] + event["batch"]
                stats = f"cost {self._cost_sum / self._count:.4f}{self._last_epoch}"
                self.bar.update(
                    self.task,
                    completed=done,
                    stats=stats,
                    description=f"epoch {event['epoch']}/{event['epochs']}",
                )
        else:
            self._cost_sum = self._count = 0
            stats = epoch_stats(event["history"])
            self._last_epoch = f"   (epoch {event['epoch']}: {stats})"
            self.bar.update(self.task, stats=stats)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def epoch_stats(history) -> str:
    i = -1
    parts = [f"cost {history.train_loss[i]:.4f}"]
    if history.train_accuracy[i] is not None:
        parts.append(f"accuracy {C.fmt_pct(history.train_accuracy[i])}")
    if history.val_loss[i] is not None:
        parts.append(f"val cost {history.val_loss[i]:.4f}")
    if history.val_accuracy[i] is not None:
        parts.append(f"val accuracy {C.fmt_pct(history.val_accuracy[i])}")
    return "  ".join(parts)


def epoch_line(history, epochs: int) -> str:
    seconds = history.seconds[-1]
    return f"epoch {history.epoch[-1]}/{epochs}  {epoch_stats(history)}  {seconds:.2f} s"


# ---------------------------------------------------------------- running


class StopOnSigint:
    """While active, Ctrl-C asks the trainer to stop after the current batch; a second
    Ctrl-C interrupts at once."""

    def __init__(self, trainer):
        self.trainer, self.requested, self.previous = trainer, False, None

    def __enter__(self):
        import signal

        self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        import signal

        self.requested = True
        self.trainer.request_stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __exit__(self, *exc):
        import signal

        signal.signal(signal.SIGINT, self.previous)
        return False


def train(settings: dict, prepared: Prepared, *, net=None, loss=None, resume=None,
          progress=None):  # fmt: skip
    """Train (or resume) and return (net, trainer, interrupted)."""
    if net is None:
        net, loss = build_network(settings, prepared)
        settings["loss"] = loss
    trainer = make_trainer(net, loss, settings, prepared, callback=progress)
    if resume is not None:
        trainer.restore(*resume)
    with StopOnSigint(trainer) as stop:
        try:
            trainer.run()
        finally:
            if progress is not None:
                progress.close()
    return net, trainer, stop.requested and trainer.history.interrupted


def results(net, trainer, prepared: Prepared) -> dict:
    """Final cost and accuracy on the training, validation and test data."""
    summary = {}
    splits = (("train", prepared.X_train, prepared.y_train),
              ("validation", prepared.X_val, prepared.y_val),
              ("test", prepared.X_test, prepared.y_test))  # fmt: skip
    for name, X, y in splits:
        if X is None or len(X) == 0:
            continue
        scores = evaluate_in_slices(net, X, scaled(y, prepared), trainer.loss.name)
        summary[f"{name}_accuracy"] = scores["accuracy"]
        summary[f"{name}_loss"] = scores["loss"]
        summary[f"n_{name}"] = scores["n"]
    history = trainer.history
    summary.update(
        epochs=len(history),
        seconds=round(history.seconds[-1], 4) if history.seconds else 0.0,
        best_epoch=history.best_epoch,
        stopped_early=history.stopped_early,
        dataset=prepared.dataset.name,
        task=net.task,
        recipe=net.metadata["run"]["recipe"],
        parameters=net.n_params,
        architecture=repr(net),
    )
    return summary


EVAL_SLICE = 2048  # rows per evaluation call: keeps the peak memory of a 60,000-row set low


def evaluate_in_slices(net, X, y, loss: str) -> dict:
    """training.evaluate over slices of EVAL_SLICE rows, combined as means over all samples."""
    from glassnet.train.trainer import evaluate

    total = correct = 0.0
    accuracy_known = True
    for start in range(0, len(X), EVAL_SLICE):
        rows = slice(start, start + EVAL_SLICE)
        part = evaluate(net, X[rows], y[rows], loss=loss)
        total += part["loss"] * part["n"]
        if part["accuracy"] is None:
            accuracy_known = False
        else:
            correct += round(part["accuracy"] * part["n"])
    n = len(X)
    accuracy = correct / n if accuracy_known else None
    return {"loss": total / n, "accuracy": accuracy, "n": n}


def check_outputs(args) -> None:
    """Fail before training, not after, when the model cannot be written where asked."""
    from glassnet.errors import ValidationError

    if args.out:
        folder = Path(args.out).parent
        if not folder.is_dir():
            raise ValidationError(
                f"cannot save the model to {args.out}: folder {folder} does not exist; create "
                "it or choose another --out"
            )
        if Path(args.out).is_dir():
            raise ValidationError(f"--out {args.out} is a folder; give a file name")
    if args.run_dir:
        try:
            Path(args.run_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            message = f"cannot create --run-dir {args.run_dir}: {exc.strerror}"
            raise ValidationError(message) from None


def run(args) -> int:
    check_outputs(args)
    if args.resume:
        return _resume(args)
    settings = settings_from_args(args)
    dataset, is_file = load_data(settings, quiet=args.quiet or args.json)
    if is_file:
        settings["data"] = str(Path(settings["data"]).resolve())
    if settings["data_dir"]:
        settings["data_dir"] = str(Path(settings["data_dir"]).resolve())
    settings = resolve(settings, dataset, is_file)
    prepared = split_data(dataset, is_file, settings)
    return _train_and_report(args, settings, prepared)


def _train_and_report(args, settings, prepared, net=None, loss=None, resume=None) -> int:
    from glassnet.models.files import save

    stream = sys.stderr if args.json else sys.stdout
    progress = Progress(stream, quiet=args.quiet)
    if not args.quiet and not args.json and resume is None:
        _announce(settings, prepared, stream)
    started = time.perf_counter()
    if net is None:
        net, loss = build_network(settings, prepared)
        settings["loss"] = loss
        net.metadata["outputs"] = {"out": args.out, "run_dir": args.run_dir}
    net, trainer, interrupted = train(
        settings, prepared, net=net, loss=loss, resume=resume, progress=progress
    )
    if interrupted:
        path = checkpoint_path(args)
        save(net, path, trainer=trainer)
        print(
            f"interrupted after epoch {trainer.epoch}, batch {trainer.batch}; checkpoint saved "
            f"to {path}\nresume with: glassnet train --resume {path}",
            file=sys.stderr,
        )
        return 130
    summary = results(net, trainer, prepared)
    summary["wall_seconds"] = round(time.perf_counter() - started, 3)
    _save_outputs(args, net, trainer, settings, prepared, summary)
    if args.json:
        C.print_json(summary)
    else:
        _print_summary(net, summary, prepared)
    return 0


def _announce(settings: dict, prepared: Prepared, stream) -> None:
    n_val = 0 if prepared.X_val is None else len(prepared.X_val)
    n_test = 0 if prepared.X_test is None else len(prepared.X_test)
    stream.write(
        f"training on {prepared.dataset.name}: {len(prepared.X_train)} samples "
        f"(validation {n_val}, test {n_test}), recipe {settings['recipe']}, "
        f"hidden {settings['hidden']}, {settings['optimizer']} lr {settings['lr']:g}, "
        f"batch {settings['batch_size']}, {settings['epochs']} epochs\n"
    )
    stream.flush()


def checkpoint_path(args) -> Path:
    if args.run_dir:
        Path(args.run_dir).mkdir(parents=True, exist_ok=True)
        return Path(args.run_dir) / "checkpoint.glassnet"
    if args.out:
        return Path(f"{args.out}.checkpoint")
    return Path("glassnet.checkpoint")


def _save_outputs(args, net, trainer, settings, prepared, summary) -> None:
    from glassnet.models.files import save

    if args.out:
        save(net, args.out)
        summary["model"] = str(args.out)
    if args.run_dir:
        run_dir = Path(args.run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        save(net, run_dir / "model.glassnet")
        summary.setdefault("model", str(run_dir / "model.glassnet"))
        summary["run_dir"] = str(run_dir)
        write_run_dir(run_dir, trainer.history, manifest(args, settings, prepared), summary)
    if args.resume and Path(args.resume).resolve() == checkpoint_path(args).resolve():
        Path(args.resume).unlink(missing_ok=True)  # the run it saved is finished now


def manifest(args, settings: dict, prepared: Prepared) -> dict:
    """Everything needed to repeat the run (glassnet replay reads it)."""
    import datetime
    import platform

    import numpy as np

    import glassnet

    hyper = {k: settings.get(k) for k in HYPERPARAMETERS}
    return {
        "command": ["glassnet", *getattr(args, "argv", sys.argv[1:])],
        "seed": settings["seed"],
        "versions": {
            "glassnet": glassnet.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },  # fmt: skip
        "data": {
            "name": prepared.dataset.name,
            "path": settings["data"],
            "target": settings.get("target"),
            "sha256": prepared.digest,
        },
        "hyperparameters": hyper,
        "settings": settings,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def write_run_dir(run_dir: Path, history, manifest_obj: dict, summary: dict) -> None:
    """history.csv, history.json, manifest.json and summary.json, each written atomically."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=history.COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in history.rows():
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    C.write_text(run_dir / "history.csv", buffer.getvalue())
    C.write_json(run_dir / "history.json", history.to_dict())
    C.write_json(run_dir / "manifest.json", manifest_obj)
    C.write_json(run_dir / "summary.json", summary)


# ---------------------------------------------------------------- printing


def _print_summary(net, summary: dict, prepared: Prepared) -> None:
    from rich.table import Table

    console = C.console()
    console.print(f"{summary['dataset']}: {summary['architecture']}", markup=False)
    table = Table()
    table.add_column("split")
    table.add_column("samples", justify="right")
    table.add_column("accuracy", justify="right")
    table.add_column("cost", justify="right")
    for split in ("train", "validation", "test"):
        if f"{split}_loss" in summary:
            accuracy = C.fmt_pct(summary[f"{split}_accuracy"])
            cost = C.fmt_cost(summary[f"{split}_loss"])
            table.add_row(split, str(summary[f"n_{split}"]), accuracy, cost)
    console.print(table)
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
    if len(prepared.X_train) <= 8:
        print_outputs(net, prepared, console)
    if summary.get("model"):
        console.print(f"model saved to {summary['model']}")
    else:
        console.print("model not saved: add --out MODEL (or --run-dir DIR) to keep it")


def print_outputs(net, prepared: Prepared, console) -> None:
    """For a handful of samples (the four XOR points): each input, its target and ŷ."""
    y_hat = net.forward(prepared.X_train)
    console.print("x → target, ŷ:", markup=False)
    for x, target, out in zip(prepared.X_train, prepared.y_train, y_hat, strict=True):
        shown = ", ".join(f"{v:.4f}" for v in out)
        console.print(f"  {list(map(float, x))} → {target}, [{shown}]", markup=False)


def print_weights(net, console) -> None:
    """Each Dense layer's W and b, and the same numbers as the augmented matrix [W | b]."""
    import numpy as np

    with np.printoptions(precision=4, suppress=True, floatmode="fixed"):
        for i, layer in enumerate(net.dense_layers, start=1):
            console.print(f"layer {i} {layer!r}:  W {layer.W.shape}, b {layer.b.shape}")
            console.print(f"W =\n{layer.W}\nb = {layer.b}\n[W | b] =\n{layer.Wb}", markup=False)


# ---------------------------------------------------------------- resuming


def _resume(args) -> int:
    from glassnet.errors import ValidationError
    from glassnet.models.files import load_checkpoint

    given = [name for name in HYPERPARAMETERS if getattr(args, name, None) is not None]
    if given or args.data or args.target:
        flags = ", ".join("--" + n.replace("_", "-") for n in given) or "DATA/--target"
        raise ValidationError(
            f"--resume continues the checkpoint's run with its own data and settings; drop {flags}"
        )
    net, info, arrays = load_checkpoint(args.resume)
    if info is None or "run" not in net.metadata:
        raise ValidationError(
            f"{args.resume} is a finished model, not a checkpoint of an interrupted run; "
            "give the .checkpoint file written when training was interrupted"
        )
    settings = dict(net.metadata["run"])
    loss = settings["loss"]
    outputs = net.metadata.get("outputs") or {}
    args.out = args.out or outputs.get("out")
    args.run_dir = args.run_dir or outputs.get("run_dir")
    settings["data_dir"] = args.data_dir or settings.get("data_dir")
    dataset, is_file = load_data(settings, quiet=args.quiet or args.json)
    prepared = split_data(dataset, is_file, settings)
    if prepared.digest != net.metadata["data"]["sha256"]:
        raise ValidationError(
            f"the data {settings['data']} changed since the checkpoint was written (SHA-256 "
            "differs); resume with the same data file"
        )
    if not args.quiet:
        print(f"resuming {settings['data']} from epoch {info['epoch']}, batch {info['batch']}",
              file=sys.stderr)  # fmt: skip
    return _train_and_report(args, settings, prepared, net=net, loss=loss, resume=(info, arrays))
