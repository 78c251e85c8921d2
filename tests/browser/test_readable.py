"""Readable from five metres on a 4K screen and at the tiles' longest: at 3840×2160, where the
canvas is scaled up, every visible text on a data screen is at least twice
`board.theme.MIN_TEXT_PX` (24 px) and the screen still fits; every Status tile past a threshold
shows all its words. (1920×1080: tests/browser/test_screens.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from board.theme import MIN_TEXT_PX
from harness.browser import (
    FIT_JS,
    INTERVAL,
    MAX_BACKOFF,
    PANELS_JS,
    SETTLED_JS,
    TEXT_SIZES_JS,
    Dashboard,
    open_screen,
    save_screenshot,
    too_small,
    wait_for,
)
from netserver_demo import DemoNetServer

pytestmark = pytest.mark.browser

SCREENS = [("status", ""), ("workload", "workload"), ("trends", "trends"), ("today", "today")]
SIZES = {"1080p": (1920, 1080), "4k": (3840, 2160)}

# Not strict about page containers: at 4K the board zooms <html> by 2, and Streamlit's
# 100vh-high containers then come out twice the window height (empty below the board, hidden by
# overflow: hidden). What shows on the screen is checked: nothing scrolls, nothing below the
# window's edge.
@pytest.mark.parametrize(("screen", "path"), SCREENS)
def test_at_4k_every_text_is_twice_as_large_and_the_screen_fits(
        dashboard: Dashboard, new_page: Any, drawn: dict[str, list[str]],
        js_errors: dict[int, list[str]], screen: str, path: str) -> None:
    page = new_page(*SIZES["4k"])
    open_screen(page, dashboard, path, drawn[screen])
    page.wait_for_function(SETTLED_JS)
    texts = page.evaluate(TEXT_SIZES_JS)
    save_screenshot(page, f"{screen}-3840x2160", docs=False)  # the README shows the 1080p ones
    assert any(t["svg"] for t in texts)
    small = too_small(texts, 2 * MIN_TEXT_PX)
    assert small == [], (f"text below {2 * MIN_TEXT_PX} px on /{path} at 3840×2160:\n"
                         + "\n".join(small))
    fit = page.evaluate(FIT_JS)
    assert fit["scrollbars"] == [], f"these can scroll: {fit['scrollbars']}"
    boxes = page.evaluate(PANELS_JS)
    assert sorted(b["panel"] for b in boxes) == sorted(drawn[screen])
    assert all(b["bottom"] <= 2160.5 and b["right"] <= 3840.5 for b in boxes), boxes
    # The 1080p layout drawn twice as large, not a small board in a corner of a 4K screen.
    assert max(b["bottom"] for b in boxes) > 0.75 * 2160
    if screen == "status":  # measured on the screen, whatever does the scaling
        value_px = page.evaluate(
            "() => document.querySelector('.sb-tile-value').getBoundingClientRect().height")
        assert value_px >= 150, f"big numbers are {value_px:.0f} px high on a 4K screen"
    assert js_errors[id(page)] == []


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
