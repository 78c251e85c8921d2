"""Drives a `Poller` with a history store: poll and record while holding the lease, else follow.

Each tick (a quarter of the interval, at most 5 s) the recorder takes or renews the poll lease.
The holder polls when due and records the snapshot; the others read the stored snapshot when its
version moved and publish it through `Poller.adopt`, so every process's `poller.latest()` is as
fresh as the holder's. The lease expires after 1.5 intervals, so a dead holder is replaced
within two. Nothing here can stop the polling: when the store fails the recorder polls anyway,
reports "history unavailable: …" in `status`, and keeps every snapshot it would have recorded
in a bounded `Backlog`. The store is tried again on a short back-off (a quarter interval,
doubled per failure, at most the interval while polls wait, else `retry_after`); once it is
back, the lease holder writes the waiting polls in order, with their own times, in batches
between polls, and only then the new ones. A process that finds another holding the lease
leaves the stretch to it (it polled then too, and writes its own).

    >>> from stats_client.frames import empty_frame
    >>> recorder = HistoryRecorder(Poller(empty_frame, interval=30), None, desk="demo")
    >>> recorder.tick(); recorder.poller.latest().seq, recorder.status.state
    (1, 'off')
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .background import Background
from .desks import UNATTRIBUTED, lease_name
from .errors import StatsClientError
from .history.backlog import Backlog, BacklogBound
from .history.lease import Lease, default_holder
from .history.retention import Retention
from .history.store import HistoryStore
from .poller import Clock, Poller, Snapshot, utcnow

log = logging.getLogger(__name__)

#: Refusals in a row, alone, after which a waiting poll is left out (see `_refused`).
STUCK_AFTER = 5


@dataclass(frozen=True, slots=True)
class HistoryStatus:
    """What the Connection screen and `#freshness` say about history.

    `state` is "off" (no database configured), "ok" or "unavailable"; `role` is "polling"
    (this process polls) or "following" (it reads another process's snapshots)."""

    state: str = "off"
    role: str = "polling"
    message: str | None = None  # "history unavailable: <sentence>" while unavailable
    since: datetime | None = None  # when it became unavailable
    #: Values the store kept from before desks (the desk "unattributed"): never drawn.
    unattributed: int = 0
    #: Polls kept in memory for the store (while it is away, and until written back).
    waiting: int = 0
    oldest: datetime | None = None  # when the oldest waiting poll was made
    waiting_bytes: int = 0
    #: Of the waiting polls, those merged into a later one because the buffer was full
    #: (their values at full resolution are lost, the poll is counted).
    rolled_up: int = 0
    buffer_polls: int = 0  # the buffer's bound: polls, and bytes
    buffer_bytes: int = 0
    #: Polls this process left to the lease holder after an outage (it recorded that
    #: stretch from its own polls), since the process started.
    left: int = 0

    @property
    def available(self) -> bool:
        return self.state == "ok"


class HistoryRecorder(Background):
    """See the module. `start()` runs `tick()` on a daemon thread; tests call `tick()`."""

    def __init__(self, poller: Poller, database_url: str | None, *, desk: str,
                 retention: Retention | None = None, clock: Clock = utcnow,
                 retry_after: float = 30.0, prune_every: float = 3600.0,
                 holder: str | None = None, lease_ttl: float | None = None,
                 lease_clock: Callable[[], float] | None = None,
                 buffer: BacklogBound | None = None, max_batch: int = 1000,
                 name: str = "statusboard-history") -> None:
        super().__init__(name)
        self.poller = poller
        self.desk = desk  # whose rows, snapshot and lease these are (stats_client.desks)
        self.holder = holder or default_holder()
        interval = poller.interval
        #: Seconds between ticks; the lease outlives 1.5 intervals, so takeover < 2 intervals.
        self.tick_seconds = min(max(interval / 4, 0.2), 5.0)
        self.lease_ttl = lease_ttl or 1.5 * interval
        self._url = database_url
        self._retention = retention
        self._clock = clock
        self._retry_after = float(retry_after)
        self._prune_every = timedelta(seconds=prune_every)
        self._lease_clock = lease_clock
        self._store: HistoryStore | None = None
        self._lease: Lease | None = None
        #: What was polled while the store was away, until it is written back.
        self.backlog = Backlog(buffer)
        self._status = HistoryStatus(state="off" if database_url is None else "ok",
                                     buffer_polls=self.backlog.bound.polls,
                                     buffer_bytes=self.backlog.bound.bytes)
        self._failed_at: datetime | None = None
        self._failures = 0  # store failures in a row: the retry's back-off
        self._max_batch = max(1, max_batch)
        #: Snapshots per write-back transaction: adapts to what one costs, up to `max_batch`.
        self._batch = min(10, self._max_batch)
        self._per_poll = 0.0  # seconds one waiting poll takes to write, as last seen
        self._stuck: Snapshot | None = None  # the first poll of a batch the store refused
        self._stuck_count = 0
        self._verify = False  # after a failure, check the SQLite file before trusting it
        self._next_poll: datetime | None = None
        self._seen_version: int | None = None
        self._pruned_at: datetime | None = None
        self._closing = threading.Lock()
        #: Bumped each time the store holds something new this process knows of (a snapshot
        #: recorded, or one adopted from the store): the screens' reads are cached by it.
        self.recorded = 0

    # -- reading ---------------------------------------------------------------------------
    @property
    def status(self) -> HistoryStatus:
        return self._status

    @property
    def store(self) -> HistoryStore | None:
        """The open store for the screens' reads, or None while history is off or unavailable."""
        return self._store

    def latest(self) -> Snapshot:
        return self.poller.latest()

    # -- one step --------------------------------------------------------------------------
    def tick(self) -> None:
        """Take or renew the lease; then poll and record when due, or follow the holder; then
        write one batch of the polls that waited for the store, if any."""
        now = self._clock()
        if self._url is not None and self._store is None and self._failed_at is not None:
            # The store is away: the poll comes first, on time, whatever reconnecting costs
            # (an unreachable host holds the connection attempt for its timeout).
            self._set(role="polling")
            self._poll_if_due(now)
            now = self._clock()
        polling = True
        store = self._open(now)
        if store is not None and self._lease is not None:
            try:
                polling = self._lease.try_acquire()
                if not polling:
                    self._follow(store)
            except Exception as exc:  # the store must never stop the polling
                self._failed(exc, now)
                polling = True
        self._set(role="polling" if polling else "following")
        if polling:
            self._poll_if_due(now)
        if self._store is not None and len(self.backlog):
            if polling:
                self._write_back(self._clock())
            else:
                self._leave_backlog()

    def _poll_if_due(self, now: datetime) -> None:
        if self._next_poll is None or now >= self._next_poll:
            snap = self.poller.poll_once()
            self._schedule_after(snap)
            self._keep(snap, self._clock())

    def _keep(self, snap: Snapshot, now: datetime) -> None:
        """Record `snap`; or, while the store is away or older polls still wait, keep it."""
        if self._url is None:
            return
        if self._store is not None and not len(self.backlog):
            self._record(snap, now)
            return
        self.backlog.add(snap)
        self._tell_backlog()

    def _retry_due(self) -> datetime | None:
        """When to try the store again: a quarter interval after a failure, doubled per
        failure, at most the interval while polls wait (else `retry_after`)."""
        if self._failed_at is None:
            return None
        cap = self._retry_after
        if len(self.backlog):
            cap = min(cap, self.poller.interval)
        delay = min(cap, self.tick_seconds * 2.0 ** min(self._failures - 1, 30))
        return self._failed_at + timedelta(seconds=delay)

    def _open(self, now: datetime) -> HistoryStore | None:
        if self._url is None or self._store is not None:
            return self._store
        due = self._retry_due()
        if due is not None and now < due:
            return None
        try:
            store = HistoryStore.open(self._url, desk=self.desk, retention=self._retention,
                                      now=now, verify=self._verify)
            stored = store.last_snapshot() if self.poller.latest().calls == 0 else None
            unattributed = store.desks(only=UNATTRIBUTED).get(UNATTRIBUTED, 0)
        except Exception as exc:
            self._failed(exc, now)
            return None
        self._store = store
        self._lease = Lease(store.engine, lease_name(self.desk), ttl=self.lease_ttl,
                            holder=self.holder, clock=self._lease_clock)
        if self._status.state == "unavailable":
            waiting = self.backlog.polls
            log.info("history store %s is available again%s", store.url,
                     f"; {waiting:,} polls wait to be written" if waiting else "")
        self._set(state="ok", message=None, since=None, unattributed=unattributed)
        self._verify = False
        self._failed_at, self._failures = None, 0
        if stored is not None:  # a restart opens on the last stored data, shown with its age
            self._adopt(stored)
            self._seen_version = store.snapshot_version()
        return store

    def _follow(self, store: HistoryStore) -> None:
        version = store.snapshot_version()
        if version is not None and version != self._seen_version:
            stored = store.last_snapshot()
            mine = self.poller.latest().attempted_at
            # Not older than what this process polled itself while the store was away (the
            # holder may still be writing back an outage): the screen never steps back.
            if stored is not None and (mine is None or stored.attempted_at is None
                                       or stored.attempted_at >= mine):
                self._adopt(stored)
            self._seen_version = version

    def _adopt(self, snap: Snapshot) -> None:
        self.poller.adopt(snap)
        self.recorded += 1
        self._schedule_after(snap)  # whoever polled last: no second poll this interval

    def _schedule_after(self, snap: Snapshot) -> None:
        """The next poll is due an interval (or the back-off) after `snap`'s poll began."""
        began = snap.attempt_began_at
        if began is not None:
            self._next_poll = began + timedelta(seconds=self.poller.next_delay(snap))

    def _record(self, snap: Snapshot, now: datetime) -> None:
        store = self._store
        if store is None:
            return
        try:
            # The poll may have outlasted the lease: write only while still holding it, checked
            # and renewed in the write's own transaction, so that a process that took over is
            # never written across.
            version = store.record(snap, holder=self.holder,
                                   guard=None if self._lease is None else self._lease.keep)
        except Exception as exc:
            self._failed(exc, now)
            self.backlog.add(snap)  # kept for when the store is back
            self._tell_backlog()
            return
        if version is None:
            return
        self._stored(version, now)

    def _stored(self, version: int | None, now: datetime) -> None:
        store = self._store
        if version is not None:
            self._seen_version = version
        self.recorded += 1
        if store is not None and (self._pruned_at is None
                                  or now - self._pruned_at >= self._prune_every):
            self._pruned_at = now
            try:
                store.prune(now)
            except Exception as exc:
                self._failed(exc, now)

    def _write_back(self, now: datetime) -> None:
        """One batch of the waiting polls, oldest first, in one transaction that keeps the
        lease. Batches are sized to take about a tenth of the interval (at most half a
        second), so that the next poll is never held up for long."""
        store = self._store
        if store is None:
            return
        batch = self.backlog.peek(self._batch)
        began = time.monotonic()
        try:
            written = store.record_many(
                batch, holder=self.holder, only_newer=True,
                guard=None if self._lease is None else self._lease.keep)
        except Exception as exc:
            self._refused(batch[0], exc)
            self._failed(exc, now)
            return
        self._stuck = None
        took = time.monotonic() - began
        if written is None:
            return  # the lease went to another process: it records from now on
        self.backlog.done(len(batch))
        target = min(self.poller.interval / 10, 0.5)
        # What one poll costs to write: up at once when a batch was slow, down only slowly
        # (one quick batch on a quiet moment must not make the next one long); the batch
        # grows at most twofold.
        per = took / len(batch)
        self._per_poll = per if per > self._per_poll else 0.8 * self._per_poll + 0.2 * per
        self._batch = int(min(max(target / self._per_poll if self._per_poll > 0 else
                                  2 * len(batch), 1), 2 * len(batch), self._max_batch))
        if written.written:
            self._stored(written.version, now)
        if not len(self.backlog):
            log.info("history: the polls kept while the store was away are written")
        self._tell_backlog()

    def _refused(self, head: Snapshot, exc: Exception) -> None:
        """A batch the store did not take: tried again one poll at a time; a poll the store
        refuses `STUCK_AFTER` times in a row, alone, is left out (with a log line), so that one
        poll it cannot take never holds back all the others."""
        if self._stuck is head:
            self._stuck_count += 1
        else:
            self._stuck, self._stuck_count = head, 1
        if self._batch == 1 and self._stuck_count >= STUCK_AFTER:
            self.backlog.done(1)
            self._stuck = None
            log.error("history: the poll of %s could not be written %d times (%s); it is left "
                      "out and the others are written", head.attempted_at, STUCK_AFTER,
                      str(exc)[:300])
        self._batch = 1

    def _leave_backlog(self) -> None:
        """Another process holds the lease: it polled the desk while the store was away too
        and writes its own polls of that stretch; these would put each poll in twice."""
        dropped = self.backlog.clear()
        if dropped:
            log.info("history: %d polls made while the store was away are left to %s, which "
                     "holds the poll lease and recorded that stretch", dropped,
                     (self._lease.current_holder() if self._lease is not None else None)
                     or "another process")
        self._set(left=self._status.left + dropped)
        self._tell_backlog()

    def _tell_backlog(self) -> None:
        backlog = self.backlog
        self._set(waiting=backlog.polls, oldest=backlog.oldest, waiting_bytes=backlog.bytes,
                  rolled_up=backlog.rolled_up)

    def _failed(self, exc: Exception, now: datetime) -> None:
        if isinstance(exc, StatsClientError):
            sentence = str(exc)
        else:  # a bug of ours: the board keeps going, the log has the traceback
            log.exception("history store failed unexpectedly")
            sentence = f"unexpected {type(exc).__name__}; see the server log"
        message = f"history unavailable: {sentence}"
        if self._status.message != message:
            log.warning("%s (retrying within %.0f s; polls are kept until it is back)",
                        message, min(self._retry_after, self.poller.interval))
        if self._lease is not None:
            self._lease.held = False
        if self._store is not None:
            self._store.close()
        self._store, self._lease = None, None
        self._failed_at = now
        self._failures += 1
        self._verify = True
        self._seen_version = None
        self._set(state="unavailable", message=message, since=self._status.since or now)

    def _set(self, **changes: Any) -> None:
        self._status = dataclasses.replace(self._status, **changes)

    # -- the thread ------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # the loop must survive anything
                log.exception("history recorder tick failed")
            self._stop.wait(self._until_next_tick())
        self._flush()
        self._close()  # on this thread: a tick still running is never left without its store

    def _flush(self, within: float = 3.0) -> None:
        """On a clean stop, the polls still waiting are written while the store and the lease
        allow (for `within` seconds at most); what cannot be is said in the log, once."""
        deadline = time.monotonic() + within
        while len(self.backlog) and self._store is not None and self._lease is not None \
                and self._lease.held and time.monotonic() < deadline:
            self._write_back(self._clock())
        if len(self.backlog):
            log.warning("history: %d polls kept for the store were not written before the "
                        "board stopped (%s)", self.backlog.polls,
                        self._status.message or "the store was busy")

    def _until_next_tick(self) -> float:
        """A tick's wait, cut short when the next poll (or the store's retry) is due sooner (no
        poll a tick late); none while waiting polls are being written back."""
        if self._store is not None and len(self.backlog) and self._status.role == "polling":
            return 0.0
        wait = self.tick_seconds
        now = self._clock()
        for due in (self._next_poll, self._retry_due() if self._store is None else None):
            if due is not None:
                wait = min(wait, max((due - now).total_seconds(), 0.0))
        return wait

    def stop(self, timeout: float = 5.0) -> None:
        """Stop ticking, give the lease up (another process takes over at once), close. A
        tick still running after `timeout` closes the store itself when it ends; the lease is
        given up now all the same (its write then finds the lease gone and stores nothing)."""
        super().stop(timeout)
        if not self.running:
            self._close()
            return
        lease = self._lease
        if lease is not None:
            lease.release()

    def _close(self) -> None:
        with self._closing:
            lease, store = self._lease, self._store
            self._store, self._lease = None, None
        if lease is not None:
            lease.release()
        if store is not None:
            store.close()
