"""How old the data on screen is, in words: pure functions over a Snapshot and a clock.

    >>> assess(Snapshot(), now=utcnow(), interval=30, demo=False).state
    'fresh'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .poller import Snapshot, utcnow

__all__ = ["Freshness", "assess", "format_age", "utcnow"]

State = Literal["fresh", "stale", "error", "demo"]


@dataclass(frozen=True, slots=True)
class Freshness:
    state: State
    age_s: float | None  # seconds since the last good poll, None before the first
    headline: str  # e.g. "Updated 14:03:22, 12 s ago"
    problem: str | None  # the banner's sentence when stale or failing, else None


def format_age(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 90:
        return f"{s} s ago"
    if s < 90 * 60:
        return f"{s // 60} min ago"
    if s < 48 * 3600:
        return f"{s // 3600} h {s % 3600 // 60} min ago"
    return f"{s // 86400} days ago"


def assess(snap: Snapshot, *, now: datetime, interval: float, demo: bool) -> Freshness:
    """`stale` once the last good poll is older than two intervals; `error` before any data.
    Times in the words are told in `now`'s time zone."""
    if snap.fetched_at is None:
        if snap.error:
            return Freshness("error", None, "No data yet", snap.error)
        waited = (now - snap.started_at).total_seconds() if snap.started_at else 0.0
        if waited > 2 * interval:  # a first poll that never ends must not look fresh
            since = f"{snap.started_at.astimezone(now.tzinfo):%H:%M}" if snap.started_at else ""
            return Freshness("error", None, "No data yet",
                             f"No data since {since}: the NetServer has not answered the first "
                             "request yet. Check that it is running and not overloaded.")
        return Freshness("demo" if demo else "fresh", None, "Waiting for data…", None)
    age = (now - snap.fetched_at).total_seconds()
    local = snap.fetched_at.astimezone(now.tzinfo).strftime("%H:%M:%S")
    headline = f"Updated {local}, {format_age(age)}"
    if age > 2 * interval:
        since = snap.fetched_at.astimezone(now.tzinfo).strftime("%H:%M")
        reason = snap.error or "no poll has completed since"
        return Freshness("stale", age, headline, f"Data is from {since} — {reason}")
    return Freshness("demo" if demo else "fresh", age, headline, None)
