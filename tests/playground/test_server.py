"""The classroom guards of the playground's server, in process: the access token, the session
limit, idle sessions closed, frames streamed while playing, the message size bound."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from glassnet.playground.server import Options, Playground, encode


def run(scenario, **options):
    """scenario(client) against a fresh server with these Options, on an event loop of its own
    thread (the browser tests' Playwright keeps one running in this one)."""

    async def main():
        server = TestServer(Playground(Options(token="tok-12345678", **options)).app())
        async with TestClient(server) as client:
            return await scenario(client)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


async def hello(client, settings=None, weights=None):
    ws = await client.ws_connect("/ws?token=tok-12345678")
    await ws.send_str(json.dumps({"type": "hello", "settings": settings or {}, "weights": weights}))
    replies = [await ws.receive_json() for _ in range(4)]
    return ws, replies


def test_a_session_starts_with_its_choices_data_and_a_frame():
    async def scenario(client):
        ws, replies = await hello(client, {"data": "moons", "hidden": "3"})
        await ws.close()
        return replies

    session, state, data, frame = run(scenario)
    assert session["type"] == "session" and "xor-2-2-1" in session["choices"]["examples"]
    assert state["query"] == {"data": "moons", "hidden": "3"}
    assert data["name"] == "moons" and len(data["train"]) == 100
    assert frame["network"]["sizes"] == [2, 3, 1]


def test_a_bad_link_falls_back_to_the_defaults_and_says_why():
    async def scenario(client):
        ws, replies = await hello(client, {"hidden": "99"})
        problem = await ws.receive_json()
        await ws.close()
        return replies, problem

    replies, problem = run(scenario)
    assert replies[1]["query"] == {}
    assert problem["type"] == "error" and "1 to 16 units" in problem["message"]


def test_playing_streams_frames_as_the_page_acknowledges_them():
    async def scenario(client):
        ws, _ = await hello(client, {"hidden": "8,8", "speed": "10"})
        await ws.send_str(json.dumps({"type": "play"}))
        updates = []
        while len(updates) < 5:
            message = await ws.receive_json()
            if message["type"] == "frame" and message["playing"]:
                updates.append(message["updates"])
                await ws.send_str(json.dumps({"type": "ack"}))
        await ws.send_str(json.dumps({"type": "pause"}))
        await ws.close()
        return updates

    updates = run(scenario)
    assert updates == sorted(updates) and updates[-1] > updates[0]


def test_sessions_beyond_the_limit_are_told_to_wait():
    async def scenario(client):
        first, _ = await hello(client)
        second = await client.ws_connect("/ws?token=tok-12345678")
        refused = await second.receive_json()
        await first.close()
        return refused

    refused = run(scenario, max_sessions=1)
    assert refused["type"] == "error" and "its limit" in refused["message"]


def test_an_idle_session_is_closed():
    async def scenario(client):
        ws, _ = await hello(client)
        notice = await asyncio.wait_for(ws.receive_json(), 10)
        closed = await asyncio.wait_for(ws.receive(), 10)
        return notice, closed

    notice, closed = run(scenario, idle_seconds=0.5)
    assert "closed after" in notice["message"] and notice["about"] == "idle"
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


def test_the_token_guards_the_page_the_socket_and_the_downloads():
    async def scenario(client):
        page = await client.get("/")
        socket = await client.get("/ws")
        download = await client.get("/download/model?session=x")
        unknown = await client.get("/download/model?session=x&token=tok-12345678")
        script = await client.get("/static/app.js")
        other = await client.get("/static/secret.py")
        return [r.status for r in (page, socket, download, unknown, script, other)]

    assert run(scenario) == [403, 403, 403, 404, 200, 404]


def test_a_message_over_the_size_bound_closes_the_socket():
    async def scenario(client):
        ws, _ = await hello(client)
        await ws.send_str(json.dumps({"type": "upload", "name": "x.csv", "text": "1" * 400_000}))
        return await asyncio.wait_for(ws.receive(), 10)

    closed = run(scenario)
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                           aiohttp.WSMsgType.ERROR)  # fmt: skip


def test_non_finite_numbers_travel_as_null():
    assert json.loads(encode({"cost": float("inf"), "W": [[1.0, float("nan")]]})) == {
        "cost": None,
        "W": [[1.0, None]],
    }


def test_a_failure_nobody_foresaw_costs_one_reply_not_the_session(monkeypatch, caplog):
    # Fault injection: a handler and the training chunk raise as a bug in glassnet would. The
    # page gets one line saying so, the terminal the traceback, and the socket stays open.
    from glassnet.playground import protocol, server

    def broken(session, message):
        raise RuntimeError("injected fault")

    monkeypatch.setitem(protocol.HANDLERS, "step", broken)
    monkeypatch.setattr(server, "_advance", lambda *args: broken(None, None))

    async def scenario(client):
        ws, _ = await hello(client)
        replies = []
        for kind in ("step", "play", "pause"):  # play: its chunk fails; pause: still answered
            await ws.send_str(json.dumps({"type": kind}))
            replies.append(await ws.receive_json())
            if kind == "play":
                replies.append(await ws.receive_json())
        await ws.close()
        return replies

    step, play, training, pause = run(scenario)
    assert step["type"] == "error" and "handling a 'step' message" in step["message"]
    assert "RuntimeError: injected fault" in step["message"] and "bug" in step["message"]
    assert play["type"] == "frame" and play["playing"]
    assert training["type"] == "error" and "while training" in training["message"]
    assert pause["type"] == "frame" and not pause["playing"]  # the session went on
    assert sum("injected fault" in r.exc_text for r in caplog.records if r.exc_text) >= 2
