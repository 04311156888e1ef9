"""glassnet report RUN_DIR: one self-contained HTML page of a training run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from glassnet.cli.commands._common import add_split
from glassnet.cli.status import ExitStatus

HELP = "write one self-contained HTML report of a run folder (curves, boundary, trace, manifest)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="folder written by train --run-dir")
    parser.add_argument("--out", metavar="FILE",
                        help="HTML file to write (default: RUN_DIR/report.html)")  # fmt: skip
    add_split(parser)
    parser.add_argument("--json", action="store_true", help="print where it wrote, as JSON")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")


def run(args) -> ExitStatus:
    from glassnet.cli.commands._common import print_json
    from glassnet.viz.report import build_report

    if not args.quiet and Path(args.run_dir).is_dir():  # drawing takes a few seconds
        print(f"report: drawing the figures of {args.run_dir} …", file=sys.stderr, flush=True)
    path = build_report(args.run_dir, args.out, args.split)
    if args.json:
        print_json({"report": str(path), "run_dir": str(args.run_dir), "split": args.split})
    elif not args.quiet:
        print(f"wrote {path} (rows scored: --split {args.split})")
    return ExitStatus.SUCCESS
