"""What the subcommands share: argument types, output streams, files, loading data and models.

rich is imported inside the functions that need it, so `glassnet --help` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys

from glassnet.datasets.features import check_features, is_builtin, open_dataset
from glassnet.runs.record import dumps, write_json, write_text

# re-exported for the commands
__all__ = ["check_features", "dumps", "is_builtin", "write_json", "write_text"]

# ---------------------------------------------------------------- argument types


def _checked(text: str, cast, ok, rule: str):
    """text as cast(text) when ok(value); argparse's usage error naming the rule otherwise."""
    try:
        value = cast(text)
    except ValueError:
        value = None
    if value is None or not ok(value):
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    return _checked(text, int, lambda v: v >= 1, "a positive integer")


def non_negative_int(text: str) -> int:
    """argparse type: an integer ≥ 0 (seeds)."""
    return _checked(text, int, lambda v: v >= 0, "an integer ≥ 0")


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0 (learning rates)."""
    return _checked(text, float, lambda v: 0 < v < float("inf"), "a positive finite number")


def fraction(text: str) -> float:
    """argparse type: a number in [0, 1) (0 turns validation off)."""
    return _checked(text, float, lambda v: 0 <= v < 1, "a number in [0, 1)")


def hidden_sizes(text: str) -> tuple[int, ...]:
    """argparse type: comma-separated positive widths, e.g. 256,128 ("" or "none": no hidden)."""
    if text.strip().lower() in ("", "none"):
        return ()
    parts = [p.strip() for p in text.split(",")]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        sizes = None
    if sizes is None or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(
            f"hidden sizes must be positive integers separated by commas (e.g. 256,128), "
            f"got {text!r}"
        )
    return sizes


def batch_size(text: str) -> int | str:
    """argparse type: 1 (stochastic), N (mini-batch) or "full" (batch gradient descent)."""
    if text.strip().lower() == "full":
        return "full"
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f'must be 1 (stochastic), a positive integer N (mini-batch) or "full", got {text!r}'
        )
    return value


def check_batch(batch: int | str | None, n: int) -> None:
    """Refuse a mini-batch larger than the data (it would silently run as the full batch)."""
    from glassnet.errors import ValidationError

    if isinstance(batch, int) and batch > n:
        raise ValidationError(
            f"a mini-batch of {batch} is larger than the {n} samples: give a batch size of at "
            f"most {n}, or --batch-size full"
        )


def recorded_data(net) -> tuple[str | None, str]:
    """The data set a model learnt from, as its card records it: (its file, or the built-in
    set's name, ""), or (None, why not). A model that learnt from a file never falls back to
    a built-in set of the same name (moons.csv is recorded as "moons")."""
    from pathlib import Path

    record = (net.card.data if net is not None else None) or {}
    path, name = record.get("path"), record.get("name")
    if path:
        if Path(path).is_file():
            return path, ""
        return None, f"the data file {path} it learnt from is not there"
    if name and is_builtin(name):
        return name, ""
    return None, "it records no data set"


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder of downloaded data sets (default: $GLASSNET_DATA, else ~/.cache/glassnet)",
    )


# ---------------------------------------------------------------- output


def console(stderr: bool = False):
    """A rich Console on stdout (or stderr); colours only on a terminal, honouring NO_COLOR."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def is_tty(stream) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


def print_json(obj) -> None:
    """One JSON object on stdout, on one line."""
    sys.stdout.write(dumps(obj, indent=None) + "\n")
    sys.stdout.flush()


def warn(message: str | None) -> None:
    """One `warning:` line on stderr (nothing for None)."""
    if message:
        print(f"warning: {message}", file=sys.stderr, flush=True)


def fmt_pct(value) -> str:
    return "–" if value is None else f"{100 * value:.2f} %"


def fmt_cost(value) -> str:
    return "–" if value is None else f"{value:.4f}"


# ---------------------------------------------------------------- data


def load_dataset(name: str, data_dir=None, target=None, seed: int = 0, quiet: bool = False):
    """The data set DATA names, with a download progress bar on a terminal (stderr)."""
    with download_progress(quiet) as progress:
        dataset, _ = open_dataset(name, data_dir=data_dir, target=target, seed=seed,
                                  progress=progress)  # fmt: skip
    return dataset


class download_progress:  # noqa: N801 (used as a context manager, like open)
    """progress(done, total, filename) for downloads: a rich bar on a terminal, else lines."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.bar = None
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        return self

    def __call__(self, done, total, filename):
        if self.quiet:
            return
        if not is_tty(sys.stderr):
            if done == 0:
                print(f"downloading {filename} ...", file=sys.stderr, flush=True)
            return
        if self.bar is None:
            from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

            columns = (*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn())
            self.bar = Progress(*columns, console=console(stderr=True), transient=False)
            self.bar.start()
        if filename not in self.tasks:
            self.tasks[filename] = self.bar.add_task(f"downloading {filename}", total=total)
        self.bar.update(self.tasks[filename], completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def add_split(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--split",
        choices=("test", "train", "all"),
        default="test",
        help="rows to score: the held-out test rows (default), the rows the model learnt "
        "from, or all; for your file, the model's record of its split decides",
    )


def scored_rows(net, data: str, split: str, target=None, data_dir=None, quiet: bool = True):
    """The rows of DATA to score `net` on (glassnet.runs.rows.Rows), by --split."""
    from glassnet.datasets import features
    from glassnet.runs import rows

    if is_builtin(data):
        return rows.select_builtin(load_dataset(data, data_dir=data_dir, quiet=quiet), split)
    X, y, _ = features.labelled_data(net, data, target, data_dir)
    return rows.select_file(net, X, y, data, split)


# ---------------------------------------------------------------- models


def load_model(path):
    """A Network from a model file; ModelFileError (one line) for anything wrong with it."""
    from glassnet.models.files import load

    return load(path)


def per_class_table(per_class: list[dict]):
    """A rich Table of each class's precision, recall, F1 and support (train, evaluate)."""
    from rich.table import Table

    table = Table(title="per class")
    for name in ("class", "precision", "recall", "F1", "support"):
        table.add_column(name, justify="left" if name == "class" else "right")
    for row in per_class:
        table.add_row(str(row["class"]), fmt_pct(row["precision"]), fmt_pct(row["recall"]),
                      fmt_pct(row["f1"]), str(row["support"]))  # fmt: skip
    return table
