"""glassnet replay: run a recorded training run again and compare the cost curves."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from glassnet.cli.commands import _common as C
from glassnet.cli.status import ExitStatus

HELP = "re-run a --run-dir's manifest and say whether the cost curve is identical"
CURVES = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="folder written by train --run-dir")
    C.add_data_dir(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def run(args) -> ExitStatus:
    import sys

    from glassnet.cli.progress import Progress
    from glassnet.runs import record
    from glassnet.runs.run import run as run_training

    recorded = record.read(Path(args.run_dir))
    config = recorded.config.replace(out=None, run_dir=None, resume=None, force=False)
    if args.data_dir:
        config = config.replace(data_dir=args.data_dir)
    progress = Progress(sys.stderr, quiet=args.quiet)  # training progress, as train shows it
    try:
        replayed = run_training(config, [progress])
    finally:
        progress.close()
    data_note = None
    if replayed.network.card.data["sha256"] != recorded.manifest["data"]["sha256"]:
        data_note = f"the data's SHA-256 differs from the manifest's ({config.data} changed)"
    report = compare(recorded.history, replayed.history.to_dict())
    report["data_changed"] = data_note
    report["run_dir"] = str(args.run_dir)
    if args.json:
        C.print_json(report)
    else:
        if data_note:
            print(f"note: {data_note}")
        print(report["message"])
    return ExitStatus.SUCCESS if report["identical"] else ExitStatus.ERROR


def compare(recorded: dict, replayed: dict) -> dict:
    """Epoch by epoch: identical, or the first epoch and curve where the runs part."""
    n_old, n_new = len(recorded["epoch"]), len(replayed["epoch"])
    for i in range(min(n_old, n_new)):
        for curve in CURVES:
            old, new = recorded[curve][i], replayed[curve][i]
            if not _same(old, new):
                delta = None if None in (old, new) else new - old
                by = "" if delta is None else f" (difference {delta:+.3g})"
                return {
                    "identical": False, "epoch": i + 1, "curve": curve, "recorded": old,
                    "replayed": new, "difference": delta, "epochs": [n_old, n_new],
                    "message": f"differs: first at epoch {i + 1}, {curve} recorded {old} but "
                    f"replayed {new}{by}",
                }  # fmt: skip
    if n_old != n_new:
        return {
            "identical": False, "epoch": min(n_old, n_new) + 1, "curve": "epochs",
            "epochs": [n_old, n_new],
            "message": f"differs: the recorded run has {n_old} epochs, the replay {n_new}",
        }  # fmt: skip
    return {
        "identical": True, "epoch": None, "epochs": [n_old, n_new],
        "message": f"identical: all {n_old} epochs of the cost curve match bit for bit",
    }  # fmt: skip


def _same(old, new) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return old == new or (math.isnan(old) and math.isnan(new))
