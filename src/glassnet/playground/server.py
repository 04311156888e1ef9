"""The playground's web server (aiohttp): the page, one WebSocket per browser, the downloads.

    serve(host="127.0.0.1", port=0)        what `glassnet playground` runs, until Ctrl-C/SIGTERM

Each WebSocket is one session (glassnet.playground.session) with its own network. A playing
session trains in chunks on a small thread pool and sends a frame after each; a frame is sent
only once the page says it drew the one before ("ack"), so a slow browser gets fewer frames,
not a queue. The page's own requests (a unit's numbers, a weight) run on a second pool, so they do
not wait behind other sessions' training. A failure nobody foresaw (a bug, not a bad message)
costs one reply, not the session: the page is told in one line, the terminal gets the traceback.

A classroom server (--host 0.0.0.0) is guarded as Jupyter's is: every request carries the
access token printed at start (?token=…), a WebSocket whose Origin is another site is refused,
and the sessions, their networks, uploads and messages are bounded; a session left idle is
closed.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from glassnet.errors import GlassnetError
from glassnet.playground import export, pictures, protocol
from glassnet.playground.session import Session
from glassnet.playground.state import Settings

STATIC = Path(__file__).parent / "static"
PAGE_FILES = {"app.js", "draw.js", "style.css"}  # served from static/ beside index.html
REAPER = web.AppKey("reaper", asyncio.Task)  # the task that closes idle sessions
log = logging.getLogger("glassnet.playground")


@dataclass
class Options:
    """A server's limits."""

    token: str = ""  # "" means no token is needed (tests on 127.0.0.1 only)
    max_sessions: int = 40
    idle_seconds: float = 30 * 60  # a session without a message for this long is closed
    fps: float = 30.0  # the most frames a playing session is sent per second
    chunk_seconds: float = 0.025  # the longest a training chunk runs before a frame, shared
    # out among the sessions playing at once (no less than 4 ms each): short chunks keep a
    # busy server's event loop answering clicks and acknowledgements


class Playground:
    """The server's state: its sessions and its two thread pools."""

    def __init__(self, options: Options | None = None):
        self.options = options or Options()
        self.sessions: dict[str, Session] = {}
        self.channels: dict[str, Channel] = {}
        self.training = ThreadPoolExecutor(2, thread_name_prefix="playground-train")
        self.requests = ThreadPoolExecutor(2, thread_name_prefix="playground-request")

    def app(self) -> web.Application:
        app = web.Application(client_max_size=protocol.MAX_MESSAGE)
        app.router.add_get("/", self.index)
        app.router.add_get("/static/{name}", self.static)
        app.router.add_get("/ws", self.websocket)
        app.router.add_get("/download/{what}", self.download)
        app.on_startup.append(self._start_reaper)
        app.on_cleanup.append(self._cleanup)
        return app

    # ------------------------------------------------------------ guards

    def token_ok(self, request: web.Request) -> bool:
        expected = self.options.token
        given = request.query.get("token", "")
        return not expected or hmac.compare_digest(given.encode(), expected.encode())

    def _refuse_token(self) -> web.Response:
        return web.Response(status=403, content_type="text/html", text=(
            "<!DOCTYPE html><title>glassnet playground</title><p>This playground needs its "
            "access token: open the address <code>glassnet playground</code> printed, with "
            "its <code>?token=…</code>.</p>"))  # fmt: skip

    @staticmethod
    def origin_ok(request: web.Request) -> bool:
        """A browser's WebSocket from this server's own page (same host and port), or a
        client that sends no Origin (not a browser: the token guards it)."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc == request.host

    # ------------------------------------------------------------ pages

    async def index(self, request: web.Request) -> web.StreamResponse:
        if not self.token_ok(request):
            return self._refuse_token()
        return web.FileResponse(STATIC / "index.html", headers=_NO_CACHE)

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in PAGE_FILES:
            raise web.HTTPNotFound(text=f"no file {name}")
        return web.FileResponse(STATIC / name, headers=_NO_CACHE)

    async def download(self, request: web.Request) -> web.StreamResponse:
        if not self.token_ok(request):
            return self._refuse_token()
        session = self.sessions.get(request.query.get("session", ""))
        what = request.match_info["what"]
        if session is None:
            raise web.HTTPNotFound(text="no such session: reload the playground page")
        if what == "model":
            body = await self._run(self.requests, session, export.model_bytes, session)
            return web.Response(body=body, content_type="application/octet-stream",
                                headers=_attachment("playground.glassnet"))  # fmt: skip
        if what == "report":
            text = await self._run(self.requests, session, export.report_html, session)
            return web.Response(text=text, content_type="text/html",
                                headers=_attachment("playground-report.html"))  # fmt: skip
        raise web.HTTPNotFound(text=f"nothing to download called {what}; model or report")

    # ------------------------------------------------------------ a session

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        if not self.token_ok(request):
            raise web.HTTPForbidden(text="wrong or missing access token")
        if not self.origin_ok(request):
            origin = request.headers.get("Origin")
            raise web.HTTPForbidden(text=f"WebSocket from origin {origin} refused")
        ws = web.WebSocketResponse(max_msg_size=protocol.MAX_MESSAGE, heartbeat=30)
        await ws.prepare(request)
        if len(self.sessions) >= self.options.max_sessions:
            await _send(ws, protocol.error(
                f"the playground has {len(self.sessions)} sessions, its limit; "
                "close another tab or try again later"))  # fmt: skip
            await ws.close()
            return ws
        session = await self._open(ws)
        if session is None:
            return ws
        channel = Channel(ws)
        self.sessions[session.id], self.channels[session.id] = session, channel
        runner = asyncio.create_task(self._play(session, channel))
        try:
            await self._receive(session, channel)
        finally:
            runner.cancel()
            self.sessions.pop(session.id, None)
            self.channels.pop(session.id, None)
        return ws

    async def _open(self, ws) -> Session | None:
        """The session the page's first message ("hello" with the URL's settings) asks for;
        settings that cannot be built give the defaults and a message saying why."""
        first = await ws.receive()
        if first.type != WSMsgType.TEXT:
            return None
        hello = _decode(first.data)
        query = hello.get("settings") if isinstance(hello.get("settings"), dict) else {}
        weights = hello.get("weights") if isinstance(hello.get("weights"), str) else None
        loop = asyncio.get_running_loop()
        problem = None
        try:
            session = await loop.run_in_executor(self.requests, _session, query, weights)
        except GlassnetError as exc:
            problem = f"the link's settings could not be used: {exc}"
            session = await loop.run_in_executor(self.requests, Session)
        replies = await self._run(self.requests, session, protocol.hello, session)
        for reply in replies + ([protocol.error(problem, "hello")] if problem else []):
            await _send(ws, reply)
        return session

    async def _receive(self, session: Session, channel: Channel) -> None:
        ws = channel.ws
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                break
            session.last_active = time.monotonic()
            data = _decode(message.data)
            if data.get("type") == "ack":
                channel.drawn.set()
                continue
            session.yield_soon()  # a chunk being trained ends after its current update
            try:
                replies = await self._run(self.requests, session, protocol.handle, session, data)
            except Exception as exc:  # a bug, not a bad message: the session goes on
                replies = [_bug(f"handling a {str(data.get('type'))[:40]!r} message", exc)]
            for reply in replies:
                await _send(ws, reply)
            if session.playing:
                channel.wake.set()

    async def _play(self, session: Session, channel: Channel) -> None:
        """While the session plays: train a chunk and make its frame while the page draws the
        last one; send it once the page says it drew the last (or a second passed), no more
        often than the frame interval."""
        interval = 1.0 / self.options.fps
        ws = channel.ws
        while not ws.closed:
            if not session.playing:
                channel.last_chunk = None
                channel.wake.clear()
                await channel.wake.wait()
                continue
            started = time.monotonic()
            updates = channel.updates_due(session.settings.speed, self.options.fps, started)
            try:
                frame = await self._run(self.training, session, _advance, session, updates,
                                        self.chunk_seconds())  # fmt: skip
            except Exception as exc:  # a bug: pause this session, say so, keep the socket
                session.playing = False
                await _send(ws, _bug("training", exc))
                continue
            if frame is None:
                continue
            try:  # the page draws the last frame while this one was computed
                await asyncio.wait_for(channel.drawn.wait(), 1.0)
            except TimeoutError:
                pass
            if frame["playing"] and not session.playing:  # paused meanwhile: the pause's
                continue  # own frame is newer (a frame that stopped itself, diverged, is not)
            channel.drawn.clear()
            await _send(ws, frame)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    def chunk_seconds(self) -> float:
        """The time one chunk may train: chunk_seconds shared by the sessions playing."""
        playing = sum(1 for session in self.sessions.values() if session.playing)
        return max(0.004, self.options.chunk_seconds / max(1, playing))

    async def _run(self, pool, session: Session, fn, *args):
        """fn(*args) on a pool thread, holding the session's lock."""

        def locked():
            with session.lock:
                return fn(*args)

        return await asyncio.get_running_loop().run_in_executor(pool, locked)

    # ------------------------------------------------------------ housekeeping

    async def _start_reaper(self, app) -> None:
        app[REAPER] = asyncio.create_task(self._reap())

    async def _reap(self) -> None:
        """Close sessions idle for longer than idle_seconds."""
        while True:
            await asyncio.sleep(min(30.0, self.options.idle_seconds / 2))
            now = time.monotonic()
            for sid, session in list(self.sessions.items()):
                if now - session.last_active > self.options.idle_seconds:
                    channel = self.channels.get(sid)
                    minutes = self.options.idle_seconds / 60
                    if channel is not None:
                        ws = channel.ws
                        await _send(ws, protocol.error(
                            f"this session was closed after {minutes:g} minutes without use; "
                            "reload the page to start again", "idle"))  # fmt: skip
                        await ws.close()

    async def _cleanup(self, app) -> None:
        app[REAPER].cancel()
        for channel in list(self.channels.values()):
            await channel.ws.close()
        self.training.shutdown(wait=False, cancel_futures=True)
        self.requests.shutdown(wait=False, cancel_futures=True)


_NO_CACHE = {"Cache-Control": "no-store"}


def _attachment(filename: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


class Channel:
    """A session's WebSocket, the event that wakes its player, and whether the page drew the
    last frame."""

    def __init__(self, ws: web.WebSocketResponse):
        self.ws = ws
        self.wake = asyncio.Event()
        self.drawn = asyncio.Event()
        self.drawn.set()
        self.last_chunk: float | None = None

    def updates_due(self, speed: int, fps: float, now: float) -> int:
        """The updates of this chunk: the speed is updates per frame at the full frame rate,
        so when frames come slower (a busy server, a slow page) each chunk trains for the
        frames that did not come (for at most half a second's worth), and a class's
        networks keep learning at the speed chosen while their pictures arrive less often."""
        elapsed = 1.0 / fps if self.last_chunk is None else min(now - self.last_chunk, 0.5)
        self.last_chunk = now
        return max(speed, round(speed * fps * elapsed))


def _session(query: dict, weights: str | None) -> Session:
    return Session(Settings.from_query({k: str(v) for k, v in query.items()}), weights)


def _advance(session: Session, updates: int, seconds: float) -> dict | None:
    """One chunk of training (`updates`, for at most `seconds`) and its frame; None when the
    session was paused meanwhile."""
    if not session.playing:
        return None
    session.train(updates, seconds)
    return pictures.frame(session)


def _bug(what: str, exc: Exception) -> dict:
    """The reply to a failure nobody foresaw, its traceback logged for the terminal."""
    log.error("the playground failed while %s", what, exc_info=exc)
    return protocol.error(
        f"glassnet failed while {what} ({type(exc).__name__}: {exc}); this is a bug in glassnet, "
        "not in what you did. The session goes on; the terminal shows the details to report"
    )


def _decode(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        return {"type": "not JSON"}
    return data if isinstance(data, dict) else {"type": type(data).__name__}


async def _send(ws, message: dict) -> None:
    if not ws.closed:
        try:
            await ws.send_str(encode(message))
        except ConnectionError:
            pass


def encode(message: dict) -> str:
    """The message as JSON, with NaN and ±∞ (a diverged run's weights) as null."""
    try:
        return json.dumps(message, allow_nan=False, default=_plain)
    except ValueError:
        return json.dumps(_finite(message), allow_nan=False, default=_plain)


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _plain(value):
    """NumPy numbers and anything else as JSON can carry them."""
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def new_token() -> str:
    return secrets.token_hex(24)


# ---------------------------------------------------------------- glassnet playground


async def serve(host: str = "127.0.0.1", port: int = 0, options: Options | None = None,
                on_ready=None) -> None:  # fmt: skip
    """Serve until SIGINT or SIGTERM (or the task is cancelled). on_ready(port) is called once
    the socket listens. A port in use raises OSError."""
    import signal
    import socket

    playground = Playground(options)
    runner = web.AppRunner(playground.app(), handle_signals=False, access_log=None)
    await runner.setup()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, reuse_port=False)
    site = web.SockSite(runner, sock)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        if on_ready is not None:
            on_ready(sock.getsockname()[1])
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await runner.cleanup()
