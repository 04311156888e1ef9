"""The playground's page in Chromium: frames per second while training 2-8-8-1, and the time
from a click on a unit to its numbers on screen, both measured in the browser.

    python benchmarks/playground_browser.py                      # 10 s of play, 30 clicks
    python benchmarks/playground_browser.py --screenshots shots/  # also the two viewport sizes

Starts `glassnet playground --no-browser`, opens the page in Debian's Chromium through
Playwright (headless, software rendering), presses Play and reads the page's own record
(window.glassnetStats): a timestamp from performance.now() at every frame drawn, and for every
click the time from the click handler to the animation frame after its numbers were written
into the page. The clicks are made while the network trains.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]  # fmt: skip
TOKEN = "benchmark-token-123"


def start_server() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "glassnet", "playground", "--no-browser", "--port", "0",
         "--token", TOKEN],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    found = re.search(r"(http://\S+)", process.stdout.readline())
    if not found:
        process.kill()
        raise SystemExit("the playground did not start")
    return process, found.group(1)


def measure(url: str, seconds: float, clicks: int, speed: int, shots: Path | None) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{url}&hidden=8,8&speed={speed}")
        page.wait_for_function("window.glassnetStats.frames > 0")
        page.get_by_role("button", name="Play").click()
        time.sleep(1.0)  # settle
        start = page.evaluate("performance.now()")
        time.sleep(seconds)
        end = page.evaluate("performance.now()")
        draws = page.evaluate(f"window.glassnetStats.drawTimes.filter(t => t >= {start})")
        draw_ms = sorted(page.evaluate("window.glassnetStats.drawMs"))
        for k in range(clicks):
            layer, unit = 1 + k % 3, k % (8 if k % 3 < 2 else 1)
            page.get_by_role("button", name=f"layer {layer} unit {unit + 1}", exact=True).click()
            time.sleep(0.2)
        latencies = page.evaluate("window.glassnetStats.clicks")
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "playground-1280x800.png"))
            page.get_by_role("button", name="Pause").click()
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(f"{url}&hidden=8,8")
            phone.wait_for_function("window.glassnetStats.frames > 0")
            phone.screenshot(path=str(shots / "playground-390x844.png"))
            phone.screenshot(path=str(shots / "playground-390x844-full.png"), full_page=True)
        browser.close()
    ms = sorted(latencies)
    return {
        "frames_per_s": len(draws) / ((end - start) / 1000),
        "draw_ms": {"median": statistics.median(draw_ms), "max": draw_ms[-1]},
        "click_to_numbers_ms": {"n": len(ms), "median": statistics.median(ms),
                                "p95": ms[int(0.95 * (len(ms) - 1))], "max": ms[-1]},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--speed", type=int, default=1, help="updates per frame")
    parser.add_argument("--screenshots", type=Path, metavar="DIR")
    args = parser.parse_args()
    process, url = start_server()
    try:
        report = measure(url, args.seconds, args.clicks, args.speed, args.screenshots)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    report.update(network="2-8-8-1 tanh on XOR clusters", viewport="1280x800",
                  speed=args.speed)  # fmt: skip
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
