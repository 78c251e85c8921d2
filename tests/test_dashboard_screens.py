"""The wall screen in AppTest: each screen against a frame fetched from the demo NetServer.

The frame is fetched over HTTP once per session (`demo_frame`) and published by a real Poller
whose clock the test controls; `open_screen` injects it with `board.runtime.inject`.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import jsonschema
import pandas as pd
import pytest

from harness.apptest import (
    TagParser,
    charts,
    freshness,
    no_exceptions,
    notices,
    tags,
    text_of,
    tiles,
)
from harness.clock import T0, ManualClock
from stats_client.errors import NetServerUnreachable
from stats_client.frames import panel_frame
from stats_client.panels import PanelType
from stats_client.poller import Poller, Snapshot
from statusboard import config
from statusboard.texts import format_value

INTERVAL = 30  # the default STATUSBOARD_INTERVAL
PAGES = {"status": None, "workload": "pages/workload.py", "trends": "pages/trends.py"}


def publish(frame: pd.DataFrame, clock: ManualClock) -> Poller:
    """A real Poller that has published one good snapshot of `frame` at `clock`'s time."""
    poller = Poller(lambda: frame, INTERVAL, clock=clock)
    poller.poll_once()
    return poller


# -- reading the hooks out of an AppTest run ----------------------------------------------------
@cache
def vega_lite_validator() -> jsonschema.Draft7Validator:
    path = Path(alt.__file__).parent / "vegalite" / "v6" / "schema" / "vega-lite-schema.json"
    return jsonschema.Draft7Validator(json.loads(path.read_text()))


# -- every screen --------------------------------------------------------------------------------
@pytest.mark.parametrize("screen", list(PAGES))
def test_every_configured_panel_is_on_its_screen(open_screen: Any, demo_frame: pd.DataFrame,
                                                 screen: str, clock: ManualClock) -> None:
    at = open_screen(PAGES[screen], source=publish(demo_frame, clock), clock=clock)
    no_exceptions(at)
    assert not notices(at)
    configured = config.builtin().screen(screen)
    assert configured is not None
    shown = set(charts(at)) | {t["data-panel"] for t in tiles(at).values()}
    assert shown == {slot.panel.wire_name for slot in configured.panels}
    header = [text for _, attrs, text in tags(at) if attrs.get("class") == "sb-title"]
    assert header == [configured.title]
    assert freshness(at)["data-state"] == "fresh"


@pytest.mark.parametrize("screen", list(PAGES))
def test_each_chart_is_valid_vega_lite_carrying_the_frames_rows(
        open_screen: Any, demo_frame: pd.DataFrame, screen: str, clock: ManualClock) -> None:
    at = open_screen(PAGES[screen], source=publish(demo_frame, clock), clock=clock)
    drawn = charts(at)
    assert drawn
    for wire, spec in drawn.items():
        vega_lite_validator().validate(spec)
        (rows,) = spec["datasets"].values()
        frame_rows = panel_frame(demo_frame, PanelType[wire])
        # Categories past what fits are summed into one "Others (k)" bar (board.charts).
        kept = [r for r in rows if not r["label"].startswith("Others (")]
        folded = frame_rows[frame_rows["label"].isin({r["label"] for r in kept})]
        assert [(r["label"], r["value"]) for r in kept] == list(
            zip(folded["label"], folded["value"], strict=True)), wire
        assert [r["description"] for r in kept] == folded["description"].tolist(), wire
        assert sum(r["value"] for r in rows) == pytest.approx(frame_rows["value"].sum()), wire


def test_status_tiles_equal_the_frames_values(open_screen: Any, demo_frame: pd.DataFrame,
                                              clock: ManualClock) -> None:
    at = open_screen(source=publish(demo_frame, clock), clock=clock)
    shown = tiles(at)
    status = panel_frame(demo_frame, PanelType.StatusScreen)
    assert [k for k in shown if k.startswith("StatusScreen.")] == [
        f"StatusScreen.{label}" for label in status["label"]]
    for label, value in zip(status["label"], status["value"], strict=True):
        tile = shown[f"StatusScreen.{label}"]
        assert (tile["label"], tile["value"], tile["data-na"]) == (label, format_value(value),
                                                                   "false")
    for panel in (PanelType.OwnOpenRequests, PanelType.UnassignedRequests):
        (value,) = panel_frame(demo_frame, panel)["value"]
        assert shown[panel.wire_name]["value"] == format_value(value)
        assert shown[panel.wire_name]["label"] == panel.title


def test_missing_data_shows_na_never_zero(open_screen: Any, demo_frame: pd.DataFrame,
                                          clock: ManualClock) -> None:
    without = demo_frame[demo_frame["panel"] != "UnassignedRequests"].reset_index(drop=True)
    at = open_screen(source=publish(without, clock), clock=clock)
    tile = tiles(at)["UnassignedRequests"]
    assert (tile["value"], tile["data-na"], tile["data-level"]) == ("n/a", "true", "none")
    no_exceptions(at)


def test_threshold_levels_colour_the_tiles(open_screen: Any, demo_frame: pd.DataFrame,
                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           clock: ManualClock) -> None:
    value = dict(zip(panel_frame(demo_frame, PanelType.StatusScreen)["label"],
                     panel_frame(demo_frame, PanelType.StatusScreen)["value"], strict=True))
    (own,) = panel_frame(demo_frame, PanelType.OwnOpenRequests)["value"]
    path = tmp_path / "board.toml"
    path.write_text(f"""
[thresholds."StatusScreen.Open"]
amber = {value["Open"]:g}
red = {value["Open"] + 1:g}
[thresholds."StatusScreen.Closed"]
amber = {value["Closed"] - 1:g}
red = {value["Closed"]:g}
[thresholds.OwnOpenRequests]
amber = {own + 1:g}
""")
    monkeypatch.setenv("STATUSBOARD_CONFIG", str(path))
    at = open_screen(source=publish(demo_frame, clock), clock=clock)
    assert not notices(at)
    shown = tiles(at)
    assert shown["StatusScreen.Open"]["data-level"] == "amber"
    assert "AMBER" in text_of(at)
    assert shown["StatusScreen.Closed"]["data-level"] == "red"
    assert shown["OwnOpenRequests"]["data-level"] == "ok"
    assert shown["StatusScreen.Unread"]["data-level"] == "none"  # no threshold in this file


def test_the_connection_screen_shows_figures_and_the_raw_frame(
        open_screen: Any, demo_frame: pd.DataFrame, clock: ManualClock) -> None:
    at = open_screen("pages/connection.py", source=publish(demo_frame, clock), clock=clock)
    no_exceptions(at)
    rows = dict(_table(at))
    assert rows["Poll interval"] == "30 s"
    assert rows["Polls made"] == "1 (1 good)"
    assert rows["Last error"] == "none"
    assert rows["Screen configuration"] == "statusboard.toml"
    assert rows["Metrics"].startswith("off (set STATUSBOARD_METRICS_PORT")
    # The open displays: this session, on this screen; nothing about who or where.
    displays = _rows(at, "data-displays")
    assert ["connection", T0.astimezone().strftime("%Y-%m-%d %H:%M:%S") + " (0 s ago)",
            T0.astimezone().strftime("%Y-%m-%d %H:%M:%S") + " (0 s ago)"] in displays
    (table,) = at.dataframe
    assert len(table.value) == len(demo_frame)
    assert table.value["value"].tolist() == demo_frame["value"].tolist()


def _table(at: Any) -> list[tuple[str, str]]:
    (element,) = [e.proto.body for e in at.get("html") if 'data-connection="true"' in e.proto.body]
    parser = TagParser()
    parser.feed(element)
    found = [(tag, "".join(text)) for tag, _, text in parser.found]
    heads = [text for tag, text in found if tag == "th"]
    cells = [text for tag, text in found if tag == "td"]
    return list(zip(heads, cells, strict=True))


def _rows(at: Any, marker: str) -> list[list[str]]:
    """The data rows of the HTML table carrying `marker` (an attribute name)."""
    (element,) = [e.proto.body for e in at.get("html") if f'{marker}="true"' in e.proto.body]
    parser = TagParser()
    parser.feed(element)
    rows: list[list[str]] = []
    for tag, _, text in parser.found:
        if tag == "tr":
            rows.append([])
        elif tag == "td":
            rows[-1].append("".join(text))
    return [r for r in rows if r]


@pytest.mark.parametrize("page", ["pages/workload.py", "pages/trends.py", "pages/connection.py"])
def test_a_deep_link_on_a_fresh_server_goes_through_dashboard(
        page: str, demo_frame: pd.DataFrame, clock: ManualClock) -> None:
    """Regression: with pages/ beside dashboard.py, Streamlit's older multipage mode ran a deep
    link (/workload) on a freshly started server from pages/workload.py without dashboard.py,
    and the screen crashed for want of its runtime (seen in Chromium after a restart).

    AppTest starts every run in that mode; opening a page *before* the first run is exactly
    the deep link on a fresh server."""
    from streamlit.testing.v1 import AppTest

    from board import runtime

    runtime.inject(publish(demo_frame, clock), clock=clock)
    try:
        at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"),
                               default_timeout=30)
        at.switch_page(page).run()
    finally:
        runtime.clear_injection()
    no_exceptions(at)
    title = Path(page).stem.capitalize()
    assert [t for _, a, t in tags(at) if a.get("class") == "sb-title"] == [title]


def test_no_two_pages_differ_by_more_than_their_id() -> None:
    """Every file in pages/ is the same one call with its own id: no page holds logic."""
    pages = sorted((Path(__file__).resolve().parent.parent / "pages").glob("*.py"))
    assert {p.stem for p in pages} >= {"status", "workload", "trends", "connection"}
    shapes = {p.read_text(encoding="utf-8").replace(f'"{p.stem}"', '"<id>"') for p in pages}
    assert len(shapes) == 1, shapes


# -- freshness, driven by the clock --------------------------------------------------------------
def test_exactly_one_freshness_marker_with_seq_and_time(open_screen: Any,
                                                        demo_frame: pd.DataFrame,
                                                        clock: ManualClock) -> None:
    poller = publish(demo_frame, clock)
    clock.now = T0 + timedelta(seconds=12)
    at = open_screen(source=poller, clock=clock)
    marker = freshness(at)
    assert marker == {"id": "freshness", "data-state": "fresh", "data-server-state": "fresh",
                      "data-seq": "1", "data-updated": T0.isoformat(), "data-interval": "30",
                      "data-history": "off", "data-desk": "demo"}
    local = T0.astimezone().strftime("%H:%M:%S")
    # "12 s ago" is the page's own (board.kiosk.clock_script, tests/browser/test_offline.py):
    # the header the server sends does not change while the snapshot does not.
    assert f'<span class="sb-age">Updated {local}<span class="sb-ago"></span></span>' in text_of(at)
    assert "sb-banner" not in text_of(at)


def test_the_panels_are_drawn_again_only_when_what_they_show_moved(
        demo_frame: pd.DataFrame, clock: ManualClock) -> None:
    """Idle costs nothing: each browser's light fragment compares `shown_key` with what it
    drew, and asks for a full run (panels) only when it moved."""
    from board import render, runtime

    poller = publish(demo_frame, clock)
    rt = runtime.Runtime(poller, config.builtin(), clock=clock)
    status = config.builtin().screen("status")
    drawn = render.shown_key(rt, status, poller.latest())
    poller.poll_once()  # a new snapshot, the same numbers: the header moves, the panels do not
    assert poller.latest().seq == 2
    assert render.shown_key(rt, status, poller.latest()) == drawn
    clock.advance(seconds=61)  # the stale flip
    assert render.shown_key(rt, status, poller.latest()) != drawn
    changed = demo_frame.copy()
    changed.loc[changed["panel"] == "UnassignedRequests", "value"] += 1
    moved = Poller(lambda: changed, INTERVAL, clock=clock)
    moved.poll_once()  # one panel's numbers changed
    fresh_again = render.shown_key(rt, status, poller.latest())
    assert render.shown_key(rt, status, moved.latest()) != fresh_again
    # (An edited configuration file is read again by the deployment, which makes the run's
    # `rt.replaced` true: tests/test_deployment.py.)


@pytest.mark.parametrize(("age_s", "state"), [
    (0, "fresh"), (59, "fresh"), (60, "fresh"), (61, "stale"), (3600, "stale"),
])
def test_stale_after_two_intervals_keeping_the_values(open_screen: Any, demo_frame: pd.DataFrame,
                                                      age_s: int, state: str,
                                                      clock: ManualClock) -> None:
    poller = publish(demo_frame, clock)
    clock.now = T0 + timedelta(seconds=age_s)
    at = open_screen(source=poller, clock=clock)
    no_exceptions(at)
    assert freshness(at)["data-state"] == state
    stale = state == "stale"
    shown = tiles(at)
    assert {t["data-sb-stale"] for t in shown.values()} == {str(stale).lower()}
    status = panel_frame(demo_frame, PanelType.StatusScreen)
    assert shown["StatusScreen.Open"]["value"] == format_value(status["value"].iloc[0])
    markers = [a for _, a, _ in tags(at) if "sb-chart-stale" in a.get("class", "")]
    assert len(markers) == (len(charts(at)) if stale else 0)
    assert ("STALE DATA" in text_of(at)) is stale


def test_the_banner_says_since_when_and_why_then_clears_on_recovery(
        open_screen: Any, demo_frame: pd.DataFrame, clock: ManualClock) -> None:
    outcomes: list[Any] = [demo_frame, NetServerUnreachable(
        "Cannot reach the NetServer at http://127.0.0.1:9/: connection refused."), demo_frame]

    def fetch() -> pd.DataFrame:
        item = outcomes.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    poller = Poller(fetch, INTERVAL, clock=clock)
    poller.poll_once()
    clock.now = T0 + timedelta(seconds=40)
    poller.poll_once()  # fails
    clock.now = T0 + timedelta(seconds=95)
    at = open_screen(source=poller, clock=clock)
    assert freshness(at)["data-state"] == "stale"
    assert freshness(at)["data-seq"] == "1"
    (banner,) = [(a, text) for _, a, text in tags(at) if a.get("class") == "sb-banner"]
    assert banner[0]["data-banner"] == "stale"
    assert f"last update {T0.astimezone():%H:%M:%S}" in banner[1]
    assert "connection refused" in banner[1]
    failing = (T0 + timedelta(seconds=40)).astimezone().strftime("%H:%M:%S")
    assert f"Failing since {failing}" in banner[1]

    poller.poll_once()  # the NetServer is back
    at.run()
    assert freshness(at)["data-state"] == "fresh"
    assert freshness(at)["data-seq"] == "2"
    assert "sb-banner" not in text_of(at)
    assert {t["data-sb-stale"] for t in tiles(at).values()} == {"false"}


def test_no_data_yet_and_failing_is_error_with_na_tiles(open_screen: Any) -> None:
    def fetch() -> pd.DataFrame:
        raise NetServerUnreachable("Cannot reach the NetServer: timed out after 10 s.")

    poller = Poller(fetch, INTERVAL, clock=ManualClock())
    poller.poll_once()
    at = open_screen(source=poller, clock=ManualClock())
    no_exceptions(at)
    assert freshness(at) == {"id": "freshness", "data-state": "error",
                             "data-server-state": "error", "data-seq": "0", "data-updated": "",
                             "data-interval": "30", "data-history": "off",
                             "data-desk": "demo"}
    assert "timed out after 10 s" in text_of(at)
    assert {t["value"] for t in tiles(at).values()} == {"n/a"}
    assert not charts(at)
    assert 'data-panel="OpenRequestsPerCategory"' in text_of(at)  # a placeholder, not a gap


def test_waiting_for_the_first_poll_is_not_an_error(open_screen: Any) -> None:
    class Nothing:
        def latest(self) -> Snapshot:
            return Snapshot()

    at = open_screen(source=Nothing(), clock=ManualClock(), demo=True)
    assert freshness(at)["data-state"] == "demo"
    assert "Waiting for data" in text_of(at)


def test_demo_mode_says_so_where_nobody_can_miss_it(open_screen: Any,
                                                    demo_frame: pd.DataFrame,
                                                    clock: ManualClock) -> None:
    at = open_screen(source=publish(demo_frame, clock), clock=clock, demo=True)
    assert freshness(at)["data-state"] == "demo"
    assert [text for _, a, text in tags(at) if a.get("data-demo") == "true"] == ["DEMO DATA"]
    clock.now = T0 + timedelta(minutes=5)
    at.run()
    assert freshness(at)["data-state"] == "stale"  # demo data can go stale too


def test_a_panel_that_cannot_be_drawn_says_so_and_the_rest_renders(
        open_screen: Any, demo_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch,
        clock: ManualClock) -> None:
    from board import charts as chart_module
    from board import render

    real = chart_module.build_chart

    def build(rows: pd.DataFrame, **kw: Any) -> Any:
        if rows["panel"].iloc[0] == "OpenRequestsPerUser":
            raise RuntimeError("boom")
        return real(rows, **kw)

    monkeypatch.setattr(chart_module, "build_chart", build)
    monkeypatch.setattr(render, "SPECS", render.Memo())
    at = open_screen(source=publish(demo_frame, clock), clock=clock)
    no_exceptions(at)
    (failed,) = [(a, text) for _, a, text in tags(at) if a.get("data-panel-error") == "true"]
    assert failed[0]["data-panel"] == "OpenRequestsPerUser"
    assert "cannot be drawn" in failed[1]
    assert "boom" not in failed[1]
    assert set(charts(at)) == {"OpenRequestsPerCategory", "NumberOfCreatedRequestsPerWeek",
                               "UserReponseTimePerWeek"}


def test_a_tile_panel_that_fails_says_so_and_the_other_tiles_stay(
        open_screen: Any, demo_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch,
        clock: ManualClock) -> None:
    from board import render

    real = render.number_tiles

    def number_tiles(rows: pd.DataFrame, **kw: Any) -> Any:
        if kw.get("key") == "OwnOpenRequests":
            raise RuntimeError("boom")
        return real(rows, **kw)

    monkeypatch.setattr(render, "number_tiles", number_tiles)
    monkeypatch.setattr(render, "TILES", render.Memo())
    at = open_screen(source=publish(demo_frame, clock), clock=clock)
    no_exceptions(at)
    (failed,) = [(a, text) for _, a, text in tags(at) if a.get("data-panel-error") == "true"]
    assert failed[0]["data-panel"] == "OwnOpenRequests"
    assert "boom" not in failed[1]
    assert {t["data-panel"] for t in tiles(at).values()} == {"StatusScreen", "UnassignedRequests"}


def test_rotation_is_the_browser_going_to_the_next_screen_keeping_the_query(
        open_screen: Any, demo_frame: pd.DataFrame, clock: ManualClock) -> None:
    """Rotation is a real navigation by the page's script, not a Streamlit page switch: the
    switch raced the panels' fragments ("Bad delta path index" in Chromium, seen in the
    browser test of ?rotate=5). Here: the script carries the seconds and the screens' paths;
    the browser test watches it rotate."""
    at = open_screen(source=publish(demo_frame, clock), clock=clock,
                     query={"rotate": "20", "embed": "true"})
    no_exceptions(at)
    (kiosk,) = [a for _, a, _ in tags(at) if a.get("id") == "sb-kiosk"]
    assert kiosk["data-rotate"] == "20"
    script = "".join(e.proto.body for e in at.get("html") if 'id="sb-kiosk"' in e.proto.body)
    assert 'var paths=["", "workload", "trends", "today"]' in script
    assert "20000" in script
    assert "window.location.search" in script, "the query (?rotate, ?embed) is kept"
    assert '["connection"].indexOf(here) != -1) return;' in script, "Connection stays put"
    still = open_screen(source=publish(demo_frame, clock), clock=clock)
    (kiosk,) = [a for _, a, _ in tags(still) if a.get("id") == "sb-kiosk"]
    assert "data-rotate" not in kiosk


def test_rotation_query_is_checked(open_screen: Any, demo_frame: pd.DataFrame,
                                   clock: ManualClock) -> None:
    good = open_screen(source=publish(demo_frame, clock), clock=clock, query={"rotate": "20"})
    assert not notices(good)
    no_exceptions(good)
    bad = open_screen(source=publish(demo_frame, clock), clock=clock, query={"rotate": "soon"})
    warning = notices(bad)
    assert ('?rotate must be a number of seconds, at least 5 and at most 86400; got "soon"'
            in warning)
    no_exceptions(bad)


@pytest.mark.parametrize("hostile", [
    "![x](http://elsewhere/p.gif) [Board moved – log in](https://elsewhere/)",
    "<img src=http://elsewhere/p.gif>", "**30**"])
def test_the_address_never_reaches_the_wall_as_markup(open_screen: Any, demo_frame: pd.DataFrame,
                                                      clock: ManualClock, hostile: str) -> None:
    """Regression (review): a bad ?rotate= was repeated in a problem sentence shown as
    Markdown, so an address could put a live link and a remote image on the TV."""
    at = open_screen(source=publish(demo_frame, clock), clock=clock,
                     query={"rotate": hostile, "desk": hostile})
    no_exceptions(at)
    shown = notices(at)
    assert "?rotate must be a number of seconds" in shown
    for piece in ("elsewhere", "![", "](", "<img", "**"):
        assert piece not in shown
