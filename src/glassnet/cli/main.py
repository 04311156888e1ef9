"""The `glassnet` command: parse, call the library, print. Nothing else lives here.

Each subcommand is a module in glassnet.cli.commands with HELP (one line), add_arguments(parser)
and run(args) -> exit code. Modules import their heavy dependencies inside run(), so
`glassnet --help` stays fast.

Exit codes: 0 success, 1 a failure the message explains, 2 a usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from glassnet import __version__
from glassnet.errors import GlassnetError

COMMANDS = (
    "train",
    "evaluate",
    "predict",
    "info",
    "datasets",
    "replay",
    "explain",
    "gradcheck",
    "plot",
    "compare-gd",
    "seeds",
    "lr-range",
    "report",
)


def _module(name: str):
    try:
        return importlib.import_module(f"glassnet.cli.commands.{name.replace('-', '_')}")
    except ModuleNotFoundError as exc:
        if exc.name == f"glassnet.cli.commands.{name.replace('-', '_')}":
            return None
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Neural networks in which nothing is hidden: train, inspect and explain MLPs.",
        epilog="Run 'glassnet COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = _module(name)
        if module is None:
            continue
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except GlassnetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
