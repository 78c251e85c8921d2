"""The page keeps its own clock: the age and stale are decided in the browser, and a board server
that is gone turns the page `offline` with the board's own banner, which clears by itself when
the server is back. The test that kills a board server starts its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.browser import (
    INTERVAL,
    MAX_BACKOFF,
    Dashboard,
    freshness,
    open_screen,
    save_screenshot,
    wait_for,
)
from netserver_demo import DemoNetServer
from stats_client.freshness import format_age

pytestmark = pytest.mark.browser

PAGE_JS = """() => { const f = document.querySelector('#freshness');
  const b = document.querySelector('#sb-page-banner');
  const dialog = [...document.querySelectorAll('[data-testid="stDialog"]')]
    .some(d => d.getClientRects().length > 0 && getComputedStyle(d).visibility !== 'hidden');
  return {state: f?.dataset.state, said: f?.dataset.serverState, seq: Number(f?.dataset.seq),
          updated: f?.dataset.updated, text: f?.innerText ?? '',
          banner: b ? {kind: b.dataset.banner, text: b.innerText} : null,
          serverBanner: document.querySelector('.sb-banner[data-banner]:not(#sb-page-banner)')
            ?.checkVisibility() ?? false,
          offlineClass: document.documentElement.classList.contains('sb-offline'),
          dialog: dialog}; }"""


@pytest.fixture
def own_board(chromium_executable: str, netserver: DemoNetServer) -> Iterator[Dashboard]:
    """A board server of this test's own: the test kills it."""
    with Dashboard(netserver.url, interval=INTERVAL, max_backoff=MAX_BACKOFF) as board:
        yield board


def state(page: Any) -> dict[str, Any]:
    got: dict[str, Any] = page.evaluate(PAGE_JS)
    return got


def test_the_page_says_how_old_the_data_is_on_its_own_clock(
        dashboard: Dashboard, new_page: Any, screens: dict[str, list[str]]) -> None:
    page = new_page()
    open_screen(page, dashboard, "", screens["status"])
    wait_for(lambda: " s ago" in state(page)["text"], 60, what="the page's age text")
    # The page's words for an age are the server's (stats_client.freshness.format_age).
    ages = [0, 1, 59, 89, 90, 150, 5399, 5400, 7260, 172799, 172800, 900000]
    assert page.evaluate("(xs) => xs.map(window.__sbFormatAge)", ages) == [
        format_age(s) for s in ages]


def test_a_killed_board_server_turns_the_page_offline_and_back(
        own_board: Dashboard, new_page: Any, screens: dict[str, list[str]]) -> None:
    page = new_page()
    open_screen(page, own_board, "", screens["status"])
    wait_for(lambda: state(page)["state"] == "fresh", 60, what="a fresh page")
    before = state(page)
    assert before["banner"] is None
    assert not before["offlineClass"]

    own_board.kill()
    # Deadlines are generous bounds, not the figure (the time to offline, about two missed
    # health checks, is measured in benchmarks/bench_screen_offline.py): a busy machine only
    # makes this slower.
    page.wait_for_function("() => document.querySelector('#freshness')?.dataset.state "
                           "=== 'offline'", timeout=90_000)
    wait_for(lambda: (state(page)["banner"] or {}).get("kind") == "offline", 30,
             what="the offline banner")
    now = state(page)
    text = " ".join(now["banner"]["text"].split())
    assert "This screen lost its connection to the board server at" in text, text
    assert "showing data from" in text, text
    assert now["offlineClass"]
    assert not now["dialog"], "Streamlit's connection dialog covers the data"
    assert not now["serverBanner"]
    # A poll may have landed between `before` and the kill; the page keeps the last it had.
    assert now["seq"] >= before["seq"] >= 1, "the last data stays on screen"
    save_screenshot(page, "offline-banner", docs=False)
    # Still offline a while later, with the age still counting: old data looks old, and it is
    # still the same data.
    wait_for(lambda: state(page)["text"] != now["text"], 30, what="the age moving while offline")
    later = state(page)
    assert (later["state"], later["seq"]) == ("offline", now["seq"])

    own_board.start()
    page.wait_for_function("() => document.querySelector('#freshness')?.dataset.state "
                           "=== 'fresh'", timeout=120_000)
    wait_for(lambda: state(page)["banner"] is None and not state(page)["offlineClass"], 60,
             what="the offline banner cleared")
    after = freshness(page)
    assert after["seq"] >= 1
    assert after["updated"] > before["updated"], "data from the restarted server"
