"""A seeded, time-driven help desk: the data behind every panel of the demo NetServer.

Pure: no HTTP, no clock of its own. The same seed and the same `now` always give the same
numbers; a later `now` gives the numbers a real desk would show a little later.

    >>> from datetime import datetime, timezone
    >>> m = HelpDeskModel(seed=42)
    >>> now = datetime(2026, 11, 27, 10, tzinfo=timezone.utc)
    >>> [v.label for v in m.datasets(PanelType.StatusScreen, now)[0].values][:3]
    ['Open', 'Unread', 'New information']

How it works: each calendar day has a deterministic number of arrivals (weekday rhythm, a slow
season, noise), spread over the day by an office-hours curve. Every request of the last
`LOOKBACK_DAYS` days is drawn in full (category, priority, origin, handler, lifetime …) and is
open at `now` when it has arrived and not yet closed; its status moves along its life. So the
panels agree with each other (open per category sums to the Status tile's Open) and move every
few seconds at office hours, as requests arrive, get assigned, read, postponed and closed.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from stats_client import DataSet, DataValue, PanelType

# (label, top category)
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("Support", "Support"),
    ("Support › Accounts", "Support"),
    ("Sales", "Sales"),
    ("Sales › Licences", "Sales"),
    ("Billing", "Billing"),
    ("Billing › Refunds", "Billing"),
    ("Technical › Network", "Technical"),
    ("Technical › Printers", "Technical"),
    ("Technical › Servers", "Technical"),
)
CATEGORY_WEIGHTS = (26, 8, 12, 5, 14, 4, 12, 10, 9)
TOP_CATEGORIES: tuple[str, ...] = ("Support", "Sales", "Billing", "Technical")

# (handler, user group)
HANDLERS: tuple[tuple[str, str], ...] = (
    ("Åse Øvrebø", "First line"),
    ("José Núñez", "First line"),
    ("Ingrid Berg", "First line"),
    ("Tom Hansen", "Second line"),
    ("Mei Chen", "Second line"),
    ("Olav Nilsen", "Second line"),
    ("Sara Lindqvist", "Sales desk"),
    ("Ahmed Khan", "Finance"),
)
HANDLER_WEIGHTS = (18, 17, 15, 12, 11, 9, 10, 8)
USER_GROUPS: tuple[str, ...] = ("First line", "Second line", "Sales desk", "Finance")

PRIORITIES: tuple[str, ...] = ("Low", "Medium", "High", "Critical")
PRIORITY_WEIGHTS = (30, 45, 20, 5)

#: Statuses an open request can be in (closed ones are not open).
STATUSES: tuple[str, ...] = ("Open", "In progress", "Waiting for customer", "Postponed")

ORIGINS: tuple[str, ...] = ("E-mail", "Web form", "Phone", "Chat", "Facebook", "SMS")
ORIGIN_WEIGHTS = (40, 22, 16, 14, 5, 3)

#: The Status tile, in the order the SuperOffice Status page shows it.
STATUS_TILE: tuple[str, ...] = (
    "Open",
    "Unread",
    "New information",
    "Closed",
    "Postponed",
    "Unassigned",
    "Favourites",
)

#: Whose "own" requests `OwnOpenRequests` counts: the demo user.
CURRENT_HANDLER = 0
#: The handlers whose response times the response-time panels chart, one dataset each.
RESPONSE_TIME_HANDLERS: tuple[int, ...] = (0, 1, 3)

#: How many StatisticsDataSet elements each panel type answers with.
DATASETS_PER_PANEL: dict[PanelType, int] = {
    p: (
        len(RESPONSE_TIME_HANDLERS)
        if p
        in {
            PanelType.UserResponseTimePerDay,
            PanelType.UserReponseTimePerWeek,
            PanelType.UserResponseTimePerMonth,
        }
        else 1
    )
    for p in PanelType
}

TITLES: tuple[str, ...] = (
    "Printer on fire",
    "VPN drops every hour",
    "Invoice shows wrong VAT",
    "Cannot log in to the portal",
    "Order confirmation missing",
    "Server room too warm",
    "Password reset loop",
    "Label shows <b>raw</b> markup & entities",
    "Licence key rejected",
    "Refund not received",
    "Wi-Fi slow on 3rd floor",
    "Møte-rom skjerm virker ikke",
)

LOOKBACK_DAYS = 14
BASE_PER_DAY = 420.0
WEEKDAY_FACTOR = (1.15, 1.05, 1.0, 0.95, 0.85, 0.25, 0.2)
# Arrivals per hour of the day (relative): quiet nights, a morning peak, a dip at lunch.
# fmt: off
HOUR_WEIGHTS = (
    1, 1, 1, 1, 1, 2, 4, 9, 16, 18, 17, 14, 10, 13, 15, 14, 11, 8, 5, 4, 3, 2, 2, 1,
)
# fmt: on
_EPOCH = datetime(2000, 1, 1)
DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Request:
    """One help-desk request; times are local wall-clock seconds since 2000-01-01."""

    id: int
    title: str
    arrived: float
    closes: float
    category: int
    priority: int
    origin: int
    handler: int
    assigned_at: float
    read_at: float
    postponed: tuple[float, float]  # (start, end); empty interval when never postponed
    new_info_at: float  # customer wrote again; inf when never
    favourite: bool


def _rng(*parts: object) -> random.Random:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _wall_seconds(now: datetime) -> float:
    """Local wall-clock seconds: day boundaries follow the clock's own time zone."""
    return (now.replace(tzinfo=None) - _EPOCH).total_seconds()


@lru_cache(maxsize=8192)
def _day_count(seed: int, day: int) -> int:
    d = _EPOCH.date() + timedelta(days=day)
    season = 1.0 + 0.12 * math.sin(2 * math.pi * (d.timetuple().tm_yday - 30) / 365.0)
    noise = _rng(seed, "count", day).gauss(1.0, 0.08)
    return max(0, round(BASE_PER_DAY * WEEKDAY_FACTOR[d.weekday()] * season * noise))


@lru_cache(maxsize=256)
def _day_requests(seed: int, day: int) -> tuple[Request, ...]:
    rng = _rng(seed, "requests", day)
    n = _day_count(seed, day)
    start = day * DAY
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=n)
    offsets = sorted(h * 3600 + rng.random() * 3600 for h in hours)
    out: list[Request] = []
    for i, off in enumerate(offsets):
        arrived = start + off
        kind = rng.random()
        if kind < 0.6:  # chat, phone, quick questions: the churn a wall screen shows
            life = rng.uniform(5, 60) * 60
        elif kind < 0.88:
            life = rng.uniform(2, 30) * 3600
        else:
            life = rng.uniform(1, LOOKBACK_DAYS - 1) * DAY
        (cat,) = rng.choices(range(len(CATEGORIES)), weights=CATEGORY_WEIGHTS)
        (prio,) = rng.choices(range(len(PRIORITIES)), weights=PRIORITY_WEIGHTS)
        (origin,) = rng.choices(range(len(ORIGINS)), weights=ORIGIN_WEIGHTS)
        (handler,) = rng.choices(range(len(HANDLERS)), weights=HANDLER_WEIGHTS)
        assigned_at = arrived + rng.uniform(0.5, 40) * 60
        read_at = assigned_at + rng.uniform(0.5, 60) * 60
        if rng.random() < 0.18:
            p0 = arrived + life * rng.uniform(0.3, 0.6)
            postponed = (p0, p0 + life * rng.uniform(0.1, 0.35))
        else:
            postponed = (0.0, 0.0)
        new_info_at = arrived + life * rng.uniform(0.5, 0.95) if rng.random() < 0.25 else math.inf
        out.append(
            Request(
                id=10_000 + (day % 90) * 1000 + i,  # unique within the lookback
                title=rng.choice(TITLES),
                arrived=arrived,
                closes=arrived + life,
                category=cat,
                priority=prio,
                origin=origin,
                handler=handler,
                assigned_at=assigned_at,
                read_at=read_at,
                postponed=postponed,
                new_info_at=new_info_at,
                favourite=rng.random() < 0.06,
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    t: float
    today: date
    open: tuple[Request, ...]
    closed_today: int


class HelpDeskModel:
    """The desk; `datasets(panel, now)` gives what GetStatistics answers for one panel."""

    def __init__(self, seed: int = 42, extra_values: int = 0) -> None:
        self.seed = seed
        self.extra_values = max(0, extra_values)
        self._last: _Snapshot | None = None

    # -- the state at one moment -------------------------------------------------------------
    def _snapshot(self, now: datetime) -> _Snapshot:
        t = _wall_seconds(now)
        last = self._last
        if last is not None and last.t == t:
            return last
        today = int(t // DAY)
        open_: list[Request] = []
        closed_today = 0
        for day in range(today - LOOKBACK_DAYS, today + 1):
            for r in _day_requests(self.seed, day):
                if r.arrived > t:
                    break
                if r.closes > t:
                    open_.append(r)
                elif r.closes >= today * DAY:
                    closed_today += 1
        snap = _Snapshot(t, _EPOCH.date() + timedelta(days=today), tuple(open_), closed_today)
        self._last = snap
        return snap

    @staticmethod
    def status_of(r: Request, t: float) -> str:
        """Where an open request is in its life at `t`."""
        if r.postponed[0] <= t < r.postponed[1]:
            return "Postponed"
        f = (t - r.arrived) / (r.closes - r.arrived)
        if f < 0.3:
            return "Open"
        if f < 0.65:
            return "In progress"
        return "Waiting for customer"

    def status_counts(self, now: datetime) -> dict[str, int]:
        """The Status tile: desk-wide counts, Favourites for the demo user."""
        s = self._snapshot(now)
        t = s.t
        return {
            "Open": len(s.open),
            "Unread": sum(1 for r in s.open if t < r.read_at),
            "New information": sum(1 for r in s.open if r.new_info_at <= t),
            "Closed": s.closed_today,
            "Postponed": sum(1 for r in s.open if self.status_of(r, t) == "Postponed"),
            "Unassigned": sum(1 for r in s.open if t < r.assigned_at),
            "Favourites": sum(1 for r in s.open if r.favourite),
        }

    # -- panels --------------------------------------------------------------------------------
    def datasets(self, panel: PanelType, now: datetime) -> tuple[DataSet, ...]:
        """The StatisticsDataSets for one panel type, `DATASETS_PER_PANEL[panel]` of them."""
        s = self._snapshot(now)
        t = s.t
        if panel is PanelType.None_:
            return (DataSet(None, None, ()),)
        if panel is PanelType.OpenRequestsPerCategory:
            counts = self._count(
                s.open, [c for c, _ in CATEGORIES], lambda r: CATEGORIES[r.category][0]
            )
            values = _open_values(counts)
            if self.extra_values:
                rng = _rng(self.seed, "extra", int(t // 5))
                values += tuple(
                    _open_value(f"Extra category {i:05d}", rng.randint(0, 40))
                    for i in range(self.extra_values)
                )
            return (DataSet(panel.title, None, values),)
        if panel is PanelType.OpenRequestsPerTopCategory:
            key = lambda r: CATEGORIES[r.category][1]  # noqa: E731
            return (
                DataSet(panel.title, None, _open_values(self._count(s.open, TOP_CATEGORIES, key))),
            )
        if panel is PanelType.OpenRequestsPerUser:
            names = [h for h, _ in HANDLERS]
            # Unassigned requests have a handler-to-be but nobody holds them yet.
            counts = self._count(
                [r for r in s.open if t >= r.assigned_at], names, lambda r: HANDLERS[r.handler][0]
            )
            return (DataSet(panel.title, None, _open_values(counts)),)
        if panel is PanelType.OpenRequestsPerUserGroup:
            assigned = [r for r in s.open if t >= r.assigned_at]
            counts = self._count(assigned, USER_GROUPS, lambda r: HANDLERS[r.handler][1])
            return (DataSet(panel.title, None, _open_values(counts)),)
        if panel is PanelType.OpenRequestsPerPriority:
            counts = self._count(s.open, PRIORITIES, lambda r: PRIORITIES[r.priority])
            return (DataSet(panel.title, None, _open_values(counts)),)
        if panel is PanelType.OpenRequestsPerStatus:
            counts = self._count(s.open, STATUSES, lambda r: self.status_of(r, t))
            return (DataSet(panel.title, None, _open_values(counts)),)
        if panel is PanelType.OpenRequestsPerOrigin:
            counts = self._count(s.open, ORIGINS, lambda r: ORIGINS[r.origin])
            return (DataSet(panel.title, None, _open_values(counts)),)
        if panel in _CREATED:
            return (self._created(panel, s),)
        if panel in _RESPONSE:
            return self._response_times(panel, s)
        if panel is PanelType.OwnOpenRequests:
            n = sum(1 for r in s.open if r.handler == CURRENT_HANDLER and t >= r.assigned_at)
            name = HANDLERS[CURRENT_HANDLER][0]
            return (
                DataSet(
                    panel.title, None, (DataValue(name, float(n), f"{name}: {n} open requests"),)
                ),
            )
        if panel is PanelType.UnassignedRequests:
            n = sum(1 for r in s.open if t < r.assigned_at)
            return (
                DataSet(
                    panel.title,
                    None,
                    (DataValue("Unassigned", float(n), f"{n} requests without a handler"),),
                ),
            )
        if panel is PanelType.Hotlist:
            hot = sorted(
                (r for r in s.open if r.priority >= 2),
                key=lambda r: (-r.priority, r.arrived),
            )[:6]
            values = tuple(
                DataValue(
                    f"#{r.id} {r.title}",
                    round((t - r.arrived) / 3600, 1),
                    f"{PRIORITIES[r.priority]} · {CATEGORIES[r.category][0]} · "
                    f"{HANDLERS[r.handler][0] if t >= r.assigned_at else 'unassigned'}",
                )
                for r in hot
            )
            return (DataSet(panel.title, "Hours open", values),)
        if panel is PanelType.StatusScreen:
            counts = self.status_counts(now)
            return (
                DataSet(
                    "Status",
                    None,
                    tuple(DataValue(k, float(v), f"{k}: {v}") for k, v in counts.items()),
                ),
            )
        raise ValueError(f"no data for panel {panel!r}")  # pragma: no cover - enum is closed

    @staticmethod
    def _count(reqs: Sequence[Request], labels: Sequence[str], key: object) -> dict[str, int]:
        counts = dict.fromkeys(labels, 0)
        for r in reqs:
            counts[key(r)] += 1  # type: ignore[operator]
        return counts

    # -- timelines -----------------------------------------------------------------------------
    def _created(self, panel: PanelType, s: _Snapshot) -> DataSet:
        today_count = sum(
            1 for r in _day_requests(self.seed, _ordinal(s.today)) if r.arrived <= s.t
        )

        def count(d: date) -> int:
            if d == s.today:
                return today_count
            return 0 if d > s.today else _day_count(self.seed, _ordinal(d))

        values = tuple(
            DataValue(
                label,
                float(sum(count(d) for d in days)),
                f"{label}: {sum(count(d) for d in days)} created",
            )
            for label, days in _periods(panel, s.today)
        )
        return DataSet("Created requests", None, values)

    def _response_times(self, panel: PanelType, s: _Snapshot) -> tuple[DataSet, ...]:
        out = []
        for h in RESPONSE_TIME_HANDLERS:
            name = HANDLERS[h][0]
            base = (1.2, 2.0, 3.4, 4.5, 5.0, 5.5, 2.8, 6.0)[h]
            values = []
            for label, days in _periods(panel, s.today):
                rng = _rng(self.seed, "rt", h, label)
                v = base * rng.uniform(0.7, 1.4)
                if s.today in days:
                    # The current period is still moving: it wobbles hour by hour.
                    v *= _rng(self.seed, "rt-now", h, int(s.t // 3600)).uniform(0.9, 1.1)
                v = round(v, 2)
                values.append(DataValue(label, v, f"{name}, {label}: {v:.1f} h"))
            out.append(DataSet(name, "Average response time (hours)", tuple(values)))
        return tuple(out)


_CREATED = {
    PanelType.NumberOfCreatedRequestsPerDay,
    PanelType.NumberOfCreatedRequestsPerWeek,
    PanelType.NumberOfCreatedRequestsPerMonth,
}
_RESPONSE = {
    PanelType.UserResponseTimePerDay,
    PanelType.UserReponseTimePerWeek,
    PanelType.UserResponseTimePerMonth,
}
_DAYS = {PanelType.NumberOfCreatedRequestsPerDay, PanelType.UserResponseTimePerDay}
_WEEKS = {PanelType.NumberOfCreatedRequestsPerWeek, PanelType.UserReponseTimePerWeek}


def _ordinal(d: date) -> int:
    return (d - _EPOCH.date()).days


def _periods(panel: PanelType, today: date) -> list[tuple[str, list[date]]]:
    """(label, days) of the last 14 days, 12 ISO weeks or 12 months, oldest first; days
    after today are left out."""
    if panel in _DAYS:
        days = [today - timedelta(days=i) for i in range(13, -1, -1)]
        return [(d.isoformat(), [d]) for d in days]
    if panel in _WEEKS:
        monday = today - timedelta(days=today.weekday())
        out = []
        for i in range(11, -1, -1):
            start = monday - timedelta(weeks=i)
            iso = start.isocalendar()
            week_days = [
                start + timedelta(days=k) for k in range(7) if start + timedelta(days=k) <= today
            ]
            out.append((f"{iso.year}-W{iso.week:02d}", week_days))
        return out
    months = []
    y, m = today.year, today.month
    for _ in range(12):
        months.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    out = []
    for y, m in reversed(months):
        first = date(y, m, 1)
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        days = [
            first + timedelta(days=k)
            for k in range((nxt - first).days)
            if first + timedelta(days=k) <= today
        ]
        out.append((f"{y}-{m:02d}", days))
    return out


def _open_value(label: str, n: int) -> DataValue:
    return DataValue(label, float(n), f"{label}: {n} open request{'s' if n != 1 else ''}")


def _open_values(counts: dict[str, int]) -> tuple[DataValue, ...]:
    return tuple(_open_value(k, v) for k, v in counts.items())
