"""One background thread per server process that polls and publishes immutable snapshots.

Browsers never call the NetServer: they read `Poller.latest()`, which costs a lock-free
attribute read. The poller survives every error, backs off while the NetServer is down and
stops when asked.

    >>> p = Poller(lambda: empty_frame(), interval=30)
    >>> p.poll_once().seq
    1
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pandas as pd

from .background import Background
from .errors import StatsClientError
from .frames import empty_frame

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the screens read. `frame` is the last *good* data, kept through failures."""

    seq: int = 0  # successful polls so far; 0 = no data yet
    started_at: datetime | None = None  # when the poller was made: "no data since …"
    frame: pd.DataFrame = field(default_factory=empty_frame, repr=False)
    fetched_at: datetime | None = None  # when the last good poll finished (UTC)
    panel_digests: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    attempted_at: datetime | None = None  # when the last attempt finished, good or bad
    duration_s: float | None = None  # how long the last attempt took
    calls: int = 0  # attempts made
    failures: int = 0  # consecutive failed attempts
    error: str | None = None  # the last attempt's error as a sentence, None after a success
    error_kind: str | None = None  # StatsClientError.kind, or "internal"
    error_since: datetime | None = None  # when the current run of failures began
    #: What the last good poll's data left out, in sentences (a data set past
    #: SUPEROFFICE_MAX_VALUES): shown with the screen's problems.
    notes: tuple[str, ...] = ()

    @property
    def attempt_began_at(self) -> datetime | None:
        """When the last attempt began: the poll log's start, which the next poll counts from
        (whichever process made it), so polls start at least an interval apart."""
        if self.attempted_at is None:
            return None
        return self.attempted_at - timedelta(seconds=self.duration_s or 0.0)


def panel_digests(frame: pd.DataFrame) -> Mapping[str, str]:
    """A short digest of each panel's rows, to tell which panels changed between polls."""
    out: dict[str, str] = {}
    for panel, rows in frame.groupby("panel", sort=False, observed=True):
        hashed = pd.util.hash_pandas_object(rows.reset_index(drop=True), index=False)
        out[str(panel)] = hashlib.blake2b(hashed.to_numpy().tobytes(), digest_size=8).hexdigest()
    return MappingProxyType(out)


def _seconds(began: datetime, ended: datetime) -> float:
    """Seconds from `began` to `ended`, never negative (the wall clock may be set back)."""
    return max((ended - began).total_seconds(), 0.0)


class Poller(Background):
    """Calls `fetch` every `interval` seconds on a daemon thread; see `latest()`."""

    def __init__(self, fetch: Callable[[], pd.DataFrame], interval: float, *,
                 max_backoff: float | None = None, clock: Clock = utcnow,
                 name: str = "statusboard-poller") -> None:
        if interval < 1:
            raise ValueError("the poll interval must be at least 1 second")
        self._fetch = fetch
        self.interval = float(interval)
        # Back off while the NetServer is down, but never so far that recovery goes unseen long.
        self.max_backoff = float(max_backoff) if max_backoff else min(5 * self.interval, 300.0)
        super().__init__(name)
        self._clock = clock
        self._snapshot = Snapshot(started_at=clock())
        self._lock = threading.Lock()  # serialises polls, not reads
        self._published = threading.Condition()  # notified on every new snapshot
        self._observers: list[Callable[[Snapshot], None]] = []

    # -- reading ---------------------------------------------------------------------------
    def latest(self) -> Snapshot:
        return self._snapshot

    @property
    def stopped(self) -> bool:
        """True once stop() was called (a poller never started is not stopped)."""
        return self._stop.is_set()

    # -- polling ---------------------------------------------------------------------------
    def poll_once(self) -> Snapshot:
        """One attempt, synchronously; publishes and returns the new snapshot."""
        with self._lock:
            prev = self._snapshot
            # Begin and end on the one clock, so that end - duration is exactly the begin the
            # next poll is counted from (a second clock differed by the thread's wait, ms).
            began = self._clock()
            try:
                frame = self._fetch()
            except StatsClientError as exc:
                snap = self._failed(prev, str(exc), exc.kind, began)
                log.warning("poll failed (%s): %s", exc.kind, exc)
            except Exception as exc:  # the poller must survive anything
                log.exception("poll failed with an unexpected error")
                msg = f"Unexpected error while polling ({type(exc).__name__}); see the server log."
                snap = self._failed(prev, msg, "internal", began)
            else:
                now = self._clock()
                snap = Snapshot(
                    seq=prev.seq + 1, started_at=prev.started_at, frame=frame, fetched_at=now,
                    panel_digests=panel_digests(frame), attempted_at=now,
                    duration_s=_seconds(began, now), calls=prev.calls + 1,
                    notes=tuple(frame.attrs.get("notes", ())),
                )
            self._snapshot = snap
        with self._published:
            self._published.notify_all()
        for observe in tuple(self._observers):
            try:
                observe(snap)
            except Exception:  # an observer (e.g. metrics) must never stop the polling
                log.exception("a snapshot observer failed")
        return snap

    def add_observer(self, observe: Callable[[Snapshot], None]) -> None:
        """Call `observe(snapshot)` after each attempt is published, good or bad, on the
        polling thread (keep it quick). How board.metrics counts polls without this module
        knowing about Prometheus."""
        self._observers.append(observe)

    def _failed(self, prev: Snapshot, message: str, kind: str, began: datetime) -> Snapshot:
        now = self._clock()
        return Snapshot(
            seq=prev.seq, started_at=prev.started_at, frame=prev.frame,
            fetched_at=prev.fetched_at,
            panel_digests=prev.panel_digests, attempted_at=now,
            duration_s=_seconds(began, now), calls=prev.calls + 1,
            failures=prev.failures + 1, error=message, error_kind=kind,
            error_since=prev.error_since or now, notes=prev.notes,
        )

    def adopt(self, snap: Snapshot) -> None:
        """Publish a snapshot made elsewhere (the stored one after a restart, or the polling
        process's, read from the history store); the next poll continues from it."""
        with self._lock:
            self._snapshot = snap
        with self._published:
            self._published.notify_all()

    def next_delay(self, snap: Snapshot) -> float:
        """Seconds until the next attempt: the interval, doubled per failure up to the cap."""
        if snap.failures == 0:
            return self.interval
        doubled: float = self.interval * 2.0 ** (snap.failures - 1)
        return min(doubled, max(self.max_backoff, self.interval))

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            snap = self.poll_once()
            delay = self.next_delay(snap) - (time.monotonic() - started)
            if self._stop.wait(max(delay, 0.05)):
                break

    def wait_until(self, done: Callable[[Snapshot], bool], timeout: float) -> Snapshot:
        """The latest snapshot once `done(snapshot)` holds, or when `timeout` seconds passed.

        Woken by each new snapshot, not by polling: the first page waits this way for the first
        attempt (`lambda s: s.calls > 0`), tests for the data they expect."""
        with self._published:
            self._published.wait_for(lambda: done(self._snapshot), timeout)
        return self._snapshot

    def wait_for_seq(self, seq: int, timeout: float) -> Snapshot:
        """The latest snapshot once its `seq` is at least `seq`, or when `timeout` passed."""
        return self.wait_until(lambda snap: snap.seq >= seq, timeout)
