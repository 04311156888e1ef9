"""glassnet datasets: list the built-in data sets, download or verify the MNIST family."""

from __future__ import annotations

import argparse

from glassnet.cli.commands import _common as C
from glassnet.cli.status import ExitStatus

HELP = "list the built-in data sets, download one (with checksums) or verify files on disk"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", default="list", choices=["list", "download", "verify"],
                        help="what to do (default: list)")  # fmt: skip
    parser.add_argument("name", nargs="?", metavar="NAME", help="data set for download/verify")
    C.add_data_dir(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def run(args) -> ExitStatus:
    from glassnet import datasets
    from glassnet.errors import UsageError

    if args.action == "list":
        return _list(args, datasets)
    if not args.name:
        raise UsageError(
            f"glassnet datasets {args.action} needs a data set name, e.g. "
            f"`glassnet datasets {args.action} mnist`"
        )
    name = args.name.strip().lower().replace("_", "-")
    if name in datasets.BUILTIN_NAMES and name not in _downloadable():
        message = f"{name} is generated from a seed; there is nothing to {args.action}"
        return _done(args, {"dataset": name, "ok": True, "files": [], "note": message}, message)
    if args.action == "download":
        return _download(args, name, datasets)
    return _verify(args, name, datasets)


def _downloadable() -> tuple[str, ...]:
    from glassnet.datasets.registry import IMAGE_SETS

    return tuple(IMAGE_SETS)


def _list(args, datasets) -> int:
    home = datasets.data_home(args.data_dir)
    rows = [{"name": n, "description": d, "downloadable": n in _downloadable()}
            for n, d in datasets.describe()]  # fmt: skip
    if args.json:
        C.print_json({"data_home": str(home), "datasets": rows})
        return ExitStatus.SUCCESS
    from rich.table import Table

    table = Table(title=f"built-in data sets (downloads go to {home})")
    table.add_column("name")
    table.add_column("description")
    table.add_column("source")
    for row in rows:
        table.add_row(row["name"], row["description"],
                      "download" if row["downloadable"] else "generated")  # fmt: skip
    C.console().print(table)
    return ExitStatus.SUCCESS


def _download(args, name, datasets) -> int:
    with C.download_progress(args.quiet or args.json) as progress:
        paths = datasets.download(name, args.data_dir, progress)
    report = {"dataset": name, "ok": True, "files": [str(p) for p in paths]}
    lines = "\n".join(f"  {p}" for p in report["files"])
    return _done(args, report, f"{name}: {len(paths)} files present and verified\n{lines}")


def _verify(args, name, datasets) -> int:
    rows = datasets.verify(name, args.data_dir)
    ok = bool(rows) and all(row[1] for row in rows)
    report = {"dataset": name, "ok": ok,
              "files": [{"file": f, "ok": good, "detail": d} for f, good, d in rows]}  # fmt: skip
    if args.json:
        C.print_json(report)
    else:
        for file, good, detail in rows:
            print(f"{'ok  ' if good else 'FAIL'}  {file}: {detail}")
        if not ok:
            print(f"error: {name} did not verify; run `glassnet datasets download {name}` "
                  "to fetch fresh copies")  # fmt: skip
    return ExitStatus.SUCCESS if ok else ExitStatus.ERROR


def _done(args, report: dict, message: str) -> int:
    if args.json:
        C.print_json(report)
    else:
        print(message)
    return ExitStatus.SUCCESS
