"""Every control of the playground's page, driven in Chromium: the data sets from the default
settings, regenerate, the layer and unit buttons and their bounds, the speed, hovering a unit,
a bias from the keyboard, numbers that follow a Step, a data point's trace, the feature space."""

import signal

import pytest

from glassnet.playground import glassbox
from glassnet.playground.session import Session
from glassnet.playground.state import DATASETS, Settings
from playground_helpers import wait_text


def shown(page, selector: str) -> bool:
    return page.is_visible(selector)


def wait_url(page, text: str) -> None:
    page.wait_for_function(f"location.search.includes({text!r})")


@pytest.mark.parametrize("name", [n for n in DATASETS if n != "upload"])
def test_every_data_set_can_be_chosen_from_the_default_settings(server, open_page, name):
    p, page = open_page(server.url)
    page.select_option("#data", name)
    if name != "xor-clusters":  # the default: choosing it changes nothing
        wait_url(page, f"data={name}")
    page.wait_for_function(f"data && data.name == {name!r}")
    shape = "1-4-4-1" if name == "regression-1d" else "2-4-4-3" if name == "blobs" else "2-4-4-1"
    # the network's frame follows the data's message: wait for it, then check what it shows
    wait_text(page, "shape", shape)
    assert not shown(page, "#message"), page.text_content("#message-text")
    assert shown(page, "#classes-row") == (name == "blobs")
    assert p.errors == []


def test_regenerate_noise_and_share_draw_the_data_again(server, open_page):
    _, page = open_page(server.page_url(data="moons"))
    first = page.evaluate("data.train.slice(0, 3)")
    page.get_by_role("button", name="Regenerate").click()
    wait_url(page, "dataseed=1")
    page.wait_for_function(f"JSON.stringify(data.train.slice(0, 3)) != {str(first)!r}")
    page.locator("#train").fill("80")
    wait_url(page, "train=80")
    page.wait_for_function("data.train.length == 160 && data.test.length == 40")
    page.locator("#noise").fill("0.5")
    wait_url(page, "noise=0.5")
    assert page.text_content("#noise-value") == "0.50"


def test_layers_and_units_are_added_and_removed_within_bounds(server, open_page):
    _, page = open_page(server.page_url(hidden="4"))
    page.get_by_role("button", name="Add a hidden layer").click()
    wait_text(page, "shape", "2-4-4-1")
    page.get_by_role("button", name="Add a unit to layer 2").click()
    wait_text(page, "shape", "2-4-5-1")
    page.get_by_role("button", name="Remove a unit from layer 1").click()
    wait_text(page, "shape", "2-3-5-1")
    page.get_by_role("button", name="Remove a hidden layer").click()
    wait_text(page, "shape", "2-3-1")
    _, page = open_page(server.page_url(hidden="16,2,2,2,2,2"))
    page.get_by_role("button", name="Add a hidden layer").click()
    page.wait_for_selector("#message:not([hidden])")
    assert "at most 6 hidden layers" in page.text_content("#message-text")
    page.get_by_role("button", name="Add a unit to layer 1").click()
    page.wait_for_function("document.getElementById('message-text').textContent"
                           ".includes('1 to 16 units')")  # fmt: skip
    assert page.text_content("#shape") == "2-16-2-2-2-2-2-1"


def test_the_speed_control_sets_updates_per_frame(server, open_page):
    _, page = open_page(server.url)
    page.get_by_label("Speed: updates per frame").fill("6")
    wait_url(page, "speed=100")
    assert page.text_content("#speed-value") == "100"


def test_resting_the_pointer_on_a_unit_shows_its_numbers(server, open_page):
    _, page = open_page(server.page_url(hidden="3"))
    page.get_by_role("button", name="layer 1 unit 3", exact=True).hover()
    page.wait_for_selector("#inspector .equation")
    expected = glassbox.unit_info(Session(Settings(hidden=(3,))), 1, 2)["lines"]
    assert page.locator("#inspector .equation").all_text_contents() == expected


def test_a_bias_is_reached_and_opened_from_the_keyboard(server, open_page):
    _, page = open_page(server.page_url(hidden="3"))
    page.get_by_role("button", name="layer 1 unit 2", exact=True).focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "bias of layer 1 unit 2"
    page.keyboard.press("Enter")
    page.wait_for_selector("#inspector .equation")
    lines = page.locator("#inspector .equation").all_text_contents()
    assert lines[0] == "b⁽¹⁾[2] = 0" and lines[1].startswith("∂L/∂b for sample train #0 = ")
    before = page.evaluate("document.getElementById('surface').toDataURL()")
    page.fill("#edit-value", "-1.5")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#inspector .equation')?.textContent"
                           " == 'b⁽¹⁾[2] = -1.5'")  # fmt: skip
    page.wait_for_function(f"document.getElementById('surface').toDataURL() != {before!r}")


def test_reset_draws_the_weights_again_from_the_seed(server, open_page):
    _, page = open_page(server.page_url(hidden="3", gd="batch", lr="1"))
    first = page.text_content("#cost-train")
    for n in (1, 2):
        page.get_by_role("button", name="Step").click()
        wait_text(page, "updates", f"updates {n}")
    assert page.text_content("#cost-train") != first
    page.get_by_role("button", name="Reset").click()
    wait_text(page, "updates", "updates 0")
    assert page.text_content("#cost-train") == first and page.text_content("#epoch") == "epoch 0"


def test_the_numbers_shown_follow_a_step(server, open_page):
    _, page = open_page(server.page_url(hidden="3", gd="batch"))
    page.get_by_role("button", name="weight from input 1 to layer 1 unit 1").click(force=True)
    page.wait_for_function("document.getElementById('inspector').textContent"
                           ".includes('Δw = — (no update yet)')")  # fmt: skip
    page.get_by_role("button", name="Step").click()
    wait_text(page, "updates", "updates 1")
    session = Session(Settings(hidden=(3,), gd="batch"))
    session.step()
    expected = glassbox.weight_info(session, 1, 0, 0)["lines"]
    page.wait_for_function(f"document.querySelector('#inspector .equation:last-child')"
                           f".textContent == {expected[-1]!r}")  # fmt: skip
    assert page.locator("#inspector .equation").all_text_contents() == expected


def test_a_click_on_a_data_point_shows_its_trace(server, open_page):
    _, page = open_page(server.page_url(data="moons", hidden="3"))
    x, y = page.evaluate("pointPosition(data.train[7])")
    box = page.locator("#surface").bounding_box()
    scale = box["width"] / 320
    page.mouse.click(box["x"] + x * scale, box["y"] + y * scale)
    page.wait_for_function("document.getElementById('trace').textContent.includes('Forward')")
    session = Session(Settings(data="moons", hidden=(3,)))
    assert page.text_content("#trace") == glassbox.sample_trace(session, "train", 7)["text"]
    assert page.input_value("#sample-index") == "7"


def test_the_feature_space_of_two_or_three_units(server, open_page):
    for hidden, shape in (("4,2", "line"), ("3", "plane")):
        _, page = open_page(server.page_url(hidden=hidden))
        assert shown(page, "#features")
        assert page.text_content("#features-note").endswith(f"separating {shape}")
    _, page = open_page(server.page_url(hidden="4"))
    assert not shown(page, "#features")
    assert "2 or 3 units" in page.text_content("#features-note")


def test_ctrl_c_stops_the_server_cleanly(start_server):
    s = start_server()
    s.process.send_signal(signal.SIGINT)
    out, _ = s.process.communicate(timeout=30)
    assert s.process.returncode == 0 and "playground stopped" in out


def test_the_page_asks_nothing_of_another_host(server, browser):
    """Offline: every request the page makes goes to the playground's own server."""
    context = browser.new_context()
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server.url)
    page.wait_for_function("window.glassnetStats && window.glassnetStats.frames > 0")
    context.close()
    own = (server.base + "/", server.base.replace("http", "ws") + "/", "data:")
    assert len(requests) >= 4 and [u for u in requests if not u.startswith(own)] == []


def test_the_pages_files_ship_in_the_package():
    """pyproject's package data takes every file of static/, and the page loads only those."""
    import re
    import tomllib
    from pathlib import Path

    from glassnet.playground.server import PAGE_FILES, STATIC

    root = Path(__file__).resolve().parents[2]
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools["package-data"]["glassnet.playground"]
    files = {p.name for p in STATIC.iterdir()}
    shipped = {p.name for pattern in patterns for p in STATIC.parent.glob(pattern)}
    assert files == shipped == PAGE_FILES | {"index.html"}
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert set(re.findall(r'(?:src|href)="static/([^"]+)"', html)) == PAGE_FILES


def test_without_no_browser_the_page_opens_in_the_default_browser(tmp_path):
    """$BROWSER is the default browser for Python's webbrowser: here a command that writes
    the address it is given to a file."""
    import os
    import subprocess
    import sys
    import time

    opened = tmp_path / "opened.txt"
    command = f"{sys.executable} -c \"import sys; open(sys.argv[1], 'w').write(sys.argv[2])\""
    env = {**os.environ, "BROWSER": f"{command} {opened} %s"}
    process = subprocess.Popen([sys.executable, "-m", "glassnet", "playground", "--port", "0"],
                               stdout=subprocess.PIPE, text=True, env=env)  # fmt: skip
    try:
        printed = process.stdout.readline().split(" at ")[1].strip()
        for _ in range(300):
            if opened.exists() and opened.read_text():
                break
            time.sleep(0.1)
        assert opened.read_text() == printed and "?token=" in printed
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert process.returncode == 0


def test_a_connection_is_pressed_with_enter_or_space_and_space_is_not_play(server, open_page):
    _, page = open_page(server.page_url(hidden="2"))
    for key, name in (("Enter", "W⁽¹⁾[1,2]"), ("Space", "W⁽¹⁾[2,1]")):
        row, col = (1, 2) if key == "Enter" else (2, 1)
        page.get_by_role("button", name=f"weight from input {col} to layer 1 unit {row}").focus()
        page.keyboard.press(key)
        page.wait_for_function("document.querySelector('#inspector .equation')?.textContent"
                               f".startsWith({name + ' = '!r})")  # fmt: skip
    page.wait_for_timeout(300)
    assert page.get_attribute("#play", "aria-label") == "Play"
