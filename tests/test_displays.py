"""The displays the `display-silent` alert watches (statusboard.displays): a browser is one
display across its reloads and rotations (its id cookie, statusboard.access), the processes
sharing a history store see each other's displays, a wall display unheard of is silent, and
one that is back is resolved. (End to end in Chromium: tests/browser/test_display_silent.py.)
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from stats_client.history import HistoryStore, SeenDisplay
from statusboard.access import ID_COOKIE, DisplayIdMiddleware
from statusboard.alerts import AlertRule, Firing, evaluate, message
from statusboard.displays import FORGET_AFTER, DisplayBook, display_name
from statusboard.metrics import Displays

T0 = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
SILENT = AlertRule("display-silent", None, 600.0, None, ("ops",))
ID_A, ID_B = "3f9a0c1d2e4b5a69", "0123456789abcdef"


# -- the id cookie -------------------------------------------------------------------------------
async def page(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"<html></html>"})


def set_cookie(path: str, cookie: str | None = None) -> str | None:
    """The Set-Cookie the middleware adds to a GET of `path`, or None."""
    headers = [(b"cookie", f"other=1; {ID_COOKIE}={cookie}".encode())] if cookie else []
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"",
             "headers": headers}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with ThreadPoolExecutor(1) as pool:  # Playwright may hold this thread's event loop
        pool.submit(asyncio.run, DisplayIdMiddleware(page)(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    cookies = [v.decode() for k, v in start["headers"] if k == b"set-cookie"]
    return cookies[0] if cookies else None


def test_a_browser_is_named_once_and_keeps_its_name() -> None:
    first = set_cookie("/workload")
    assert first is not None
    name, _, attributes = first.partition(";")
    key, _, value = name.partition("=")
    assert key == ID_COOKIE
    assert len(value) == 16
    assert "HttpOnly" in attributes
    assert "Max-Age=34560000" in attributes
    # The same browser keeps its id (renewed), a forged or odd one is replaced.
    assert set_cookie("/", cookie=ID_A) is not None
    assert set_cookie("/", cookie=ID_A).startswith(f"{ID_COOKIE}={ID_A};")  # type: ignore[union-attr]
    assert not set_cookie("/", cookie="<script>").startswith(  # type: ignore[union-attr]
        f"{ID_COOKIE}=<script>")
    # Streamlit's own requests are left alone.
    assert set_cookie("/_stcore/health") is None
    assert set_cookie("/static/js/index.js") is None


@pytest.mark.parametrize(("raw", "name"), [
    ("Support room", "Support room"), ("  Lobby\n TV\t2 ", "Lobby TV 2"), ("\x00\x1b", ""),
    ("x" * 100, "x" * 40), (None, ""), ("Kantine – 2. etg", "Kantine – 2. etg"),
])
def test_display_names_are_printable_and_short(raw: str | None, name: str) -> None:
    assert display_name(raw) == name


# -- the book: what the processes saw ------------------------------------------------------------
@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite3'}"


def test_two_processes_see_each_others_displays_and_the_latest_sighting_wins(
        store_url: str) -> None:
    stores = [HistoryStore.open(store_url, desk="demo") for _ in range(2)]
    try:
        census = [Displays(ttl_s=15), Displays(ttl_s=15)]
        books = [DisplayBook(c, lambda s=s: s) for c, s in zip(census, stores, strict=True)]
        later = T0 + timedelta(seconds=30)
        census[0].beat("s1", "workload", now=T0, seq=1, display=ID_A, name="Lobby", wall=True)
        census[0].beat("s4", "trends", now=T0, seq=1)  # no cookie: not a display to watch
        books[0].flush(T0 + timedelta(seconds=1), force=True)
        # The TV went on to another screen, served by the other process; and a laptop.
        census[1].beat("s2", "", now=later, seq=1, display=ID_A, name="Lobby", wall=True)
        census[1].beat("s3", "trends", now=later, seq=1, display=ID_B)  # not a wall display
        books[1].flush(later + timedelta(seconds=1), force=True)
        known = books[0].known(T0 + timedelta(seconds=40))
        assert set(known) == {ID_A}  # the laptop is not written down
        assert known[ID_A].last_seen == later  # process 2's
        assert known[ID_A].screen == ""
        assert known[ID_A].first_seen == T0
        assert (known[ID_A].name, known[ID_A].wall) == ("Lobby", True)
        # Once a wall display, always one (review: a TV told as silent, then opened without
        # the kiosk address, was never told back).
        stores[0].beat_displays([SeenDisplay(ID_A, "Lobby", "", False, T0, later + timedelta(
            seconds=5))])
        assert stores[1].displays()[ID_A].wall
        # An older sighting written later does not move a display back in time.
        stores[0].beat_displays([SeenDisplay(ID_A, "Lobby", "workload", True, T0, T0)])
        assert stores[1].displays()[ID_A].last_seen == later + timedelta(seconds=5)
    finally:
        for s in stores:
            s.close()


def test_the_book_remembers_what_the_census_forgot_and_forgets_after_a_week(
        store_url: str) -> None:
    census = Displays(ttl_s=15)
    alone = DisplayBook(census, lambda: None)  # no history store: this process's memory
    census.beat("s1", "", now=T0, seq=1, display=ID_A, wall=True)
    alone.flush(T0 + timedelta(seconds=4))  # every few seconds (the deployment's watch)
    assert census.open(T0 + timedelta(minutes=5)) == []  # the census let it go
    assert alone.known(T0 + timedelta(minutes=5))[ID_A].last_seen == T0
    # Opened again without the kiosk address: still the wall display it was, heard of again.
    census.beat("s2", "trends", now=T0 + timedelta(minutes=6), seq=2, display=ID_A)
    again = alone.known(T0 + timedelta(minutes=6))[ID_A]
    assert (again.wall, again.last_seen) == (True, T0 + timedelta(minutes=6))
    assert alone.known(T0 + FORGET_AFTER + timedelta(minutes=7)) == {}
    store = HistoryStore.open(store_url, desk="demo")
    try:
        stored = DisplayBook(Displays(ttl_s=15), lambda: store)
        store.beat_displays([SeenDisplay(ID_B, "", "", True, T0, T0)])
        assert set(stored.known(T0 + timedelta(days=6))) == {ID_B}
        assert stored.known(T0 + FORGET_AFTER + timedelta(seconds=1)) == {}
        assert store.displays() == {}  # forgotten in the store too
    finally:
        store.close()


def test_a_store_that_is_away_keeps_the_sightings_until_it_is_back(store_url: str) -> None:
    census = Displays(ttl_s=15)
    store: list[Any] = [None]
    book = DisplayBook(census, lambda: store[0])
    census.beat("s1", "", now=T0, seq=1, display=ID_A, wall=True)
    book.flush(T0, force=True)  # away: kept
    store[0] = HistoryStore.open(store_url, desk="demo")
    try:
        book.flush(T0 + timedelta(seconds=1), force=True)
        assert set(store[0].displays()) == {ID_A}
    finally:
        store[0].close()


# -- the rule ------------------------------------------------------------------------------------
def seen(last: datetime, *, wall: bool = True, name: str = "Lobby") -> SeenDisplay:
    return SeenDisplay(ID_A, name, "workload", wall, T0 - timedelta(days=1), last)


def run(state: dict[tuple[str, str], Firing], now: datetime,
        displays: dict[str, SeenDisplay] | None) -> tuple[list[Any], dict[Any, Firing]]:
    events, changed = evaluate([SILENT], state, desk="d", now=now, frame=pd.DataFrame(),
                               thresholds={}, stale=False, history_away=False,
                               displays=displays, silent_s=25.0)
    new = {**state, **changed}
    return events, {k: v for k, v in new.items() if v.since is not None or v.told}


def test_a_wall_display_silent_for_the_rules_time_is_told_once_and_resolved_once() -> None:
    state: dict[tuple[str, str], Firing] = {}
    events, state = run(state, T0, {ID_A: seen(T0 - timedelta(seconds=10))})
    assert events == []
    assert state == {}  # heard of 10 s ago: not silent
    events, state = run(state, T0 + timedelta(minutes=1), {ID_A: seen(T0)})
    assert events == []  # silent, not yet for 10 minutes
    events, state = run(state, T0 + timedelta(minutes=12), {ID_A: seen(T0)})
    assert [e.kind for e in events] == ["firing"]
    title, body = message(events[0], label="Default", zone=UTC, link=None)
    assert title == "Display Lobby stopped reporting"
    assert "(/workload) has not reported since 13:00 (12 min)" in body
    events, state = run(state, T0 + timedelta(minutes=20), {ID_A: seen(T0)})
    assert events == []  # told once (no repeat)
    back = T0 + timedelta(minutes=23)
    events, state = run(state, back, {ID_A: seen(back)})
    assert [e.kind for e in events] == ["resolved"]
    title, body = message(events[0], label="Default", zone=UTC, link=None)
    assert title == "Resolved: Display Lobby reports again"
    assert state == {}


def test_only_wall_displays_are_watched_by_the_first_desk_and_forgotten_ones_leave_nothing(
        ) -> None:
    laptop = {ID_A: seen(T0 - timedelta(hours=1), wall=False)}
    assert run({}, T0, laptop) == ([], {})
    # Another desk's evaluation (no displays given) says nothing of displays.
    assert run({}, T0, None) == ([], {})
    told = {(SILENT.key, ID_A): Firing(T0 - timedelta(hours=1), T0 - timedelta(minutes=50))}
    events, state = run(told, T0, {})  # forgotten after a week: no message, no state
    assert events == []
    assert state == {}
    at_once = AlertRule("display-silent", None, 0.0, None, ("ops",))
    unnamed = evaluate([at_once], {}, desk="d", now=T0 + timedelta(hours=1), frame=pd.DataFrame(),
                       thresholds={}, stale=False, history_away=False,
                       displays={ID_A: seen(T0, name="")}, silent_s=25.0)[0]
    assert message(unnamed[0], label="Default", zone=UTC, link=None)[0] == (
        "The display on /workload stopped reporting")


def test_a_silent_display_is_told_in_the_boards_language() -> None:
    at_once = AlertRule("display-silent", None, 0.0, None, ("ops",))
    now = T0 + timedelta(minutes=23)
    (event,), _ = evaluate([at_once], {}, desk="d", now=now, frame=pd.DataFrame(),
                           thresholds={}, stale=False, history_away=False,
                           displays={ID_A: seen(T0, name="Kantine")}, silent_s=25.0)
    title, body = message(event, label="Default", zone=UTC, link=None, language="nb")
    assert title == "Skjermen Kantine har sluttet å melde seg"
    assert body.startswith("Skjermen Kantine (/workload) har ikke meldt seg siden 13:00 (23 min)")


def test_alerts_list_says_what_each_rule_watches(tmp_path: Path) -> None:
    import contextlib
    import io

    from board.cli import main

    toml = tmp_path / "statusboard.toml"
    toml.write_text('[[alerts]]\nwhen = "display-silent"\nfor = "10m"\nto = ["ops"]\n\n'
                    '[[alerts]]\nwhen = "stale"\nfor = "5m"\nto = ["ops"]\n\n'
                    '[[alerts]]\nwhen = "red"\nto = ["ops"]\n')
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["alerts", "list"], env={"STATUSBOARD_CONFIG": str(toml),
                                             "STATUSBOARD_DATABASE_URL": "off",
                                             "HOME": str(tmp_path)}) == 0
    assert out.getvalue().splitlines()[:3] == [
        "display-silent (wall displays) for 600 s → ops", "stale for 300 s → ops",
        "red (every threshold) for 0 s → ops"]
