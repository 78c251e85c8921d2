"""The board's time zone in the page's own scripts (board.kiosk), run in a Chromium whose own
time zone is another one: the banners' times, night hours and the daily reload follow the
board's zone, as the server's texts do, never the browser's. The page's clock is Playwright's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from board import kiosk
from harness.browser import wait_for
from statusboard.config import Night

pytestmark = pytest.mark.browser

BROWSER_ZONE = "America/Los_Angeles"  # the TV's browser
BOARD_ZONE = "Asia/Tokyo"  # statusboard.toml's time_zone
# Around the changes to and from summer time in America and Europe, and a year's end.
INSTANTS = [datetime(2026, 3, 8, 9, 59, 59, tzinfo=UTC),
            datetime(2026, 3, 8, 10, 0, 1, tzinfo=UTC),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
            datetime(2026, 12, 31, 23, 59, 1, tzinfo=UTC)]


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    ctx = chromium.new_context(timezone_id=BROWSER_ZONE)
    try:
        yield ctx.new_page()
    finally:
        ctx.close()


def in_zone(moment: datetime, zone: str = BOARD_ZONE) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def ms(moment: datetime) -> float:
    return moment.timestamp() * 1000


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "Europe/Oslo", "UTC", "Asia/Kolkata",
                                  "America/St_Johns"])
def test_wall_tells_the_time_of_the_board_zone_not_the_browsers(page: Any, zone: str) -> None:
    assert page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") == BROWSER_ZONE
    for instant in INSTANTS:
        got = page.evaluate("([js, ms]) => new Function(js + 'return wall;')()(new Date(ms))",
                            [kiosk.wall_js(zone), ms(instant)])
        local = in_zone(instant, zone)
        assert got == [local.hour, local.minute, local.second], (zone, instant)


def test_an_unknown_zone_name_falls_back_to_the_browsers_own(page: Any) -> None:
    instant = INSTANTS[-1]
    got = page.evaluate("([js, ms]) => new Function(js + 'return wall;')()(new Date(ms))",
                        [kiosk.wall_js("Not/AZone"), ms(instant)])
    local = in_zone(instant, BROWSER_ZONE)
    assert got == [local.hour, local.minute, local.second]


def test_a_browser_without_format_to_parts_uses_its_own_zone_and_keeps_working(
        page: Any) -> None:
    instant = INSTANTS[-1]
    got = page.evaluate("([js, ms]) => { delete Intl.DateTimeFormat.prototype.formatToParts;"
                        " return new Function(js + 'return wall;')()(new Date(ms)); }",
                        [kiosk.wall_js(BOARD_ZONE), ms(instant)])
    local = in_zone(instant, BROWSER_ZONE)
    assert got == [local.hour, local.minute, local.second]


def test_changed_page_settings_reload_the_page_so_its_scripts_start_with_them(
        page: Any) -> None:
    """A full run after statusboard.toml's time zone, reload time, rotation or night hours
    changed names other page settings on the kiosk element: the page reloads by itself."""
    page.clock.install(time=INSTANTS[-1])
    page.set_content(kiosk.kiosk_script(None, zone=BOARD_ZONE, settings="before")
                     + kiosk.clock_script("http://127.0.0.1:9/_stcore/health", BOARD_ZONE,
                                          "before"))
    page.evaluate("() => { window.__sbMark = 1; }")
    page.clock.run_for(1100)  # the clock's ticks: the same settings, nothing happens
    assert page.evaluate("() => window.__sbMark") == 1
    page.evaluate("() => { document.getElementById('sb-kiosk').dataset.settings = 'after'; }")
    with page.expect_event("framenavigated"):
        page.clock.run_for(1100)


@pytest.mark.parametrize("instant", INSTANTS)
def test_the_daily_reload_is_due_at_reload_at_in_the_board_zone(page: Any,
                                                                 instant: datetime) -> None:
    page.clock.install(time=instant)
    page.set_content(kiosk.kiosk_script(time(3, 0), zone=BOARD_ZONE))
    due = page.evaluate("() => window.__sbReloadAt")
    expected = in_zone(instant).replace(hour=3, minute=0, second=0, microsecond=0)
    if expected <= in_zone(instant):
        expected += timedelta(days=1)
    assert due == pytest.approx(ms(expected), abs=1000)


def test_night_hours_are_the_board_zone_hours(page: Any) -> None:
    evening = datetime(2026, 12, 2, 19, 30, tzinfo=ZoneInfo(BOARD_ZONE))  # 02:30 in the browser
    page.clock.install(time=evening - timedelta(hours=8))  # 11:30 in Tokyo: day
    page.set_content(kiosk.night_script(Night(time(19), time(7)), BOARD_ZONE))
    night = page.locator("#sb-night")
    assert night.get_attribute("data-night") == "off"
    page.clock.set_system_time(evening)
    wait_for(lambda: night.get_attribute("data-night") == "on", 10, what="night at 19:30")
    assert night.text_content() == "19:30"


def test_the_offline_banner_tells_the_board_zone_times(page: Any) -> None:
    updated = datetime(2026, 12, 2, 9, 15, 40, tzinfo=UTC)  # 18:15:40 in Tokyo
    page.clock.install(time=updated + timedelta(seconds=5))
    # A freshness line as the server sends it, and a health check nobody answers.
    page.set_content(
        f'<div id="freshness" data-state="fresh" data-updated="{updated.isoformat()}" '
        'data-interval="30"><span class="sb-ago"></span></div>'
        + kiosk.clock_script("http://127.0.0.1:9/_stcore/health", BOARD_ZONE))
    banner = page.locator("#sb-page-banner")
    for _ in range(20):  # health checks on the page's clock; each fails at once (refused)
        page.clock.run_for(kiosk.HEALTH_EVERY_MS)
        if banner.count():
            break
    wait_for(lambda: banner.count() == 1, 10, what="the offline banner")
    text = banner.text_content() or ""
    assert "showing data from 18:15:40" in text, text
    assert "lost its connection to the board server at 18:15" in text, text  # its last answer
