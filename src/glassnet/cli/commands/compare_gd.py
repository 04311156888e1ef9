"""glassnet compare-gd: stochastic, mini-batch and full-batch gradient descent side by side."""

from __future__ import annotations

import argparse

from glassnet.cli.commands._common import (
    add_data_dir,
    batch_size,
    hidden_sizes,
    non_negative_int,
    positive_float,
    positive_int,
)
from glassnet.cli.commands.sweep import add_executor_arguments
from glassnet.cli.status import ExitStatus
from glassnet.nn.layers import ACTIVATIONS

HELP = "compare stochastic, mini-batch and full-batch gradient descent from the same weights"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", metavar="DATA", nargs="?", default="xor-clusters",
                        help="data set name or file (default: xor-clusters)")  # fmt: skip
    parser.add_argument(
        "--hidden",
        type=hidden_sizes,
        metavar="256,128",
        help="hidden layer widths, comma-separated (default: 3, the documents' 2-3-1, for small "
        "data; about D/4 units for D > 10 inputs or more than 3 classes)",
    )
    parser.add_argument("--activation", default="relu",
                        choices=list(ACTIVATIONS),
                        help="hidden activation (default relu)")  # fmt: skip
    parser.add_argument(
        "--loss",
        choices=("binary_cross_entropy", "squared_error"),
        help="cost for two classes (default binary_cross_entropy)",
    )
    parser.add_argument("--epochs", type=positive_int, default=30, help="(default 30)")
    parser.add_argument(
        "--lr",
        type=positive_float,
        default=0.5,
        help="plain SGD learning rate, the same for all three (default 0.5)",
    )
    parser.add_argument(
        "--batch-size",
        type=batch_size,
        metavar="N|full",
        help="the mini-batch form's size (default 32, or all samples when there are fewer; "
        "stochastic and full batch always run)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the initial weights, shuffling and generated data",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="also draw cost against epochs, updates and samples seen (.png/.svg)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    add_data_dir(parser)
    add_executor_arguments(parser)


def run(args) -> ExitStatus:
    from pathlib import Path

    from glassnet.cli.commands import _common as C
    from glassnet.cli.commands.plot import check_output, load_data
    from glassnet.lab import Problem, compare_gd
    from glassnet.parallel import executor

    if args.out:
        from glassnet.viz.style import FORMATS

        check_output(Path(args.out), FORMATS)
    from glassnet.cli.progress import Steps
    from glassnet.errors import ValidationError

    X, y, data = load_data(args.data, args.data_dir, args.seed)
    if args.batch_size == "full":
        args.batch_size = len(X)
        C.warn("--batch-size full makes the mini-batch form the full batch (which runs anyway)")
    elif args.batch_size is None:
        args.batch_size = min(32, len(X))
    elif args.batch_size > len(X):
        raise ValidationError(
            f"a mini-batch of {args.batch_size} is larger than the {len(X)} samples: give a "
            f"batch size below {len(X)} (full batch is run anyway)"
        )
    problem = Problem.from_dataset(data, X, y, is_file=not C.is_builtin(args.data))
    hidden = args.hidden if args.hidden is not None else problem.sensible_hidden()
    C.warn(problem.network_warning(hidden))
    recipe = problem.recipe(
        hidden,
        args.activation,
        optimizer="sgd",
        lr=args.lr,
        epochs=args.epochs,
        batch_size=args.batch_size,
        loss=args.loss,
    )
    with executor(args.jobs, args.scheduler) as pool:
        runs = compare_gd(problem, recipe, epochs=args.epochs, lr=args.lr,
                          mini_batch=args.batch_size, seed=args.seed, executor=pool,
                          progress=Steps("compare-gd", args.quiet))  # fmt: skip
    if args.out:
        from glassnet.viz.experiments import compare_gd_figure
        from glassnet.viz.style import save

        title = (f"Stochastic, mini-batch and full-batch gradient descent on {data.name}: "
                 f"{recipe.name}, {problem.loss(recipe)}, η = {args.lr:g}")  # fmt: skip
        save(compare_gd_figure(runs, title=title), args.out)
    if args.json:
        described = {
            **problem.describe(recipe),
            "optimizer": "sgd",
            "momentum": 0.0,
            "batch_size": [r.batch_size for r in runs],
        }  # the three forms, plain SGD
        C.print_json({"data": data.name, "recipe": described, "lr": args.lr,
                      "epochs": args.epochs, "runs": [r.to_dict() for r in runs]})  # fmt: skip
        return ExitStatus.SUCCESS
    _print_table(runs, data.name, recipe.name, problem.loss(recipe), args)
    if args.out:
        print(f"wrote {args.out}")
    return ExitStatus.SUCCESS


def _print_table(runs, name, architecture, loss, args) -> None:
    from rich.table import Table

    from glassnet.cli.commands import _common as C

    table = Table(title=f"{name}: {architecture}, {loss}, plain SGD η = {args.lr:g}, "
                  f"{args.epochs} epochs, same initial weights")  # fmt: skip
    for column in ("form", "batch", "updates", "final cost", "accuracy", "time"):
        table.add_column(column, justify="left" if column == "form" else "right")
    for r in runs:
        cost = "diverged" if r.diverged else f"{r.final_cost:.4g}"
        table.add_row(r.name, str(r.batch_size), f"{r.updates[-1]:,}", cost,
                      C.fmt_pct(r.accuracy), f"{r.seconds:.2f} s")  # fmt: skip
    C.console().print(table)
