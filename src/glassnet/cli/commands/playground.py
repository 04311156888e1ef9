"""glassnet playground: a browser page where a network trains in front of you.

glassnet playground                          127.0.0.1, a free port, opens the browser
glassnet playground --port 8765 --no-browser
glassnet playground --host 0.0.0.0           a classroom: every browser its own session
"""

from __future__ import annotations

import argparse

from glassnet.cli.commands._common import positive_int
from glassnet.cli.status import ExitStatus

HELP = "a browser page where a network trains live and every number is one click away"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 serves a class)",
    )
    parser.add_argument(
        "--port", type=_port, default=0, help="port to listen on (default 0: a free one)"
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="print the address without opening a browser"
    )
    parser.add_argument(
        "--token",
        type=_token,
        metavar="TEXT",
        help="the access token in the URL (default: a new random one)",
    )
    parser.add_argument(
        "--max-sessions",
        type=positive_int,
        default=40,
        metavar="N",
        help="browsers served at once (default 40)",
    )
    parser.add_argument(
        "--idle-minutes",
        type=positive_int,
        default=30,
        metavar="M",
        help="close a session after M minutes without use (default 30)",
    )


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0 to 65535, got {text!r}")
    return value


def _token(text: str) -> str:
    if len(text) < 8 or not text.isascii() or not text.isprintable() or " " in text:
        raise argparse.ArgumentTypeError("must be at least 8 printable ASCII characters")
    return text


def run(args) -> ExitStatus:
    import asyncio

    from glassnet.errors import GlassnetError

    try:
        from glassnet.playground.server import Options, new_token, serve
    except ImportError as exc:
        raise GlassnetError(
            f"the playground needs aiohttp ({exc.name} is missing): "
            "pip install 'glassnet[playground]'"
        ) from None
    token = args.token or new_token()
    options = Options(token=token, max_sessions=args.max_sessions,
                      idle_seconds=args.idle_minutes * 60)  # fmt: skip

    def ready(port: int) -> None:
        announce(args.host, port, token, args.no_browser)

    try:
        asyncio.run(serve(args.host, args.port, options, on_ready=ready))
    except OSError as exc:
        raise GlassnetError(
            f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); choose another "
            "--port (0 picks a free one) or --host"
        ) from None
    print("playground stopped", flush=True)
    return ExitStatus.SUCCESS


def announce(host: str, port: int, token: str, no_browser: bool) -> None:
    """Print where the page is (and, for a class, the address other machines use); open it."""
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{_bracketed(local)}:{port}/?token={token}"
    print(f"glassnet playground at {url}", flush=True)
    if host in ("0.0.0.0", "::"):
        print(f"students open http://{_bracketed(_lan_address())}:{port}/?token={token}",
              flush=True)  # fmt: skip
    print("Ctrl-C stops it", flush=True)
    if not no_browser:
        import webbrowser

        webbrowser.open(url)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _lan_address() -> str:
    """This machine's address on its network (no packet is sent), or its host name."""
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.254.254.254", 1))
            return s.getsockname()[0]
    except OSError:
        return socket.gethostname()
