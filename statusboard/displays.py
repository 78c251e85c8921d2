"""The displays of a deployment, as the `display-silent` alert watches them: each browser that
shows the board, known across its reloads and rotations by the id its cookie carries
(statusboard.access.DisplayIdMiddleware sets it), and across the board's processes through the
history store.

A *wall display* is one opened with the kiosk address (`?embed=true`, as `statusboard
kiosk-url` writes it; `&display=NAME` names it): only those are watched, so that a laptop that
looks at the board and is closed is no alarm. A wall display is *silent* once nothing has been
heard from it for `silent_s` (its heartbeats stop when it is switched off, its browser crashes
or its page freezes); it is forgotten after a week of silence.

    >>> display_name("  Support   room\\n")
    'Support room'
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from stats_client.history import SeenDisplay

from .metrics import Displays

log = logging.getLogger(__name__)

#: The longest display name kept.
NAME_MAX = 40
#: A display silent this long is forgotten (taken off the board for good).
FORGET_AFTER = timedelta(days=7)


#: Besides letters and digits, what a display's name may hold: nothing a chat service or a
#: page would read as markup ("*", "[", "<", "`", "_" …).
_NAME_PUNCTUATION = frozenset(" -–.,'/#&+")


def display_name(raw: object) -> str:
    """A display's name from the kiosk address (`?display=`), as messages and screens may show
    it: letters, digits, spaces and a little punctuation (anything else is a space), spaces
    collapsed, at most NAME_MAX characters.

        >>> display_name("[Lobby](http://x) **TV**")
        'Lobby http //x TV'
    """
    if not isinstance(raw, str) or not raw:
        return ""
    kept = "".join(c if unicodedata.category(c)[0] in "LN" or c in _NAME_PUNCTUATION else " "
                   for c in raw)
    return " ".join(kept.split())[:NAME_MAX].strip()


class DisplayBook:
    """What this process has seen of the wall displays (from its census, which forgets a
    display soon after its last heartbeat: the book remembers it), written to the history
    store every `flush_s`, and read back with what the other processes wrote. `store()` is
    the open store, or None (no history, or away): the book then holds what this process
    saw."""

    def __init__(self, census: Displays, store: Callable[[], Any]) -> None:
        self._census = census
        self._store = store
        self._seen: dict[str, SeenDisplay] = {}
        self._unwritten: set[str] = set()
        self._lock = threading.Lock()
        self._flushed: datetime | None = None
        self.flush_s = 5.0

    @property
    def silent_s(self) -> float:
        """How long a display must be unheard of to be silent: its census' time to forget
        it, and two flushes (the store's sighting lags by up to one in each process)."""
        return self._census.ttl_s + 2 * self.flush_s

    def _take_census(self, now: datetime) -> None:
        for d in self._census.open(now):
            old = self._seen.get(d.display) if d.display is not None else None
            # Only wall displays are kept (what display-silent watches; a public board's
            # visitors are not written down), and any browser that once was one.
            if d.display is None or (not d.wall and old is None):
                continue
            first = d.since if old is None else min(old.first_seen, d.since)
            if old is not None and old.last_seen >= d.seen and old.screen == d.screen:
                continue
            # Once a wall display, always one: a TV told as silent and then opened without the
            # kiosk address is still told when it is back.
            wall = d.wall or (old is not None and old.wall)
            self._seen[d.display] = SeenDisplay(d.display, d.name, d.screen, wall, first,
                                                d.seen)
            self._unwritten.add(d.display)

    def flush(self, now: datetime, *, force: bool = False) -> None:
        """Write what changed since the last flush, once `flush_s` has passed (or `force`)."""
        with self._lock:
            if not force and self._flushed is not None and \
                    (now - self._flushed).total_seconds() < self.flush_s:
                return
            self._flushed = now
            self._take_census(now)
            store = self._store()
            if store is None or not self._unwritten:
                return
            try:
                store.beat_displays([self._seen[i] for i in sorted(self._unwritten)])
                self._unwritten.clear()
            except Exception as exc:  # the store is away: kept, written when it is back
                log.warning("displays: the history store cannot be written (%s)", exc)

    def known(self, now: datetime) -> dict[str, SeenDisplay]:
        """Every display any process has seen in the last FORGET_AFTER, by id, with its latest
        sighting."""
        with self._lock:
            self._take_census(now)
            cutoff = now - FORGET_AFTER
            for gone in [i for i, d in self._seen.items() if d.last_seen < cutoff]:
                del self._seen[gone]
                self._unwritten.discard(gone)
            out = dict(self._seen)
        store = self._store()
        if store is not None:
            try:
                store.forget_displays(cutoff)
                for i, d in store.displays().items():
                    mine = out.get(i)
                    if mine is None or d.last_seen > mine.last_seen:
                        out[i] = d if mine is None else replace(
                            d, first_seen=min(d.first_seen, mine.first_seen))
            except Exception as exc:  # the store is away: what this process saw holds
                log.warning("displays: the history store cannot be read (%s)", exc)
        return out
