"""Readable from five metres: every visible text on a data screen, HTML and chart SVG alike, is
drawn at least `board.theme.MIN_TEXT_PX` (24 px) high at 1920×1080, and twice that at 3840×2160
where the canvas is scaled up; the big numbers stay about 90 px.

The Connection screen is exempt: it is for the administrator at a desk (its raw data grid is
Streamlit's own, drawn on a canvas, with desk-sized text).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from board.theme import MIN_TEXT_PX, TYPE
from harness.browser import (
    INTERVAL,
    MAX_BACKOFF,
    TEXT_SIZES_JS,
    Dashboard,
    open_screen,
    save_screenshot,
    wait_for,
)
from netserver_demo import DemoNetServer

pytestmark = pytest.mark.browser

SCREENS = [("status", ""), ("workload", "workload"), ("trends", "trends"), ("today", "today")]
SIZES = {"1080p": (1920, 1080), "4k": (3840, 2160)}

# Fonts loaded, and every chart drawn as SVG text (not a canvas, whose text cannot be measured).
SETTLED_JS = """() => document.fonts.status === 'loaded' &&
  document.querySelectorAll('[data-testid="stVegaLiteChart"] canvas').length === 0 &&
  [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].every(
    c => c.querySelector('svg text'))"""


def measure(page: Any, dashboard: Dashboard, path: str, panels: list[str]) -> list[dict[str, Any]]:
    open_screen(page, dashboard, path, panels)
    page.wait_for_function(SETTLED_JS)
    texts: list[dict[str, Any]] = page.evaluate(TEXT_SIZES_JS)
    return texts


def too_small(texts: list[dict[str, Any]], least: float) -> list[str]:
    return [f"{t['px']:.1f} px: {t['text']!r} ({t['element']} in {t['where']})"
            for t in texts if t["px"] < least - 0.01]


@pytest.mark.parametrize(("screen", "path"), SCREENS)
def test_every_text_on_a_data_screen_is_at_least_24_px_at_1080p(
        dashboard: Dashboard, new_page: Any, drawn: dict[str, list[str]],
        js_errors: dict[int, list[str]], screen: str, path: str) -> None:
    page = new_page(*SIZES["1080p"])
    texts = measure(page, dashboard, path, drawn[screen])
    save_screenshot(page, f"readable-{screen}-1920x1080", docs=False)
    # What is measured: the freshness line, and text in every chart and every tile panel.
    assert any(t["where"] == ".sb-header" and "Updated" in t["text"] for t in texts), texts
    assert {t["where"] for t in texts} >= {f"panel {p}" for p in drawn[screen]}
    assert any(t["svg"] for t in texts), "no chart text was measured"
    small = too_small(texts, MIN_TEXT_PX)
    assert small == [], (f"text below {MIN_TEXT_PX} px on /{path} at 1920×1080:\n"
                         + "\n".join(small))
    # The big numbers stay big.
    numbers = [t["px"] for t in texts if t["element"].startswith("div.sb-tile-value")]
    assert len(numbers) == page.evaluate("document.querySelectorAll('.sb-tile-value').length")
    assert all(px >= TYPE["number_long"] for px in numbers), numbers
    assert js_errors[id(page)] == []


@pytest.mark.parametrize(("screen", "path"), SCREENS)
def test_at_4k_every_text_is_twice_as_large(
        dashboard: Dashboard, new_page: Any, drawn: dict[str, list[str]],
        screen: str, path: str) -> None:
    page = new_page(*SIZES["4k"])
    texts = measure(page, dashboard, path, drawn[screen])
    save_screenshot(page, f"{screen}-3840x2160", docs=False)
    assert any(t["svg"] for t in texts)
    small = too_small(texts, 2 * MIN_TEXT_PX)
    assert small == [], (f"text below {2 * MIN_TEXT_PX} px on /{path} at 3840×2160:\n"
                         + "\n".join(small))


# -- tiles at their longest ---------------------------------------------------------------------
#: Every Status tile past a threshold (red and amber in turn), on a board with a history of its
#: own: each cue then says how long, from the first value recorded ("▲▲ RED ≥ 1 since 07:54"),
#: the longest a tile's words get.
ALARMS = [("StatusScreen.Open", "red"), ("StatusScreen.Unread", "amber"),
          ("StatusScreen.New information", "red"), ("StatusScreen.Closed", "amber"),
          ("StatusScreen.Postponed", "red"), ("StatusScreen.Unassigned", "amber"),
          ("StatusScreen.Favourites", "red"), ("OwnOpenRequests", "amber"),
          ("UnassignedRequests", "red")]

# What a tile does not show of its words: the tile's own box, its label, change and cue, each
# cut off at its edge (overflow hidden). A hidden line is 24 px or more; a few pixels are the
# glyphs' own overhang.
CLIPPED_JS = """() => [...document.querySelectorAll('.sb-tile')].flatMap(t =>
  [t, ...t.querySelectorAll('.sb-tile-delta, .sb-tile-cue, .sb-tile-label')]
    .filter(e => e.scrollHeight > e.clientHeight + 4)
    .map(e => `${t.dataset.tile}: ${e.className} shows ${e.clientHeight} of ${e.scrollHeight} px`
              + ` (${e.textContent})`))"""


@pytest.fixture
def alarm_board(chromium_executable: str, netserver: DemoNetServer,
                tmp_path: Path) -> Iterator[Dashboard]:
    lines = []
    for key, level in ALARMS:
        lines.append(f'[thresholds."{key}"]')
        lines.append("amber = 0\nred = 0" if level == "red" else "amber = 0\nred = 1000000")
    # And a typo, as an administrator makes one: its sentence shows, the screen still fits.
    (tmp_path / "statusboard.toml").write_text('time_zone = "Europe/Olso"\n'
                                               + "\n".join(lines) + "\n")
    with Dashboard(netserver.url, interval=INTERVAL, max_backoff=MAX_BACKOFF,
                   extra_env={"STATUSBOARD_CONFIG": str(tmp_path / "statusboard.toml")}) as b:
        yield b


def test_tiles_at_their_longest_and_a_settings_problem_show_every_word_and_fit(
        alarm_board: Dashboard, new_page: Any, drawn: dict[str, list[str]]) -> None:
    page = new_page(*SIZES["1080p"])
    open_screen(page, alarm_board, "", drawn["status"])
    # A stale tile's STALE tag takes the place of how long (board.tiles.tile_html): on a busy
    # machine a poll of this 2-second board may come late, and its tiles are stale meanwhile.
    cues = "() => [...document.querySelectorAll('.sb-tile-cue')].map(c => c.textContent)"
    wait_for(lambda: (lambda got: len(got) == len(ALARMS) and all(
        " since " in c or " for " in c or c.startswith("STALE ") for c in got))(
        page.evaluate(cues)), 60, what="every tile saying how long it has been at its level")
    page.wait_for_function(SETTLED_JS)
    levels = page.evaluate("() => Object.fromEntries([...document.querySelectorAll('.sb-tile')]"
                           ".map(t => [t.dataset.tile, t.dataset.level]))")
    assert levels == dict(ALARMS)
    save_screenshot(page, "readable-alarms-1920x1080", docs=False)
    assert page.evaluate(CLIPPED_JS) == []
    small = too_small(page.evaluate(TEXT_SIZES_JS), MIN_TEXT_PX)
    assert small == [], "\n".join(small)
    alerts = page.evaluate("() => [...document.querySelectorAll('.sb-notice')]"
                           ".map(e => e.innerText)")
    (alert,) = alerts
    assert 'time_zone = "Europe/Olso"' in alert
    # The panels made room for it: nothing below the screen's edge, nothing to scroll.
    assert page.evaluate("() => document.documentElement.scrollHeight") <= 1080
    bottom = page.evaluate("() => Math.max(...[...document.querySelectorAll("
                           "'[data-testid=\"stVegaLiteChart\"]')].map("
                           "e => e.getBoundingClientRect().bottom))")
    assert bottom <= 1080, bottom
