"""The history store: every poll, the values that changed, downsampled rollups, the last snapshot.

One code path (SQLAlchemy Core) for SQLite and PostgreSQL. Every database error leaves as
`HistoryUnavailable`, a sentence that names what to check and never the password. A store is
opened for one desk (stats_client.desks): it writes that desk's rows and reads only them, so
several desks, or a demo and a real desk, can share one database and never see each other's
numbers.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> store = HistoryStore.open(f"sqlite:///{folder / 'history.sqlite3'}")
    >>> store.first_record_time() is None
    True
    >>> store.close()
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL

from ..desks import DEMO, UNATTRIBUTED
from ..errors import HistoryUnavailable
from ..frames import COLUMNS, empty_frame
from ..poller import Snapshot, panel_digests
from . import schema as t
from .database import (
    FileUsers,
    in_use_elsewhere,
    is_corrupt,
    make_engine,
    move_aside,
    parse_url,
    redact,
    sqlite_path,
    unavailable,
    upsert,
)
from .retention import DAY, FIVE_MINUTES, Retention

log = logging.getLogger(__name__)

#: Serialises schema creation between processes on PostgreSQL (any constant of our own).
_SCHEMA_LOCK = 0x5B0A_4D10

#: Where values live, newest first: (table, time column, value column, grain or None).
_Tier = tuple[sa.Table, str, str, int | None]
_CHANGES: _Tier = (t.changes, "at", "value", None)
_FIVE: _Tier = (t.rollups, "start", "last", FIVE_MINUTES)
_DAILY: _Tier = (t.rollups, "start", "last", DAY)
_TIERS = (_CHANGES, _FIVE, _DAILY)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SERIES_COLUMNS = {"time": "datetime64[ns, UTC]", "value": "float64"}
EXPORT_COLUMNS = {"time": "datetime64[ns, UTC]", "desk": "string", "panel": "string",
                  "dataset_label": "string", "label": "string", "value": "float64"}
POLL_COLUMNS = {"time": "datetime64[ns, UTC]", "result": "string", "duration_s": "float64",
                "holder": "string"}


@dataclass(frozen=True, slots=True)
class Reading:
    """A value and the time it holds for (a comparison's base: "▲12 since 08:00")."""

    time: datetime
    value: float


@dataclass(frozen=True, slots=True)
class SeenDisplay:
    """A display as the board processes saw it: `display` is the id its browser's cookie
    carries; `wall` when it was opened as a wall display (the kiosk address)."""

    display: str
    name: str
    screen: str
    wall: bool
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class Letter:
    """An alert message to one target, kept in the store until it is settled."""

    id: int
    target: str
    kind: str
    title: str
    body: str
    queued_at: datetime


@dataclass(frozen=True, slots=True)
class Written:
    """What `record_many` did: the stored snapshot's version now, polls written, polls skipped
    (not newer than what the store held)."""

    version: int | None
    written: int
    skipped: int


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What `prune` did: rows rolled into 5-minute and daily aggregates, rows deleted."""

    to_five_minutes: int
    to_daily: int
    deleted: int


class HistoryStore:
    """Open with `HistoryStore.open(url, desk=...)`; thread-safe (the engine pools connections).

    Writes (`record`, `prune`) belong to the one process that polls the desk; reads are for
    everyone, and read only the desk's own rows (`export` and `desks` see every desk)."""

    def __init__(self, engine: sa.Engine, url: URL, retention: Retention,
                 users: FileUsers | None = None, *, desk: str = DEMO) -> None:
        self.engine = engine
        self.retention = retention
        self.desk = desk
        self._url = url
        self._users = users  # a SQLite file's: that this store has it open
        # What this process last wrote, to store only changes: the snapshot row's version, the
        # values by key and the panel digests of that frame. Reloaded when another wrote since.
        self._version: int | None = None
        self._values: dict[Key, float | None] = {}
        self._digests: dict[str, str] = {}
        self._ids: dict[Key, int] = {}

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str, *, desk: str = DEMO, retention: Retention | None = None,
             now: datetime | None = None, verify: bool = False) -> HistoryStore:
        """Connect, create or upgrade the schema, for `desk`'s rows. A damaged SQLite file is
        moved aside (named with `now`) and a new one started, unless another store, of any
        process, still has it open (HistoryUnavailable: retried later); `verify` runs SQLite's
        quick_check first."""
        parsed = parse_url(url)
        engine = make_engine(parsed)
        path = sqlite_path(parsed)
        users = None
        try:
            users = FileUsers(path) if path is not None else None
            try:
                _prepare(engine, verify=verify)
            except (sa.exc.SQLAlchemyError, _Damaged) as exc:
                engine.dispose()
                if path is None or users is None or not (
                        isinstance(exc, _Damaged) or is_corrupt(exc)):
                    raise unavailable(exc, parsed, "open the history store") from exc
                if not users.alone():
                    raise in_use_elsewhere(path) from exc
                move_aside(path, now or datetime.now(UTC))
                users.share()
                engine = make_engine(parsed)
                try:
                    _prepare(engine, verify=False)
                except sa.exc.SQLAlchemyError as again:
                    raise unavailable(again, parsed, "start a new history file") from again
        except BaseException:
            engine.dispose()
            if users is not None:
                users.close()
            raise
        return cls(engine, parsed, retention or Retention(), users, desk=desk)

    @property
    def url(self) -> str:
        """The database URL with its password hidden."""
        return redact(self._url)

    @property
    def backend(self) -> str:
        """"sqlite" or "postgresql"."""
        return self._url.get_backend_name()

    def close(self) -> None:
        self.engine.dispose()
        if self._users is not None:  # after the engine: no connection of ours is left open
            self._users.close()

    def __repr__(self) -> str:
        return f"HistoryStore({self.url!r}, desk={self.desk!r})"

    @contextlib.contextmanager
    def _transaction(self, doing: str) -> Iterator[sa.Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise unavailable(exc, self._url, doing) from exc

    # -- writing ---------------------------------------------------------------------------
    def record(self, snap: Snapshot, *, holder: str = "",
               guard: Callable[[sa.Connection], bool] | None = None) -> int | None:
        """Log one poll (its time, result and duration), store the values that changed since
        the last stored snapshot, and store `snap` as the last snapshot; one transaction,
        which begins with `guard(conn)` (the poll lease's `keep`) and stores nothing when that
        says no. Returns the stored snapshot's version (None: nothing stored)."""
        written = self.record_many([snap], holder=holder, guard=guard)
        return None if written is None or not written.written else written.version

    def record_many(self, snaps: Sequence[Snapshot], *, holder: str = "",
                    guard: Callable[[sa.Connection], bool] | None = None,
                    only_newer: bool = False) -> Written | None:
        """`record` for several polls in order, in one transaction (the polls that waited while
        the store was away, written back with their own times). With `only_newer`, a poll not
        newer than the desk's last stored one is skipped: written already (a batch whose
        commit was not confirmed and is sent again), or a stretch another process recorded;
        so a write-back is idempotent and never puts a poll in twice. None: `guard` said no."""
        todo = [s for s in snaps if (s.attempted_at or s.fetched_at) is not None]
        if not todo:
            return Written(self._version, 0, len(snaps))
        learned: dict[Key, int] = {}
        written = skipped = 0
        with self._transaction("write to") as conn:
            if guard is not None and not guard(conn):
                return None  # another process polls now: its snapshots are the ones to keep
            stored = conn.execute(sa.select(t.snapshots.c.version, t.snapshots.c.attempted_at,
                                            t.snapshots.c.fetched_at)
                                  .where(t.snapshots.c.desk == self.desk)).first()
            version = None if stored is None else stored[0]
            newest = None if stored is None else (stored[1] if stored[1] is not None
                                                  else stored[2])
            if version is None or version != self._version:
                values, digests = _stored_state(conn, self.desk)
            else:
                values, digests = self._values, self._digests
            frame_moved = False
            last: Snapshot | None = None
            for snap in todo:
                attempted = _ts(snap.attempted_at or snap.fetched_at)  # type: ignore[arg-type]
                if only_newer and newest is not None and attempted <= newest:
                    skipped += 1
                    continue
                conn.execute(sa.insert(t.polls).values(
                    desk=self.desk, at=attempted, duration_s=snap.duration_s, holder=holder,
                    result="ok" if snap.error is None else snap.error_kind or "error"))
                if snap.error is None and snap.seq > 0 and dict(snap.panel_digests) != digests:
                    new_values = keyed_values(snap.frame)
                    changed = changed_values(values, new_values)
                    if changed and snap.fetched_at is not None:
                        ids = self._series_ids(conn, changed, learned)
                        learned.update((k, ids[k]) for k in changed if k not in self._ids)
                        at = _ts(snap.fetched_at)
                        upsert(conn, t.changes, [{"series_id": ids[key], "at": at,
                                                  "value": value}
                                                 for key, value in changed.items()])
                    values, digests = new_values, dict(snap.panel_digests)
                    frame_moved = True
                newest, last = attempted, snap
                written += 1
            if last is None:
                return Written(version, 0, skipped)
            row = _snapshot_row(last, self.desk, (version or 0) + 1, holder)
            if frame_moved or version is None:
                row["frame"] = frame_to_json(last.frame)
                upsert(conn, t.snapshots, [row])
            else:
                conn.execute(sa.update(t.snapshots).where(t.snapshots.c.desk == self.desk)
                             .values(row))
        self._version = row["version"]
        self._ids.update(learned)  # committed: the ids are the database's now
        self._values, self._digests = values, digests
        return Written(self._version, written, skipped)

    def _series_ids(self, conn: sa.Connection, keys: Iterable[Key],
                    learned: Mapping[Key, int]) -> dict[Key, int]:
        """The series id of each key (made when new). `learned`: ids made earlier in this
        transaction, not cached yet."""
        missing = {_key_text(self.desk, k): k for k in keys
                   if k not in self._ids and k not in learned}
        if missing:
            c = t.series.c
            found = dict(conn.execute(sa.select(c.key, c.id).where(c.key.in_(missing))).all())
            new = [k for text, k in missing.items() if text not in found]
            if new:
                conn.execute(sa.insert(t.series), [_series_row(self.desk, k) for k in new])
                found.update(conn.execute(sa.select(c.key, c.id).where(
                    c.key.in_([_key_text(self.desk, k) for k in new]))).all())
            # Returned, not cached: the caller caches them once its transaction has committed
            # (after a rollback the database may hand the same ids to other keys).
            return {**self._ids, **learned,
                    **{missing[text]: sid for text, sid in found.items()}}
        return {**self._ids, **learned}

    def prune(self, now: datetime, *, every_desk: bool = False) -> PruneReport:
        """Apply the retention at `now` to this desk's rows and those from before desks: raw
        changes older than `full` become 5-minute (min, max, last), those older than
        `five_minute` become daily values, and older ones go (each value's latest point is
        kept, so a value that never changes is never forgotten). Other desks' rows are their
        own recorders' to prune (`every_desk`: all of them, as `history prune` does)."""
        r, now_s = self.retention, _ts(now)
        desks = (self.desk, UNATTRIBUTED)
        series = sa.select(t.series.c.id)
        own = (series if every_desk else series.where(t.series.c.desk.in_(desks))
               ).scalar_subquery()
        cut_five = math.floor((now_s - r.full.total_seconds()) / FIVE_MINUTES) * FIVE_MINUTES
        cut_day = math.floor((now_s - r.five_minute.total_seconds()) / DAY) * DAY
        with self._transaction("prune") as conn:
            raw = pd.DataFrame(conn.execute(
                sa.select(t.changes.c.series_id, t.changes.c.at, t.changes.c.value)
                .where(t.changes.c.at < cut_five, t.changes.c.series_id.in_(own))).all(),
                columns=["series_id", "t", "last"])
            raw["min"] = raw["max"] = raw["last"]
            self._roll(conn, raw, FIVE_MINUTES, cut_five, (_FIVE, _DAILY))
            conn.execute(sa.delete(t.changes).where(t.changes.c.at < cut_five,
                                                    t.changes.c.series_id.in_(own)))
            five = pd.DataFrame(conn.execute(
                sa.select(t.rollups.c.series_id, t.rollups.c.start, t.rollups.c.min,
                          t.rollups.c.max, t.rollups.c.last)
                .where(t.rollups.c.grain == FIVE_MINUTES, t.rollups.c.start < cut_day,
                       t.rollups.c.series_id.in_(own))
            ).all(), columns=["series_id", "t", "min", "max", "last"])
            self._roll(conn, five, DAY, cut_day, (_DAILY,))
            conn.execute(sa.delete(t.rollups).where(t.rollups.c.grain == FIVE_MINUTES,
                                                    t.rollups.c.start < cut_day,
                                                    t.rollups.c.series_id.in_(own)))
            newest = t.rollups.alias("newest")
            deleted = conn.execute(sa.delete(t.rollups).where(
                t.rollups.c.grain == DAY, t.rollups.c.start < now_s - r.daily.total_seconds(),
                t.rollups.c.series_id.in_(own),
                t.rollups.c.start < sa.select(sa.func.max(newest.c.start)).where(
                    newest.c.series_id == t.rollups.c.series_id, newest.c.grain == DAY
                ).scalar_subquery())).rowcount
            old_polls = sa.delete(t.polls).where(t.polls.c.at < now_s - r.polls.total_seconds())
            if not every_desk:
                old_polls = old_polls.where(t.polls.c.desk.in_(desks))
            deleted += conn.execute(old_polls).rowcount
        return PruneReport(len(raw), len(five), deleted)

    @staticmethod
    def _roll(conn: sa.Connection, points: pd.DataFrame, grain: int, before: float,
              carry_from: Sequence[_Tier]) -> None:
        if points.empty:
            return
        ids = sorted(set(points["series_id"].tolist()))
        carry = {sid: value for sid, (_t, value) in _latest_at(conn, ids, before, carry_from)
                 .items()}
        rows = downsample(points, carry, grain)
        upsert(conn, t.rollups, rows)

    # -- the last snapshot -----------------------------------------------------------------
    def snapshot_version(self) -> int | None:
        """Bumped on every write of the snapshot: a follower's cheap "anything new?"."""
        with self._transaction("read from") as conn:
            return conn.execute(sa.select(t.snapshots.c.version)
                                .where(t.snapshots.c.desk == self.desk)).scalar()

    def last_snapshot(self) -> Snapshot | None:
        """The desk's snapshot last recorded (by any process), with its frame; None before the
        first."""
        with self._transaction("read from") as conn:
            row = conn.execute(sa.select(t.snapshots)
                               .where(t.snapshots.c.desk == self.desk)).mappings().first()
        if row is None:
            return None
        frame = frame_from_json(row["frame"])
        return Snapshot(
            seq=row["seq"], started_at=_dt(row["started_at"]), frame=frame,
            fetched_at=_dt(row["fetched_at"]), panel_digests=panel_digests(frame),
            attempted_at=_dt(row["attempted_at"]), duration_s=row["duration_s"],
            calls=row["calls"], failures=row["failures"], error=row["error"],
            error_kind=row["error_kind"], error_since=_dt(row["error_since"]))

    # -- the alerts' state -----------------------------------------------------------------
    def alert_state(self) -> dict[tuple[str, str], tuple[datetime | None, datetime | None,
                                                         float | None, datetime | None]]:
        """The desk's alert rules' state: (rule, subject) → (since, sent_at, value,
        cleared_at)."""
        with self._transaction("read from") as conn:
            rows = conn.execute(sa.select(t.alerts).where(t.alerts.c.desk == self.desk)).all()
        return {(r.rule, r.subject): (_dt(r.since), _dt(r.sent_at), r.value, _dt(r.cleared_at))
                for r in rows}

    def save_alert_state(self, changed: Mapping[tuple[str, str], tuple[
            datetime | None, datetime | None, float | None, datetime | None]],
            letters: Sequence[tuple[str, str, str, str]] = (), *, holder: str = "",
            at: datetime | None = None) -> list[int]:
        """Write what changed (a row with neither since nor sent_at is removed) and the
        `letters` it sends ((target, kind, title, body), held by `holder`, queued `at`) in one
        transaction: a message is on record exactly when its rule says it was told. The
        letters' ids, in order."""
        ids: list[int] = []
        with self._transaction("write to") as conn:
            queued = _ts(at or datetime.now(UTC))
            for target, kind, title, body in letters:
                key = conn.execute(sa.insert(t.outbox).values(
                    desk=self.desk, target=target, kind=kind, title=title, body=body,
                    queued_at=queued, holder=holder)).inserted_primary_key
                assert key is not None  # an autoincrement key, on SQLite and PostgreSQL
                ids.append(int(key[0]))
            for (rule, subject), (since, sent_at, value, cleared_at) in changed.items():
                where = sa.and_(t.alerts.c.desk == self.desk, t.alerts.c.rule == rule,
                                t.alerts.c.subject == subject)
                conn.execute(sa.delete(t.alerts).where(where))
                if since is not None or sent_at is not None:
                    conn.execute(sa.insert(t.alerts).values(
                        desk=self.desk, rule=rule, subject=subject, since=_ts_or_none(since),
                        sent_at=_ts_or_none(sent_at), value=_float(value),
                        cleared_at=_ts_or_none(cleared_at)))
        return ids

    def settle_letter(self, letter_id: int) -> None:
        """The letter went out (or was given up): off the record."""
        with self._transaction("write to") as conn:
            conn.execute(sa.delete(t.outbox).where(t.outbox.c.id == letter_id))

    def claim_letters(self, holder: str, queued_before: datetime,
                      now: datetime | None = None) -> list[Letter]:
        """The desk's letters another holder left unsettled since before `queued_before` (it
        was killed before sending them), now held by `holder` as queued `now`: each claimed by
        one process only (a compare-and-set on its holder), and not claimable by another
        until it is as old again."""
        claimed: list[Letter] = []
        with self._transaction("write to") as conn:
            rows = conn.execute(sa.select(t.outbox).where(
                t.outbox.c.desk == self.desk, t.outbox.c.holder != holder,
                t.outbox.c.queued_at < _ts(queued_before)).order_by(t.outbox.c.id)).all()
            for r in rows:
                took = conn.execute(sa.update(t.outbox).where(
                    t.outbox.c.id == r.id, t.outbox.c.holder == r.holder).values(
                        holder=holder, queued_at=_ts(now or datetime.now(UTC))))
                if took.rowcount == 1:
                    claimed.append(Letter(r.id, r.target, r.kind, r.title, r.body,
                                          _dt(r.queued_at) or _EPOCH))
        return claimed

    # -- displays (every desk's: a display is the deployment's, not a desk's) ----------------
    def beat_displays(self, seen: Iterable[SeenDisplay]) -> None:
        """Write what this process saw of these displays, in one transaction: a display's
        last sighting, name and screen are the latest any process wrote; its first sighting
        is the earliest; once a wall display, it stays one (until it is forgotten)."""
        with self._transaction("write to") as conn:
            for d in seen:
                row = conn.execute(sa.select(t.displays.c.first_seen, t.displays.c.last_seen,
                                             t.displays.c.wall)
                                   .where(t.displays.c.display == d.display)).first()
                first = _ts(d.first_seen) if row is None else min(row.first_seen,
                                                                   _ts(d.first_seen))
                if row is not None and row.last_seen > _ts(d.last_seen):
                    continue  # another process saw it later
                conn.execute(sa.delete(t.displays).where(t.displays.c.display == d.display))
                conn.execute(sa.insert(t.displays).values(
                    display=d.display, name=d.name or None, screen=d.screen,
                    wall=d.wall or (row is not None and bool(row.wall)),
                    first_seen=first, last_seen=_ts(d.last_seen)))

    def displays(self) -> dict[str, SeenDisplay]:
        """Every display on record, by id."""
        with self._transaction("read from") as conn:
            rows = conn.execute(sa.select(t.displays)).all()
        return {r.display: SeenDisplay(r.display, r.name or "", r.screen, bool(r.wall),
                                       _dt(r.first_seen) or _EPOCH, _dt(r.last_seen) or _EPOCH)
                for r in rows}

    def forget_displays(self, before: datetime) -> int:
        """Drop the displays last seen before `before` (gone for good); how many."""
        with self._transaction("write to") as conn:
            return conn.execute(sa.delete(t.displays).where(
                t.displays.c.last_seen < _ts(before))).rowcount or 0

    # -- reading ---------------------------------------------------------------------------
    def series(self, panel: str, *, label: str | None = None, dataset_label: str | None = None,
               since: datetime, until: datetime | None = None) -> pd.DataFrame:
        """A step series [time, value] of the matching values (summed when several match:
        `label=None` means every label): the value in force at `since`, stamped `since`, then
        one row per change up to `until` (default: everything)."""
        with self._transaction("read from") as conn:
            ids = _matching(conn, self.desk, panel, dataset_label, label)
            if not ids:
                return _empty(SERIES_COLUMNS)
            since_s = _ts(since)
            until_s = _ts(until) if until is not None else math.inf
            points = [(sid, since_s, value)
                      for sid, (_t, value) in _latest_at(conn, ids, since_s, _TIERS).items()]
            points += _points(conn, ids, since_s, until_s)
        return step_sum(points)

    def value_at(self, panel: str, *, label: str | None = None,
                 dataset_label: str | None = None, when: datetime) -> Reading | None:
        """The value at `when`; with less history, the oldest value and its time; None when
        nothing was recorded for it."""
        frame = self.series(panel, label=label, dataset_label=dataset_label, since=when,
                            until=when)
        if frame.empty:
            with self._transaction("read from") as conn:
                ids = _matching(conn, self.desk, panel, dataset_label, label)
                first = _first_time(conn, ids, after=_ts(when)) if ids else None
            if first is None:
                return None
            when = _dt(first) or when
            frame = self.series(panel, label=label, dataset_label=dataset_label, since=when,
                                until=when)
            if frame.empty:
                return None
        return Reading(when, float(frame["value"].iloc[-1]))

    def rows_at(self, panel: str, *, when: datetime) -> pd.DataFrame:
        """`panel`'s rows as they stood at `when`, in the tidy frame's columns (data sets and
        positions in the order the series were first stored; no descriptions): what a
        function of a panel's rows, such as timeline.response_time, reads of the past. Empty
        when nothing was recorded for it by then."""
        with self._transaction("read from") as conn:
            c = t.series.c
            found = conn.execute(sa.select(c.id, c.dataset_label, c.label).where(
                c.desk == self.desk, c.panel == panel).order_by(c.id)).all()
            values = _latest_at(conn, [r.id for r in found], _ts(when), _TIERS) if found else {}
        datasets: dict[str | None, int] = {}
        positions: dict[int, int] = {}
        rows = []
        for sid, dataset_label, label in found:
            value = values.get(sid, (0.0, None))[1]
            if value is None or math.isnan(value):
                continue
            dataset = datasets.setdefault(dataset_label, len(datasets))
            position = positions[dataset] = positions.get(dataset, -1) + 1
            rows.append({"panel": panel, "dataset": dataset, "dataset_label": dataset_label,
                         "position": position, "label": label, "value": float(value),
                         "dataset_description": None, "description": None})
        if not rows:
            return empty_frame()
        return pd.DataFrame({name: pd.Series([r[name] for r in rows], dtype=dtype)
                             for name, dtype in COLUMNS.items()})

    def first_record_time(self) -> datetime | None:
        """When the desk's oldest value still stored was recorded; None when it has none."""
        with self._transaction("read from") as conn:
            ids = sa.select(t.series.c.id).where(t.series.c.desk == self.desk)
            return _dt(_first_time(conn, ids, after=-math.inf))

    def desks(self, only: str | None = None) -> dict[str, int]:
        """Every desk with values stored (or just `only`), and how many values (points) each
        has, by desk."""
        counts: dict[str, int] = {}
        with self._transaction("read from") as conn:
            for table, _time, _value, grain in _TIERS:
                q = (sa.select(t.series.c.desk, sa.func.count()).select_from(table)
                     .join(t.series, t.series.c.id == table.c.series_id)
                     .group_by(t.series.c.desk))
                if grain is not None:
                    q = q.where(table.c.grain == grain)
                if only is not None:
                    q = q.where(t.series.c.desk == only)
                for desk, n in conn.execute(q).all():
                    counts[desk] = counts.get(desk, 0) + int(n)
        return dict(sorted(counts.items()))

    def export(self, since: datetime, until: datetime | None = None,
               panels: Iterable[str] | None = None,
               desks: Iterable[str] | None = None) -> pd.DataFrame:
        """Every stored value in [since, until] of `desks` (None: every desk): time, desk,
        panel, dataset_label, label, value. Downsampled stretches give their `last` value at
        the start of each bucket."""
        since_s, until_s = _ts(since), _ts(until) if until is not None else math.inf
        wanted = None if panels is None else list(panels)
        chosen = None if desks is None else list(desks)
        rows: list[tuple[Any, ...]] = []
        s_ = t.series.c
        with self._transaction("read from") as conn:
            for table, time_name, value_name, grain in _TIERS:
                q = (sa.select(table.c[time_name], s_.desk, s_.panel, s_.dataset_label,
                               s_.label, table.c[value_name], s_.id)
                     .join(t.series, s_.id == table.c.series_id)
                     .where(table.c[time_name] >= since_s, table.c[time_name] <= until_s))
                if grain is not None:
                    q = q.where(table.c.grain == grain)
                if wanted is not None:
                    q = q.where(s_.panel.in_(wanted))
                if chosen is not None:
                    q = q.where(s_.desk.in_(chosen))
                rows += conn.execute(q).all()
        rows.sort(key=lambda r: (r[0], r[6]))
        frame = pd.DataFrame([r[:6] for r in rows], columns=list(EXPORT_COLUMNS))
        return _typed(frame, EXPORT_COLUMNS)

    def polls(self, since: datetime, until: datetime | None = None) -> pd.DataFrame:
        """The desk's poll log in [since, until]: time, result ("ok" or the error kind),
        duration_s, holder (which process polled)."""
        c = t.polls.c
        q = sa.select(c.at, c.result, c.duration_s, c.holder).where(
            c.desk == self.desk, c.at >= _ts(since))
        if until is not None:
            q = q.where(c.at <= _ts(until))
        with self._transaction("read from") as conn:
            rows = conn.execute(q.order_by(c.at, c.id)).all()
        return _typed(pd.DataFrame(rows, columns=list(POLL_COLUMNS)), POLL_COLUMNS)


# -- schema ------------------------------------------------------------------------------------
class _Damaged(Exception):
    """SQLite's quick_check found damage."""


#: One schema check at a time in this process (several desks open one new store at once:
#: SQLite runs DDL outside a transaction, so two creators would race); other processes that
#: race are retried.
_PREPARING = threading.Lock()


def _prepare(engine: sa.Engine, *, verify: bool) -> None:
    """Check (optionally), then create or upgrade the schema; a concurrent creator is retried."""
    with _PREPARING:
        _prepare_alone(engine, verify=verify)


def _prepare_alone(engine: sa.Engine, *, verify: bool) -> None:
    if verify and engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            verdict = conn.exec_driver_sql("PRAGMA quick_check").scalar()
        if verdict != "ok":
            raise _Damaged(str(verdict))
    for attempt in (1, 2):
        try:
            with engine.begin() as conn:
                _migrate(conn)
            return
        except (sa.exc.OperationalError, sa.exc.IntegrityError, sa.exc.ProgrammingError) as exc:
            # Another creator got there first (a table that exists, or its schema_version row:
            # several desks open one new SQLite file at once): the second look finds it done.
            created = "exist" in str(exc).lower() or isinstance(exc, sa.exc.IntegrityError)
            if attempt == 2 or not created:
                raise


def _migrate(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
    t.meta.create(conn, checkfirst=True)
    found = conn.execute(sa.select(t.meta.c.value)
                         .where(t.meta.c.key == "schema_version")).scalar()
    if found is None:
        t.metadata.create_all(conn)
        conn.execute(sa.insert(t.meta).values(key="schema_version", value=str(t.SCHEMA_VERSION)))
        return
    version = int(found)
    if version > t.SCHEMA_VERSION:
        raise HistoryUnavailable(
            f"The history database has schema version {version}, newer than this board's "
            f"{t.SCHEMA_VERSION}; upgrade the board, or point STATUSBOARD_DATABASE_URL at "
            "another database. Nothing was changed.")
    for step in range(version + 1, t.SCHEMA_VERSION + 1):
        t.MIGRATIONS[step](conn)
    if version != t.SCHEMA_VERSION:
        conn.execute(sa.update(t.meta).where(t.meta.c.key == "schema_version")
                     .values(value=str(t.SCHEMA_VERSION)))


# -- values and keys ---------------------------------------------------------------------------
#: A value's key: (panel, dataset_label, label, occurrence); occurrence counts repeats of the
#: same labels within a panel, so nothing is dropped.
Key = tuple[str | None, str | None, str | None, int]


def keyed_values(frame: pd.DataFrame) -> dict[Key, float | None]:
    """The frame's values by key (NaN as None).

    >>> from stats_client.frames import to_frame, PanelData, DataSet, DataValue
    >>> from stats_client.panels import PanelType
    >>> keyed_values(to_frame([PanelData(PanelType.UnassignedRequests,
    ...     (DataSet(None, None, (DataValue("x", 4.0, None), DataValue("x", 5.0, None))),))]))
    {('UnassignedRequests', None, 'x', 0): 4.0, ('UnassignedRequests', None, 'x', 1): 5.0}
    """
    seen: dict[tuple[str | None, ...], int] = {}
    out: dict[Key, float | None] = {}
    columns = [[None if v is pd.NA else str(v) for v in frame[n].tolist()]
               for n in ("panel", "dataset_label", "label")]
    for panel, dataset_label, label, value in zip(*columns, frame["value"].tolist(),
                                                  strict=True):
        labels = (panel, dataset_label, label)
        occurrence = seen[labels] = seen.get(labels, -1) + 1
        out[(panel, dataset_label, label, occurrence)] = (
            None if math.isnan(value) else float(value))
    return out


def _key_text(desk: str, key: Key) -> str:
    return json.dumps([desk, *key], ensure_ascii=False)


def changed_values(before: Mapping[Any, float | None],
                   after: Mapping[Any, float | None]) -> dict[Any, float | None]:
    """What to store: new or changed values, and None for values that disappeared.

    >>> changed_values({"a": 1.0, "b": 2.0, "c": 3.0}, {"a": 1.0, "b": 5.0, "d": None})
    {'b': 5.0, 'd': None, 'c': None}
    """
    out = {k: v for k, v in after.items() if k not in before or before[k] != v}
    out.update({k: None for k, v in before.items() if k not in after and v is not None})
    return out


def _series_row(desk: str, key: Key) -> dict[str, Any]:
    panel, dataset_label, label, occurrence = key
    return {"key": _key_text(desk, key), "desk": desk, "panel": panel,
            "dataset_label": dataset_label, "label": label, "occurrence": occurrence}


def _matching(conn: sa.Connection, desk: str, panel: str, dataset_label: str | None,
              label: str | None) -> list[int]:
    c = t.series.c
    q = sa.select(c.id).where(c.desk == desk, c.panel == panel)
    if dataset_label is not None:
        q = q.where(c.dataset_label == dataset_label)
    if label is not None:
        q = q.where(c.label == label)
    return list(conn.execute(q).scalars().all())


def _latest_at(conn: sa.Connection, ids: Sequence[int], when: float,
               tiers: Sequence[_Tier]) -> dict[int, tuple[float, float | None]]:
    """Per series, the newest point at or before `when`: one index seek per series and tier,
    newest tier first (the tiers do not overlap in time, so the first one found is it)."""
    best: dict[int, tuple[float, float | None]] = {}
    for table, time_name, value_name, grain in tiers:
        q = (sa.select(table.c[time_name], table.c[value_name])
             .where(table.c.series_id == sa.bindparam("sid"), table.c[time_name] <= when)
             .order_by(table.c[time_name].desc()).limit(1))
        if grain is not None:
            q = q.where(table.c.grain == grain)
        for sid in ids:
            if sid not in best:
                row = conn.execute(q, {"sid": sid}).first()
                if row is not None:
                    best[sid] = (row[0], row[1])
    return best


def _points(conn: sa.Connection, ids: Sequence[int], since: float,
            until: float) -> list[tuple[int, float, float | None]]:
    out: list[tuple[int, float, float | None]] = []
    for table, time_name, value_name, grain in _TIERS:
        q = sa.select(table.c.series_id, table.c[time_name], table.c[value_name]).where(
            table.c.series_id.in_(ids), table.c[time_name] > since,
            table.c[time_name] <= until)
        if grain is not None:
            q = q.where(table.c.grain == grain)
        out += conn.execute(q).all()
    return out


def _first_time(conn: sa.Connection, ids: Sequence[int] | sa.Select[Any], *,
                after: float) -> float | None:
    found: list[float] = []
    for table, time_name, _value, grain in _TIERS:
        q = sa.select(sa.func.min(table.c[time_name])).where(table.c[time_name] > after)
        if grain is not None:
            q = q.where(table.c.grain == grain)
        q = q.where(table.c.series_id.in_(ids))
        first = conn.execute(q).scalar()
        if first is not None:
            found.append(first)
    return min(found, default=None)


def step_sum(points: Sequence[tuple[int, float, float | None]]) -> pd.DataFrame:
    """(series_id, time, value) points → one step series [time, value]: each series holds its
    value until its next point; several series are summed (NULL/NaN = absent).

    >>> step_sum([(1, 0.0, 1.0), (2, 0.0, 10.0), (1, 60.0, 3.0)]).value.tolist()
    [11.0, 13.0]
    """
    if not points:
        return _empty(SERIES_COLUMNS)
    ordered = sorted(points, key=lambda point: point[1])  # stable: later points win ties
    current: dict[int, float] = {}
    times: list[float] = []
    totals: list[float] = []
    for i, (sid, at, value) in enumerate(ordered):
        if value is None or math.isnan(value):
            current.pop(sid, None)
        else:
            current[sid] = value
        if i + 1 == len(ordered) or ordered[i + 1][1] != at:
            times.append(at)
            totals.append(math.fsum(current.values()) if current else math.nan)
    return _typed(pd.DataFrame({"time": times, "value": totals}), SERIES_COLUMNS)


def downsample(points: pd.DataFrame, carry: Mapping[int, float | None],
               grain: int) -> list[dict[str, Any]]:
    """Points [series_id, t, min, max, last] → one rollup row per (series, bucket of `grain`
    seconds) with min, max and last; each bucket's min and max include the value carried into
    it (`carry` before the first point of a series, else the previous point's last).

    >>> rows = downsample(pd.DataFrame({"series_id": [1, 1], "t": [10.0, 20.0],
    ...     "min": [5.0, 2.0], "max": [5.0, 2.0], "last": [5.0, 2.0]}), {1: 9.0}, 300)
    >>> [(r["start"], r["min"], r["max"], r["last"]) for r in rows]
    [(0.0, 2.0, 9.0, 2.0)]
    """
    p = points.sort_values(["series_id", "t"], kind="stable").reset_index(drop=True)
    p["start"] = (p["t"] // grain) * grain
    first_of_series = p["series_id"] != p["series_id"].shift()
    before = p.groupby("series_id")["last"].shift(1)
    carried = p["series_id"].map(lambda sid: carry.get(sid)).astype(float)
    before = before.where(~first_of_series, carried)
    first_of_bucket = first_of_series | (p["start"] != p["start"].shift())
    keys = ["series_id", "start"]
    lows = p.groupby(keys, sort=True)["min"].min()
    highs = p.groupby(keys, sort=True)["max"].max()
    lasts = p.drop_duplicates(keys, keep="last").set_index(keys)["last"]
    carried_in = before[first_of_bucket].set_axis(
        pd.MultiIndex.from_frame(p.loc[first_of_bucket, keys]))
    out = pd.DataFrame({"min": np.fmin(lows, carried_in), "max": np.fmax(highs, carried_in),
                        "last": lasts})
    return [{"series_id": int(sid), "grain": grain, "start": float(start),
             "min": _float(row.min), "max": _float(row.max), "last": _float(row.last)}
            for (sid, start), row in zip(out.index, out.itertuples(index=False), strict=True)]


# -- snapshots as rows -------------------------------------------------------------------------
def _stored_state(conn: sa.Connection,
                  desk: str) -> tuple[dict[Key, float | None], dict[str, str]]:
    text = conn.execute(sa.select(t.snapshots.c.frame)
                        .where(t.snapshots.c.desk == desk)).scalar()
    if text is None:
        return {}, {}
    frame = frame_from_json(text)
    return keyed_values(frame), dict(panel_digests(frame))


def _snapshot_row(snap: Snapshot, desk: str, version: int, holder: str) -> dict[str, Any]:
    return {"desk": desk, "version": version, "seq": snap.seq,
            "started_at": _ts_or_none(snap.started_at), "fetched_at": _ts_or_none(snap.fetched_at),
            "attempted_at": _ts_or_none(snap.attempted_at), "duration_s": snap.duration_s,
            "calls": snap.calls, "failures": snap.failures, "error": snap.error,
            "error_kind": snap.error_kind, "error_since": _ts_or_none(snap.error_since),
            "holder": holder}


def frame_to_json(frame: pd.DataFrame) -> str:
    """The tidy frame as JSON columns (nil and NaN as null), for the snapshot row."""
    return json.dumps({name: [None if v is pd.NA or (isinstance(v, float) and math.isnan(v))
                              else v for v in frame[name].tolist()] for name in COLUMNS},
                      ensure_ascii=False)


def frame_from_json(text: str) -> pd.DataFrame:
    """The inverse of `frame_to_json`, with the tidy dtypes."""
    columns = json.loads(text)
    if not columns or not columns.get("panel"):
        return empty_frame()
    return pd.DataFrame({name: pd.Series(columns[name], dtype=dtype)
                         for name, dtype in COLUMNS.items()})


# -- small helpers -----------------------------------------------------------------------------
def _ts(when: datetime) -> float:
    if when.tzinfo is None:
        raise ValueError("history times must be timezone-aware")
    return when.timestamp()


def _ts_or_none(when: datetime | None) -> float | None:
    return None if when is None else _ts(when)


def _dt(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _empty(columns: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame({n: pd.Series([], dtype=d) for n, d in columns.items()})


def _typed(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    if frame.empty:
        return _empty(columns)
    out = frame.copy()
    out["time"] = pd.to_datetime(out["time"].astype(float), unit="s", utc=True)
    for name, dtype in columns.items():
        if name != "time":
            out[name] = out[name].astype(dtype)
    return out[list(columns)]

