"""The board's time zone (statusboard.zone): where it comes from, and every time the server tells in
it (header, banners, tiles, the Today screen's day and axis, the Connection screen), whatever the
zone of the board server. tests/browser/test_zone.py checks the page's own scripts."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from board.charts import day_chart
from board.connection import zone_row
from board.header import banner_html, header_html
from board.tiles import level_words, since_words
from board.today import count_chart, now_step, weekday_name
from harness.apptest import notices, tags
from harness.clock import ManualClock
from stats_client.errors import ConfigurationError
from stats_client.freshness import Freshness
from stats_client.poller import Poller
from statusboard.config import load, parse_config
from statusboard.rules import compare_time, local_midnight
from statusboard.zone import _zone_files, parse_zone, server_zone, unnamed_problem

OSLO = ZoneInfo("Europe/Oslo")
TOKYO = ZoneInfo("Asia/Tokyo")


# -- where the zone comes from -------------------------------------------------------------------
def test_server_zone_reads_tz_then_etc_timezone_then_localtime_then_utc(tmp_path: Path) -> None:
    etc_tz = tmp_path / "timezone"
    localtime = tmp_path / "localtime"
    nothing = tmp_path / "missing"
    assert server_zone({"TZ": "Europe/Oslo"}, nothing, nothing).key == "Europe/Oslo"
    assert server_zone({"TZ": ":Asia/Tokyo"}, nothing, nothing).key == "Asia/Tokyo"
    assert server_zone({"TZ": "/usr/share/zoneinfo/Asia/Tokyo"}, nothing, nothing).key == (
        "Asia/Tokyo")
    etc_tz.write_text("America/New_York\n")
    assert server_zone({"TZ": "Not/AZone"}, etc_tz, nothing).key == "America/New_York"
    (tmp_path / "zoneinfo" / "Europe").mkdir(parents=True)
    (tmp_path / "zoneinfo" / "Europe" / "Oslo").write_bytes(b"")
    localtime.symlink_to(tmp_path / "zoneinfo" / "Europe" / "Oslo")
    assert server_zone({}, nothing, localtime).key == "Europe/Oslo"
    assert server_zone({}, nothing, nothing).key == "UTC"


def test_a_copied_localtime_is_named_by_its_content(tmp_path: Path) -> None:
    """Docker and Alpine copy /etc/localtime rather than link it; it still names the zone."""
    nothing = tmp_path / "missing"
    for name in ("Asia/Tokyo", "America/New_York"):
        localtime = tmp_path / f"localtime-{name.replace('/', '-')}"
        localtime.write_bytes(_zone_files(name)[0])
        found = server_zone({}, nothing, localtime)
        assert all(datetime(2026, m, 15, tzinfo=UTC).astimezone(found).utcoffset()
                   == datetime(2026, m, 15, tzinfo=UTC).astimezone(ZoneInfo(name)).utcoffset()
                   for m in range(1, 13)), (name, found)
    (tmp_path / "garbage").write_bytes(b"TZif but not really")
    assert server_zone({}, nothing, tmp_path / "garbage").key == "UTC"


def test_an_unnamed_server_zone_off_utc_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        monkeypatch.setenv("TZ", "UTC0")  # a process whose clock is on UTC
        time.tzset()
        assert unnamed_problem(ZoneInfo("UTC")) is None
        monkeypatch.setenv("TZ", "JST-9")  # a POSIX rule: a clock nine hours ahead, no name
        time.tzset()
        assert unnamed_problem(ZoneInfo("UTC")) == (
            "The board server's time zone has no name the board could find (its clock is at "
            "UTC+09:00), so the screens tell time in UTC; set time_zone = \"Area/City\" in "
            "statusboard.toml, or TZ.")
        assert unnamed_problem(TOKYO) is None  # named: nothing to say
        loaded = parse_config({}, source="b.toml", server=ZoneInfo("UTC"))
        assert any("has no name" in p for p in loaded.problems)
        assert not parse_config({"time_zone": "UTC"}, source="b.toml",
                                server=ZoneInfo("UTC")).problems
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("name", ["Europe/Olso", "", "../etc/passwd", "/etc/localtime", "+01:00",
                                  "posix/Europe/Oslo", "right/UTC", "Factory", "localtime"])
def test_a_wrong_zone_name_is_a_sentence(name: str) -> None:
    with pytest.raises(ConfigurationError, match="is not a time zone name; use an IANA name"):
        parse_zone(name)


def test_time_zone_in_statusboard_toml() -> None:
    loaded = parse_config({"time_zone": "Europe/Oslo"}, source="b.toml")
    assert (loaded.config.zone.key, loaded.problems) == ("Europe/Oslo", ())
    assert parse_config({}, source="b.toml").config.zone == server_zone()
    for wrong, shown in [("Europe/Olso", '"Europe/Olso"'), (1, "1")]:
        loaded = parse_config({"time_zone": wrong}, source="b.toml")
        assert loaded.config.zone == server_zone()
        assert loaded.problems == (
            f"b.toml: time_zone = {shown} is not a time zone name; use an IANA name such as "
            f'"Europe/Oslo" or "UTC"; the board server\'s own zone, {server_zone().key}, '
            "is used.",)


def test_load_takes_the_server_zone_from_the_environment_it_is_given(tmp_path: Path) -> None:
    assert load({"TZ": "Asia/Tokyo"}).config.zone.key == "Asia/Tokyo"  # the shipped file
    missing = {"TZ": "Asia/Tokyo", "STATUSBOARD_CONFIG": str(tmp_path / "none.toml")}
    assert load(missing).config.zone.key == "Asia/Tokyo"  # the built-in layout
    named = tmp_path / "board.toml"
    named.write_text('time_zone = "Europe/Oslo"\n')
    assert load({"TZ": "Asia/Tokyo", "STATUSBOARD_CONFIG": str(named)}).config.zone == OSLO


@pytest.mark.parametrize("tz", ["Europe/Olso", "JST-9", "/etc/nothing"])
def test_a_tz_that_names_no_zone_is_a_problem_unless_time_zone_is_set(
        tz: str, tmp_path: Path) -> None:
    missing = tmp_path / "none.toml"
    loaded = load({"TZ": tz, "STATUSBOARD_CONFIG": str(missing)})
    server = loaded.config.zone.key
    assert f'TZ = "{tz}" is not a time zone name the board can use, so the screens tell time in ' \
        f'{server}; set TZ to an IANA name such as "Europe/Oslo", or time_zone in ' \
        "statusboard.toml." in loaded.problems
    named = tmp_path / "board.toml"
    named.write_text('time_zone = "Europe/Oslo"\n')
    assert load({"TZ": tz, "STATUSBOARD_CONFIG": str(named)}).problems == ()
    assert load({"TZ": "Asia/Tokyo", "STATUSBOARD_CONFIG": str(named)}).problems == ()


# -- the server's texts --------------------------------------------------------------------------
AT = datetime(2026, 12, 2, 7, 30, 5, tzinfo=UTC)  # 08:30:05 in Oslo, 16:30:05 in Tokyo


def test_header_and_banner_tell_the_board_zone_time() -> None:
    fresh = Freshness("fresh", 1, "Updated", None)
    assert "Updated 08:30:05" in header_html("S", fresh, seq=1, updated=AT, demo=False,
                                              interval=30, zone=OSLO)
    stale = Freshness("stale", 99, "Stale", "no poll")
    banner = banner_html(stale, fetched_at=AT, error=None, failing_since=AT, zone=TOKYO)
    assert "last update 16:30:05" in banner
    assert "Failing since 16:30:05" in banner


def test_the_day_and_its_words_are_the_board_zone_day() -> None:
    now = AT.astimezone(TOKYO)
    assert local_midnight(now) == datetime(2026, 12, 2, tzinfo=TOKYO)
    assert compare_time("start_of_day", now) == datetime(2026, 12, 1, 15, tzinfo=UTC)
    assert since_words(datetime(2026, 12, 1, 23, 0, tzinfo=UTC), now) == "since 08:00"
    assert since_words(datetime(2026, 12, 1, 14, 0, tzinfo=UTC), now) == "since Tue 23:00"
    assert weekday_name(now) == "Wednesday"
    # In Oslo it is still Tuesday evening when Tokyo's Wednesday has begun.
    assert weekday_name(datetime(2026, 12, 1, 16, tzinfo=UTC).astimezone(OSLO)) == "Tuesday"


def test_an_hour_ago_is_an_hour_of_real_time_across_the_change_of_summer_time() -> None:
    # 2026-10-25 in Oslo: 03:00 summer time becomes 02:00 winter time.
    now = datetime(2026, 10, 25, 1, 30, tzinfo=UTC).astimezone(OSLO)  # 02:30 winter time
    hour_ago = compare_time("1h", now)
    assert hour_ago.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert (f"{hour_ago:%H:%M %Z}", f"{now:%H:%M %Z}") == ("02:30 CEST", "02:30 CET")


def test_the_now_step_keeps_the_second_pass_of_the_repeated_hour() -> None:
    second_pass = datetime(2026, 10, 25, 1, 35, tzinfo=UTC).astimezone(OSLO)  # 02:35 CET
    assert second_pass.fold == 1
    assert now_step(second_pass).astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_last_week_lies_over_today_on_the_wall_clock_across_the_change_of_summer_time() -> None:
    # Sunday 25 October 2026 in Oslo, the day winter time begins; last week was summer time.
    now = datetime(2026, 10, 25, 12, 0, tzinfo=UTC).astimezone(OSLO)  # 13:00 CET
    last_week = pd.DataFrame({"time": pd.to_datetime(
        [datetime(2026, 10, 18, 7, 0, tzinfo=UTC)]),  # 09:00 CEST
        "value": [7.0]})
    today = pd.DataFrame({"time": pd.to_datetime([datetime(2026, 10, 25, 8, 0, tzinfo=UTC)]),
                          "value": [5.0]})  # 09:00 CET
    chart = count_chart("Open", today, last_week, now=now)
    dashed = chart.data[chart.data["series"] == "Last Sun"]
    nine = [t.astimezone(OSLO) for t, v in zip(dashed["time"], dashed["value"], strict=True)
            if v == 7.0]
    assert f"{nine[0]:%H:%M}" == "09:00"  # not 08:00: a week back is seven days, not 168 hours


def test_red_for_over_24_h_means_24_real_hours_on_the_day_summer_time_ends() -> None:
    now = datetime(2026, 10, 25, 12, 0, tzinfo=UTC).astimezone(OSLO)
    window = (now.astimezone(UTC) - timedelta(hours=24)).astimezone(OSLO)
    assert level_words("red", window - timedelta(hours=1), window=window, first=None,
                       now=now) == "for over 24 h"
    assert level_words("red", datetime(2026, 10, 25, 0, 0, tzinfo=UTC), window=window,
                       first=None, now=now) == "for 12 h"


def test_the_today_chart_draws_the_board_zone_day_whatever_the_browser_zone() -> None:
    now = AT.astimezone(TOKYO)
    today = pd.DataFrame({"time": pd.to_datetime([datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
                                                  datetime(2026, 12, 2, 0, 10, tzinfo=UTC)]),
                          "value": [3.0, 5.0]})
    chart = count_chart("Open", today, today.iloc[:0], now=now)
    spec = day_chart(chart, width=800, height=400).to_dict()
    line = spec["layer"][0]["encoding"]
    assert line["x"]["scale"]["type"] == "utc"
    assert line["x"]["scale"]["domain"] == ["2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z"]
    rows = spec["datasets"][spec["layer"][0]["data"]["name"]]
    today_rows = [r for r in rows if r["series"] == "Today"]
    # Midnight and 09:10 in Tokyo, as the axis shows them, and as the tooltip says.
    assert [r["time"] for r in today_rows][:2] == ["2026-12-02T00:00:00Z", "2026-12-02T09:10:00Z"]
    assert [r["at"] for r in today_rows][:2] == ["00:00", "09:10"]
    assert {"field": "at", "type": "nominal", "title": "Time"} in line["tooltip"]


@pytest.mark.parametrize(("browser", "words"), [
    (None, "Europe/Oslo"),
    ("Europe/Oslo", "Europe/Oslo"),
    ("Asia/Tokyo", "Europe/Oslo; this browser keeps Asia/Tokyo time: if the wall's screens "
                   'are there too, set time_zone = "Asia/Tokyo" in statusboard.toml'),
])
def test_the_connection_screen_names_the_zone_and_a_browser_in_another(
        browser: str | None, words: str) -> None:
    assert zone_row(OSLO, browser) == ("Time zone", words)


def test_another_name_for_the_same_clock_is_no_mismatch() -> None:
    assert zone_row(ZoneInfo("Etc/UTC"), "UTC") == ("Time zone", "Etc/UTC")
    # The same offset in winter is not the same clock: London has summer time, UTC has not.
    assert zone_row(ZoneInfo("UTC"), "Europe/London", "b.toml")[1] == (
        "UTC; this browser keeps Europe/London time: if the wall's screens are there too, set "
        'time_zone = "Europe/London" in b.toml')
    # Whatever a browser claims that is no zone name is not repeated on the screen.
    assert zone_row(OSLO, "../../etc/passwd") == ("Time zone", "Europe/Oslo")
    assert zone_row(OSLO, "<b>x</b>") == ("Time zone", "Europe/Oslo")


# -- on a screen -----------------------------------------------------------------------------
def test_a_screen_tells_times_in_the_configured_zone(
        open_screen: Any, demo_frame: pd.DataFrame, clock: ManualClock,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "board.toml"
    path.write_text('time_zone = "Asia/Tokyo"\n')
    monkeypatch.setenv("STATUSBOARD_CONFIG", str(path))
    poller = Poller(lambda: demo_frame, 30, clock=clock)
    poller.poll_once()
    at = open_screen(source=poller, clock=clock)
    assert not notices(at)
    (age,) = [text for _, attrs, text in tags(at) if attrs.get("class") == "sb-age"]
    assert age == f"Updated {clock().astimezone(TOKYO):%H:%M:%S}"
    (kiosk,) = [attrs for _, attrs, _ in tags(at) if attrs.get("id") == "sb-kiosk"]
    assert kiosk["data-time-zone"] == "Asia/Tokyo"
    conn = open_screen("pages/connection.py", source=poller, clock=clock)
    texts = [text for tag, _, text in tags(conn) if tag in ("th", "td")]
    assert texts[texts.index("Time zone") + 1] == "Asia/Tokyo"  # AppTest has no browser zone
