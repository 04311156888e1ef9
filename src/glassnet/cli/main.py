"""The `glassnet` command: parse, call the library, print. Nothing else lives here.

Each subcommand is a module in glassnet.cli.commands with HELP (one line),
add_arguments(parser) and run(args) -> ExitStatus, listed in COMMANDS. The modules import
their heavy dependencies inside run(), so `glassnet --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys

from glassnet._version import __version__
from glassnet.cli.commands import (
    compare_gd,
    datasets,
    evaluate,
    explain,
    export,
    gradcheck,
    import_,
    info,
    lr_range,
    playground,
    plot,
    predict,
    replay,
    report,
    seeds,
    sweep,
    train,
)
from glassnet.cli.status import ExitStatus
from glassnet.errors import GlassnetError, UsageError

COMMANDS = {
    "train": train,
    "evaluate": evaluate,
    "predict": predict,
    "info": info,
    "datasets": datasets,
    "replay": replay,
    "explain": explain,
    "gradcheck": gradcheck,
    "plot": plot,
    "compare-gd": compare_gd,
    "seeds": seeds,
    "lr-range": lr_range,
    "report": report,
    "sweep": sweep,
    "playground": playground,
    "export": export,
    "import": import_,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Neural networks in which nothing is hidden: train, inspect and explain MLPs.",
        epilog="Run 'glassnet COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run, usage_parser=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return ExitStatus.USAGE
    if unknown:  # the subcommand's usage, not the top level's
        args.usage_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return int(args.run(args) or ExitStatus.SUCCESS)
    except UsageError as exc:
        args.usage_parser.print_usage(sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return ExitStatus.USAGE
    except GlassnetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return ExitStatus.SUCCESS
    except OSError as exc:  # the system refused a path the user gave (a folder not searchable)
        print(f"error: {refused_path(exc)}", file=sys.stderr)
        return ExitStatus.ERROR


def refused_path(exc: OSError) -> str:
    """One line for an OSError no command turned into a GlassnetError: the path and the fix."""
    what = exc.strerror or type(exc).__name__
    if exc.filename is None:
        return f"{what}: check the files and folders this command reads and writes"
    return (
        f"cannot use {exc.filename} ({what}): check the path, and that you may read it and "
        "search every folder on the way to it (ls -ld shows each folder's permissions)"
    )


if __name__ == "__main__":
    sys.exit(main())
