"""The history store: changes only, the read API, downsampling, the last snapshot, the schema,
and every store failure leaving the polling alive. SQLite always, PostgreSQL when present."""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from harness import wait_for
from harness.clock import T0, ManualClock
from stats_client import (
    HistoryRecorder,
    HistoryStore,
    HistoryUnavailable,
    Poller,
    Reading,
    Retention,
)
from stats_client.errors import ConfigurationError, NetServerUnreachable, StatsClientError
from stats_client.frames import COLUMNS, DataSet, DataValue, PanelData, to_frame
from stats_client.history import Location, schema
from stats_client.history.database import redact
from stats_client.history.retention import parse_duration, parse_time
from stats_client.panels import PanelType

HERE = Path(__file__).resolve().parent
OPEN = PanelType.OpenRequestsPerCategory.wire_name
UNASSIGNED = PanelType.UnassignedRequests.wire_name


def desk(unassigned: float, **categories: float) -> pd.DataFrame:
    """A frame: the unassigned count and open requests per category."""
    cats = categories or {"Sales": 3.0, "Support": 4.0}
    return to_frame([
        PanelData(PanelType.UnassignedRequests,
                  (DataSet("Unassigned", None, (DataValue("Unassigned", unassigned, None),)),)),
        PanelData(PanelType.OpenRequestsPerCategory, (DataSet("Open", None, tuple(
            DataValue(name, value, None) for name, value in cats.items())),)),
    ])


class Desk:
    """A fetch function whose reply the test sets, or makes fail."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame: pd.DataFrame | Exception = frame
        self.calls = 0

    def __call__(self) -> pd.DataFrame:
        self.calls += 1
        if isinstance(self.frame, Exception):
            raise self.frame
        return self.frame


def rows(store: HistoryStore, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite3'}"


def poll_into(store: HistoryStore, poller: Poller, clock: ManualClock,
              step: timedelta = timedelta(seconds=30)) -> None:
    clock.now += step
    store.record(poller.poll_once(), holder="test")


# -- recording ---------------------------------------------------------------------------------
def test_an_unchanged_desk_costs_one_poll_row_and_changes_cost_one_row_each(
        db_url: str, clock: ManualClock) -> None:
    fetch = Desk(desk(4))
    poller = Poller(fetch, interval=30, clock=clock)
    store = HistoryStore.open(db_url)
    try:
        for _ in range(5):
            poll_into(store, poller, clock)
        assert rows(store, schema.polls) == 5
        assert rows(store, schema.changes) == 3  # the first poll stores every value once
        fetch.frame = desk(6)
        poll_into(store, poller, clock)
        assert rows(store, schema.changes) == 4  # only the unassigned count moved
        fetch.frame = NetServerUnreachable("Cannot reach the NetServer.")
        poll_into(store, poller, clock)
        log = store.polls(T0)
        assert log["result"].tolist() == ["ok"] * 6 + ["connection"]
        assert rows(store, schema.changes) == 4
    finally:
        store.close()


def test_series_value_at_and_export_answer_from_the_changes(db_url: str,
                                                           clock: ManualClock) -> None:
    fetch = Desk(desk(4, Sales=3, Support=4))
    poller = Poller(fetch, interval=30, clock=clock)
    store = HistoryStore.open(db_url)
    try:
        poll_into(store, poller, clock)  # T0+30s
        first = clock.now
        fetch.frame = desk(7, Sales=3, Support=10)
        poll_into(store, poller, clock, timedelta(minutes=10))
        changed = clock.now
        fetch.frame = desk(7, Sales=3)  # Support vanished
        poll_into(store, poller, clock, timedelta(minutes=10))

        unassigned = store.series(UNASSIGNED, since=T0)
        assert unassigned["value"].tolist() == [4.0, 7.0]
        assert unassigned["time"].tolist() == [pd.Timestamp(first), pd.Timestamp(changed)]
        total_open = store.series(OPEN, since=first)  # summed over the categories
        assert total_open["value"].tolist() == [7.0, 13.0, 3.0]
        assert store.series(OPEN, label="Support", since=first)["value"].isna().tolist() == \
            [False, False, True]
        # The value in force at `since` opens the series, stamped `since`.
        later = changed + timedelta(minutes=1)
        assert store.series(UNASSIGNED, since=later).values.tolist() == [
            [pd.Timestamp(later), 7.0]]

        assert store.value_at(UNASSIGNED, when=later) == Reading(later, 7.0)
        # Less history than asked for: the oldest value and its time.
        assert store.value_at(UNASSIGNED, when=T0 - timedelta(days=7)) == Reading(first, 4.0)
        assert store.value_at("NoSuchPanel", when=later) is None
        assert store.first_record_time() == first

        exported = store.export(T0, panels=[UNASSIGNED])
        assert list(exported.columns) == ["time", "desk", "panel", "dataset_label", "label",
                                          "value"]
        assert exported["value"].tolist() == [4.0, 7.0]  # old and new value, with their times
        assert len(store.export(changed)) == 3  # Unassigned, Support at `changed`; Support gone
    finally:
        store.close()


def test_rows_at_gives_a_panels_rows_as_they_stood(db_url: str, clock: ManualClock) -> None:
    """What a function of a panel's rows reads of the past (the digest's response time a week
    ago): the values in force then, in the tidy columns; a value gone since then is there, one
    gone by then is not."""
    fetch = Desk(desk(4, Sales=3, Support=4))
    poller = Poller(fetch, interval=30, clock=clock)
    store = HistoryStore.open(db_url)
    try:
        poll_into(store, poller, clock)
        first = clock.now
        fetch.frame = desk(7, Sales=5)  # Support vanished
        poll_into(store, poller, clock, timedelta(minutes=10))
        then = store.rows_at(OPEN, when=first)
        assert list(then.columns) == list(COLUMNS)
        assert then[["label", "value"]].values.tolist() == [["Sales", 3.0], ["Support", 4.0]]
        assert store.rows_at(OPEN, when=clock.now)["label"].tolist() == ["Sales"]
        assert store.rows_at(OPEN, when=first - timedelta(minutes=1)).empty
    finally:
        store.close()


def test_repeated_labels_and_nil_labels_are_kept_apart(sqlite_url: str,
                                                       clock: ManualClock) -> None:
    frame = to_frame([PanelData(PanelType.OpenRequestsPerCategory, (DataSet(None, None, (
        DataValue("x", 1.0, None), DataValue("x", 2.0, None), DataValue(None, 5.0, None),
        DataValue("", 7.0, None))),))])
    store = HistoryStore.open(sqlite_url)
    try:
        store.record(Poller(Desk(frame), interval=30, clock=clock).poll_once())
        assert store.series(OPEN, since=T0)["value"].tolist() == [15.0]
        assert store.series(OPEN, label="x", since=T0)["value"].tolist() == [3.0]
    finally:
        store.close()


def test_the_last_snapshot_comes_back_whole_after_a_restart(db_url: str,
                                                            clock: ManualClock) -> None:
    poller = Poller(Desk(desk(4)), interval=30, clock=clock)
    store = HistoryStore.open(db_url)
    assert store.last_snapshot() is None
    poll_into(store, poller, clock)
    poll_into(store, poller, clock)
    store.close()

    again = HistoryStore.open(db_url)
    try:
        snap = again.last_snapshot()
        assert snap is not None
        mine = poller.latest()
        assert (snap.seq, snap.fetched_at, snap.calls) == (2, mine.fetched_at, 2)
        pd.testing.assert_frame_equal(snap.frame, mine.frame)
        assert dict(snap.panel_digests) == dict(mine.panel_digests)
    finally:
        again.close()


def test_a_restart_opens_on_the_stored_snapshot_while_the_netserver_is_down(
        sqlite_url: str, clock: ManualClock) -> None:
    first = HistoryRecorder(Poller(Desk(desk(4)), interval=30, clock=clock), sqlite_url,
                            desk="demo", clock=clock)
    first.tick()
    stored = first.latest()
    first.stop()

    down = Desk(desk(0))
    down.frame = NetServerUnreachable("Cannot reach the NetServer.")
    clock.advance(minutes=10)
    second = HistoryRecorder(Poller(down, interval=30, clock=clock), sqlite_url, desk="demo",
                             clock=clock)
    try:
        second.tick()
        snap = second.latest()
        assert (snap.seq, snap.fetched_at) == (stored.seq, stored.fetched_at)
        pd.testing.assert_frame_equal(snap.frame, stored.frame)
        assert snap.error_kind == "connection"  # it did poll, and says why the data is old
    finally:
        second.stop()


# -- downsampling ------------------------------------------------------------------------------
def test_prune_keeps_five_minute_min_max_last_then_daily_values(db_url: str,
                                                                clock: ManualClock) -> None:
    fetch = Desk(desk(5))
    poller = Poller(fetch, interval=30, clock=clock)
    store = HistoryStore.open(db_url)
    try:
        clock.now = T0 - timedelta(minutes=30)  # 09:00, a bucket start
        for value in (5, 9, 2, 6):
            fetch.frame = desk(value)
            poll_into(store, poller, clock, timedelta(seconds=30))
        start = T0 - timedelta(minutes=30)

        store.prune(T0 + timedelta(hours=49))
        assert rows(store, schema.changes) == 0
        with store.engine.connect() as conn:
            five = conn.execute(sa.select(schema.rollups.c.min, schema.rollups.c.max,
                                          schema.rollups.c.last)
                                .where(schema.rollups.c.grain == 300)).all()
        assert (2.0, 9.0, 6.0) in five
        assert store.value_at(UNASSIGNED, when=T0) == Reading(T0, 6.0)
        assert store.series(UNASSIGNED, since=start)["value"].tolist() == [6.0]

        store.prune(T0 + timedelta(days=92))
        with store.engine.connect() as conn:
            grains = conn.execute(sa.select(schema.rollups.c.grain).distinct()).scalars().all()
        assert grains == [86400]
        # Past every retention, a value that never changed again is still known.
        report = store.prune(T0 + timedelta(days=1000))
        # Only each value's newest point is left by now, and that one is never pruned.
        assert (report.to_five_minutes, report.to_daily, report.deleted) == (0, 0, 0)
        assert store.value_at(UNASSIGNED, when=T0 + timedelta(days=1000)).value == 6.0
    finally:
        store.close()


@pytest.mark.parametrize(("text", "hours"), [("48h", 48), ("90d", 2160), ("2y", 17520),
                                             ("30m", 0.5), ("2w", 336)])
def test_durations(text: str, hours: float) -> None:
    assert parse_duration(text) == timedelta(hours=hours)


def test_retention_from_the_history_table() -> None:
    r = Retention.from_mapping({"full": "24h", "daily": "1y"})
    assert (r.full, r.five_minute, r.daily) == (
        timedelta(hours=24), timedelta(days=90), timedelta(days=365))
    for bad in ({"full": "91d"}, {"fulll": "1h"}, {"full": 3}, {"full": "soon"}):
        with pytest.raises(ConfigurationError):
            Retention.from_mapping(bad)


def test_times_people_type() -> None:
    assert parse_time("2h", T0) == T0 - timedelta(hours=2)
    assert parse_time("2026-11-27T08:00", T0).isoformat() == "2026-11-27T08:00:00+00:00"
    with pytest.raises(ConfigurationError, match="neither a duration"):
        parse_time("yesterday", T0)


# -- the URL -----------------------------------------------------------------------------------
def test_the_default_is_a_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    where = Location(tmp_path / "statusboard.toml", tmp_path)
    assert where.database_url({}) == f"sqlite:///{tmp_path / 'history.sqlite3'}"
    assert where.database_url({"STATUSBOARD_DATABASE_URL": "postgresql://h/db"}) == \
        "postgresql://h/db"


@pytest.mark.parametrize("url", ["mysql://h/db", "not a url", "sqlite://", "sqlite:///:memory:"])
def test_other_urls_are_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="STATUSBOARD_DATABASE_URL"):
        HistoryStore.open(url)


def test_a_password_never_shows() -> None:
    assert "s3cret" not in redact("postgresql://u:s3cret@127.0.0.1:1/db")
    with pytest.raises(HistoryUnavailable) as caught:
        HistoryStore.open("postgresql://u:s3cret@127.0.0.1:1/db")
    assert "s3cret" not in str(caught.value)
    assert "STATUSBOARD_DATABASE_URL" in str(caught.value)


@pytest.mark.parametrize("url", ["postgresql://board:Sup3r@Secret@127.0.0.1:1/status",
                                 "postgresql://board@x:Sup3r@Secret@127.0.0.1:1/status"])
def test_a_second_at_before_the_host_is_refused_and_no_part_of_the_password_shows(
        url: str) -> None:
    """Regression (review): the URL split at the first @ and the rest of the password was
    shown as the host on the screens, in logs and in CLI errors."""
    with pytest.raises(ConfigurationError) as caught:
        HistoryStore.open(url)
    assert "Secret" not in str(caught.value)
    assert "%40" in str(caught.value)
    from statusboard.deployment import HistorySettings

    assert "Secret" not in HistorySettings(url).display_url


# -- the schema --------------------------------------------------------------------------------
def test_the_schema_version_is_recorded_and_a_newer_one_is_refused_untouched(
        db_url: str, clock: ManualClock) -> None:
    store = HistoryStore.open(db_url)
    store.record(Poller(Desk(desk(4)), interval=30, clock=clock).poll_once())
    with store.engine.begin() as conn:
        assert conn.execute(sa.select(schema.meta.c.value)).scalar() == str(schema.SCHEMA_VERSION)
        conn.execute(sa.update(schema.meta).values(value="99"))
    store.close()
    with pytest.raises(HistoryUnavailable, match="newer"):
        HistoryStore.open(db_url)
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.changes)).scalar() == 3
        conn.execute(sa.update(schema.meta).values(value=str(schema.SCHEMA_VERSION)))
    engine.dispose()
    reopened = HistoryStore.open(db_url)  # the same version again: nothing to upgrade, all kept
    assert rows(reopened, schema.changes) == 3
    reopened.close()


# -- the store never takes the board down ------------------------------------------------------
def test_a_corrupt_sqlite_file_is_moved_aside_with_one_log_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database" * 500)
    with caplog.at_level(logging.WARNING, logger="stats_client"):
        store = HistoryStore.open(f"sqlite:///{path}", now=T0)
    try:
        assert store.first_record_time() is None
        aside = tmp_path / "history.sqlite3.corrupt-20261125T093000Z"
        assert aside.read_bytes().startswith(b"this is not a database")
        assert [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()] == [
            f"history file {path} was damaged; moved it to {aside.name} and started a new one"]
    finally:
        store.close()


def test_a_damaged_file_another_store_has_open_is_left_in_place_until_it_lets_go(
        tmp_path: Path) -> None:
    """Regression: the file was moved aside under a process that had it open, which then went
    on writing into the moved file while the others used a new one."""
    path = tmp_path / "history.sqlite3"
    url = f"sqlite:///{path}"
    other = HistoryStore.open(url)  # another dashboard process, say, with the file open
    with other.engine.begin() as conn:  # everything into the file itself, none in the WAL
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    with path.open("r+b") as damage:
        damage.write(b"not a database header, not at all")
    damaged = path.read_bytes()
    with pytest.raises(HistoryUnavailable) as info:
        HistoryStore.open(url, now=T0)
    assert str(info.value) == (
        f"The history file {path} is damaged, and another process (a dashboard, or the history "
        "command) still has it open, so it was left in place; stop the other processes that use "
        "it (the board then moves it aside to history.sqlite3.corrupt-<time> and starts a new "
        "one), or move it away yourself.")
    assert path.read_bytes() == damaged
    assert not list(tmp_path.glob("*.corrupt-*"))
    other.close()
    store = HistoryStore.open(url, now=T0)  # alone with it now: moved aside, a new one begun
    try:
        assert (tmp_path / "history.sqlite3.corrupt-20261125T093000Z").read_bytes() == damaged
        assert store.first_record_time() is None
    finally:
        store.close()


def recorder_on(url: str, clock: ManualClock, fetch: Desk | None = None) -> HistoryRecorder:
    poller = Poller(fetch or Desk(desk(4)), interval=30, clock=clock)
    return HistoryRecorder(poller, url, desk="demo", clock=clock, retry_after=60)


def test_a_locked_database_leaves_the_polling_alive_and_is_retried(
        sqlite_url: str, clock: ManualClock) -> None:
    recorder = recorder_on(sqlite_url, clock)
    recorder.tick()
    assert recorder.status.available
    locker = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        clock.advance(seconds=30)
        recorder.tick()
        assert recorder.latest().seq == 2  # polled all the same
        status = recorder.status
        assert not status.available
        assert status.message is not None
        assert status.message.startswith("history unavailable: ")
        assert "locked" in status.message
        clock.advance(seconds=30)
        recorder.tick()  # before retry_after: no new attempt, still polling
        assert recorder.latest().seq == 3
    finally:
        locker.rollback()
        locker.close()
    clock.advance(seconds=31)
    recorder.tick()
    assert recorder.status.available
    assert recorder.latest().seq == 4
    recorder.stop()


def test_a_full_disk_leaves_the_polling_alive(sqlite_url: str, clock: ManualClock) -> None:
    many = {f"category {i}": float(i) for i in range(400)}
    fetch = Desk(desk(1, **many))
    recorder = recorder_on(sqlite_url, clock, fetch)
    recorder.tick()
    store = recorder.store
    assert store is not None
    sa.event.listen(store.engine, "connect",
                    lambda conn, _rec: conn.execute("PRAGMA max_page_count = 1"))
    store.engine.dispose()  # new connections see a disk with no room left
    fetch.frame = desk(2, **{k: v + 1 for k, v in many.items()})
    clock.advance(seconds=30)
    recorder.tick()
    assert recorder.latest().seq == 2
    assert recorder.status.message is not None
    assert "full" in recorder.status.message
    recorder.stop()


def test_an_unreachable_server_leaves_the_polling_alive(clock: ManualClock) -> None:
    recorder = recorder_on("postgresql://board:s3cret@127.0.0.1:1/status", clock)
    recorder.tick()
    assert recorder.latest().seq == 1
    assert recorder.status.state == "unavailable"
    assert recorder.status.role == "polling"
    assert "s3cret" not in (recorder.status.message or "")
    recorder.stop()


def test_a_crash_in_the_middle_of_writes_loses_nothing_committed(sqlite_url: str) -> None:
    committed = 0
    with subprocess.Popen([sys.executable, str(HERE / "history_worker.py"), "write",
                           sqlite_url], stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            while committed < 40:
                committed = json.loads(proc.stdout.readline())["seq"]
            proc.send_signal(signal.SIGKILL)  # in the middle of the next write
        finally:
            proc.kill()
            proc.wait(timeout=30)
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = HistoryStore.open(sqlite_url)
    try:
        snap = store.last_snapshot()
        assert snap is not None
        assert snap.seq >= committed
        assert rows(store, schema.polls) >= committed
        # Each committed poll changed all 40 values: the last committed one is all there.
        assert len(store.export(snap.fetched_at)) == 40
    finally:
        store.close()


def wait_status(recorder: HistoryRecorder, ok: Callable[[HistoryRecorder], bool]) -> None:
    wait_for(lambda: ok(recorder), timeout=30, what="recorder status")


def test_a_rolled_back_write_leaves_no_series_id_behind(sqlite_url: str) -> None:
    """Regression (review): the ids of series inserted in a write that rolled back stayed in
    the store's cache; the database then gave those ids to other series, and a later change of
    the first series was written under the other's id."""
    from harness.history import record

    store = HistoryStore.open(sqlite_url, now=T0)
    try:
        record(store, [(T0, desk(1.0))])
        with store.engine.begin() as conn:  # the next snapshot write fails: the write rolls back
            conn.execute(sa.text(f"CREATE TRIGGER no_snapshot BEFORE UPDATE ON "
                                 f"{schema.snapshots.name} "
                                 "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"))
        with pytest.raises(StatsClientError):
            record(store, [(T0 + timedelta(minutes=1), desk(1.0, Sales=3.0, Support=4.0,
                                                              Billing=5.0))])
        with store.engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER no_snapshot"))
        # Another new series first (it takes the id the rolled-back one had), then Billing.
        record(store, [(T0 + timedelta(minutes=2), desk(1.0, Sales=3.0, Support=4.0, Legal=7.0)),
                       (T0 + timedelta(minutes=3), desk(1.0, Sales=3.0, Support=4.0, Legal=7.0,
                                                        Billing=5.0))])
        exported = store.export(T0, T0 + timedelta(minutes=4))
        values = dict(zip(exported["label"], exported["value"], strict=True))
        assert (values["Legal"], values["Billing"]) == (7.0, 5.0)
    finally:
        store.close()


def test_a_new_history_file_and_its_companions_are_private(tmp_path: Path,
                                                           clock: ManualClock) -> None:
    """Regression (review): the history and its -wal, -shm and lock files were world-readable."""
    folder = tmp_path / "new" / "data"
    store = HistoryStore.open(f"sqlite:///{folder / 'history.sqlite3'}")
    try:
        store.record(Poller(Desk(desk(4)), interval=30, clock=clock).poll_once())
        files = sorted(folder.iterdir())
        assert {f.name for f in files} >= {"history.sqlite3", "history.sqlite3-wal",
                                           "history.sqlite3.lock"}
        assert {f.name: f.stat().st_mode & 0o777 for f in files} == {
            f.name: 0o600 for f in files}
        assert folder.stat().st_mode & 0o077 == 0
    finally:
        store.close()
