"""glassnet lr-range: a sweep of learning rates from the same initial weights."""

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

HELP = "sweep learning rates (log-spaced) and mark each too small, good or diverging"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "data",
        metavar="DATA",
        nargs="?",
        default="xor-clusters",
        help="data set name or file (default: xor-clusters)",
    )
    parser.add_argument(
        "--min",
        dest="lr_min",
        type=positive_float,
        default=1e-4,
        help="smallest learning rate (default 1e-4)",
    )
    parser.add_argument(
        "--max",
        dest="lr_max",
        type=positive_float,
        default=100.0,
        help="largest learning rate (default 100)",
    )
    parser.add_argument(
        "--steps",
        type=positive_int,
        default=13,
        help="learning rates, log-spaced from --min to --max (default 13)",
    )
    parser.add_argument(
        "--epochs", type=positive_int, default=5, help="epochs per learning rate (default 5)"
    )
    parser.add_argument("--batch-size", type=batch_size, metavar="1|N|full",
                        help="1, N or full (default 32, or every sample of less data)")  # fmt: skip
    parser.add_argument(
        "--hidden",
        type=hidden_sizes,
        metavar="256,128",
        help="hidden layer widths (default: 3 for small data, about D/4 units for D > 10 inputs)",
    )
    parser.add_argument("--activation", default="relu",
                        choices=list(ACTIVATIONS),
                        help="hidden activation (default relu)")  # fmt: skip
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the initial weights, shuffling and generated data",
    )
    parser.add_argument("--out", metavar="FILE", help="also draw the sweep (.png or .svg)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    add_data_dir(parser)
    add_executor_arguments(parser)


def run(args) -> ExitStatus:
    from pathlib import Path

    import numpy as np

    from glassnet.cli.commands import _common as C
    from glassnet.cli.commands.plot import check_output, load_data
    from glassnet.errors import UsageError
    from glassnet.lab import Problem, lr_range, suggested_lr
    from glassnet.parallel import executor

    if args.lr_min >= args.lr_max and args.steps > 1:
        raise UsageError(f"--min ({args.lr_min:g}) must be below --max ({args.lr_max:g})")
    if args.out:
        from glassnet.viz.style import FORMATS

        check_output(Path(args.out), FORMATS)
    from glassnet.cli.progress import Steps

    X, y, data = load_data(args.data, args.data_dir, args.seed)
    if args.batch_size is None:  # the default: mini-batches of 32, or the whole of less data
        args.batch_size = min(32, len(X))
    C.check_batch(args.batch_size, len(X))
    problem = Problem.from_dataset(data, X, y, is_file=not C.is_builtin(args.data))
    hidden = args.hidden if args.hidden is not None else problem.sensible_hidden()
    C.warn(problem.network_warning(hidden))
    recipe = problem.recipe(
        hidden,
        args.activation,
        optimizer="sgd",
        epochs=args.epochs,
        batch_size=args.batch_size,
    )
    lrs = np.geomspace(args.lr_min, args.lr_max, args.steps)
    with executor(args.jobs, args.scheduler) as pool:
        trials = lr_range(problem, recipe, lrs, epochs=args.epochs, batch_size=args.batch_size,
                          seed=args.seed, executor=pool,
                          progress=Steps("lr-range", args.quiet))  # fmt: skip
    best = suggested_lr(trials)
    if args.out:
        from glassnet.viz.experiments import lr_range_figure
        from glassnet.viz.style import save

        title = (f"Learning-rate sweep on {data.name}: {recipe.name}, {args.epochs} epochs of "
                 f"SGD, batch {args.batch_size}")  # fmt: skip
        save(lr_range_figure(trials, title=title, suggested=best), args.out)
    if args.json:
        described = {
            **problem.describe(recipe),
            "optimizer": "sgd",
            "momentum": 0.0,
            "lr": [t.lr for t in trials],
        }  # plain SGD at each learning rate swept
        C.print_json({"data": data.name, "recipe": described, "epochs": args.epochs,
                      "batch_size": args.batch_size, "suggested_lr": best,
                      "trials": [t.to_dict() for t in trials]})  # fmt: skip
        return ExitStatus.SUCCESS
    _print(trials, best, data.name, recipe, args)
    if args.out:
        print(f"wrote {args.out}")
    return ExitStatus.SUCCESS


VERDICTS = {"too_small": "too small", "good": "good", "diverges": "diverges"}


def _print(trials, best, name, recipe, args) -> None:
    import math

    from rich.table import Table

    from glassnet.cli.commands import _common as C

    table = Table(title=f"{name}: {recipe.name}, {args.epochs} epochs of SGD, batch "
                  f"{args.batch_size}, same initial weights")  # fmt: skip
    for column in ("learning rate", "cost before", "cost after", "verdict", "why"):
        table.add_column(column, justify="left" if column in ("verdict", "why") else "right")
    for t in trials:
        after = "∞" if not math.isfinite(t.final_cost) else C.fmt_cost(t.final_cost)
        table.add_row(f"{t.lr:.3g}", C.fmt_cost(t.initial_cost), after, VERDICTS[t.verdict],
                      t.reason)  # fmt: skip
    console = C.console()
    console.print(table)
    if best is None:
        console.print("no learning rate was good: widen the range or train more epochs")
    else:
        console.print(f"suggested learning rate: {best:.3g} (the lowest cost after "
                      f"{args.epochs} epochs among the good ones)")  # fmt: skip
