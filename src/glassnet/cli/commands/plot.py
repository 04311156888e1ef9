"""glassnet plot KIND …: the figures of glassnet.viz from the command line, as PNG or SVG.

glassnet plot curves RUN_DIR                 cost and accuracy, training against validation
glassnet plot boundary MODEL [DATA]          decision boundary of a 2-D model with the data
glassnet plot features [MODEL] [DATA]        the hidden feature space (--gif: over training)
                                             (DATA: by default the model's own data set)
glassnet plot activations                    sigmoid, tanh, ReLU, leaky ReLU and derivatives
glassnet plot weights MODEL                  first-layer weights of an image model
glassnet plot confusion MODEL [DATA]         confusion matrix and the most confident mistakes
glassnet plot gradients [DATA]               ‖W‖ and ‖∂L/∂W‖ per layer: deep sigmoid vs ReLU
glassnet plot sweep RESULTS                  a sweep's metric against each varied field
"""

from __future__ import annotations

import argparse
from pathlib import Path

from glassnet.cli.commands._common import (
    add_data_dir,
    non_negative_int,
    positive_float,
    positive_int,
)
from glassnet.cli.status import ExitStatus

HELP = "draw a figure (PNG or SVG): curves, boundary, features, activations, weights, …"

KINDS = {
    "curves": "cost and accuracy per epoch from a run folder, training against validation",
    "boundary": "decision boundary of a model with two inputs, with the data points",
    "features": "the hidden feature space where the output layer separates the data",
    "activations": "the activation functions and their derivatives",
    "weights": "first-layer weights of an image model (e.g. MNIST) as images",
    "confusion": "confusion matrix and the most confidently misclassified test images",
    "gradients": "weight and gradient magnitudes per layer over training (vanishing gradients)",
    "sweep": "a sweep's metric against each varied field, and its configurations over seeds",
}
DEFAULT_DATA = "xor-clusters"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, text in KINDS.items():
        sub = kinds.add_parser(kind, help=text, description=text)
        sub.set_defaults(usage_parser=sub)
        sub.add_argument("--out", metavar="FILE", default=f"{kind}.png",
                         help=f"image to write, .png or .svg (default: {kind}.png)")  # fmt: skip
        sub.add_argument("--title", help="title of the figure (default: says what is shown)")
        sub.add_argument("--json", action="store_true", help="print what was written as JSON")
        sub.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
        if kind == "curves":
            sub.add_argument("run_dir", metavar="RUN_DIR", help="folder written by train --run-dir")
        if kind == "sweep":
            sub.add_argument(
                "results",
                metavar="RESULTS",
                help="results table written by glassnet sweep (.csv or .json)",
            )
            sub.add_argument("--metric", help="metric to plot (default: test accuracy, else "
                             "validation accuracy, else the costs)")  # fmt: skip
        if kind in ("boundary", "weights", "confusion"):
            sub.add_argument("model", metavar="MODEL", help="model file (.glassnet)")
        if kind == "features":
            sub.add_argument("model", metavar="MODEL", nargs="?",
                             help="model file; without it the documents' 2-3-1 ReLU/sigmoid "
                             "network is trained on DATA")  # fmt: skip
        if kind in ("boundary", "features", "confusion"):
            sub.add_argument("data", metavar="DATA", nargs="?",
                             help="data set name or file (default: the model's own data set; "
                             f"{DEFAULT_DATA} without a model)")  # fmt: skip
        if kind == "gradients":
            sub.add_argument("data", metavar="DATA", nargs="?", default=DEFAULT_DATA,
                             help=f"data set name or file (default: {DEFAULT_DATA})")  # fmt: skip
        if kind == "confusion":
            from glassnet.cli.commands._common import add_split

            add_split(sub)
        if kind in ("boundary", "features", "confusion", "gradients"):
            if kind != "confusion":
                sub.add_argument(
                    "--split",
                    choices=("train", "test", "all"),
                    default="train",
                    help="rows to draw: those the model learnt from (default), its held-out "
                    "test rows, or all; for your file, the model's record of its split decides",
                )
            sub.add_argument("--seed", type=non_negative_int, default=0,
                             help="seed of generated data sets and of fresh networks")  # fmt: skip
            add_data_dir(sub)
        if kind == "features":
            sub.add_argument("--gif", metavar="FILE",
                             help="also write an animated GIF of the feature space over training "
                             "(the model's architecture retrained from its seed)")  # fmt: skip
            sub.add_argument(
                "--frames",
                type=positive_int,
                default=12,
                help="frames of the GIF, at log-spaced epochs (default 12)",
            )
            sub.add_argument("--epochs", type=positive_int,
                             help="training epochs for a fresh network or the GIF "
                             "(default: the model's own, else 100)")  # fmt: skip
        if kind == "weights":
            sub.add_argument(
                "--max-units",
                type=positive_int,
                default=64,
                help="show at most this many hidden units (default 64)",
            )
        if kind == "gradients":
            sub.add_argument(
                "--depth", type=positive_int, default=6, help="hidden layers (default 6)"
            )
            sub.add_argument(
                "--width", type=positive_int, default=16, help="units per hidden layer (default 16)"
            )
            sub.add_argument("--epochs", type=positive_int, default=20, help="(default 20)")
            sub.add_argument(
                "--lr",
                type=positive_float,
                default=0.1,
                help="SGD learning rate for both networks (default 0.1)",
            )


def run(args) -> ExitStatus:
    import contextlib
    import io

    from glassnet.viz.style import FORMATS, save

    out = Path(args.out)
    check_output(out, FORMATS)
    said = io.StringIO()  # what a kind prints (rows scored, a GIF) goes into the JSON
    with contextlib.redirect_stdout(said) if args.json or args.quiet else contextlib.nullcontext():
        figure = globals()[f"_{args.kind}"](args)
    save(figure, out)
    if args.json:
        from glassnet.cli.commands._common import print_json

        print_json(
            {"kind": args.kind, "wrote": str(out), "notes": said.getvalue().split("\n")[:-1]}
        )
    elif not args.quiet:
        print(f"wrote {out}")
    return ExitStatus.SUCCESS


# ---------------------------------------------------------------- shared helpers


def check_output(path: Path, formats) -> None:
    """Fail before any work if the output cannot be written (wrong suffix, missing folder)."""
    from glassnet.errors import ValidationError

    if path.suffix.lower() not in formats:
        raise ValidationError(
            f"cannot tell the image format of {path}: end the file name in " + " or ".join(formats)
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(f"cannot write {path}: folder {folder} does not exist; create it")


def load_data(name: str, data_dir=None, seed: int = 0, split: str = "train"):
    """(X, y, dataset) for a data set name or file, the chosen split (train if no test)."""
    from glassnet.cli.commands._common import load_dataset

    data = load_dataset(name, data_dir=data_dir, seed=seed, quiet=True)
    if split == "test" and data.has_test:
        return data.X_test, data.y_test, data
    if split == "all" and data.has_test:
        import numpy as np

        X = np.concatenate([data.X_train, data.X_test])
        return X, np.concatenate([data.y_train, data.y_test]), data
    return data.X_train, data.y_train, data


def model_rows(net, args):
    """(X, y, dataset) of the model's own data (or DATA), the rows --split chooses: for a file
    the model learnt from, by its record of the split (the same rule as evaluate's)."""
    from glassnet.cli.commands._common import check_features, is_builtin, scored_rows

    name = own_data(net, args.data)
    if is_builtin(name):
        return load_data(name, args.data_dir, args.seed, args.split)
    rows = scored_rows(net, name, args.split, data_dir=args.data_dir)
    print(f"drew {rows.description}")
    return check_features(net, rows.X, name), rows.y, None


def model(path):
    """The Network in a model file (ModelFileError, one line, for anything wrong)."""
    from glassnet.cli.commands._common import load_model

    return load_model(path)


def own_data(net, given):
    """DATA as given, else the model's own data set (its file, or the built-in set's name);
    for a model that records none (made with the library), xor-clusters, with a warning."""
    import sys

    from glassnet.cli.commands._common import recorded_data

    if given:
        return given
    found, why = recorded_data(net)
    if found is not None:
        return found
    if net is not None:
        print(f"warning: {why}; drawing {DEFAULT_DATA}: give DATA to draw the model's own",
              file=sys.stderr)  # fmt: skip
    return DEFAULT_DATA


def image_shape(data, n_features: int):
    """The data set's image shape, or a square one when the features make a square (784)."""
    if data is not None and data.image_shape:
        return tuple(data.image_shape)
    side = int(round(n_features**0.5))
    return (side, side) if side * side == n_features and side > 4 else None


def class_names(net, data=None):
    """The original class labels: the model's, else the data set's, else None (ids)."""
    classes = net.card.classes if net is not None else None
    if not classes and data is not None:
        classes = data.classes
    return classes


# ---------------------------------------------------------------- kinds


def _curves(args):
    from glassnet.runs import record
    from glassnet.viz.curves import curves_figure

    return curves_figure(record.read(args.run_dir).history, title=args.title)


def _sweep(args):
    from glassnet.sweep import metric_of, read_results
    from glassnet.viz.sweep import sweep_figure

    rows, varied = read_results(args.results)
    metric, _ = metric_of(rows, args.metric)
    return sweep_figure(rows, varied, metric, title=args.title)


def _boundary(args):
    from glassnet.viz.boundary import boundary_figure

    net = model(args.model)
    X, y, data = model_rows(net, args)
    return boundary_figure(net, X, y, title=args.title, classes=class_names(net, data))


def _features(args):
    from glassnet.cli.commands._common import is_builtin
    from glassnet.cli.progress import Steps
    from glassnet.lab.features import feature_layer
    from glassnet.viz.features import features_figure, features_gif

    if args.model and not Path(args.model).exists() and is_builtin(args.model):
        # `glassnet plot features moons`: a data set and no model
        args.model, args.data = None, args.model
    net = model(args.model) if args.model else None
    if net is None:
        X, y, data = load_data(own_data(net, args.data), args.data_dir, args.seed, args.split)
    else:
        X, y, data = model_rows(net, args)
        feature_layer(net)  # fails early with the reason if there is no 2-/3-unit layer
    if args.gif or net is None:
        fresh, fit_kwargs = trainable_copy(net, X, y, args.epochs, args.seed)
        epochs = fit_kwargs["epochs"]
        _say(args, f"plot features: training {fresh!r} for {epochs} epochs …")
        frames = frame_epochs(epochs, args.frames) if args.gif else [epochs]
        steps = Steps("plot features", args.quiet or args.json)
        snapshots = train_with_snapshots(fresh, X, y, frames, fit_kwargs, progress=steps)
        if args.gif:
            check_output(Path(args.gif), (".gif",))
            features_gif(snapshots, args.gif, frames, classes=class_names(fresh, data),
                         progress=steps)  # fmt: skip
            print(f"wrote {args.gif} ({len(frames)} frames, epochs {frames[0]}–{frames[-1]})")
        if net is None:
            net = fresh
    return features_figure(net, X, y, title=args.title, classes=class_names(net, data))


def _say(args, message: str) -> None:
    """A progress line on stderr before a step that takes seconds (not with --quiet/--json)."""
    import sys

    if not (args.quiet or args.json):
        print(message, file=sys.stderr, flush=True)


def trainable_copy(net, X, y, epochs=None, seed=0):
    """(a freshly initialised network, fit arguments): the model's architecture re-drawn from
    its seed and trained as its metadata records; or, with no model, the documents' 2-3-1
    ReLU/sigmoid network with Adam(0.05), mini-batches of 32, 100 epochs."""
    from glassnet.models.builders import mlp
    from glassnet.nn import optimizers
    from glassnet.nn.layers import LAYER_TYPES
    from glassnet.nn.network import Network

    if net is None:
        fresh = mlp([X.shape[1], 3, 1], "relu", output="sigmoid", seed=seed)
        kwargs = {"loss": "binary_cross_entropy", "optimizer": optimizers.Adam(0.05),
                  "epochs": epochs or 100, "batch_size": 32}  # fmt: skip
        return fresh, kwargs
    layers = []
    for layer in net.layers:
        copy = LAYER_TYPES[type(layer).__name__](**layer.config())
        if layer.buffers and not layer.params:
            copy.set_arrays(layer.arrays())
        layers.append(copy)
    fresh = Network(layers, seed=net.seed if net.seed is not None else seed, dtype=net.dtype)
    fresh.card = net.copy().card
    training = net.card.training
    optimizer = training.get("optimizer")
    kwargs = {
        "loss": training.get("loss"),
        "optimizer": optimizers.from_config(optimizer) if optimizer else optimizers.Adam(0.05),
        "epochs": epochs or training.get("epochs") or 100,
        "batch_size": training.get("batch_size") or 32,
    }
    return fresh, kwargs


def frame_epochs(epochs: int, frames: int) -> list[int]:
    """About `frames` epochs from 0 (before training) to `epochs`, log-spaced: early epochs
    change the picture most."""
    import numpy as np

    chosen = np.unique(np.round(np.geomspace(1, epochs + 1, max(frames, 2)) - 1).astype(int))
    return sorted(set(chosen.tolist()) | {0, epochs})


def train_with_snapshots(net, X, y, frames, fit_kwargs, progress=None) -> list:
    """Train, capturing the feature-space snapshot at each epoch in `frames` (0 = before);
    progress(done, total, what), when given, after each epoch."""
    from glassnet.lab.features import feature_snapshot

    wanted = set(frames)
    snapshots = {}
    if 0 in wanted:
        snapshots[0] = feature_snapshot(net, X, y)

    def capture(event):
        if event["event"] == "epoch" and event["epoch"] in wanted:
            snapshots[event["epoch"]] = feature_snapshot(net, X, y)
        if event["event"] == "epoch" and progress is not None:
            progress(event["epoch"], event["epochs"], "epochs trained")

    net.fit(X, y, callback=capture, **fit_kwargs)
    return [snapshots[e] for e in frames if e in snapshots]


def _activations(args):
    from glassnet.viz.weights import activations_figure

    fig = activations_figure()
    if args.title:
        fig.suptitle(args.title)
    return fig


def _weights(args):
    from glassnet.errors import ValidationError
    from glassnet.viz.weights import weights_figure

    net = model(args.model)
    shape = image_shape(None, net.n_in)
    if shape is None:
        raise ValidationError(
            f"the model takes {net.n_in} inputs, which is not a square image; weights can be "
            "shown as images for image models such as MNIST's 784 = 28×28"
        )
    return weights_figure(net, shape, max_units=args.max_units, title=args.title)


def _confusion(args):
    from glassnet.cli.commands._common import check_features, scored_rows
    from glassnet.viz.confusion import confusion_figure

    net = model(args.model)
    data_name = own_data(net, args.data)
    rows = scored_rows(net, data_name, args.split, data_dir=args.data_dir)
    X = check_features(net, rows.X, data_name)
    proba = net.predict_proba(X)
    print(f"scored {rows.description}")
    title = args.title or f"Confusion matrix on {rows.description}"
    return confusion_figure(rows.y, proba, X, image_shape(None, net.n_in),
                            classes=class_names(net), title=title)  # fmt: skip


def _gradients(args):
    from glassnet.cli.commands._common import is_builtin
    from glassnet.cli.progress import Steps
    from glassnet.errors import ValidationError
    from glassnet.lab import Problem, deep_comparison
    from glassnet.viz.experiments import gradients_figure

    X, y, data = load_data(args.data, args.data_dir, args.seed, args.split)
    if data.task == "regression":
        raise ValidationError("plot gradients needs class labels; this data set is a regression")
    problem = Problem.from_dataset(data, X, y, is_file=not is_builtin(args.data))
    _say(args, f"plot gradients: training a {args.depth}-layer sigmoid and ReLU network for "
         f"{args.epochs} epochs each …")  # fmt: skip
    steps = Steps("plot gradients", args.quiet or args.json)
    records = deep_comparison(problem, depth=args.depth, width=args.width, epochs=args.epochs,
                              seed=args.seed, lr=args.lr, progress=steps)  # fmt: skip
    return gradients_figure(records, title=args.title)
