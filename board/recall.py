"""What the screens read from the history store: each number tile's trend and the Today
screen's charts. No Streamlit; the arithmetic is board.tiles' and board.today's.

Reads are made once per process per change, not per browser: results are kept by (the store,
the panels' data digests, the minute) in a small cache, so the light fragment of every browser
(board.render.render_live) can ask at each redraw whether what its tiles show moved, for the
cost of a dictionary look-up.

    >>> memo: Memo[int] = Memo(size=2)
    >>> memo.get(("a",), lambda: 1), memo.get(("a",), lambda: 2)
    (1, 1)
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Generic, Protocol, TypeVar

import pandas as pd

from stats_client.history import HistoryStore
from stats_client.poller import Snapshot
from stats_client.timeline import day_dates
from statusboard import texts
from statusboard.rules import Compare, Threshold, compare_time, local_midnight

from . import today as day
from .tiles import Tile, Trend, tile_trend

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How far back a tile's history is read: the sparkline's day and "red for …" both fit in it.
WINDOW = timedelta(hours=24)


class Memo(Generic[T]):
    """A small thread-safe LRU of values by key; `get(key, build)` builds on a miss, once: the
    browsers that ask for the same key meanwhile wait for that build (a poll makes every open
    screen ask at about the same time) rather than read the store again each."""

    def __init__(self, size: int = 256, *, wait_s: float = 30.0) -> None:
        self._items: OrderedDict[tuple[object, ...], T] = OrderedDict()
        self._building: dict[tuple[object, ...], threading.Event] = {}
        self._lock = threading.Lock()
        self._size = size
        self._wait_s = wait_s  # a build that takes longer is no longer waited for

    def get(self, key: tuple[object, ...], build: Callable[[], T]) -> T:
        waited = False
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
                pending = self._building.get(key)
                if pending is None or waited:
                    done = threading.Event()
                    self._building.setdefault(key, done)
                    break
            # Another thread builds it: take its value, or build ourselves if it failed.
            waited = not pending.wait(self._wait_s)
        try:
            value = build()
            with self._lock:
                self._items[key] = value
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
            return value
        finally:
            with self._lock:
                if self._building.get(key) is done:
                    del self._building[key]
            done.set()


class HistorySource(Protocol):
    """What the screens need of the recorder (stats_client.recorder.HistoryRecorder)."""

    @property
    def store(self) -> HistoryStore | None: ...


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


_TRENDS: Memo[Mapping[str, Trend]] = Memo(64)
_TODAY: Memo[tuple[day.DayChart, ...] | None] = Memo(16)


def tile_trends(store: HistoryStore, tiles: Sequence[Tile], snap: Snapshot, *,
                compare: Compare, now: datetime, thresholds: Mapping[str, Threshold],
                recorded: int = 0) -> Mapping[str, Trend]:
    """Tile key → its trend (tiles without history are left out); read once per minute and
    change of data or of the store (`recorded`), whatever the number of browsers. A store
    that fails gives {} (the recorder reports it; the tiles show their live values)."""
    minute = _minute(now)
    digests = tuple(sorted({snap.panel_digests.get(t.series[0], "") for t in tiles}))
    # The desk in the key too: a store's id may be another desk's store's after a reload.
    key = (id(store), store.desk, tuple((t.key, t.value, t.level, t.series) for t in tiles),
           digests, minute,
           str(now.tzinfo), compare, snap.fetched_at, recorded, texts.language())

    def build() -> Mapping[str, Trend]:
        try:
            return _read_trends(store, tiles, snap, compare=compare, now=minute,
                                thresholds=thresholds)
        except Exception as exc:  # e.g. HistoryUnavailable: the board goes on without trends
            log.warning("cannot read the tiles' history: %s", exc)
            return {}

    return _TRENDS.get(key, build)


def _read_trends(store: HistoryStore, tiles: Sequence[Tile], snap: Snapshot, *,
                 compare: Compare, now: datetime,
                 thresholds: Mapping[str, Threshold]) -> Mapping[str, Trend]:
    out: dict[str, Trend] = {}
    window = (now.astimezone(UTC) - WINDOW).astimezone(now.tzinfo)  # 24 real hours
    for tile in tiles:
        panel, dataset_label, label = tile.series
        series = store.series(panel, label=label, dataset_label=dataset_label, since=window)
        last_week = None
        if compare == "same_time_last_week":
            last_week = store.value_at(panel, label=label, dataset_label=dataset_label,
                                       when=compare_time(compare, now))
        trend = tile_trend(tile, series, compare=compare, now=now, window=window,
                           rule=thresholds.get(tile.key), at=snap.fetched_at,
                           last_week=last_week)
        if trend is not None:
            out[tile.key] = trend
    return out


def today_charts(store: HistoryStore, snap: Snapshot, *, now: datetime,
                 recorded: int = 0) -> tuple[day.DayChart, ...] | None:
    """The Today screen's four charts, or None when nothing was recorded today for any of
    them (a fresh install: the screen says so in words). Read once per process per change of
    the store (`recorded`) and per step of the charts' "now"; a store that fails gives None."""
    shown_now = day.now_step(now)
    key = (id(store), store.desk, snap.panel_digests.get(day.STATUS_PANEL),
           snap.panel_digests.get(day.CREATED_PANEL), shown_now, str(now.tzinfo), recorded,
           texts.language())

    def build() -> tuple[day.DayChart, ...] | None:
        try:
            return _read_today(store, snap, now=shown_now)
        except Exception as exc:
            log.warning("cannot read the Today screen's history: %s", exc)
            return None

    return _TODAY.get(key, build)


def _read_today(store: HistoryStore, snap: Snapshot, *,
                now: datetime) -> tuple[day.DayChart, ...] | None:
    midnight = local_midnight(now)
    week = timedelta(days=7)
    charts = []
    recorded = False
    for label in day.COUNTS:
        today = store.series(day.STATUS_PANEL, label=label, since=midnight)
        last = store.series(day.STATUS_PANEL, label=label, since=midnight - week,
                            until=midnight - week + timedelta(days=1))
        recorded = recorded or not today.dropna(subset=["value"]).empty
        charts.append(day.count_chart(label, today, last, now=now))
    rows = snap.frame[snap.frame["panel"] == day.CREATED_PANEL]
    days = day_dates(rows)
    today_date = midnight.date()
    created = pd.DataFrame({"time": pd.Series([], dtype="datetime64[ns, UTC]"),
                            "value": pd.Series([], dtype="float64")})
    if today_date in days:
        created = store.series(day.CREATED_PANEL, label=days[today_date][0], since=midnight)
        recorded = recorded or not created.dropna(subset=["value"]).empty
    before = []
    whole = []
    for earlier in day.same_weekdays(days, today_date):
        label, value = days[earlier]
        weeks = (today_date - earlier).days // 7
        start = midnight - weeks * week
        before.append((weeks, store.series(day.CREATED_PANEL, label=label, since=start,
                                           until=start + timedelta(days=1))))
        if value is not None:
            whole.append(value)
    charts.append(day.pacing_chart(created, before, whole, now=now))
    return tuple(charts) if recorded else None
