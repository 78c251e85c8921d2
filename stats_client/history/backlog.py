"""The polls waiting for the history store: kept in memory, in order, while the store is away.

While the store is unavailable (PostgreSQL restarting, a failover, a locked SQLite file) the
recorder goes on polling, and every snapshot it would have recorded waits here until the store
is back and the lease holder writes them, with their own times. The wait is bounded by count and
bytes (`BacklogBound`, `[history] buffer_polls` and `buffer_mb`): when full, the oldest half is
rolled up, each two neighbours merged into one that stands for both polls and keeps the later
one's values, so a long outage loses resolution at its start, never its end, and is never
silently cut; `rolled_up` counts the polls merged so.

An unchanged desk costs almost nothing: a frame equal to the one before (same panel digests) is
shared, not kept twice.

    >>> from datetime import UTC, datetime, timedelta
    >>> from stats_client.poller import Snapshot
    >>> t0 = datetime(2026, 11, 25, 9, tzinfo=UTC)
    >>> backlog = Backlog(BacklogBound(polls=10))
    >>> for i in range(14):
    ...     backlog.add(Snapshot(seq=i + 1, attempted_at=t0 + timedelta(seconds=i)))
    >>> len(backlog), backlog.polls, backlog.rolled_up, backlog.oldest == t0
    (10, 14, 4, True)
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..errors import ConfigurationError
from ..poller import Snapshot

MIB = 1024 * 1024
#: What one waiting poll costs besides its frame (the snapshot, its digests, the entry).
OVERHEAD_BYTES = 600
#: The allowed range of each bound: at least a few polls and a megabyte, at most what a board
#: server may reasonably give up to a long outage.
POLLS_RANGE = (10, 1_000_000)
MB_RANGE = (1, 4096)


@dataclass(frozen=True, slots=True)
class BacklogBound:
    """How many polls, and how many bytes of them, may wait for the store (`[history]`
    `buffer_polls` and `buffer_mb`). At 30 s a poll, 10,000 polls are more than three days;
    a frame of every demo panel is about 32 kB, so 64 MB hold some 2,000 distinct ones (a
    frame unchanged since the poll before costs about 600 bytes)."""

    polls: int = 10_000
    bytes: int = 64 * MIB

    def __post_init__(self) -> None:
        if not POLLS_RANGE[0] <= self.polls <= POLLS_RANGE[1]:
            raise ConfigurationError(
                f"[history] buffer_polls must be a whole number from {POLLS_RANGE[0]:,} to "
                f"{POLLS_RANGE[1]:,}; got {self.polls}.")
        if not MB_RANGE[0] * MIB <= self.bytes <= MB_RANGE[1] * MIB:
            raise ConfigurationError(
                f"[history] buffer_mb must be a whole number of megabytes from {MB_RANGE[0]} "
                f"to {MB_RANGE[1]}; got {self.bytes / MIB:g}.")

    #: Its keys under `[history]`, beside the retention's.
    KEYS = ("buffer_polls", "buffer_mb")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object]) -> BacklogBound:
        """From `[history]`: `buffer_polls = 10000`, `buffer_mb = 64`; keys left out keep
        their default (other keys are the retention's and are not looked at here).

            >>> BacklogBound.from_mapping({"buffer_mb": 8}).bytes
            8388608
        """
        values: dict[str, int] = {}
        for key, name, scale in (("buffer_polls", "polls", 1), ("buffer_mb", "bytes", MIB)):
            if key not in mapping:
                continue
            raw = mapping[key]
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise ConfigurationError(
                    f"[history] {key} must be a whole number, such as "
                    f"{'10000' if key == 'buffer_polls' else '64'}; got {raw!r}.")
            values[name] = raw * scale
        return cls(**values)


@dataclass(slots=True)
class Pending:
    """One entry: the poll `snap` (the last of those it stands for), from `first_at` on."""

    snap: Snapshot
    first_at: datetime
    polls: int = 1  # polls it stands for: more than one once rolled up
    size: int = OVERHEAD_BYTES  # bytes counted for it (its frame's, unless shared)


def _frame_bytes(snap: Snapshot) -> int:
    return int(snap.frame.memory_usage(index=True, deep=True).sum())


class Backlog:
    """See the module. Thread-safe: the recorder adds and writes on its thread, the screens and
    the metrics read the figures on theirs."""

    def __init__(self, bound: BacklogBound | None = None) -> None:
        self.bound = bound or BacklogBound()
        self._items: list[Pending] = []
        self._bytes = 0
        self._lock = threading.Lock()
        #: Polls merged into a later one since the backlog was last empty.
        self.rolled_up = 0
        #: Every poll ever merged (for the metrics' counter).
        self.rolled_up_total = 0

    # -- figures ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items)

    @property
    def polls(self) -> int:
        """Polls waiting, those rolled up included."""
        with self._lock:
            return sum(p.polls for p in self._items)

    @property
    def bytes(self) -> int:
        return self._bytes

    @property
    def oldest(self) -> datetime | None:
        """When the oldest waiting poll was made."""
        with self._lock:
            return self._items[0].first_at if self._items else None

    # -- changing --------------------------------------------------------------------------
    def add(self, snap: Snapshot) -> None:
        """Keep `snap` (it must have been attempted); roll the oldest up if over the bound."""
        at = snap.attempted_at or snap.fetched_at
        if at is None:
            return
        with self._lock:
            last = self._items[-1].snap if self._items else None
            if last is not None and last.frame is not snap.frame and \
                    dict(last.panel_digests) == dict(snap.panel_digests):
                snap = dataclasses.replace(snap, frame=last.frame)  # the same values: shared
            size = OVERHEAD_BYTES
            if last is None or last.frame is not snap.frame:
                size += _frame_bytes(snap)
            self._items.append(Pending(snap, at, 1, size))
            self._bytes += size
            while len(self._items) > 1 and (len(self._items) > self.bound.polls
                                            or self._bytes > self.bound.bytes):
                self._roll_up()

    def _roll_up(self) -> None:
        """Merge each two neighbours of the oldest half into one (the later one's values, both
        polls counted): the start of a long outage thins out, its end stays whole."""
        items = self._items
        half = max(2, len(items) // 2)
        merged: list[Pending] = []
        for i in range(0, half - 1, 2):
            older, newer = items[i], items[i + 1]
            size = newer.size
            if newer.snap.frame is older.snap.frame:
                size += older.size - OVERHEAD_BYTES  # the frame it owned lives on in `newer`
            self._bytes -= older.size + newer.size - size
            merged.append(Pending(newer.snap, older.first_at, older.polls + newer.polls, size))
            self.rolled_up += 1  # the older one's values: its other polls were counted before
            self.rolled_up_total += 1
        done = 2 * len(merged)
        self._items = merged + items[done:]

    def peek(self, n: int) -> list[Snapshot]:
        """The oldest `n` waiting snapshots, oldest first (left in place until `done`)."""
        with self._lock:
            return [p.snap for p in self._items[:n]]

    def done(self, n: int) -> None:
        """The oldest `n` are in the store: forget them."""
        with self._lock:
            gone, self._items = self._items[:n], self._items[n:]
            freed = sum(p.size for p in gone)
            if gone and self._items and self._items[0].snap.frame is gone[-1].snap.frame:
                # The frame the gone ones owned is still the next one's: count it there now.
                kept = self._items[0]
                owned = next((p.size for p in gone if p.snap.frame is kept.snap.frame
                              and p.size > OVERHEAD_BYTES), OVERHEAD_BYTES)
                kept.size += owned - OVERHEAD_BYTES
                freed -= owned - OVERHEAD_BYTES
            self._bytes -= freed
            if not self._items:
                self._bytes = 0
                self.rolled_up = 0

    def clear(self) -> int:
        """Forget every waiting poll; how many there were."""
        with self._lock:
            n = sum(p.polls for p in self._items)
            self._items, self._bytes, self.rolled_up = [], 0, 0
            return n
