"""A database outage loses nothing: what the board polled while PostgreSQL was stopped waits in a
bounded buffer and is written back, in order, with its own times, once it is back.

One PostgreSQL cluster of this module's own (the tests stop it with `pg_ctl stop -m fast` and
start it again on the same port, as an upgrade or a reboot does), so the other PostgreSQL tests'
shared cluster never goes away under them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from prometheus_client import generate_latest
from test_lease import Board, Counter, desk, seconds

from board.connection import history_row
from harness import wait_for
from harness.clock import T0, ManualClock
from harness.postgres import Cluster, find_bindir
from netserver_demo import DemoNetServer
from stats_client import HistoryRecorder, HistoryStore, Poller
from stats_client.desks import desk_key
from stats_client.errors import ConfigurationError
from stats_client.history import Backlog, BacklogBound
from stats_client.history.backlog import OVERHEAD_BYTES
from stats_client.poller import Snapshot, panel_digests
from stats_client.settings import Settings
from statusboard import config
from statusboard.metrics import Metrics


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL server these tests may stop and start (skips without the binaries)."""
    bindir = find_bindir()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        from pg_cluster import _unavailable

        _unavailable("no PostgreSQL server binaries (initdb, pg_ctl) to run as a user found")
    assert bindir is not None
    server = Cluster(bindir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def boards() -> Iterator[list[Board]]:
    started: list[Board] = []
    yield started
    for board in started:
        board.close()


class Outage:
    """`with Outage(cluster):` PostgreSQL is stopped inside, running again after (even when
    the test fails inside)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.over = False

    def __enter__(self) -> Outage:
        self.cluster.pause()
        return self

    def end(self) -> None:
        if not self.over:
            self.over = True
            self.cluster.resume()

    def __exit__(self, *_exc: object) -> None:
        self.end()


def frame_of(n: int) -> pd.DataFrame:
    return desk(float(n))


def snap(n: int, frame: pd.DataFrame | None = None) -> Snapshot:
    frame = frame_of(n) if frame is None else frame
    at = T0 + timedelta(seconds=30 * n)
    return Snapshot(seq=n, frame=frame, fetched_at=at, attempted_at=at, calls=n,
                    panel_digests=panel_digests(frame), duration_s=0.01)


# -- the buffer --------------------------------------------------------------------------------
def test_the_buffer_holds_its_bound_rolling_the_oldest_up_and_shares_unchanged_frames() -> None:
    by_count = Backlog(BacklogBound(polls=50))
    for n in range(1, 301):
        by_count.add(snap(n))
        assert len(by_count) <= 50
    assert by_count.polls == 300  # every poll still counted: rolled up, not dropped
    assert by_count.rolled_up == 300 - len(by_count)
    assert by_count.oldest == T0 + timedelta(seconds=30)
    kept = [s.seq for s in by_count.peek(50)]
    assert kept == sorted(kept)
    assert kept[-5:] == [296, 297, 298, 299, 300]  # the end stays whole, the start thins out

    big = pd.concat([desk(float(i)) for i in range(300)], ignore_index=True)  # ~ 60 kB a frame
    by_size = Backlog(BacklogBound(bytes=2**20))
    for n in range(1, 41):
        by_size.add(snap(n, big.assign(value=float(n))))
        assert by_size.bytes <= 2**20
    assert by_size.polls == 40
    assert by_size.rolled_up == 40 - len(by_size) > 0

    same = Backlog()
    frame = desk(4.0)
    for n in range(1, 201):
        same.add(snap(n, frame.copy()))  # a new frame object each poll, equal values
    one = int(frame.memory_usage(index=True, deep=True).sum())
    assert same.bytes == one + 200 * OVERHEAD_BYTES
    same.done(199)
    assert same.bytes == one + OVERHEAD_BYTES  # the frame the gone ones owned is still used
    assert same.clear() == 1
    assert same.bytes == 0


@pytest.mark.parametrize(("table", "words"), [
    ("[history]\nbuffer_polls = 5\n", "buffer_polls must be a whole number from 10"),
    ('[history]\nbuffer_mb = "lots"\n', "buffer_mb must be a whole number"),
    ("[history]\nbuffer_mb = 9000\n", "buffer_mb must be a whole number of megabytes from 1"),
])
def test_a_wrong_buffer_bound_is_a_sentence_naming_the_key(table: str, words: str) -> None:
    import tomllib

    loaded = config.parse_config(tomllib.loads(table), source="s.toml")
    assert loaded.config.buffer == BacklogBound()
    assert len(loaded.problems) == 1
    assert words in loaded.problems[0]
    assert loaded.problems[0].startswith("s.toml: [history]")
    ok = config.parse_config(tomllib.loads("[history]\nbuffer_polls = 500\nbuffer_mb = 8\n"
                                           'full = "24h"\n'), source="s.toml")
    assert ok.problems == ()
    assert ok.config.buffer == BacklogBound(polls=500, bytes=8 * 2**20)
    with pytest.raises(ConfigurationError, match="buffer_polls"):
        BacklogBound(polls=0)


# -- in process: a long outage, with a hand-moved clock -----------------------------------------
def test_a_long_outage_is_kept_within_the_bound_and_written_back_between_polls(
        cluster: Cluster, clock: ManualClock) -> None:
    url = cluster.create_database()
    fetch = Counter()  # each poll a new value: every poll is a change
    recorder = HistoryRecorder(Poller(fetch, interval=30, clock=clock), url, desk="demo",
                               clock=clock, lease_clock=lambda: seconds(clock),
                               retry_after=600, buffer=BacklogBound(polls=20), max_batch=3)
    metrics = Metrics(clock=clock)
    metrics.watch_history(recorder, desk="demo")
    try:
        recorder.tick()
        assert recorder.status.available
        assert recorder.latest().seq == 1
        with Outage(cluster) as outage:
            for _ in range(100):
                clock.advance(seconds=30)
                recorder.tick()
            status = recorder.status
            assert recorder.latest().seq == 101  # polled all along
            assert status.state == "unavailable"
            assert status.role == "polling"
            assert status.waiting == 100
            assert len(recorder.backlog) <= 20
            assert status.rolled_up == 100 - len(recorder.backlog)
            assert status.oldest == T0 + timedelta(seconds=30)
            # Said where people look: the Connection screen and the metrics.
            row = history_row(status, None, clock())[1]
            assert row.startswith("history unavailable: could not ")
            assert "keeps 100 polls in memory for it (oldest 49 min ago)" in row
            assert f"{100 - len(recorder.backlog)} of them merged into later ones" in row
            text = generate_latest(metrics.registry).decode()
            assert 'statusboard_history_available{desk="demo"} 0.0' in text
            assert 'statusboard_history_waiting_polls{desk="demo"} 100.0' in text
            assert 'statusboard_history_oldest_waiting_seconds{desk="demo"} 2970.0' in text
            outage.end()
        # Retried within one interval while polls wait, though retry_after is ten minutes.
        clock.advance(seconds=30)
        recorder.tick()
        assert recorder.status.available
        assert recorder.latest().seq == 102  # the poll came first, on time
        assert 0 < recorder.status.waiting < 101  # one batch of three is written
        store = recorder.store
        assert store is not None
        first = list(store.polls(T0 - timedelta(hours=1))["time"])
        assert len(first) == 4
        kept = [s.attempted_at for s in recorder.backlog.peek(100)]
        assert kept[-1] == T0 + timedelta(seconds=30 * 101)  # the new poll waits its turn
        while recorder.status.waiting:
            before = recorder.status.waiting
            recorder.tick()  # no poll due: one more batch each tick
            assert recorder.latest().seq == 102
            assert recorder.status.waiting < before
        clock.advance(seconds=30)
        recorder.tick()  # recorded at once, after what waited
        assert recorder.latest().seq == 103
        log = store.polls(T0 - timedelta(hours=1))
        times = [t.to_pydatetime() for t in log["time"]]
        # The first poll, one row per buffered entry with its own time, in order, then the new.
        assert times == [*(t.to_pydatetime() for t in first), *kept,
                         T0 + timedelta(seconds=30 * 102)]
        assert times == sorted(times)
        series = store.series("UnassignedRequests", since=T0)
        last = series.set_index("time")["value"]
        assert last[pd.Timestamp(T0 + timedelta(seconds=30 * 100))] == 101.0  # its own time
        assert series["value"].iloc[-1] == 103.0
    finally:
        recorder.stop()


def test_a_poll_the_store_refuses_is_left_out_and_does_not_hold_back_the_others(
        cluster: Cluster, clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    url = cluster.create_database()
    recorder = HistoryRecorder(Poller(Counter(), interval=30, clock=clock), url, desk="demo",
                               clock=clock, lease_clock=lambda: seconds(clock))
    try:
        recorder.tick()
        # As if kept during an outage: one the store cannot take (PostgreSQL keeps the error
        # kind to 32 characters), then a good one.
        bad = Snapshot(seq=1, frame=desk(1.0), attempted_at=T0 + timedelta(seconds=10),
                       calls=2, failures=1, error="refused", error_kind="x" * 40,
                       error_since=T0 + timedelta(seconds=10), duration_s=0.1)
        good = snap(2)
        recorder.backlog.add(bad)
        recorder.backlog.add(good)
        for _ in range(100):
            if not len(recorder.backlog):
                break
            clock.advance(seconds=5)
            recorder.tick()
        assert recorder.status.waiting == 0
        assert recorder.status.available
        store = recorder.store
        assert store is not None
        times = list(store.polls(T0 - timedelta(hours=1))["time"])
        assert times[:2] == [pd.Timestamp(T0), pd.Timestamp(good.attempted_at)]
        assert "could not be written 5 times" in caplog.text
    finally:
        recorder.stop()


# -- real processes: a database restart under two running boards --------------------------------
def when(line: dict[str, Any]) -> pd.Timestamp | None:
    """The line's poll time, to the microsecond (the store keeps seconds as a float)."""
    text = line.get("attempted_at")
    return None if text in (None, "None") else pd.Timestamp(text).round("us")


def own_polls_from_outage(board: Board, *, since: bool) -> set[pd.Timestamp]:
    """What the board polled itself while it saw the store away (`since`: and from then on,
    as the lease holder after it)."""
    lines = list(board.lines)
    start = next(i for i, line in enumerate(lines) if line["state"] == "unavailable")
    before = {when(line) for line in lines[:start]}  # what it showed then: maybe another's
    return {t for line in lines[start:] if line["role"] == "polling"
            and (since or line["state"] == "unavailable")
            and (t := when(line)) is not None and t not in before}


def test_a_database_restart_under_two_boards_keeps_every_poll_once(
        cluster: Cluster, demo_server: DemoNetServer, boards: list[Board]) -> None:
    url = cluster.create_database()
    a = Board(url, demo_server.url, 1.0)
    boards.append(a)
    wait_for(lambda: a.last["role"] == "polling" and a.last["seq"] >= 2, what="a polls")
    b = Board(url, demo_server.url, 1.0)
    boards.append(b)
    wait_for(lambda: b.last["role"] == "following" and b.last["seq"] >= a.last["seq"] - 1
             and b.last["seq"] >= 3, what="b follows a")
    with Outage(cluster) as outage:
        # Ten polls while the database is down: the boards poll on and keep them.
        wait_for(lambda: a.last["state"] == "unavailable" and a.last["waiting"] >= 10
                 and b.last["state"] == "unavailable" and b.last["waiting"] >= 10,
                 what="both boards keep ten polls while the database is down")
        outage.end()
    wait_for(lambda: {a.last["role"], b.last["role"]} == {"polling", "following"}
             and a.last["state"] == b.last["state"] == "ok"
             and a.last["waiting"] == b.last["waiting"] == 0, what="the polls written back")
    holder, other = (a, b) if a.last["role"] == "polling" else (b, a)
    wait_for(lambda: other.last["seq"] >= holder.lines[-1]["seq"] and len(holder.lines) > 2,
             what="the follower reads the holder's polls again")
    written = own_polls_from_outage(holder, since=True)
    left = own_polls_from_outage(other, since=False)
    assert len(written) >= 10
    assert len(left) >= 10

    store = HistoryStore.open(url, desk=desk_key(Settings(url=demo_server.url)))  # the boards'
    try:
        log = store.polls(datetime(2000, 1, 1, tzinfo=UTC))
        values = store.export(datetime(2000, 1, 1, tzinfo=UTC))
    finally:
        store.close()
    stored = {t.round("us") for t in log["time"]}
    # Every poll the holder made during the outage and since is in the store, with its own
    # time; none of the other board's (it left that stretch to the holder): each poll once.
    assert written <= stored, sorted(written - stored)
    assert not left & stored
    assert log["time"].is_unique
    assert log["time"].is_monotonic_increasing
    assert other.last["left"] >= 10
    # No gap: the stretch is the holder's own polls, all of them (above), and every stored
    # change is stamped with the time of a poll.
    assert set(log.loc[log["time"].dt.round("us").isin(written), "holder"]) == {
        holder.last["holder"]}
    assert set(values["time"]) <= set(log["time"])
