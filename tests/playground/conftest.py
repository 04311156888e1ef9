"""A real `glassnet playground` server in a subprocess, and Debian's Chromium driven through
Playwright (no browser download: the system's /usr/bin/chromium)."""

import os
import re
import signal
import subprocess
import sys

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]  # fmt: skip
TOKEN = "test-token-0123456789"


class Server:
    """`glassnet playground --no-browser` on a free port; url is the page with its token."""

    def __init__(self, *args):
        env = {**os.environ, "NO_COLOR": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "glassnet", "playground", "--no-browser", "--port", "0",
             "--token", TOKEN, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        first = self.process.stdout.readline()
        found = re.search(r"(http://\S+)", first)
        if not found:
            self.process.kill()
            raise RuntimeError(f"no URL printed: {first!r} {self.process.stderr.read()}")
        self.url = found.group(1)
        self.base = self.url.split("/?")[0]
        self.port = int(self.base.rsplit(":", 1)[1])

    def page_url(self, **query) -> str:
        extra = "".join(f"&{k}={v}" for k, v in query.items())
        return self.url + extra

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=30)
        return self.process.returncode, out


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    if s.process.poll() is None:
        s.stop()


@pytest.fixture
def start_server():
    """Server(*flags), for a test that stops its own."""
    started = []

    def start(*args):
        started.append(Server(*args))
        return started[-1]

    yield start
    for s in started:
        if s.process.poll() is None:
            s.process.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A Playwright page that records console errors and uncaught exceptions."""

    def __init__(self, browser, viewport=None):
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, url: str):
        self.page.goto(url)
        self.page.wait_for_function("window.glassnetStats && window.glassnetStats.frames > 0")
        return self.page


@pytest.fixture
def open_page(browser):
    pages = []

    def opener(url, viewport=None):
        p = Page(browser, viewport)
        pages.append(p)
        return p, p.open(url)

    yield opener
    for p in pages:
        p.context.close()
