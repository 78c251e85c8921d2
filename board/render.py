"""The `render_*` helpers the pages call: the only module here that draws with Streamlit.

What each browser costs the server when nothing changes is one small fragment run per redraw
period (`BoardConfig.redraw`): `render_live` draws the header and the stale banner (byte-identical
while the snapshot is the same, so sent as a ~100-byte reference), beats for the display
count (board.metrics) and compares what the panels show with what this browser last drew. Only
when that moved (a panel's data, the stale/fresh flip, the configuration file) does it ask for a
full run, which redraws the panels. The age ("12 s ago"), stale on the browser's clock and
offline are the page's own script's (board.kiosk.clock_script): no per-second server work.
"""

from __future__ import annotations

import html
import json
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import pandas as pd
import streamlit as st

from stats_client.frames import panel_frame
from stats_client.panels import PanelKind, PanelType
from stats_client.poller import Snapshot
from stats_client.timeline import response_rows
from statusboard import texts
from statusboard.access import ID_COOKIE, display_id, is_loopback
from statusboard.config import CONNECTION_ID, SINGLE_DESK, PanelSlot, Privacy, ScreenConfig
from statusboard.displays import display_name
from statusboard.rules import Threshold
from statusboard.texts import N_, na
from statusboard.texts import gettext as _

from . import charts, geometry, kiosk, recall, theme
from .connection import (
    DETAILS_HIDDEN,
    alert_rows,
    connection_rows,
    desk_rows,
    display_rows,
    health_rows,
    history_row,
    language_row,
    metrics_row,
    unattributed_row,
    zone_row,
)
from .desks import DESKS_ID, KIND_WORDS, desk_row, desks_html
from .header import banner_html, header_html, notice_html
from .privacy import shown_rows
from .recall import Memo
from .runtime import Runtime
from .tiles import Tile, Trend, number_tiles, status_tiles, tile_html
from .today import TODAY_ID, DayChart

log = logging.getLogger(__name__)
#: A screen that shows titles and names (the default).
EVERYTHING = Privacy()


# -- chart specs, built once per (panel data, title, height) for the whole process ------------
#: Vega-Lite specs as JSON text keyed by the panel's digest: building and validating an Altair
#: chart costs tens of milliseconds, reading this costs microseconds.
SPECS: Memo[str] = Memo()
#: Each tile panel's tiles by its data: the light fragment asks for them at every redraw.
TILES: Memo[list[Tile]] = Memo()


def chart_spec(slot: PanelSlot, rows: pd.DataFrame, *, digest: str, width: int,
               height: int, privacy: Privacy = EVERYTHING) -> dict[str, Any]:
    key = (slot.panel.wire_name, digest, slot.title, width, height, privacy, texts.language())
    text = SPECS.get(key, lambda: json.dumps(charts.build_chart(
        rows, title=slot.title, width=width, height=height).to_dict(), sort_keys=True))
    spec: dict[str, Any] = json.loads(text)
    return spec  # a fresh dict: Streamlit moves the data out of the one it gets


# -- page furniture ----------------------------------------------------------------------------
def render_page_setup(rt: Runtime, *, rotate_s: int = 0, rotation: Sequence[str] = (),
                      language: str | None = None) -> None:
    """Theme CSS, the scheduled reload, screen rotation (`rotation`: URL paths in order), the
    page's own clock and night mode (their words in `language`); call once per full run,
    before anything else."""
    with texts.use(language):
        _page_setup(rt, rotate_s, rotation)


def _page_setup(rt: Runtime, rotate_s: int, rotation: Sequence[str]) -> None:
    st.html(theme.page_css())
    zone = rt.config.zone.key
    settings = kiosk.page_settings(zone, rt.config.reload_at, rotate_s, tuple(rotation),
                                   rt.config.night, texts.language())
    st.html(kiosk.kiosk_script(rt.config.reload_at, rotate_s=rotate_s, rotation=rotation,
                               zone=zone, settings=settings),
            unsafe_allow_javascript=True)
    base = str(st.get_option("server.baseUrlPath") or "")
    st.html(kiosk.clock_script(kiosk.health_url(base), zone, settings),
            unsafe_allow_javascript=True)
    if rt.config.night is not None:
        st.html(kiosk.night_script(rt.config.night, zone), unsafe_allow_javascript=True)


def render_problems(problems: Sequence[str]) -> int:
    """Wrong settings, each a sentence naming the key and the file; the board still runs. In a
    box of a fixed height (the rest scrolls inside it): the pixels it takes, gap included,
    which the panels leave free."""
    height = geometry.problems_height(problems)
    if not height:
        return 0
    with st.container(height=height, border=False, key="problems"):
        st.html(notice_html(problems))
    return height + geometry.GAP


#: Why nothing is polled, to a visitor who may not see where the board polls.
FATAL_HIDDEN = ("The board cannot poll the NetServer: its settings are wrong. The sentence "
                "that says which is on the Connection screen and in the board's log.")


def render_fatal(rt: Runtime, detailed: bool = True) -> None:
    if rt.fatal:
        sentence = _("The board cannot poll the NetServer. {reason} Check the SUPEROFFICE_* "
                     "environment variables or .streamlit/secrets.toml, then restart the "
                     "dashboard.").format(reason=rt.fatal) if detailed else FATAL_HIDDEN
        st.html(notice_html([sentence], kind="fatal"))


_DISPLAY_KEY = "_sb_display"


def display_itself() -> dict[str, Any]:
    """What the browser says of itself for the display census: its id cookie (the same across
    reloads and rotations), the name the kiosk address gives it (`?display=`) and whether it
    was opened as a wall display (the kiosk address: `?embed=true`)."""
    return {"display": display_id(st.context.cookies.get(ID_COOKIE)),
            "name": display_name(st.query_params.get("display")),
            "wall": st.context.is_embedded is True}


def display_token() -> str:
    """This browser session's own random name for the display count (nothing personal)."""
    token = st.session_state.get(_DISPLAY_KEY)
    if not isinstance(token, str):
        token = st.session_state[_DISPLAY_KEY] = secrets.token_hex(8)
    return token


@dataclass(frozen=True, slots=True)
class Seen:
    """A desk as one run of a screen sees it: its runtime, its snapshot read once, and how a
    panel of it names it on a screen of another desk ("" on its own screen)."""

    rt: Runtime
    snap: Snapshot
    label: str = ""

    @property
    def stale(self) -> bool:
        return self.rt.freshness(self.snap).state == "stale"


def panel_desks(rt: Runtime, screen: ScreenConfig | None) -> dict[str, Runtime]:
    """The runtimes of the other desks that panels of `screen` name (`desk = "south"` in a
    panel entry): read once per full run, not at every redraw."""
    out: dict[str, Runtime] = {}
    for slot in screen.panels if screen is not None else ():
        if slot.desk is not None and slot.desk != rt.desk and slot.desk not in out:
            out[slot.desk] = rt.for_desk(slot.desk)
    return out


def views(rt: Runtime, snap: Snapshot, others: Mapping[str, Runtime]) -> dict[str | None, Seen]:
    """Each panel's desk by its `desk` entry (None: the screen's own): a panel is drawn only
    from the snapshot, freshness and history of the desk it names."""
    own = Seen(rt, snap)
    out: dict[str | None, Seen] = {None: own, rt.desk: own}
    for name, other in others.items():
        out[name] = Seen(other, other.snapshot(), other.desk_label or name)
    return out


def shown_key(rt: Runtime, screen: ScreenConfig | None, snap: Snapshot,
              others: Mapping[str, Runtime] | None = None) -> tuple[object, ...]:
    """What the panels of `screen` show: each panel's data, stale or not, and what they show
    from history (the tiles' changes, sparklines and times at their level; the Today charts),
    each from its own desk (`others`: panel_desks). When this moves, the panels are drawn
    again; otherwise nothing is sent. (A configuration read again makes `rt.replaced` true: a
    full run.)"""
    seen = views(rt, snap, others or {})
    panels = screen.panels if screen is not None else ()
    return (tuple(seen[s.desk].snap.panel_digests.get(s.panel.wire_name) for s in panels),
            tuple((name, one.stale) for name, one in seen.items()),
            history_shown(rt, screen, snap, seen))


def history_shown(rt: Runtime, screen: ScreenConfig | None, snap: Snapshot,
                  seen: Mapping[str | None, Seen] | None = None) -> tuple[object, ...]:
    """What `screen` shows from history, hashable (read through board.recall's per-process
    cache: a dictionary look-up at most redraws)."""
    state = rt.history_status.state
    if screen is None or rt.store is None:
        return (state,)
    if screen.id == TODAY_ID:
        made = today_charts(rt, snap)
        return (state, None if made is None else tuple(c.digest for c in made))
    trends = screen_trends(screen, seen or views(rt, snap, {}))
    return (state, tuple(sorted((desk or "", k, t.delta_text, t.base_text, t.level_for, t.spark)
                                for (desk, k), t in trends.items())))


def today_charts(rt: Runtime, snap: Snapshot) -> tuple[DayChart, ...] | None:
    store = rt.store
    return None if store is None else recall.today_charts(store, snap, now=rt.now(),
                                                          recorded=rt.recorded)


def screen_trends(screen: ScreenConfig,
                  seen: Mapping[str | None, Seen]) -> dict[tuple[str | None, str], Trend]:
    """Every number tile's trend on `screen` by (its panel's desk entry, tile key), each read
    from its own desk's store; {} without history."""
    out: dict[tuple[str | None, str], Trend] = {}
    privacy = seen[None].rt.config.privacy(screen)
    for desk in dict.fromkeys(slot.desk for slot in screen.panels):
        one = seen[desk]
        store = one.rt.store
        if store is None:
            continue
        tiles: list[Tile] = []
        for slot in screen.panels:
            if slot.desk == desk:
                tiles += cached_tiles(one.rt, slot, one.snap, privacy) or []
        if tiles:
            got = recall.tile_trends(store, tiles, one.snap, compare=one.rt.config.compare,
                                     now=one.rt.now(), thresholds=one.rt.config.thresholds,
                                     recorded=one.rt.recorded)
            out.update(((desk, key), trend) for key, trend in got.items())
    return out


def slot_rows(snap: Snapshot, slot: PanelSlot, privacy: Privacy) -> pd.DataFrame:
    """The rows `slot` draws from `snap`: its panel's, as a screen with `privacy` may show
    them (board.privacy)."""
    return shown_rows(panel_frame(snap.frame, slot.panel), slot.panel, privacy)


def cached_tiles(rt: Runtime, slot: PanelSlot, snap: Snapshot,
                 privacy: Privacy = EVERYTHING) -> list[Tile] | None:
    """The tiles of `slot` ([] when it is a chart; None when its tiles cannot be computed),
    once per change of its data and of the thresholds, for the tile row and the trends."""
    wire = slot.panel.wire_name
    key = (wire, slot.title, snap.panel_digests.get(wire), snap.seq == 0,
           tuple(sorted(rt.config.thresholds.items())), privacy, texts.language())

    def build() -> list[Tile]:
        rows = slot_rows(snap, slot, privacy)
        return panel_tiles(slot, rows, rt.config.thresholds) if is_tile_panel(slot.panel, rows) \
            else []

    try:
        return TILES.get(key, build)
    except Exception:
        log.exception("cannot compute the tiles of %s", wire)
        return None


def page_desk(desk: str) -> str:
    """The desk as every page names it (`#freshness[data-desk]`): its [desks] id, or "demo";
    the one desk of the SUPEROFFICE_* settings, whose id is its site's address, as "default"
    (a page anyone may open never holds where the board polls).

        >>> page_desk("north"), page_desk("https://crm.example.com/cust1")
        ('north', 'default')
    """
    return SINGLE_DESK if "://" in desk else desk


def render_live(rt: Runtime, title: str, screen_id: str, screen: ScreenConfig | None,
                shown: tuple[object, ...], *, banner: bool = True,
                others: Mapping[str, Runtime] | None = None, detailed: bool = True) -> None:
    """Header with `#freshness` and the stale banner (unless not `banner`), every `redraw`
    seconds; a full run when what the panels of `screen` show is no longer `shown`."""

    language = texts.language()

    @st.fragment(run_every=rt.config.redraw)
    def live() -> None:
        with texts.use(language):
            _live()

    def _live() -> None:
        # Fragments keep the runtime of the run that made them: a replaced poller needs a
        # full run to read the new one.
        # One snapshot for the check and the header: a poll landing in between must not put
        # its time on a header (and the display's "drawn") above panels that show the last one.
        snap = rt.snapshot()
        if rt.replaced or any(o.replaced for o in (others or {}).values()) or \
                shown_key(rt, screen, snap, others) != shown:
            st.rerun(scope="app")
        rt.metrics.displays.beat(token, screen_id, now=rt.clock(), seq=snap.seq, **itself)
        fresh = rt.freshness(snap)
        if not detailed and fresh.problem is not None:  # its sentence may name the site
            fresh = replace(fresh, problem=FATAL_HIDDEN if rt.fatal is not None
                            else shown_error(snap, False) or fresh.problem)
        body = header_html(title, fresh, seq=snap.seq, updated=snap.fetched_at, demo=rt.demo,
                           interval=rt.config.interval, zone=rt.config.zone,
                           history=rt.history_status.state, desk=page_desk(rt.desk))
        if banner:
            body += banner_html(fresh, fetched_at=snap.fetched_at,
                                error=shown_error(snap, detailed),
                                failing_since=snap.error_since, zone=rt.config.zone)
        st.html(body)

    token = display_token()
    itself = display_itself()
    live()


# -- panels ------------------------------------------------------------------------------------
def is_tile_panel(panel: PanelType, rows: pd.DataFrame) -> bool:
    """Big numbers: the Status tile, and any panel whose data sets hold one value each."""
    if panel.kind is PanelKind.COUNTS:
        return True
    if rows.empty:
        return panel.kind is PanelKind.NUMBER
    return charts.shape_of(rows) == "number"


def panel_tiles(slot: PanelSlot, rows: pd.DataFrame,
                thresholds: Mapping[str, Threshold] | None = None) -> list[Tile]:
    if slot.panel.kind is PanelKind.COUNTS:
        return status_tiles(rows, key=slot.panel.wire_name, thresholds=thresholds)
    return number_tiles(rows, key=slot.panel.wire_name,
                        title=texts.panel_title(slot.panel, slot.title), thresholds=thresholds)


def render_panels(rt: Runtime, screen: ScreenConfig, snap: Snapshot, reserved: int = 0,
                  others: Mapping[str, Runtime] | None = None) -> None:
    """Every panel of `screen`: a row of tiles, then a grid of charts (drawn in full runs only:
    render_live asks for one when what they show moved). A panel that names a desk is drawn
    from that desk alone, its title led by the desk's label, stale when that desk is."""
    if screen.id == TODAY_ID:
        render_today(rt, snap, rt.freshness(snap).state == "stale", reserved)
        return
    seen = views(rt, snap, others or {})
    privacy = rt.config.privacy(screen)
    placed = [(slot, slot_rows(seen[slot.desk].snap, slot, privacy)) for slot in screen.panels]
    tiles = [(s, r) for s, r in placed if is_tile_panel(s.panel, r)]
    plots = [(s, r) for s, r in placed if not is_tile_panel(s.panel, r)]
    if tiles:
        _render_tile_row([slot for slot, _ in tiles], seen, screen_trends(screen, seen),
                         privacy)
    if plots:
        cols, rows = geometry.grid(len(plots))
        height = geometry.chart_height(rows, with_tiles=bool(tiles), reserved=reserved)
        width = geometry.chart_width(cols)
        # Rows of keyed containers in a horizontal container: fewer blocks than st.columns,
        # and blocks, unlike elements, are re-sent on every redraw.
        for start in range(0, len(plots), cols):
            with st.container(horizontal=True, gap="small"):
                for slot, data in plots[start:start + cols]:
                    one = seen[slot.desk]
                    shown = _labelled(slot, one.label)
                    with st.container(key=f"panel-{slot.key}"):
                        _guarded(shown, partial(
                            _render_chart, shown, data,
                            one.snap.panel_digests.get(slot.panel.wire_name, ""),
                            (width, height), one.stale, one.rt.local(one.snap.fetched_at),
                            privacy))
                for n in range(cols - len(plots[start:start + cols])):
                    st.container(key=f"filler-{start}-{n}")  # keeps the columns even
    if not placed:
        st.html(notice_html([_("This screen has no panels; add some to its `panels` list in "
                               "{source}.").format(source=rt.config.source)], kind="info"))


def _labelled(slot: PanelSlot, label: str) -> PanelSlot:
    """`slot` as a screen of another desk titles it: "South · Open requests"."""
    if not label:
        return slot
    return replace(slot, title=f"{label} · {texts.panel_title(slot.panel, slot.title)}")


def _render_tile_row(slots: list[PanelSlot], seen: Mapping[str | None, Seen],
                     trends: Mapping[tuple[str | None, str], Trend], privacy: Privacy) -> None:
    made_by_slot = [cached_tiles(seen[slot.desk].rt, slot, seen[slot.desk].snap, privacy)
                    for slot in slots]
    # Each tile panel takes as many shares of the row as it has tiles (theme.css).
    room = geometry.tile_room(sum(min(len(m or [None]), 12) for m in made_by_slot))
    with st.container(horizontal=True, gap="small"):
        for slot, made in zip(slots, made_by_slot, strict=True):
            one = seen[slot.desk]
            with st.container(key=f"panel-{slot.key}"):
                if made is None:
                    st.html(_error_html(slot.panel.wire_name, _labelled(slot, one.label).title))
                    continue
                # While its store is unavailable a tile says so where its change would be.
                no_history = _("no history") if one.rt.history_status.state == "unavailable" \
                    else ""
                body = "".join(tile_html(
                    replace(t, label=f"{one.label} · {t.label}") if one.label else t,
                    panel=slot.panel.wire_name, stale=one.stale,
                    trend=trends.get((slot.desk, t.key)), no_history=no_history,
                    desk=slot.desk, room_px=room) for t in made)
                # data-count lets the CSS give each panel width in proportion to its tiles.
                st.html(f'<div class="sb-tiles" data-count="{min(len(made), 12)}">{body}</div>')


def render_today(rt: Runtime, snap: Snapshot, stale: bool, reserved: int = 0) -> None:
    """The Today screen: four day charts two abreast, or in words why there is no day yet."""
    made = today_charts(rt, snap)
    if made is None:
        st.html(f'<div class="sb-today-empty" data-today="empty">{html.escape(today_words(rt))}'
                "</div>")
        return
    width = geometry.chart_width(2)
    height = geometry.chart_height(2, with_tiles=False, reserved=reserved)
    for start in range(0, len(made), 2):
        with st.container(horizontal=True, gap="small"):
            for chart in made[start:start + 2]:
                with st.container(key=f"panel-{chart.panel}"):
                    # Like every panel: one chart that fails is a sentence, not a broken page.
                    _guarded_as(chart.panel, chart.title,
                                partial(_draw_day, chart, width, height))
                    if stale:
                        _stale_tag(chart.panel, rt.local(snap.fetched_at))


def _draw_day(chart: DayChart, width: int, height: int) -> None:
    text = SPECS.get(("today", chart.digest, width, height, texts.language()),
                     partial(_day_spec, chart, width, height))
    st.vega_lite_chart(json.loads(text), theme=None, width="content")


def _day_spec(chart: DayChart, width: int, height: int) -> str:
    return json.dumps(charts.day_chart(chart, width=width, height=height).to_dict(),
                      sort_keys=True)


def today_words(rt: Runtime) -> str:
    """Why the Today screen has no chart, as a sentence."""
    status = rt.history_status
    if status.state == "off":
        return _("History is off (STATUSBOARD_DATABASE_URL=off), so the board keeps no record "
                 "of the day to show here.")
    if status.state == "unavailable":
        # The store's own message is the data side's (English), as the Connection screen says.
        return _("No day to show: the {problem}. The board keeps polling and shows live data "
                 "on the other screens; it tries the store again by itself.").format(
            problem=status.message or _("history store is unavailable"))
    return _("No history yet: the board records the desk's day from its first poll. The lines "
             "of open, unassigned and unread requests start here with the next polls.")


def _stale_tag(wire: str, fetched_at: datetime | None) -> None:
    """"STALE · data from 14:03" under a chart; `fetched_at` in the board's time zone."""
    words = (_("STALE · data from {time}").format(time=texts.hm(fetched_at)) if fetched_at
             else _("STALE"))
    st.html(f'<div class="sb-chart-stale" data-panel="{wire}" data-sb-stale="true">'
            f"{html.escape(words)}</div>")


def _render_chart(slot: PanelSlot, rows: pd.DataFrame, digest: str, size: tuple[int, int],
                  stale: bool, fetched_at: datetime | None,
                  privacy: Privacy = EVERYTHING) -> None:
    width, height = size
    wire = slot.panel.wire_name
    if rows.empty:
        empty = _("{na} — no data for this panel yet").format(na=na())
        st.html(f'<div class="sb-panel-empty" data-panel="{wire}" style="height:{height}px">'
                f'<div class="sb-empty-title">'
                f"{html.escape(texts.panel_title(slot.panel, slot.title))}</div>"
                f'<div class="sb-empty-text">'
                f"{html.escape(empty)}"
                "</div></div>")
        return
    st.vega_lite_chart(chart_spec(slot, rows, digest=digest, width=width, height=height,
                                  privacy=privacy),
                       theme=None, width="content")
    if stale:  # after the chart, so the chart keeps its place and the browser its drawing
        _stale_tag(wire, fetched_at)


def _guarded(slot: PanelSlot, draw: Callable[[], None]) -> None:
    """A panel that fails says so in a sentence; the other panels are unaffected."""
    _guarded_as(slot.panel.wire_name, texts.panel_title(slot.panel, slot.title), draw)


def _guarded_as(name: str, title: str, draw: Callable[[], None]) -> None:
    try:
        draw()
    except Exception:
        log.exception("cannot draw panel %s", name)
        st.html(_error_html(name, title))


def _error_html(name: str, title: str) -> str:
    words = html.escape(_("{title} cannot be drawn from the data the NetServer sent. Check "
                          "the dashboard's log for the details; the other panels are "
                          "unaffected.")).replace("{title}", "\0")
    return (f'<div class="sb-panel-error" data-panel="{html.escape(name)}" '
            f'data-panel-error="true">'
            + words.replace("\0", f"<b>{html.escape(title)}</b>") + "</div>")


# -- the Connection screen ---------------------------------------------------------------------
def connection_access() -> str:
    """What this visitor may see of where the board polls (the Connection screen's details,
    the NetServer's own error texts): "details" (a logged-in user where a login is configured;
    without one, a visitor on the board's own machine), "login" (a login is configured, not
    yet used) or "health" (anyone else: fresh or stale, last poll, the kind of a failure)."""
    try:
        auth = "auth" in st.secrets
    except Exception:  # no secrets file, or a broken one (said elsewhere): no login
        auth = False
    if auth:
        try:
            logged_in = st.user.is_logged_in is True
        except (AttributeError, KeyError):  # a session with no user information at all
            logged_in = False
        return "details" if logged_in else "login"
    return "details" if local_visitor() else "health"


#: Headers a proxy adds: a request that came through one came from anywhere.
_FORWARDED = frozenset({"forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip"})


def local_visitor() -> bool:
    """A visitor on the board's own machine, straight to it: the board listens on loopback,
    the request came from loopback, and no proxy stood between (a proxy on the same machine
    brings everybody's requests from loopback)."""
    if not is_loopback(st.get_option("server.address")):
        return False
    try:
        headers = {str(k).lower() for k in st.context.headers}
        address = st.context.ip_address
    except Exception:  # the request cannot be read: not known to be local
        return False
    if headers & _FORWARDED:
        return False
    # No address (a test's script run has none, or a stand-in object): the listener decides.
    return not isinstance(address, str) or not address or is_loopback(address)


def shown_error(snap: Snapshot, detailed: bool) -> str | None:
    """The NetServer's failure as a page may say it: its sentence to those who may see where
    the board polls; to others its kind only (the sentence names the address)."""
    if snap.error is None or detailed:
        return snap.error
    kind = KIND_WORDS.get(snap.error_kind or "", "the NetServer failed")
    return f"{kind[0].upper()}{kind[1:]} (the details are on the Connection screen)."


def render_connection(rt: Runtime, reserved: int = 0, asked: str | None = None) -> None:
    """Endpoint, credentials in words, polling figures and the raw frame, redrawn as polls land
    (to those who may see them: connection_access); to others, whether the data is fresh."""
    access = connection_access()
    if access != "details":
        render_connection_health(rt, login=access == "login", asked=asked)
        return
    # With several desks, each one's row; their runtimes once per full run, not per redraw.
    others = [rt.for_desk(name) for name in rt.desk_names] if len(rt.desk_names) > 1 else []
    wall = texts.language()

    @st.fragment(run_every=rt.config.redraw)
    def details() -> None:
        snap = rt.snapshot()
        now = rt.now()
        rows = connection_rows(rt.connection, snap, interval=rt.config.interval, demo=rt.demo,
                               source=rt.config.source, now=now, fatal=rt.fatal,
                               http_calls=rt.http_calls() if rt.http_calls else None,
                               desk=rt.desk)
        rows.append(metrics_row(rt.config.metrics_port, rt.metrics.port, rt.metrics.problem))
        rows.append(history_row(rt.history_status, rt.store.url if rt.store else None, now))
        if rt.history_status.unattributed:
            rows.append(unattributed_row(rt.history_status.unattributed))
        rows.append(zone_row(rt.config.zone, st.context.timezone, rt.config.source))
        rows.append(language_row(wall, rt.config.language, asked))
        rows += alert_rows(rt.alert_targets() if rt.alert_targets else [], len(rt.config.alerts))
        if others:
            rows += desk_rows([(o.desk, o.connection, o.snapshot(), o.history_status.role,
                                o.fatal) for o in others], now)
        body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                       for k, v in rows)
        shown = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in display_rows(rt.metrics.displays.open(rt.clock()), now))
        left, right = st.columns([2, 3])
        # A board of many desks has a row each: they scroll inside the column rather than push
        # the page past the screen.
        with left, st.container(height=geometry.full_height() - reserved, key="connection",
                                border=False):
            st.html(f'<table class="sb-conn" data-connection="true">{body}</table>')
        with right:
            # The open displays scroll inside their own box above the raw frame, so that
            # neither pushes the page past the screen however many TVs are watching.
            with st.container(height=geometry.DISPLAYS_H, key="displays", border=False):
                st.html('<table class="sb-conn" data-displays="true"><tr><th>Open display</th>'
                        f"<th>since</th><th>last new data drawn</th></tr>{shown}</table>")
            with st.container(key="raw-frame"):
                st.dataframe(snap.frame, height=geometry.full_height() - reserved
                             - geometry.DISPLAYS_H
                             - geometry.GAP, hide_index=True, width="stretch")

    details()


def render_connection_health(rt: Runtime, *, login: bool, asked: str | None = None) -> None:
    """The Connection screen for a visitor who may not see its details: each desk's health, and
    how the details are turned on (or the login button)."""
    desks = [rt.for_desk(name) for name in rt.desk_names] if len(rt.desk_names) > 1 else [rt]
    wall = texts.language()

    @st.fragment(run_every=rt.config.redraw)
    def health() -> None:
        now = rt.now()
        rows: list[tuple[str, str]] = []
        for one in desks:
            snap = one.snapshot()
            state = desk_words(one, snap)[1]
            rows += health_rows(snap, interval=one.config.interval, now=now, state=state,
                                desk=(one.desk_label or one.desk) if len(desks) > 1 else "")
        rows.append(language_row(wall, rt.config.language, asked))
        body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                       for k, v in rows)
        st.html(f'<table class="sb-conn" data-connection="health">{body}</table>')

    health()
    if login:
        st.html('<p class="sb-conn-note">Log in to see where the board polls, its store and '
                "the raw data.</p>")
        st.button("Log in", key="login", on_click=st.login)
    else:
        st.html(f'<p class="sb-conn-note">{html.escape(DETAILS_HIDDEN)}</p>')


# -- pages -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PageContext:
    """What dashboard.py hands to the page it runs next, through session state, for one run."""

    runtime: Runtime
    problems: tuple[str, ...]  # runtime problems plus URL problems (e.g. a bad ?rotate=)
    desk: str | None = None  # ?desk= in the address, when it names one of the desks
    #: Why ?desk= names no desk of the board: then no numbers are drawn (they would be
    #: another desk's), only this sentence.
    unknown_desk: str | None = None
    language: str | None = None  # ?lang= in the address, when the board has it: it wins

    def screen(self, screen_id: str) -> ScreenConfig:
        found = self.runtime.config.screen(screen_id)
        return found if found is not None else ScreenConfig(screen_id, screen_id.title(), ())


_CONTEXT_KEY = "_statusboard_page_context"


def set_context(ctx: PageContext) -> None:
    st.session_state[_CONTEXT_KEY] = ctx


def context(url_path: str) -> PageContext:
    """The context dashboard.py set in this run; `url_path` is the calling page's address.

    With a pages/ folder beside the entry point, Streamlit starts in its older multipage mode:
    until some run calls `st.navigation`, a deep link such as /trends on a freshly started
    server runs pages/trends.py by itself, without dashboard.py, and there is no context. The
    public `st.navigation` ends that mode for the whole process; a page of the same URL path
    keeps this session on the same screen (Streamlit hashes pages by URL path), and the rerun
    then goes through dashboard.py like every other.

    The context is taken, not read: one that dashboard.py did not set in this very run cannot
    be mistaken for this run's. That tells the two cases apart without asking Streamlit which
    mode it is in, for which there is no public way (checked against Streamlit 1.67.0: the
    mode is the private `PagesManager.uses_pages_directory`; `st.context` does not say).
    """
    ctx = st.session_state.pop(_CONTEXT_KEY, None)
    if ctx is None:
        # Two pages, because a default page answers to "/" only and this one must match the
        # deep link's name, or the browser is told "page not found".
        st.navigation([st.Page(_no_op, title="Loading", url_path="sb-loading", default=True),
                       st.Page(_no_op, title="Loading", url_path=url_path)], position="hidden")
        st.rerun()
    return cast(PageContext, ctx)


def _no_op() -> None:
    """Stands in for the page during the one run that hands it back to dashboard.py."""


@dataclass(frozen=True, slots=True)
class Oldest:
    """The Desks screen's header: the snapshot whose data is oldest of those shown, so that
    the header is stale whenever a desk's numbers on the screen are; a desk with no numbers
    at all says so in its own row ("NO DATA — …"), and the header says "No data" only when
    no desk has any."""

    desks: tuple[Runtime, ...]

    def latest(self) -> Snapshot:
        snaps = [d.snapshot() for d in self.desks]
        shown = [s for s in snaps if s.fetched_at is not None]
        if not shown:
            return snaps[0] if snaps else Snapshot()
        return min(shown, key=lambda s: s.fetched_at or datetime.min.replace(tzinfo=UTC))


def desk_words(rt: Runtime, snap: Snapshot) -> tuple[str, str]:
    """A desk's own freshness for the Desks screen: its state and a few words (a failure by
    its kind and since when: the sentence is on the desk's own screens)."""
    fresh = rt.freshness(snap)
    when = rt.local(snap.fetched_at)
    failing = rt.local(snap.error_since)
    why = _(KIND_WORDS.get(snap.error_kind or "", FAILING)) if snap.error else None
    if rt.fatal is not None:
        return "error", _("settings wrong: see the Connection screen")
    if fresh.state in ("fresh", "demo") and when is not None:
        return fresh.state, _("Updated {time}").format(time=texts.hm(when))
    if fresh.state == "stale" and when is not None:
        if why:
            return "stale", _("STALE — data from {time}; {why}").format(time=texts.hm(when),
                                                                       why=why)
        return "stale", _("STALE — data from {time}").format(time=texts.hm(when))
    if why and failing is not None:
        return "error", _("NO DATA — {why} since {time}").format(why=why,
                                                                time=texts.hm(failing))
    if fresh.state == "error":
        return fresh.state, _("No data yet")
    return fresh.state, _("Waiting for data…")


#: A desk's failure of a kind KIND_WORDS does not name.
FAILING = N_("failing")

#: The Desks screen's note on its changes, by `compare`.
COMPARE_WORDS = {"1h": N_("in the last hour"), "start_of_day": N_("since the start of the day"),
                 "same_time_last_week": N_("against this time last week")}


def render_desks(rt: Runtime) -> None:
    """The Desks screen: a row per desk (its headline counts at their levels with their
    changes, its response time and its own freshness), redrawn every redraw period (the table
    is small; an unchanged one is sent as Streamlit's reference to what the browser holds)."""

    desks = [rt.for_desk(name) for name in rt.desk_names]  # once per full run, not per redraw
    status = PanelSlot(PanelType.StatusScreen, PanelType.StatusScreen.title)
    language = texts.language()

    @st.fragment(run_every=rt.config.redraw)
    def table() -> None:
        with texts.use(language):
            _table()

    def _table() -> None:
        rows = []
        for name, one in zip(rt.desk_names, desks, strict=True):
            snap = one.snapshot()
            state, words = desk_words(one, snap)
            frame = snap.frame
            response = response_rows(frame)
            seen: dict[str | None, Seen] = {None: Seen(one, snap)}
            trends = {key: t for (_, key), t in screen_trends(
                ScreenConfig(DESKS_ID, "", (status,)), seen).items()}
            rows.append(desk_row(one.desk_label or name,
                                 panel_frame(frame, PanelType.StatusScreen),
                                 thresholds=rt.config.thresholds, state=state, words=words,
                                 response=response, trends=trends))
        compare = COMPARE_WORDS.get(rt.config.compare)
        st.html(desks_html(rows, compare=_(compare) if compare else ""))

    table()


def screen(screen_id: str) -> None:
    """The whole screen `screen_id`: what every file in pages/ calls, with its own name.

    Header and freshness (render_live), problems, then the panels statusboard.toml gives the
    screen, or, for "connection", the Connection screen."""
    ctx = context(screen_id)
    config = ctx.screen(screen_id)
    with texts.use(ctx.language or ctx.runtime.config.language_of(config)):
        _screen(ctx, screen_id, config)


#: The built-in screens' titles (statusboard.toml's own), as the board writes them: a title
#: the operator wrote in statusboard.toml is shown as written.
SCREEN_TITLES = {"status": N_("Status"), "workload": N_("Workload"), "trends": N_("Trends"),
                 "today": N_("Today"), "desks": N_("Desks")}
_BUILTIN_TITLES = {"status": "Status", "workload": "Workload", "trends": "Trends",
                   "today": "Today", "desks": "Desks"}


def screen_title(config: ScreenConfig) -> str:
    """A screen's title in the wall's language when it is the built-in one (of the built-in
    screen of its id), else as the operator wrote it."""
    if _BUILTIN_TITLES.get(config.id) == config.title:
        return _(SCREEN_TITLES[config.id])
    return config.title


def _screen(ctx: PageContext, screen_id: str, config: ScreenConfig) -> None:
    is_connection = screen_id == CONNECTION_ID
    rt = ctx.runtime.for_desk(ctx.desk or config.desk)
    if screen_id == DESKS_ID:  # every desk's: its header tells the oldest data of them all
        rt = replace(rt, source=Oldest(tuple(rt.for_desk(n) for n in rt.desk_names)),
                     desk="", desk_label="", fatal=None)
    if ctx.unknown_desk is not None:
        rt = replace(rt, source=None, fatal=ctx.unknown_desk, history=None)
    snap = rt.snapshot()
    # The same screen for this run's key and the fragment's checks, or they never agree.
    panels = None if is_connection else config
    others = panel_desks(rt, panels) if ctx.unknown_desk is None else {}
    title = "Connection" if is_connection else screen_title(config)
    # Where the board polls (the NetServer's error texts, the settings' sentence) only to
    # those who may see it; an unknown ?desk= is the address's own sentence, shown to all.
    detailed = ctx.unknown_desk is not None or connection_access() == "details"
    render_live(rt, f"{title} · {rt.desk_label}" if rt.desk_label else title, screen_id,
                panels, shown_key(rt, panels, snap, others), banner=screen_id != DESKS_ID,
                others=others, detailed=detailed)
    # What the data left out (a data set past SUPEROFFICE_MAX_VALUES) is said with the rest,
    # each desk's once.
    notes = dict.fromkeys([*snap.notes, *(n for o in others.values() for n in o.snapshot().notes)])
    reserved = render_problems((*ctx.problems, *notes))
    if ctx.unknown_desk is None:  # else the sentence is among the problems
        render_fatal(rt, detailed)
    if is_connection:
        render_connection(rt, reserved, ctx.language)
    elif screen_id == DESKS_ID:
        render_desks(rt)
    else:
        render_panels(rt, config, snap, reserved, others)


def screen_page(config: ScreenConfig) -> Callable[[], None]:
    """A page function for a screen that the TOML file defines and pages/ has no file for."""

    def page() -> None:
        screen(config.id)

    page.__name__ = page.__qualname__ = f"screen_{config.id.replace('-', '_')}"
    return page
