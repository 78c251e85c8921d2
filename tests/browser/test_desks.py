"""The Desks screen in a real Chromium: nine demo desks on one board, one of them down. At
1920×1080 it shows eight rows without scrolling, says how many more desks there are, every text
at least 24 px; the desk that is down says so in its own row, the others are fresh. A screenshot
for the README."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from board.theme import MIN_TEXT_PX
from harness.browser import (
    FIT_JS,
    INTERVAL,
    LOAD_TIMEOUT_MS,
    MAX_BACKOFF,
    TEXT_SIZES_JS,
    Dashboard,
    save_screenshot,
)
from netserver_demo import DemoNetServer, Fault

pytestmark = pytest.mark.browser

DESKS = ["Oslo", "Stockholm", "Copenhagen", "Helsinki", "Amsterdam", "Berlin", "London",
         "Reykjavik", "Tallinn"]
DOWN = "Copenhagen"
#: A screen for a wall that visitors pass: no request title, no handler's name.
LOBBY = """[[screens]]
id = "lobby"
title = "Lobby"
hotlist = "counts"
handlers = "initials"
panels = ["StatusScreen", "Hotlist", "OpenRequestsPerUser", "UserReponseTimePerWeek"]

"""


@pytest.fixture(scope="module")
def board(chromium_executable: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    servers = [DemoNetServer(port=0, seed=n).start() for n in range(len(DESKS))]
    try:
        down = servers[DESKS.index(DOWN)]
        down.set_fault(Fault.DOWN)
        assert down.wait_until_refused(60)
        folder = tmp_path_factory.mktemp("desks")
        toml = Path(folder) / "statusboard.toml"
        toml.write_text('[[screens]]\nid = "status"\ntitle = "Status"\n'
                        'panels = ["StatusScreen"]\n\n' + LOBBY + "".join(
                            f'[desks.{name.lower()}]\nlabel = "{name}"\nurl = "{srv.url}"\n\n'
                            for name, srv in zip(DESKS, servers, strict=True)))
        with Dashboard(None, interval=INTERVAL, max_backoff=MAX_BACKOFF,
                       extra_env={"STATUSBOARD_CONFIG": str(toml),
                                  "STATUSBOARD_DATABASE_URL": "off"}) as dashboard:
            yield dashboard
    finally:
        for srv in servers:
            srv.stop()


ROWS_JS = """() => [...document.querySelectorAll('tr[data-desk-row]')].map(r => {
  const b = r.getBoundingClientRect();
  return {desk: r.dataset.deskRow, state: r.dataset.state, bottom: b.bottom,
          counts: [...r.querySelectorAll('.sb-desk-count')].map(c => c.textContent)}; })"""


def test_the_desks_screen_fits_and_each_row_tells_its_own_state(board: Dashboard,
                                                                new_page: Any) -> None:
    page = new_page(1920, 1080)
    page.goto(f"{board.url}/desks", wait_until="domcontentloaded")
    # Every shown desk but the one down has its numbers (the board polls every desk at start).
    page.wait_for_function(
        "() => [...document.querySelectorAll('tr[data-desk-row]')].filter("
        "r => r.dataset.state === 'fresh').length === 7", timeout=LOAD_TIMEOUT_MS)
    rows = page.evaluate(ROWS_JS)
    assert [r["desk"] for r in rows] == DESKS[:8]
    states = {r["desk"]: r["state"] for r in rows}
    assert states.pop(DOWN) == "error"
    assert set(states.values()) == {"fresh"}
    assert all(c != "n/a" for r in rows if r["desk"] != DOWN for c in r["counts"])
    assert page.locator(".sb-desks-more").inner_text() == "and 1 more desk (see ?desk= on each " \
        "screen)"
    assert "NO DATA — NetServer unreachable since" in page.locator(
        f'tr[data-desk-row="{DOWN}"]').inner_text()
    fit = page.evaluate(FIT_JS)
    assert fit["scrollbars"] == []
    assert max(r["bottom"] for r in rows) <= 1080
    # The line under the table (how many more desks, what the response time is) too.
    assert page.evaluate("() => document.querySelector('.sb-desks-note')"
                         ".getBoundingClientRect().bottom") <= 1080
    small = [t for t in page.evaluate(TEXT_SIZES_JS) if t["px"] < MIN_TEXT_PX - 0.01]
    assert small == [], small
    save_screenshot(page, "desks-1920x1080")


def test_the_connection_screen_of_many_desks_stays_on_the_screen(board: Dashboard,
                                                                  new_page: Any) -> None:
    """Regression: from about three desks, their rows pushed the page past 1080 pixels."""
    page = new_page(1920, 1080)
    page.goto(f"{board.url}/connection", wait_until="domcontentloaded")
    page.wait_for_selector("table[data-connection]", timeout=LOAD_TIMEOUT_MS)
    text = page.locator("table[data-connection]").inner_text()
    assert all(f"Desk {name.lower()}" in text for name in DESKS)
    fit = page.evaluate(FIT_JS)
    assert fit["scrollbars"] == []
    assert fit["hidden"] == []


def test_a_public_screen_shows_no_title_and_no_name(board: Dashboard, new_page: Any) -> None:
    from netserver_demo.model import HANDLERS, TITLES

    page = new_page(1920, 1080)
    page.goto(f"{board.url}/lobby", wait_until="domcontentloaded")
    page.wait_for_selector('[data-tile="Hotlist"][data-na="false"]', timeout=LOAD_TIMEOUT_MS)
    page.wait_for_selector(".st-key-panel-UserReponseTimePerWeek svg", timeout=LOAD_TIMEOUT_MS)
    shown = page.content()
    assert [n for n, _ in HANDLERS if n in shown] == []
    assert [t for t in TITLES if t in shown] == []
    assert page.evaluate(FIT_JS)["scrollbars"] == []
    save_screenshot(page, "lobby-1920x1080")
