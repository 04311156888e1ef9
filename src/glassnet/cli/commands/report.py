"""glassnet report RUN_DIR: one self-contained HTML page of a training run."""

from __future__ import annotations

import argparse

from glassnet.cli.status import ExitStatus

HELP = "write one self-contained HTML report of a run folder (curves, boundary, trace, manifest)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="folder written by train --run-dir")
    parser.add_argument("--out", metavar="FILE",
                        help="HTML file to write (default: RUN_DIR/report.html)")  # fmt: skip


def run(args) -> ExitStatus:
    from glassnet.viz.report import build_report

    path = build_report(args.run_dir, args.out)
    print(f"wrote {path}")
    return ExitStatus.SUCCESS
