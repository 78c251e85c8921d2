"""Drives a `Poller` with a history store: poll and record while holding the lease, else follow.

Each tick (a quarter of the interval, at most 5 s) the recorder takes or renews the poll lease.
The holder polls when due and records the snapshot; the others read the stored snapshot when its
version moved and publish it through `Poller.adopt`, so every process's `poller.latest()` is as
fresh as the holder's. The lease expires after 1.5 intervals, so a dead holder is replaced
within two. Nothing here can stop the polling: when the store fails the recorder polls anyway,
reports "history unavailable: …" in `status`, and opens the store again `retry_after` later.

    >>> from stats_client.frames import empty_frame
    >>> recorder = HistoryRecorder(Poller(empty_frame, interval=30), None, desk="demo")
    >>> recorder.tick(); recorder.poller.latest().seq, recorder.status.state
    (1, 'off')
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .background import Background
from .desks import UNATTRIBUTED, lease_name
from .errors import StatsClientError
from .history.lease import Lease, default_holder
from .history.retention import Retention
from .history.store import HistoryStore
from .poller import Clock, Poller, Snapshot, utcnow

log = logging.getLogger(__name__)


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
        self._retry_after = timedelta(seconds=retry_after)
        self._prune_every = timedelta(seconds=prune_every)
        self._lease_clock = lease_clock
        self._store: HistoryStore | None = None
        self._lease: Lease | None = None
        self._status = HistoryStatus(state="off" if database_url is None else "ok")
        self._retry_at: datetime | None = None
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
        """Take or renew the lease; then poll and record when due, or follow the holder."""
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
        if polling and (self._next_poll is None or now >= self._next_poll):
            snap = self.poller.poll_once()
            self._schedule_after(snap)
            self._record(snap, self._clock())

    def _open(self, now: datetime) -> HistoryStore | None:
        if self._url is None or self._store is not None:
            return self._store
        if self._retry_at is not None and now < self._retry_at:
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
            log.info("history store %s is available again", store.url)
        self._set(state="ok", message=None, since=None, unattributed=unattributed)
        self._verify = False
        if stored is not None:  # a restart opens on the last stored data, shown with its age
            self._adopt(stored)
            self._seen_version = store.snapshot_version()
        return store

    def _follow(self, store: HistoryStore) -> None:
        version = store.snapshot_version()
        if version is not None and version != self._seen_version:
            stored = store.last_snapshot()
            if stored is not None:
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
            if version is None:
                return
            self._seen_version = version
            self.recorded += 1
            if self._pruned_at is None or now - self._pruned_at >= self._prune_every:
                self._pruned_at = now
                store.prune(now)
        except Exception as exc:
            self._failed(exc, now)

    def _failed(self, exc: Exception, now: datetime) -> None:
        if isinstance(exc, StatsClientError):
            sentence = str(exc)
        else:  # a bug of ours: the board keeps going, the log has the traceback
            log.exception("history store failed unexpectedly")
            sentence = f"unexpected {type(exc).__name__}; see the server log"
        message = f"history unavailable: {sentence}"
        if self._status.message != message:
            log.warning("%s (retrying in %.0f s)", message, self._retry_after.total_seconds())
        if self._lease is not None:
            self._lease.held = False
        if self._store is not None:
            self._store.close()
        self._store, self._lease = None, None
        self._retry_at = now + self._retry_after
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
        self._close()  # on this thread: a tick still running is never left without its store

    def _until_next_tick(self) -> float:
        """A tick's wait, cut short when the next poll is due sooner (no poll a tick late)."""
        if self._next_poll is None:
            return self.tick_seconds
        due = (self._next_poll - self._clock()).total_seconds()
        return min(self.tick_seconds, max(due, 0.0))

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
