"""A classroom on one machine: N sessions of `glassnet playground` training 2-8-8-1 at once.

    python benchmarks/playground_load.py                 # 30 sessions, 20 s, speed 10
    python benchmarks/playground_load.py --sessions 30 --seconds 30 --speed 1

Starts the real command (`glassnet playground --no-browser`) in a subprocess and connects N
WebSocket clients, as N browsers would: each plays XOR clusters on a 2-8-8-1 tanh network,
acknowledges every frame as the page does after drawing it, and once a second asks for a unit's
numbers (the glass box) and times the answer. Prints, per session, the updates and frames per
second, and the interaction latency over all sessions (median, 95th percentile, worst).
The clients run on the same machine as the server (a real class's browsers would not), so the
figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import statistics
import subprocess
import sys
import time

import aiohttp

TOKEN = "benchmark-token-123"


async def student(url: str, seconds: float, speed: int, latencies: list, results: list) -> None:
    async with aiohttp.ClientSession() as client, client.ws_connect(url, max_msg_size=0) as ws:
        settings = {"hidden": "8,8", "data": "xor-clusters", "speed": str(speed)}
        await ws.send_str(json.dumps({"type": "hello", "settings": settings}))
        for _ in range(4):
            await ws.receive_json()
        await ws.send_str(json.dumps({"type": "play"}))
        started = time.perf_counter()
        first_updates, frames, updates = None, 0, 0
        asked_at = next_ask = started + 1.0
        waiting = False
        while time.perf_counter() - started < seconds:
            now = time.perf_counter()
            if not waiting and now >= next_ask:
                await ws.send_str(json.dumps({"type": "unit", "layer": 2, "unit": 3}))
                asked_at, waiting, next_ask = now, True, now + 1.0
            try:
                message = await asyncio.wait_for(ws.receive_json(), 1.0)
            except TimeoutError:
                continue
            if message["type"] == "frame":
                frames += 1
                updates = message["updates"]
                first_updates = updates if first_updates is None else first_updates
                await ws.send_str(json.dumps({"type": "ack"}))
            elif message["type"] == "unit":
                latencies.append(time.perf_counter() - asked_at)
                waiting = False
        elapsed = time.perf_counter() - started
        await ws.send_str(json.dumps({"type": "pause"}))
        results.append({"updates_per_s": (updates - (first_updates or 0)) / elapsed,
                        "frames_per_s": frames / elapsed})  # fmt: skip


def start_server(sessions: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "glassnet", "playground", "--no-browser", "--port", "0",
         "--token", TOKEN, "--max-sessions", str(sessions + 5)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    found = re.search(r"http://([^/]+)/", process.stdout.readline())
    if not found:
        process.kill()
        raise SystemExit("the playground did not start")
    return process, f"ws://{found.group(1)}/ws?token={TOKEN}"


async def classroom(url: str, n: int, seconds: float, speed: int):
    latencies: list[float] = []
    results: list[dict] = []
    await asyncio.gather(*(student(url, seconds, speed, latencies, results) for _ in range(n)))
    return results, latencies


def summary(results: list[dict], latencies: list[float]) -> dict:
    ups = [r["updates_per_s"] for r in results]
    fps = [r["frames_per_s"] for r in results]
    ms = sorted(1000 * v for v in latencies)
    return {
        "sessions": len(results),
        "updates_per_s_per_session": {"mean": statistics.mean(ups), "min": min(ups),
                                      "max": max(ups)},
        "frames_per_s_per_session": {"mean": statistics.mean(fps), "min": min(fps)},
        "interaction_latency_ms": {"n": len(ms), "median": statistics.median(ms),
                                   "p95": ms[int(0.95 * (len(ms) - 1))], "max": ms[-1]},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--speed", type=int, default=10, choices=(1, 2, 5, 10, 25, 50, 100),
                        help="updates per frame, the page's speed control")  # fmt: skip
    args = parser.parse_args()
    process, url = start_server(args.sessions)
    try:
        results, latencies = asyncio.run(classroom(url, args.sessions, args.seconds, args.speed))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    report = summary(results, latencies)
    report.update(network="2-8-8-1 tanh", data="xor-clusters (100 train points, batches of 10)",
                  speed=args.speed, seconds=args.seconds)  # fmt: skip
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
