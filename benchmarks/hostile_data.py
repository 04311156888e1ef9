"""Run issue 15's hostile corpus (data readers, IDX, images, downloads) through the command line.

    .venv/bin/python benchmarks/hostile_data.py [--label after] [--only WORD]

Each case (tests/hostile_data_corpus.py) runs as `python -m glassnet ...` in a fresh folder, with a
real HTTP server on 127.0.0.1 when it downloads. The outcome is

* "clear error": exit 1 or 2, no traceback, an `error:` line, when an error is right;
* "accepted correctly": exit 0 and the answer checked, when the input is fine;
* "stopped cleanly": died of the SIGTERM it was sent, leaving no file behind;
* anything else, described: a traceback, a silent wrong answer, a hang (killed after
  TIME_LIMIT s), files left behind.

Peak memory is the child's maximum resident set (wait4). Writes
benchmarks/results/hostile_data_<label>.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from datasets_helpers import http_server, shared_mnist  # noqa: E402
from hostile_data_corpus import CASES, NOBODY, make_models  # noqa: E402

TIME_LIMIT = 40.0


def run_case(case, folder, models):
    """(outcome, detail, exit status, peak MB, seconds) of one case."""
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    argv = case.build(folder, models)
    env = {**os.environ, **case.env, "GLASSNET_MIRROR": "http://127.0.0.1:9/"}
    command = [sys.executable, "-m", "glassnet", *argv]
    if case.as_nobody:
        command = [*NOBODY, *command]
    if case.handler is None:
        return _run(command, env, case, folder)
    with http_server(shared_mnist(), case.handler) as url:
        env["GLASSNET_MIRROR"] = url
        return _run(command, env, case, folder)


def _run(command, env, case, folder):
    start = time.perf_counter()
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    peak_file = folder.parent / f"{folder.name}.peak"
    if case.signal_after is None:  # GNU time measures the command alone (wait4 on this process's
        # child would count the pages it inherited from this large parent)
        command = ["/usr/bin/time", "-f", "%M", "-o", str(peak_file), *command]
    child = subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=err,
                             start_new_session=True)  # fmt: skip
    status, peak, hung = _wait(child, case.signal_after)
    peak = None if case.signal_after is not None else peak  # wait4 counts this parent's pages
    if peak_file.exists() and peak_file.read_text().strip().splitlines():
        last = peak_file.read_text().strip().splitlines()[-1]
        peak = int(last) / 1024 if last.isdigit() else peak
    seconds = time.perf_counter() - start
    out.seek(0), err.seek(0)
    stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    outcome, detail = classify(case, folder, status, stdout, stderr, hung)
    return outcome, detail, status, peak, seconds


def _wait(child, signal_after):
    """(exit status, peak MB, hung): signal_after sends SIGTERM; TIME_LIMIT then SIGKILL."""
    start = time.perf_counter()
    sent = hung = False
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, usage.ru_maxrss / 1024, hung
        elapsed = time.perf_counter() - start
        if signal_after is not None and not sent and elapsed > signal_after:
            child.send_signal(signal.SIGTERM)
            sent = True
        if elapsed > TIME_LIMIT and not hung:
            _kill_command(child.pid)
            hung = True
        time.sleep(0.05)


def _kill_command(pid):
    """SIGKILL the command GNU time runs (so time still reports its peak), else ``pid``."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children or [pid]:
        os.kill(int(child), signal.SIGKILL)


def classify(case, folder, status, stdout, stderr, hung):
    """("clear error" | "accepted correctly" | "OTHER", detail)."""
    last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    if hung:
        written = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        return (
            "OTHER",
            f"still running after {TIME_LIMIT:.0f} s: killed ({written:,} bytes in its folder)",
        )
    if "Traceback" in stderr:
        return "OTHER", "traceback: " + last[:160]
    problem = case.check(folder, stdout) if case.check else None
    if case.expect == "ok":
        if status != 0:
            return "OTHER", f"exit {status}: {last[:160]}"
        return ("OTHER", problem) if problem else ("accepted correctly", "")
    if status == 0:
        return "OTHER", "exit 0: accepted silently " + stdout.strip().splitlines()[-1][:100]
    if problem:
        return "OTHER", f"exit {status}, {problem}"
    if case.signal_after is not None and status == -signal.SIGTERM:
        return "stopped cleanly", "died of SIGTERM, nothing left behind"
    # `datasets verify` prints its report, and its error line, on stdout
    errors = [line for line in (stderr + stdout).splitlines() if line.startswith("error:")]
    if status in (1, 2) and errors:
        fails = [line for line in stdout.splitlines() if line.startswith("FAIL")]  # verify's
        warned = [line for line in stderr.splitlines() if line.startswith("warning:")]
        if "see the warnings above" in errors[-1] and warned:  # predict skips each bad image
            return "clear error", f"{warned[-1][:240]} → {errors[-1][:60]}"
        return "clear error", (fails or errors)[-1][:300]
    return "OTHER", f"exit {status}: {last[:160]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="after")
    parser.add_argument("--only", help="run the cases whose name contains this")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        models = make_models(Path(tmp) / "models")
        for i, case in enumerate(CASES):
            if args.only and args.only not in case.name:
                continue
            outcome, detail, status, peak, seconds = run_case(case, Path(tmp) / f"c{i}", models)
            row = {"surface": case.surface, "case": case.name, "outcome": outcome,
                   "exit": status, "peak_mb": peak and round(peak), "seconds": round(seconds, 1),
                   "detail": detail}  # fmt: skip
            rows.append(row)
            print(f"| {case.surface} | {case.name} | {outcome} | {status} | {row['peak_mb']} "
                  f"| {row['seconds']} | {detail} |", flush=True)  # fmt: skip
            _unlock(Path(tmp) / f"c{i}")
    out = ROOT / "benchmarks" / "results" / f"hostile_data_{args.label}.json"
    if args.only and out.exists():  # replace those cases' rows, keep the others
        fresh = {row["case"]: row for row in rows}
        rows = [fresh.pop(row["case"], row) for row in json.loads(out.read_text())]
        rows += list(fresh.values())
    out.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    counts = {}
    for row in rows:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    print(counts)


def _unlock(folder):
    """Give back write permission to what a case made read-only, so it can be deleted."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)


if __name__ == "__main__":
    main()
