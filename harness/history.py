"""A desk's recorded past, for tests, screenshots and benchmarks: frames with chosen values,
written to a history store as the recorder would have written them.

    >>> from stats_client.frames import empty_frame
    >>> with_values(empty_frame(), "StatusScreen", {"Open": 3}).empty
    True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from stats_client.history import HistoryStore
from stats_client.history import schema as t
from stats_client.poller import Snapshot, panel_digests


def with_values(frame: pd.DataFrame, panel: str, values: Mapping[str, float]) -> pd.DataFrame:
    """`frame` with the values of `panel`'s rows labelled as in `values` replaced."""
    out = frame.copy()
    for label, value in values.items():
        out.loc[(out["panel"] == panel) & (out["label"] == label), "value"] = float(value)
    return out


def record(store: HistoryStore, moments: Iterable[tuple[datetime, pd.DataFrame]]) -> int:
    """Record one good poll of each frame at its time, in order; the number recorded."""
    n = 0
    for n, (when, frame) in enumerate(moments, start=1):
        store.record(Snapshot(seq=n, frame=frame, fetched_at=when, attempted_at=when,
                              panel_digests=panel_digests(frame), calls=n, duration_s=0.05))
    return n


def forget_snapshot(store: HistoryStore) -> None:
    """Drop the store's desk's last snapshot (the values stay): a board started on this store
    then opens on its own first poll, not on the seeded past."""
    with store.engine.begin() as conn:
        conn.execute(sa.delete(t.snapshots).where(t.snapshots.c.desk == store.desk))


def desk_day(frame: pd.DataFrame, start: datetime, end: datetime, *,
             step: timedelta = timedelta(minutes=5),
             last: Mapping[str, float] | None = None) -> list[tuple[datetime, pd.DataFrame]]:
    """A plausible working day of the Status counts from `start` to `end`: open requests
    climb through the morning and ease off, unassigned and unread rise and fall with the
    arrivals, and the day's count of created requests (NumberOfCreatedRequestsPerDay, labelled
    with ISO dates) grows; `last` (label → value) is where each count ends."""
    out = []
    status = frame[frame["panel"] == "StatusScreen"]
    final = {str(k): float(v) for k, v in zip(status["label"], status["value"], strict=True)}
    final.update(last or {})
    per_day = frame[frame["panel"] == "NumberOfCreatedRequestsPerDay"]
    day_total = dict(zip(per_day["label"].astype(str), per_day["value"], strict=True))
    steps = max(1, int((end - start) / step))
    moments = [start + i * step for i in range(steps + 1)]

    def busy(when: datetime) -> float:
        hour = when.hour + when.minute / 60
        return max(0.0, math.sin(math.pi * (hour - 7) / 11)) if 7 <= hour <= 18 else 0.0

    # The day's created count climbs with the arrivals to what the NetServer says for that day.
    arrived = 0.0
    total = sum(busy(m) for m in moments) or 1.0
    for i, when in enumerate(moments):
        wave = math.sin(i / 3.0)
        drift = (steps - i) / steps
        values = {
            "Open": final.get("Open", 0) - round(40 * drift) + round(12 * busy(when)),
            "Unassigned": max(0.0, final.get("Unassigned", 0) + round(14 * busy(when) + 4 * wave)),
            "Unread": max(0.0, final.get("Unread", 0) + round(8 * busy(when) - 3 * wave)),
        }
        arrived += busy(when)
        label = when.date().isoformat()
        created = float(day_total.get(label, 0.0) or 0.0) * arrived / total
        day = with_values(frame, "NumberOfCreatedRequestsPerDay", {label: round(created)})
        out.append((when, with_values(day, "StatusScreen", values)))
    return out
