"""The playground's page end to end: a real server, Debian's Chromium through Playwright."""

import json
import subprocess
import sys
import urllib.request

import numpy as np

import glassnet as gn
from glassnet.playground.session import Session
from glassnet.playground.state import Settings
from playground_helpers import wait_text


def number(page, element_id: str) -> float:
    return float(page.text_content(f"#{element_id}").split()[-1])


def wait_updates(page, at_least: int) -> None:
    page.wait_for_function(
        f"Number(document.getElementById('updates').textContent.split(' ')[1]) >= {at_least}"
    )


def click_connection(page, name: str) -> None:
    """Click a connection's line. A horizontal line's box has no height, which Playwright
    calls invisible; its 9-pixel-wide stroke is what a person clicks, at the same point."""
    page.get_by_role("button", name=name).click(force=True)


def test_the_page_loads_with_no_console_errors(server, open_page):
    p, page = open_page(server.url)
    assert page.text_content("#epoch") == "epoch 0"
    assert page.text_content("#cost-train").startswith("cost 0.")
    assert p.errors == []


def test_play_trains_and_the_cost_falls_then_pause_stops(server, open_page):
    p, page = open_page(server.page_url(hidden="8,8", lr="0.3"))
    first = number(page, "cost-train")
    page.get_by_role("button", name="Play").click()
    wait_updates(page, 300)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_function("document.getElementById('play').getAttribute('aria-label') == 'Play'")
    stopped = number(page, "updates")
    assert number(page, "cost-train") < first
    page.wait_for_timeout(700)
    assert number(page, "updates") == stopped
    assert page.text_content("#epoch") != "epoch 0"
    assert p.errors == []


def test_step_makes_one_update(server, open_page):
    _, page = open_page(server.page_url(gd="stochastic"))
    page.get_by_role("button", name="Step").click()
    wait_text(page, "updates", "updates 1")
    page.get_by_role("button", name="Step").click()
    wait_text(page, "updates", "updates 2")
    assert page.text_content("#gd") == "stochastic"


def test_space_toggles_play(server, open_page):
    _, page = open_page(server.url)
    page.locator("body").click(position={"x": 5, "y": 780})
    page.keyboard.press("Space")
    page.wait_for_function("document.getElementById('play').getAttribute('aria-label') == 'Pause'")
    page.keyboard.press("Space")
    page.wait_for_function("document.getElementById('play').getAttribute('aria-label') == 'Play'")


def test_every_control_has_an_accessible_name(server, open_page):
    _, page = open_page(server.url)
    unnamed = page.evaluate("""() => [...document.querySelectorAll(
        'button, select, input, [role=button], canvas')].filter((el) => {
          const label = el.getAttribute('aria-label') || (el.labels && el.labels.length) ||
                        el.textContent.trim() || el.closest('[aria-label]');
          return !label;
        }).map((el) => el.outerHTML.slice(0, 80))""")
    assert unnamed == []
    for name in ("Play", "Step", "Reset", "Regenerate", "Add a hidden layer", "Trace"):
        assert page.get_by_role("button", name=name, exact=True).count() == 1


def test_a_click_on_a_unit_shows_its_numbers(server, open_page):
    _, page = open_page(server.page_url(hidden="3", act="sigmoid"))
    page.get_by_role("button", name="layer 1 unit 2", exact=True).click()
    page.wait_for_selector("#inspector .equation")
    lines = page.locator("#inspector .equation").all_text_contents()
    expected = Session(Settings(hidden=(3,), act="sigmoid"))
    from glassnet.playground import glassbox

    assert lines == glassbox.unit_info(expected, 1, 1)["lines"]
    assert lines[1].startswith("z = Σ wᵢxᵢ + b = ") and lines[2].startswith("a = σ(z)")


def test_editing_a_weight_changes_the_output_surface(server, open_page):
    _, page = open_page(server.page_url(hidden="2"))
    before = page.evaluate("document.getElementById('surface').toDataURL()")
    click_connection(page, "weight from input 1 to layer 1 unit 1")
    page.wait_for_selector("#edit:not([hidden])")
    page.fill("#edit-value", "6")
    page.get_by_role("button", name="Set", exact=True).click()
    page.wait_for_function("document.querySelector('#inspector .equation')?.textContent"
                           ".startsWith('W⁽¹⁾[1,1] = 6')")  # fmt: skip
    page.wait_for_function(f"document.getElementById('surface').toDataURL() != {before!r}")


def test_a_worked_example_shows_glassnet_explains_numbers(server, open_page):
    _, page = open_page(server.url)
    page.select_option("#example", "xor-2-2-1")
    wait_text(page, "shape", "2-2-1")
    page.get_by_role("button", name="Trace").click()
    page.wait_for_function("document.getElementById('trace').textContent.includes('Forward')")
    shown = page.text_content("#trace")
    explain = subprocess.run([sys.executable, "-m", "glassnet", "explain", "--example",
                              "xor-2-2-1"], capture_output=True, text=True, encoding="utf-8",
                             check=True).stdout  # fmt: skip
    body = shown.split("Forward pass", 1)[1].split("Check: the same gradient", 1)[0]
    numbered = [line for line in body.splitlines() if any(c.isdigit() for c in line)]
    assert len(numbered) > 20
    assert all(line in explain for line in numbered)
    assert "L = ½(t − y)²       = 0.0331396" in shown
    page.get_by_role("button", name="Step").click()
    wait_text(page, "updates", "updates 1")
    click_connection(page, "weight from input 1 to layer 1 unit 1")
    page.wait_for_function("document.querySelector('#inspector .equation')?.textContent"
                           " == 'W⁽¹⁾[1,1] = 3.04838'")  # fmt: skip
    assert "W after = W − 1·∇    2×3  ⎡ 3.04838  4  -1.95162 ⎤" in explain


def test_a_bad_upload_shows_its_message(server, open_page):
    p, page = open_page(server.url)
    bad = b"x1,x2,label\n0.1,0.2,a\n0.3,oops,b\n0.5,0.6,a\n0.7,0.8,b\n"
    page.set_input_files("#upload", files=[{"name": "class.csv", "mimeType": "text/csv",
                                             "buffer": bad}])  # fmt: skip
    page.wait_for_selector("#message:not([hidden])")
    assert "class.csv line 3, column 2: 'oops' is not a finite number" in page.text_content(
        "#message-text"
    )
    good = "x1,x2,label\n" + "".join(f"{np.cos(i):.3f},{np.sin(i):.3f},{'ab'[i % 2]}\n"
                                     for i in range(40))  # fmt: skip
    page.set_input_files("#upload", files=[{"name": "good.csv", "mimeType": "text/csv",
                                             "buffer": good.encode()}])  # fmt: skip
    page.wait_for_function("document.getElementById('data').value == 'upload'")
    assert [e for e in p.errors if "oops" not in e] == []


def test_a_url_reproduces_the_state(server, open_page):
    _, page = open_page(server.page_url(data="moons", hidden="3,2", act="relu", lr="0.03",
                                        gd="stochastic", hide="data"))  # fmt: skip
    assert page.text_content("#shape") == "2-3-2-1"
    assert page.input_value("#act") == "relu" and page.input_value("#lr") == "0.03"
    assert page.is_hidden("#panel-data")
    page.select_option("#opt", "adam")
    page.wait_for_function("location.search.includes('opt=adam')")
    url, cost = page.url, page.text_content("#cost-train")
    _, again = open_page(url)
    assert again.input_value("#opt") == "adam" and again.text_content("#shape") == "2-3-2-1"
    assert again.text_content("#cost-train") == cost
    assert again.is_hidden("#panel-data")


def test_a_link_with_weights_reproduces_a_trained_network(server, open_page):
    _, page = open_page(server.page_url(hidden="3"))
    page.get_by_role("button", name="Play").click()
    wait_updates(page, 50)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_function("document.getElementById('play').getAttribute('aria-label') == 'Play'")
    page.get_by_role("button", name="Link with these weights").click()
    page.wait_for_function("document.getElementById('link').value.includes('weights=')")
    cost = page.text_content("#cost-train")
    _, again = open_page(page.input_value("#link"))
    assert again.text_content("#cost-train") == cost != "cost 0.0000"


def test_a_second_browser_gets_its_own_session(server, open_page):
    _, first = open_page(server.url)
    _, second = open_page(server.url)
    first.get_by_role("button", name="Step").click()
    wait_text(first, "updates", "updates 1")
    assert second.text_content("#updates") == "updates 0"
    hrefs = {p.get_attribute("#download-model", "href") for p in (first, second)}
    assert len(hrefs) == 2


def test_the_downloads(server, open_page, tmp_path):
    _, page = open_page(server.page_url(data="circles", hidden="4"))
    page.get_by_role("button", name="Step").click()
    href = page.get_attribute("#download-model", "href")
    with urllib.request.urlopen(f"{server.base}/{href}") as response:
        (tmp_path / "m.glassnet").write_bytes(response.read())
    net = gn.load(tmp_path / "m.glassnet")
    assert repr(net).startswith("Network(Dense(2→4), Tanh()")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the HTML report").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert "Decision boundary" in text and "<html" in text


def test_an_origin_from_elsewhere_and_a_missing_token_are_refused(server):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import aiohttp

    async def status(url, headers):
        async with aiohttp.ClientSession() as client:
            try:
                async with client.ws_connect(url, headers=headers) as ws:
                    await ws.send_str(json.dumps({"type": "hello", "settings": {}}))
                    return (await ws.receive_json())["type"]
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status

    ws_url = server.base.replace("http", "ws") + "/ws?token=" + server.url.split("token=")[1]
    own = {"Origin": server.base}

    def check(url, headers):  # in a thread: Playwright's own event loop runs in this one
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, status(url, headers)).result()

    assert check(ws_url, {"Origin": "http://evil.example"}) == 403
    assert check(ws_url.split("?")[0] + "?token=wrong", own) == 403
    assert check(ws_url, own) == "session"
    with urllib.request.urlopen(server.url) as ok:
        assert ok.status == 200
    try:
        urllib.request.urlopen(server.base + "/")
    except urllib.error.HTTPError as exc:
        assert exc.code == 403 and "access token" in exc.read().decode()
    else:
        raise AssertionError("the page was served without its token")


def test_a_page_from_another_site_cannot_open_a_session(server, open_page, browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<p>elsewhere</p>")
    ws_url = server.base.replace("http", "ws") + "/ws?token=" + server.url.split("token=")[1]
    outcome = page.evaluate(f"""() => new Promise((resolve) => {{
        const ws = new WebSocket({ws_url!r});
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('refused');
    }})""")
    context.close()
    assert outcome == "refused"


def test_the_page_reads_on_a_phone(server, open_page):
    p, page = open_page(server.page_url(hidden="8,8"), viewport={"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    box = page.locator("#surface").bounding_box()
    assert box["width"] > 300
    assert p.errors == []


def test_sigterm_stops_the_server_cleanly(start_server):
    s = start_server()
    returncode, out = s.stop()
    assert returncode == 0 and "playground stopped" in out


def test_wrong_flags_and_a_port_in_use(glassnet, server):
    result = glassnet("playground", "--no-browser", "--port", "99999", timeout=60)
    assert result.returncode == 2 and "must be a port number 0 to 65535" in result.stderr
    short = glassnet("playground", "--no-browser", "--token", "abc", timeout=60)
    assert short.returncode == 2 and "at least 8 printable ASCII characters" in short.stderr
    busy = glassnet("playground", "--no-browser", "--port", server.port, timeout=60)
    assert busy.returncode == 1
    assert busy.stderr.startswith("error: cannot listen on 127.0.0.1:") and "--port" in busy.stderr
    assert "Traceback" not in busy.stderr


def test_a_diverging_run_stops_with_glassnets_advice(server, open_page):
    p, page = open_page(server.page_url(data="regression-2d", cost="squared_error", act="relu",
                                        lr="10", hidden="16,16", gd="batch"))  # fmt: skip
    page.get_by_role("button", name="Play").click()
    page.wait_for_selector("#message:not([hidden])")
    text = page.text_content("#message-text")
    assert text.startswith("training diverged at epoch") and "Lower the learning rate" in text
    page.wait_for_function("document.getElementById('play').getAttribute('aria-label') == 'Play'")
    assert p.errors == []


def test_without_aiohttp_the_command_says_what_to_install():
    code = ("import sys; sys.modules['aiohttp'] = None\n"
            "from glassnet.cli.main import main\n"
            "sys.exit(main(['playground', '--no-browser']))")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr == (
        "error: the playground needs aiohttp (aiohttp is missing): "
        "pip install 'glassnet[playground]'\n"
    )
