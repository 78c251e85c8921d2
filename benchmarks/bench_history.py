"""Cost of the history store, SQLite beside PostgreSQL.

1. Write cost per poll for a frame of every panel (fetched once from the demo NetServer over
   HTTP): an unchanged desk, and a changing desk (a few values move each poll). Median and p95
   of `HistoryStore.record` as the recorder calls it (keeping the poll lease in the same
   transaction), change rows and bytes stored per poll.
2. Write-back after an outage: 1,000 polls of the changing desk kept while the store was away,
   written by the recorder as it does once the store is back (in order, in batches sized to a
   tenth of the interval, at most 0.5 s, between polls): the total, and the longest batch (the
   most a poll due meanwhile would wait).
3. A year of simulated history at a 30 s interval, already downsampled the way `prune` leaves it
   (48 h of changes, 5-minute aggregates to 90 days, daily values before), then the screens'
   queries: a tile's sparkline of today, the Today screen (three series today and the same
   weekday last week), a "since 08:00" comparison; and the size of the database.

    .venv/bin/python benchmarks/bench_history.py [--polls 400] [--no-postgres] [--write-back-only]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # harness/ lives in the repo

import numpy as np
import pandas as pd
import sqlalchemy as sa

from harness.postgres import Cluster, find_bindir
from netserver_demo import DemoNetServer
from stats_client import (
    ALL_PANELS,
    HistoryRecorder,
    HistoryStore,
    Lease,
    Poller,
    Settings,
    open_client,
)
from stats_client.desks import lease_name
from stats_client.history import schema
from stats_client.history.database import upsert
from stats_client.history.retention import DAY, FIVE_MINUTES

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
INTERVAL = 30
CHANGES_PER_POLL = 3  # the changing desk: values that move at each poll, on average


def shipped_frame() -> pd.DataFrame:
    with DemoNetServer(port=0) as srv, open_client(Settings(url=srv.url)) as client:
        return client.fetch_frame(ALL_PANELS)


def ms(samples: list[float]) -> str:
    s = sorted(samples)
    return f"{statistics.median(s) * 1000:6.2f} ms (p95 {s[int(len(s) * 0.95)] * 1000:.2f})"


def size_bytes(store: HistoryStore) -> int:
    with store.engine.begin() as conn:
        if store.backend == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
            return int((pages - free) * conn.exec_driver_sql("PRAGMA page_size").scalar_one())
        return int(sum(conn.execute(sa.text("SELECT pg_total_relation_size(:t)"),
                                    {"t": table.name}).scalar_one()
                       for table in schema.metadata.sorted_tables))


def count(store: HistoryStore, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def write_cost(url: str, frame: pd.DataFrame, polls: int, changing: bool) -> dict[str, str]:
    rng = random.Random(7)
    clock_now = [NOW]
    current = frame.copy()

    def fetch() -> pd.DataFrame:
        nonlocal current
        if changing:
            current = current.copy()
            n = np.random.default_rng(rng.randrange(1 << 30)).poisson(CHANGES_PER_POLL)
            for i in rng.sample(range(len(current)), min(n, len(current))):
                current.loc[i, "value"] = current.loc[i, "value"] + rng.choice((-1, 1))
        return current

    poller = Poller(fetch, interval=INTERVAL, clock=lambda: clock_now[0])
    store = HistoryStore.open(url)
    # As the recorder writes: the desk's own lease.
    lease = Lease(store.engine, lease_name(store.desk), ttl=1.5 * INTERVAL, holder="bench")
    try:
        assert lease.try_acquire()
        store.record(poller.poll_once())  # the first poll stores every value once
        before_rows, before_bytes = count(store, schema.changes), size_bytes(store)
        times = []
        for _ in range(polls):
            clock_now[0] += timedelta(seconds=INTERVAL)
            snap = poller.poll_once()
            started = time.perf_counter()
            store.record(snap, holder="bench", guard=lease.keep)
            times.append(time.perf_counter() - started)
        rows = (count(store, schema.changes) - before_rows) / polls
        grown = (size_bytes(store) - before_bytes) / polls
    finally:
        store.close()
    return {"record": ms(times), "rows": f"{rows:.2f}", "bytes": f"{grown:,.0f}"}


def changing_fetch(frame: pd.DataFrame, seed: int = 7) -> Callable[[], pd.DataFrame]:
    rng = random.Random(seed)
    current = frame.copy()

    def fetch() -> pd.DataFrame:
        nonlocal current
        current = current.copy()
        n = np.random.default_rng(rng.randrange(1 << 30)).poisson(CHANGES_PER_POLL)
        for i in rng.sample(range(len(current)), min(n, len(current))):
            current.loc[i, "value"] = current.loc[i, "value"] + rng.choice((-1, 1))
        return current

    return fetch


def write_back(url: str, frame: pd.DataFrame, polls: int = 1000,
               interval: float = INTERVAL) -> dict[str, str]:
    """The recorder's write-back of `polls` kept snapshots, batch by batch (one per tick, the
    clock held still so that no poll is due in between)."""
    clock_now = [NOW]
    poller = Poller(changing_fetch(frame), interval=interval, clock=lambda: clock_now[0])
    recorder = HistoryRecorder(poller, url, desk="bench", clock=lambda: clock_now[0])
    try:
        recorder.tick()  # opens the store, takes the lease, records the first poll
        for _ in range(polls):
            clock_now[0] += timedelta(seconds=interval)
            recorder.backlog.add(poller.poll_once())
        kept_mb = recorder.backlog.bytes / 1e6
        ticks = []
        started = time.perf_counter()
        while len(recorder.backlog):
            began = time.perf_counter()
            recorder.tick()
            ticks.append(time.perf_counter() - began)
        total = time.perf_counter() - started
        store = recorder.store
        assert store is not None
        assert recorder.status.available
        assert len(store.polls(NOW)) == polls + 1
    finally:
        recorder.stop()
    return {f"write-back of {polls:,} kept polls ({interval:g} s interval)":
            f"{total:.2f} s in {len(ticks)} batches, longest {max(ticks) * 1000:.0f} ms; "
            f"{kept_mb:.1f} MB kept"}


def simulate_year(url: str, frame: pd.DataFrame) -> tuple[HistoryStore, float]:
    """A year of history, as prune leaves it, written in bulk; seconds it took."""
    started = time.perf_counter()
    store = HistoryStore.open(url)
    poller = Poller(lambda: frame, interval=INTERVAL, clock=lambda: NOW)
    store.record(poller.poll_once(), holder="bench")  # creates the series and the snapshot
    with store.engine.connect() as conn:
        ids = [int(i) for i in conn.execute(sa.select(schema.series.c.id)).scalars()]
    rng = np.random.default_rng(11)
    p = CHANGES_PER_POLL / len(ids)  # chance that one value moves at one poll
    now = NOW.timestamp()
    full_from = now - 2 * DAY
    five_from = math.floor((now - 90 * DAY) / DAY) * DAY
    year_from = math.floor((now - 365 * DAY) / DAY) * DAY
    with store.engine.begin() as conn:
        # Full resolution: polls at 30 s, a value changes with chance p.
        polls = np.arange(full_from, now, INTERVAL)
        hit = rng.random((len(ids), len(polls))) < p
        sid, k = np.nonzero(hit)
        upsert(conn, schema.changes, [
            {"series_id": ids[s], "at": float(polls[j]), "value": float(rng.integers(0, 50))}
            for s, j in zip(sid, k, strict=True)])
        # 5-minute aggregates where a change happened in the bucket (10 polls each).
        buckets = np.arange(five_from, math.floor(full_from / FIVE_MINUTES) * FIVE_MINUTES,
                            FIVE_MINUTES)
        q = 1 - (1 - p) ** (FIVE_MINUTES / INTERVAL)
        rows = []
        for s, j in zip(*np.nonzero(rng.random((len(ids), len(buckets))) < q), strict=True):
            lo = float(rng.integers(0, 40))
            rows.append({"series_id": ids[s], "grain": FIVE_MINUTES, "start": float(buckets[j]),
                         "min": lo, "max": lo + 3, "last": lo + 1})
        for chunk in range(0, len(rows), 50_000):
            upsert(conn, schema.rollups, rows[chunk:chunk + 50_000])
        # Daily values for the rest of the year, every value every day.
        days = np.arange(year_from, five_from, DAY)
        upsert(conn, schema.rollups, [
            {"series_id": i, "grain": DAY, "start": float(d), "min": 1.0, "max": 9.0,
             "last": 5.0} for i in ids for d in days])
    return store, time.perf_counter() - started


def timed(fn: Callable[[], object], runs: int = 20) -> str:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return ms(samples)


def queries(store: HistoryStore) -> dict[str, str]:
    today = NOW.replace(hour=0, minute=0)
    week_ago = today - timedelta(days=7)

    def today_screen() -> None:
        for panel in ("StatusScreen", "UnassignedRequests", "OwnOpenRequests"):
            store.series(panel, since=today, until=NOW)
            store.series(panel, since=week_ago, until=week_ago + timedelta(days=1))

    def five_minutes_three_months_ago() -> None:
        store.series("UnassignedRequests", since=NOW - timedelta(days=60),
                     until=NOW - timedelta(days=59))

    return {
        "sparkline (today, one tile)": timed(
            lambda: store.series("UnassignedRequests", since=today, until=NOW)),
        "Today screen (3 series, today + last week)": timed(today_screen),
        "since 08:00 (value_at)": timed(
            lambda: store.value_at("UnassignedRequests", when=NOW.replace(hour=8))),
        "a day two months ago (5-min aggregates)": timed(five_minutes_three_months_ago),
        "prune (nothing due)": timed(lambda: store.prune(NOW), runs=5),
    }


def run(name: str, url_for: Callable[[], str], frame: pd.DataFrame, polls: int,
        write_back_only: bool = False) -> dict[str, str]:
    out: dict[str, str] = {}
    if write_back_only:
        out.update(write_back(url_for(), frame))
        out.update(write_back(url_for(), frame, interval=2))
        return out
    for changing in (False, True):
        desk = "changing" if changing else "unchanged"
        for key, value in write_cost(url_for(), frame, polls, changing).items():
            out[f"{desk} desk: {key} per poll"] = value
    out.update(write_back(url_for(), frame))
    out.update(write_back(url_for(), frame, interval=2))
    store, took = simulate_year(url_for(), frame)
    try:
        out["year: simulated in"] = f"{took:.1f} s"
        out.update({f"year: {k}": v for k, v in queries(store).items()})
        total = size_bytes(store)
        out["year: database size"] = f"{total / 1e6:,.1f} MB"
        out["year: rows (changes / 5-min / daily)"] = " / ".join(str(n) for n in (
            count(store, schema.changes),
            *(_grain_rows(store, g) for g in (FIVE_MINUTES, DAY))))
    finally:
        store.close()
    print(f"  {name} done", file=sys.stderr)
    return out


def _grain_rows(store: HistoryStore, grain: int) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(schema.rollups)
                                .where(schema.rollups.c.grain == grain)).scalar_one())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=400)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--write-back-only", action="store_true",
                        help="only the write-back of 1,000 polls kept during an outage")
    args = parser.parse_args()
    frame = shipped_frame()
    print(f"frame: {len(frame)} values in {frame['panel'].nunique()} panels; "
          f"{args.polls} polls at {INTERVAL} s; changing desk: {CHANGES_PER_POLL} values/poll")
    results: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        files = iter(range(100))
        results["SQLite"] = run("SQLite", lambda: f"sqlite:///{folder}/h{next(files)}.sqlite3",
                                frame, args.polls, args.write_back_only)
    bindir = None if args.no_postgres else find_bindir()
    if bindir is not None:
        with Cluster(bindir) as cluster:
            results["PostgreSQL"] = run("PostgreSQL", cluster.create_database, frame, args.polls,
                                        args.write_back_only)
    names = list(results)
    width = max(len(k) for k in results["SQLite"])
    print(f"| {'':{width}} | " + " | ".join(names) + " |")
    print(f"|{'-' * (width + 2)}|" + "|".join("---" for _ in names) + "|")
    for key in results["SQLite"]:
        print(f"| {key:{width}} | " + " | ".join(results[n][key] for n in names) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
