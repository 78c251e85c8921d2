"""History on the screens, in AppTest over a real SQLite store that a real HistoryRecorder fills
on a hand-moved clock: tile changes and sparklines, "red for N min", the Today screen with and
without last week, no history yet, history unavailable, and a restart opening on the stored
snapshot as stale.

Times are set from the local midnight of the clock's day, so the words ("since 08:00") hold in
any time zone the tests run in.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from board import today
from board.recall import Memo
from board.tiles import since_words
from harness import wait_for
from harness.apptest import charts, freshness, no_exceptions, text_of, tiles
from harness.clock import ManualClock
from harness.history import with_values
from stats_client.errors import NetServerUnreachable
from stats_client.freshness import assess
from stats_client.poller import Poller
from stats_client.recorder import HistoryRecorder
from statusboard.rules import local_midnight
from statusboard.zone import server_zone

INTERVAL = 30


class Desk:
    """A desk whose Status counts the test sets, polled and recorded at the clock's time."""

    def __init__(self, frame: pd.DataFrame, clock: ManualClock, url: str | None) -> None:
        self.frame = frame
        self.clock = clock
        self.failing = False
        self.poller = Poller(self._fetch, INTERVAL, clock=clock)
        self.recorder = HistoryRecorder(self.poller, url, desk="demo", clock=clock)

    def _fetch(self) -> pd.DataFrame:
        if self.failing:
            raise NetServerUnreachable("Cannot reach the NetServer: timed out after 10 s.")
        return self.frame

    def at(self, when: datetime, **counts: float) -> None:
        """At `when`, the Status counts are `counts` (the others as they were); one poll."""
        self.clock.now = when
        self.frame = with_values(self.frame, "StatusScreen", counts)
        self.recorder.tick()

    def open(self, open_screen: Any, page: str | None = None) -> Any:
        at = open_screen(page, source=self.poller, clock=self.clock, history=self.recorder)
        no_exceptions(at)
        return at


@pytest.fixture
def day(clock: ManualClock) -> datetime:
    """Midnight of a Wednesday in the board's zone (here the server's own, as by default);
    the clock is put at 10:00 that day."""
    midnight = local_midnight(clock().astimezone(server_zone()))
    while midnight.weekday() != 2:
        midnight = local_midnight(midnight - timedelta(hours=1))
    clock.now = midnight + timedelta(hours=10)
    return midnight


@pytest.fixture
def desk(demo_frame: pd.DataFrame, clock: ManualClock, tmp_path: Path,
         day: datetime) -> Iterator[Desk]:
    made = Desk(demo_frame, clock, f"sqlite:///{tmp_path / 'history.sqlite3'}")
    yield made
    made.recorder.stop()


def hours(day: datetime, h: float) -> datetime:
    return day + timedelta(hours=h)


def test_tiles_show_change_since_the_oldest_value_a_sparkline_and_time_at_red(
        open_screen: Any, desk: Desk, day: datetime) -> None:
    desk.at(hours(day, 8), Open=280, Unassigned=5, Unread=3)
    desk.at(hours(day, 9 + 20 / 60), Unassigned=25)  # red from 20
    desk.at(hours(day, 9 + 40 / 60), Open=299)
    desk.at(hours(day, 10))
    at = desk.open(open_screen)
    shown = tiles(at)
    assert freshness(at)["data-history"] == "ok"
    # The board began recording at 08:00: less history than "start_of_day" needs.
    since = since_words(hours(day, 8), hours(day, 10))
    assert since == "since 08:00"
    html = text_of(at)
    assert shown["StatusScreen.Open"]["data-delta"] == "19"
    assert f'<span class="sb-delta-num">▲19</span> <span class="sb-delta-base">{since}</span>' \
        in html
    assert shown["StatusScreen.Unassigned"]["data-delta"] == "20"
    assert shown["StatusScreen.Unread"]["data-delta"] == "0"
    assert shown["StatusScreen.Unassigned"]["data-level"] == "red"
    assert "▲▲ RED ≥ 20 for 40 min" in html
    # Every number tile has a sparkline of today, Open's with its two values.
    assert html.count("data-sparkline=") == len(shown)
    assert 'data-tile="StatusScreen.Open"' in html.split('data-sparkline="2"')[0].rsplit(
        "sb-tile-label", 1)[0]


def test_today_screen_draws_the_day_with_last_week_dashed(open_screen: Any, desk: Desk,
                                                          day: datetime) -> None:
    week = timedelta(days=7)
    desk.at(hours(day, 8) - week, Open=250, Unassigned=4, Unread=2)
    desk.at(hours(day, 12) - week, Open=270)
    desk.at(hours(day, 8), Open=280, Unassigned=5, Unread=3)
    desk.at(hours(day, 10), Open=290)
    at = desk.open(open_screen, "pages/today.py")
    drawn = charts(at)
    assert set(drawn) == set(today.PANELS)
    spec = drawn["today-Open"]
    line, dot = spec["layer"]
    rows = spec["datasets"][line["data"]["name"]]
    assert {r["series"] for r in rows} == {"Today", "Last Wed"}
    # A dot where today's line ends: the value now.
    assert [r["value"] for r in spec["datasets"][dot["data"]["name"]]] == [290]
    # Today opens on the value in force at midnight (recorded last week).
    assert [r["value"] for r in rows if r["series"] == "Today"] == [270, 280, 290]
    assert [r["value"] for r in rows if r["series"] == "Last Wed"] == [250, 270, 270]
    assert line["encoding"]["strokeDash"]["scale"]["domain"] == ["Today", "Last Wed"]
    assert spec["title"]["subtitle"] == ["now 290 · last Wed at this time 250"]


def test_today_screen_without_last_week_says_so(open_screen: Any, desk: Desk,
                                                day: datetime) -> None:
    desk.at(hours(day, 9), Open=280, Unassigned=5, Unread=3)
    at = desk.open(open_screen, "pages/today.py")
    spec = charts(at)["today-Unread"]
    assert {r["series"] for rows in spec["datasets"].values() for r in rows} == {"Today"}
    assert spec["title"]["subtitle"] == ["now 3 · last Wednesday was not recorded"]


@pytest.mark.parametrize(("url", "words"), [
    ("store", "No history yet"),
    (None, "History is off (STATUSBOARD_DATABASE_URL=off)"),
])
def test_today_screen_without_history_says_so_in_words(
        open_screen: Any, demo_frame: pd.DataFrame, clock: ManualClock, tmp_path: Path,
        day: datetime, url: str | None, words: str) -> None:
    desk = Desk(demo_frame, clock, url and f"sqlite:///{tmp_path / 'history.sqlite3'}")
    desk.failing = True  # a fresh install whose NetServer has not answered yet
    desk.recorder.tick()
    at = desk.open(open_screen, "pages/today.py")
    desk.recorder.stop()
    assert not charts(at)
    assert words in text_of(at)
    assert 'data-today="empty"' in text_of(at)


def test_an_unavailable_store_is_said_and_the_board_stays_live(
        open_screen: Any, demo_frame: pd.DataFrame, clock: ManualClock, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the store's folder should be")
    desk = Desk(demo_frame, clock, f"sqlite:///{blocked / 'history.sqlite3'}")
    desk.recorder.tick()
    at = desk.open(open_screen)
    assert freshness(at)["data-state"] == "fresh"
    assert freshness(at)["data-history"] == "unavailable"
    assert "no history" in text_of(at)
    assert "data-delta" not in text_of(at)
    connection = desk.open(open_screen, "pages/connection.py")
    assert "<th>History</th><td>history unavailable: " in text_of(connection)
    assert "retrying, the board keeps polling" in text_of(connection)


def test_after_a_restart_the_screens_open_on_the_stored_snapshot_as_stale(
        open_screen: Any, desk: Desk, day: datetime, demo_frame: pd.DataFrame,
        clock: ManualClock, tmp_path: Path) -> None:
    desk.at(hours(day, 9), Open=311)
    desk.recorder.stop()
    # A new process, 10 minutes later, with the NetServer not answering yet.
    restarted = Desk(demo_frame, clock, f"sqlite:///{tmp_path / 'history.sqlite3'}")
    restarted.failing = True
    clock.now = hours(day, 9) + timedelta(minutes=10)
    restarted.recorder.tick()
    at = restarted.open(open_screen)
    assert freshness(at)["data-state"] == "stale"
    assert datetime.fromisoformat(freshness(at)["data-updated"]) == hours(day, 9)
    opened = tiles(at)["StatusScreen.Open"]
    assert (opened["value"], opened["data-sb-stale"]) == ("311", "true")
    assert "10 min ago" in assess(restarted.poller.latest(), now=clock(), interval=INTERVAL,
                                  demo=False).headline
    # Its first good poll makes it fresh.
    restarted.failing = False
    clock.advance(seconds=INTERVAL)
    restarted.recorder.tick()
    assert assess(restarted.poller.latest(), now=clock(), interval=INTERVAL,
                  demo=False).state == "fresh"
    restarted.recorder.stop()


# -- the pure parts: comparisons, durations, pacing, the setting ---------------------------------
def _series(*points: tuple[datetime, float]) -> pd.DataFrame:
    return pd.DataFrame({"time": pd.to_datetime([p[0] for p in points], utc=True),
                         "value": [p[1] for p in points]})


@pytest.mark.parametrize(("compare", "first_h", "last_week_h", "delta", "words"), [
    ("start_of_day", -30, None, 8, "today"),  # recorded since yesterday: the value at midnight
    ("start_of_day", 8, None, 8, "since 08:00"),  # less history: the oldest value, since when
    ("1h", -30, None, 6, "in 1 h"),
    ("same_time_last_week", -30, -7 * 24 + 10, 11, "vs last Wed"),
    ("same_time_last_week", -30, None, 8, "since Mon 18:00"),  # nothing a week back
])
def test_the_tiles_change_against_each_comparison(day: datetime, compare: str, first_h: float,
                                                   last_week_h: float | None, delta: float,
                                                   words: str) -> None:
    from board.tiles import Tile, tile_trend
    from stats_client.history import Reading

    now = hours(day, 10)
    series = _series((hours(day, first_h), 2.0), (hours(day, 8.5), 4.0))
    last_week = None if last_week_h is None else Reading(hours(day, last_week_h), -1.0)
    trend = tile_trend(Tile("k", "Open", 10.0, "10"), series, compare=compare,  # type: ignore[arg-type]
                       now=now, window=now - timedelta(hours=24), at=now, last_week=last_week)
    assert trend is not None
    assert (trend.delta, trend.base_text) == (delta, words)
    assert trend.spark.startswith('<img class="sb-spark" data-sparkline=')


def test_how_long_at_a_level_says_so_honestly(day: datetime) -> None:
    from board.tiles import level_words
    from statusboard.rules import Threshold, since_level

    rule = Threshold(amber=10, red=20)
    now = hours(day, 10)
    window = now - timedelta(hours=24)
    series = _series((hours(day, 8), 25.0), (hours(day, 9), 5.0), (hours(day, 9.5), 30.0))
    assert since_level(series, rule, "red") == hours(day, 9.5)
    assert level_words("red", hours(day, 9.5), window=window, first=hours(day, 8),
                       now=now) == "for 30 min"
    # Red since recording began: the board cannot know for how long before.
    assert level_words("red", hours(day, 8), window=window, first=hours(day, 8),
                       now=now) == "since 08:00"
    assert level_words("red", window, window=window, first=window, now=now) == "for over 24 h"
    assert level_words("ok", hours(day, 8), window=window, first=None, now=now) == ""


def test_pacing_averages_the_same_weekday_where_recorded(day: datetime) -> None:
    now = hours(day, 10)
    week = timedelta(days=7)
    before = [(1, _series((hours(day, 6) - week, 0.0), (hours(day, 9) - week, 30.0))),
              (3, _series((hours(day, 6) - 3 * week, 0.0), (hours(day, 9) - 3 * week, 50.0)))]
    chart = today.pacing_chart(_series((hours(day, 7), 10.0), (hours(day, 9.5), 44.0)), before,
                               [400.0, 300.0], now=now)
    average = chart.data[chart.data["series"] == "Average Wed"]
    assert average[average["time"] == pd.Timestamp(hours(day, 9))]["value"].tolist() == [40.0]
    assert chart.subtitle == "44 so far · an average Wednesday had 40 by now and 350 all day"
    alone = today.pacing_chart(_series((hours(day, 7), 10.0)), [], [], now=now)
    assert alone.subtitle == "10 so far · no earlier Wednesday recorded yet"


@pytest.mark.parametrize(("raw", "compare", "problem"), [
    ('"1h"', "1h", None),
    ('"same_time_last_week"', "same_time_last_week", None),
    ('"yesterday"', "start_of_day", 'compare = "yesterday" must be one of "1h", '),
])
def test_the_compare_setting(raw: str, compare: str, problem: str | None) -> None:
    import tomllib

    from statusboard.config import parse_config

    loaded = parse_config(tomllib.loads(f"compare = {raw}\n[history]\nfull = \"24h\"\n"),
                          source="s.toml")
    assert loaded.config.compare == compare
    assert bool(loaded.problems) is (problem is not None), loaded.problems
    if problem is not None:
        assert any(problem in p for p in loaded.problems), loaded.problems


def test_stored_times_with_nanoseconds_read_without_a_warning(day: datetime) -> None:
    """Regression: every redraw warned "Discarding nonzero nanoseconds in conversion" (the store
    keeps float seconds); the suite turns warnings into errors."""
    from board.tiles import reading_at

    series = pd.DataFrame({"time": [pd.Timestamp(hours(day, 8)) + pd.Timedelta(nanoseconds=915)],
                           "value": [3.0]})
    reading = reading_at(series, hours(day, 9))
    assert reading is not None
    assert (reading.time, reading.value) == (hours(day, 8), 3.0)


def test_a_today_chart_that_cannot_be_drawn_is_a_sentence_and_the_others_draw(
        open_screen: Any, desk: Desk, day: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: the Today charts were not guarded like every other panel, so one chart
    that failed ended the whole page run."""
    from board import charts as chart_module
    from board import render
    from harness.apptest import tags

    real = chart_module.day_chart

    def day_chart(chart: Any, **kw: Any) -> Any:
        if chart.key == "Unread":
            raise RuntimeError("boom")
        return real(chart, **kw)

    monkeypatch.setattr(chart_module, "day_chart", day_chart)
    monkeypatch.setattr(render, "SPECS", render.Memo())
    desk.at(hours(day, 8), Open=280, Unassigned=5, Unread=3)
    at = desk.open(open_screen, "pages/today.py")
    no_exceptions(at)
    (failed,) = [(a, text) for _, a, text in tags(at) if a.get("data-panel-error") == "true"]
    assert failed[0]["data-panel"] == "today-Unread"
    assert "cannot be drawn" in failed[1]
    assert set(charts(at)) == set(today.PANELS) - {"today-Unread"}


# -- the screens' reads: once per change, however many browsers ask ------------------------------
def test_browsers_asking_for_the_same_reads_at_once_share_one_build() -> None:
    """Regression: after a poll every open screen asked at about the same time, and each one
    that missed the cache read the store again."""
    memo: Memo[int] = Memo()
    started, release = threading.Event(), threading.Event()
    builds: list[int] = []
    entered: list[int] = []
    got: list[int] = []

    def build() -> int:
        builds.append(1)
        started.set()
        assert release.wait(60)
        return 42

    def browser(n: int) -> None:
        entered.append(n)
        got.append(memo.get(("trends", 1), build))

    first = threading.Thread(target=browser, args=(0,))
    first.start()
    assert started.wait(60)
    others = [threading.Thread(target=browser, args=(n,)) for n in range(1, 5)]
    for thread in others:
        thread.start()
    wait_for(lambda: len(entered) == 5, what="every browser asking")
    release.set()
    for thread in [first, *others]:
        thread.join(60)
    assert (len(builds), got) == (1, [42] * 5)


def test_a_failed_build_is_not_shared_the_next_asker_builds_again() -> None:
    memo: Memo[int] = Memo()

    def fails() -> int:
        raise RuntimeError("the store went away")

    with pytest.raises(RuntimeError):
        memo.get(("k",), fails)
    assert memo.get(("k",), lambda: 7) == 7
