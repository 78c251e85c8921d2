"""Night mode on the page's own clock: outside office hours only a dim clock and the freshness
line show, readable and moving every minute, saying offline when the board server is gone; at
`to` the screen wakes by itself. The browser's clock is Playwright's (page.clock), so the test
goes from noon to 19:00 to 07:00 in seconds; the board server is real, on real time, and the
test kills it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from board.kiosk import HEALTH_EVERY_MS, HEALTH_MISSES, night_script
from board.theme import MIN_TEXT_PX
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
from statusboard.rules import Night
from statusboard.site import builtin_config

pytestmark = pytest.mark.browser

NIGHT = 'night = { from = "19:00", to = "07:00" }\n'
NOON = datetime(2026, 3, 2, 12, 0, 0)  # browser local time

# What shows, as the viewer sees it: visibility and opacity count, and where the two night
# things are drawn.
NIGHT_JS = """() => { const seen = (e) => !!e && e.checkVisibility(
    {opacityProperty: true, visibilityProperty: true});
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top]; };
  const n = document.querySelector('#sb-night'); const f = document.querySelector('#freshness');
  return {night: n?.dataset.night ?? null, dark: document.documentElement.classList
            .contains('sb-night'),
          clock: seen(n) ? {text: n.textContent, at: box(n)} : null,
          freshness: seen(f) ? {state: f.dataset.state, at: box(f),
                                after: getComputedStyle(f, '::after').content} : null,
          tiles: [...document.querySelectorAll('.sb-tile')].filter(seen).length,
          charts: [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
            .filter(seen).length,
          anyTiles: document.querySelectorAll('.sb-tile').length}; }"""


def shown(page: Any) -> dict[str, Any]:
    """What the viewer sees of the page now (NIGHT_JS)."""
    return cast("dict[str, Any]", page.evaluate(NIGHT_JS))


@pytest.fixture
def night_board(chromium_executable: str, netserver: DemoNetServer,
                tmp_path: Path) -> Iterator[Dashboard]:
    """A board server whose statusboard.toml is the shipped one with night hours (and no
    daily reload, which would otherwise fall in the night the test jumps through)."""
    toml = builtin_config().read_text().replace('reload_at = "03:00"', 'reload_at = "off"')
    (tmp_path / "statusboard.toml").write_text(NIGHT + toml)
    with Dashboard(netserver.url, interval=INTERVAL, max_backoff=MAX_BACKOFF,
                   extra_env={"STATUSBOARD_CONFIG": str(tmp_path / "statusboard.toml")}) as b:
        yield b


def test_the_screen_goes_dark_at_night_moves_its_clock_and_wakes_at_to(
        night_board: Dashboard, new_page: Any, screens: dict[str, list[str]]) -> None:
    page = new_page()
    page.clock.install(time=NOON)
    open_screen(page, night_board, "", screens["status"])
    day = shown(page)
    assert (day["night"], day["dark"], day["clock"]) == ("off", False, None)
    assert min(day["tiles"], day["charts"]) > 0, day

    page.clock.set_system_time(NOON.replace(hour=19))
    wait_for(lambda: shown(page)["night"] == "on", 10, what="night at 19:00")
    dark = shown(page)
    assert dark["dark"]
    assert (dark["tiles"], dark["charts"]) == (0, 0), "the data shows at night"
    assert dark["anyTiles"] > 0, "the tiles are hidden, not gone"
    assert (dark["clock"] or {}).get("text") == "19:00", dark
    assert dark["freshness"] is not None, "the freshness line is hidden at night"
    # What is left is exactly the clock and the freshness line, and it reads across the room.
    texts = page.evaluate(TEXT_SIZES_JS)
    assert {t["element"].split(".")[0] for t in texts} <= {"div#sb-night", "div#freshness",
                                                           "span"}, texts
    assert min((t["px"] for t in texts), default=0) >= MIN_TEXT_PX, texts
    save_screenshot(page, "night", docs=False)

    # A minute later both have moved a few pixels (burn-in), together.
    page.clock.set_system_time(NOON.replace(hour=19, minute=1))
    wait_for(lambda: (shown(page)["clock"] or {}).get("text") == "19:01", 10,
             what="the night clock at 19:01")
    moved = shown(page)
    for what in ("clock", "freshness"):
        dx, dy = (abs(a - b) for a, b in zip(moved[what]["at"], dark[what]["at"], strict=True))
        assert 0 < max(dx, dy) <= 10, (what, dark[what]["at"], moved[what]["at"])

    # The board server gone at night: the freshness line says so, and stays readable.
    night_board.kill()
    # Enough health checks at once on the page's clock: they fail, and the page says offline.
    page.clock.run_for(HEALTH_MISSES * HEALTH_EVERY_MS + 100)
    wait_for(lambda: (shown(page)["freshness"] or {}).get("state") == "offline", 30,
             what="offline at night")
    offline = shown(page)
    assert (offline["dark"], offline["clock"] is None) == (True, False), offline
    assert "OFFLINE" in offline["freshness"]["after"], offline
    assert min((t["px"] for t in page.evaluate(TEXT_SIZES_JS)), default=0) >= MIN_TEXT_PX
    save_screenshot(page, "night-offline", docs=False)

    # Morning comes on the page's clock, server or not: the data is back, and so is the
    # offline banner, which the night kept hidden.
    page.clock.set_system_time(NOON.replace(hour=7) + timedelta(days=1))
    wait_for(lambda: shown(page)["night"] == "off", 10, what="the screen waking at 07:00")
    morning = shown(page)
    assert (morning["dark"], morning["clock"]) == (False, None)
    assert (morning["tiles"], morning["charts"]) == (day["tiles"], day["charts"])
    assert page.locator("#sb-page-banner[data-banner='offline']").is_visible()


def test_the_connection_screen_never_goes_dark(new_page: Any) -> None:
    """The administrator reads it at any hour (found by a newcomer's try at night)."""
    page = new_page()
    page.clock.install(time=NOON.replace(hour=23))
    script = night_script(Night(time(19), time(7)), "UTC")
    for path, dark in (("/connection", "off"), ("/", "on"), ("/workload", "on")):
        page.route("http://board.test/**", lambda route: route.fulfill(
            content_type="text/html", body=f"<html><body>{script}</body></html>"))
        page.goto(f"http://board.test{path}")
        wait_for(lambda d=dark: page.evaluate(
            "() => document.getElementById('sb-night')?.dataset.night") == d, 10,
            what=f"night {dark} on {path}")
        page.unroute("http://board.test/**")
