"""glassnet seeds: one recipe over many seeds; how many solve the task, and why the others fail."""

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

HELP = "train a recipe from N seeds: 'solved k/N' and each failure diagnosed with advice"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "data",
        metavar="DATA",
        nargs="?",
        default="xor",
        help="data set name or file (default: the four XOR points)",
    )
    parser.add_argument("--n", type=positive_int, default=20, help="number of seeds (default 20)")
    parser.add_argument(
        "--seed",
        "--first-seed",
        dest="first_seed",
        type=non_negative_int,
        default=0,
        help="the first seed; seeds run from this one up (default 0)",
    )
    parser.add_argument(
        "--hidden",
        type=hidden_sizes,
        metavar="256,128",
        help="hidden layer widths (default: 3, the 2-3-1 network, for small data; about D/4 "
        "units for D > 10 inputs)",
    )
    parser.add_argument("--activation", default="relu",
                        choices=list(ACTIVATIONS),
                        help="hidden activation (default relu)")  # fmt: skip
    parser.add_argument(
        "--optimizer", choices=("adam", "sgd"), default="adam", help="(default adam)"
    )
    parser.add_argument("--lr", type=positive_float, default=0.05, help="(default 0.05)")
    parser.add_argument("--epochs", type=positive_int, default=300, help="(default 300)")
    parser.add_argument("--batch-size", type=batch_size, metavar="1|N|full",
                        help="(default: full for up to 1024 samples, else 32)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    add_data_dir(parser)
    add_executor_arguments(parser)


def run(args) -> ExitStatus:
    from glassnet.cli.commands import _common as C
    from glassnet.cli.commands.plot import load_data
    from glassnet.cli.progress import Steps
    from glassnet.lab import Problem, run_seeds
    from glassnet.parallel import executor

    X, y, data = load_data(args.data, args.data_dir, args.first_seed)
    problem = Problem.from_dataset(data, X, y, is_file=not C.is_builtin(args.data))
    hidden = args.hidden if args.hidden is not None else problem.sensible_hidden()
    C.warn(problem.network_warning(hidden))
    C.check_batch(args.batch_size, len(X))
    batch = args.batch_size or ("full" if len(X) <= 1024 else 32)
    recipe = problem.recipe(hidden, args.activation, optimizer=args.optimizer, lr=args.lr,
                            epochs=args.epochs, batch_size=batch)  # fmt: skip
    with executor(args.jobs, args.scheduler) as pool:
        result = run_seeds(problem, recipe, n=args.n, first_seed=args.first_seed, executor=pool,
                           progress=Steps("seeds", args.quiet))  # fmt: skip
    if args.json:
        C.print_json({"data": data.name, **result.to_dict()})
        return ExitStatus.SUCCESS
    _print(result, data.name, recipe)
    return ExitStatus.SUCCESS


KIND_NAMES = {
    "dead_relu": "dead ReLU units",
    "saturated": "saturated units",
    "divergence": "divergence",
    "local_minimum": "stuck in a local minimum",
}


def _print(result, name, recipe) -> None:
    from rich.table import Table

    from glassnet.cli.commands import _common as C
    from glassnet.lab.diagnose import ADVICE

    console = C.console()
    n = len(result.outcomes)
    console.print(f"{name}, {recipe.name}, {recipe.optimizer} η = {recipe.lr:g}, "
                  f"{recipe.epochs} epochs, batch {recipe.batch_size}")  # fmt: skip
    console.print(f"solved {result.solved}/{n}")
    failures = [o for o in result.outcomes if not o.solved]
    if not failures:
        return
    table = Table(title="Failures")
    for column in ("seed", "cost", "accuracy", "diagnosis", "detail"):
        table.add_column(column, justify="right" if column in ("seed", "cost") else "left")
    for o in failures:
        cost = "∞" if o.loss == float("inf") else C.fmt_cost(o.loss)
        table.add_row(str(o.seed), cost, C.fmt_pct(o.accuracy), KIND_NAMES[o.failure], o.detail)
    console.print(table)
    for kind, count in sorted(result.counts.items(), key=lambda kv: -kv[1]):
        console.print(f"{KIND_NAMES[kind]} ({count}): {ADVICE[kind]}")
