"""Run folders: what a run writes (--run-dir) and the one reader of them (replay, report, plots).

RUN_DIR/history.csv     one row per epoch (History.COLUMNS)
RUN_DIR/history.json    the History
RUN_DIR/manifest.json   everything needed to repeat the run: command, seed, versions, data
                        and its SHA-256, the resolved RunConfig ("settings")
RUN_DIR/summary.json    the summary `glassnet train --json` prints
RUN_DIR/model.glassnet  the trained model
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassnet._files import atomic_write
from glassnet._version import __version__
from glassnet.errors import DataError, GlassnetError, ValidationError
from glassnet.runs.config import RunConfig
from glassnet.train.history import History

FILES = ("history.json", "manifest.json", "summary.json", "model.glassnet")
WRITTEN = ("history.csv", *FILES)
DERIVED = ("report.html",)  # made from a run folder, stale once the run is written again


@dataclass
class RunRecord:
    """A run folder, read: its manifest, history and summary, and where its model is."""

    dir: Path
    manifest: dict
    history: dict
    summary: dict
    model: Path | None

    @property
    def config(self) -> RunConfig:
        """The run's config: the manifest's settings, with its hyperparameters (the part a
        person edits to replay a variation) taking precedence."""
        if "settings" not in self.manifest or "data" not in self.manifest:
            message = f"{self.dir / 'manifest.json'} is missing or has no settings"
            raise DataError(f"{message}; train again with --run-dir")
        settings = {**self.manifest["settings"], **self.manifest.get("hyperparameters", {})}
        return RunConfig.from_dict(settings)


def manifest(config: RunConfig, data: dict) -> dict:
    """Everything needed to repeat the run (`glassnet replay` reads it)."""
    settings = config.to_dict()
    return {
        "command": ["glassnet", "train", *_as_flags(config)],
        "seed": config.seed,
        "versions": {
            "glassnet": __version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "data": data,
        "hyperparameters": config.hyperparameters(),
        "settings": settings,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def _as_flags(config: RunConfig) -> list[str]:
    """The `glassnet train` command line that repeats a (resolved) config."""
    flags = [config.data]
    for name, value in config.to_dict().items():
        if name == "data" or value in (None, False):
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            flags.append(flag)
        else:
            shown = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            flags += [flag, shown]
    return flags


def write(run_dir: Path, history: History, manifest_obj: dict, summary: dict) -> None:
    """history.csv, history.json, manifest.json and summary.json, each written atomically;
    files derived from an earlier run in the folder (report.html) are removed."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=history.COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in history.rows():
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    write_text(run_dir / "history.csv", buffer.getvalue())
    write_json(run_dir / "history.json", history.to_dict())
    write_json(run_dir / "manifest.json", manifest_obj)
    write_json(run_dir / "summary.json", summary)
    for name in DERIVED:
        (run_dir / name).unlink(missing_ok=True)


def read(run_dir) -> RunRecord:
    """A run folder written by `glassnet train --run-dir` (or gn.run with run_dir). history.json
    is required; the manifest and summary are {} when missing and `model` is None without a
    model.glassnet. Anything unreadable is a one-line DataError."""
    folder = Path(run_dir)
    hint = f"create one with 'glassnet train --run-dir {folder}'"
    if not folder.is_dir():
        raise DataError(f"run folder {folder} does not exist; {hint}")
    if not (folder / "history.json").is_file():
        raise DataError(
            f"{folder} has no history.json, so it is not a run folder (one holds "
            f"{', '.join(WRITTEN)}); {hint}"
        )
    parts = {}
    for name in ("history", "manifest", "summary"):
        path = folder / f"{name}.json"
        parts[name] = _read_json(path) if path.is_file() else {}
    model = folder / "model.glassnet"
    return RunRecord(folder, parts["manifest"], parts["history"], parts["summary"],
                     model if model.is_file() else None)  # fmt: skip


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"cannot read {path}: {exc}; re-run the training to rewrite it") from None
    if not isinstance(data, dict):
        raise DataError(f"{path} does not hold a JSON object; re-run the training to rewrite it")
    return data


def checkpoint_path(config: RunConfig) -> Path:
    """Where an interrupted run keeps its checkpoint."""
    if config.run_dir:
        return Path(config.run_dir) / "checkpoint.glassnet"
    if config.out:
        return Path(f"{config.out}.checkpoint")
    return Path("glassnet.checkpoint")


def check_outputs(config: RunConfig) -> None:
    """Fail before training, not after, when the results cannot be written where asked."""
    if config.out:
        folder = Path(config.out).parent
        if not folder.is_dir():
            raise ValidationError(
                f"cannot save the model to {config.out}: folder {folder} does not exist; create "
                "it or choose another --out"
            )
        if Path(config.out).is_dir():
            raise ValidationError(f"--out {config.out} is a folder; give a file name")
    if config.run_dir and not config.resume and not config.force:
        folder = Path(config.run_dir)
        earlier = [name for name in (*WRITTEN, *DERIVED) if (folder / name).exists()]
        if earlier:
            raise ValidationError(
                f"--run-dir {folder} already holds a run ({', '.join(earlier[:3])}, …); add "
                "--force to replace it, or choose another folder"
            )
    if config.run_dir:
        try:
            Path(config.run_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            message = f"cannot create --run-dir {config.run_dir}: {exc.strerror}"
            raise ValidationError(message) from None


# ---------------------------------------------------------------- text and JSON files


def write_text(path, text: str) -> Path:
    """Write text to `path` atomically; one-line error on failure."""
    if Path(path).is_dir():
        raise GlassnetError(f"cannot write {path}: it is a folder; give a file name")
    try:
        return atomic_write(path, text)
    except OSError as exc:
        raise GlassnetError(f"cannot write {path}: {exc.strerror}; choose another path") from None


def write_json(path, obj) -> Path:
    return write_text(path, dumps(obj) + "\n")


def dumps(obj, indent: int | None = 2) -> str:
    """Strict JSON with NumPy scalars and arrays and paths as plain values; a non-finite number
    (a diverged cost, ∞) is written as null, because NaN and Infinity are not JSON."""
    return json.dumps(_finite(obj), indent=indent, default=_json_default, allow_nan=False)


def _finite(value):
    """value with every NaN or ±∞ float (NumPy's too, arrays included) replaced by None."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.ndarray):
        return _finite(value.tolist())
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
