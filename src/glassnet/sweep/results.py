"""A sweep's results table: one row per trial, as CSV (any spreadsheet, pandas) or JSON.

Columns: `trial` (the trial's key, see Sweep.key), the varied fields, `status`, the test,
validation and training metrics, `epochs`, `seconds`, `message` and `worker` (host:pid of the
process that ran it). A list value (hidden = [16, 16]) is written as JSON, [16, 16]; an empty
cell is a metric the trial does not have (no validation split, or it diverged). Numbers are
written in full (repr), so a table read back holds exactly the values that were written.

The file is rewritten atomically (glassnet._files) as trials finish: a sweep stopped at any
moment leaves a complete table of the trials done, and rerunning it skips them.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from glassnet._files import atomic_write
from glassnet.errors import ValidationError
from glassnet.sweep.trial import METRICS

FORMATS = (".csv", ".json")
DONE = ("ok", "diverged")  # outcomes a rerun keeps; "failed" trials are run again
TAIL = ("status", *METRICS, "epochs", "seconds", "message", "worker")


def columns(varied: list[str]) -> list[str]:
    return ["trial", *varied, *TAIL]


def check_path(path) -> Path:
    """The results file, .csv or .json, in a folder that exists."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValidationError(
            f"--out must end in .csv or .json (the format of the results), got {str(path)!r}"
        )
    if not path.parent.is_dir():
        raise ValidationError(f"folder {path.parent} does not exist; create it or choose another")
    return path


def write(path, rows: list[dict], varied: list[str]) -> None:
    """All rows to `path` (CSV or JSON by its suffix), replacing it atomically."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        document = {"varied": varied, "trials": [_ordered(row, varied) for row in rows]}
        atomic_write(path, json.dumps(document, indent=1) + "\n")
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns(varied))
    for row in rows:
        writer.writerow(_cell(row.get(name)) for name in columns(varied))
    atomic_write(path, buffer.getvalue())


def read(path) -> tuple[list[dict], list[str]]:
    """(rows, varied field names) of a results file written by `write`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"results file {path} not found; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read the results file {path}: {exc}") from None
    if path.suffix.lower() == ".json":
        return _read_json(path, text)
    return _read_csv(path, text)


def _read_json(path: Path, text: str) -> tuple[list[dict], list[str]]:
    try:
        document = json.loads(text)
        varied, rows = list(document["varied"]), list(document["trials"])
    except (ValueError, KeyError, TypeError):
        raise ValidationError(
            f"{path} is not a glassnet sweep results file (JSON with 'varied' and 'trials')"
        ) from None
    return rows, varied


def _read_csv(path: Path, text: str) -> tuple[list[dict], list[str]]:
    lines = list(csv.reader(io.StringIO(text)))
    header = lines[0] if lines else []
    if len(header) < 1 + len(TAIL) or header[0] != "trial" or tuple(header[-len(TAIL) :]) != TAIL:
        raise ValidationError(
            f"{path} is not a glassnet sweep results file: its header should be "
            f"trial, the varied fields, {', '.join(TAIL)}"
        )
    varied = header[1 : -len(TAIL)]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if len(line) != len(header):
            raise ValidationError(f"{path}, line {number}: {len(line)} cells, expected "
                                  f"{len(header)}; the file was changed by hand")  # fmt: skip
        cells = dict(zip(header, line, strict=True))
        row = {name: _value(cells[name]) for name in varied}
        try:
            row |= {name: _number(cells[name]) for name in (*METRICS, "epochs", "seconds")}
        except ValueError as exc:
            raise ValidationError(f"{path}, line {number}: {exc}") from None
        row |= {name: cells[name] for name in ("trial", "status", "message", "worker")}
        rows.append(row)
    return rows, varied


def _ordered(row: dict, varied: list[str]) -> dict:
    return {name: row.get(name) for name in columns(varied)}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict, bool)):
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _value(text: str):
    """A varied value back from its cell: JSON where it parses (numbers, lists), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _number(text: str):
    if text == "":
        return None
    value = float(text)
    return int(value) if value.is_integer() and "." not in text and "e" not in text else value
