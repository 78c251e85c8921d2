"""Pure period labels: how a NetServer might spell a day, week or month, and their time order.

Nobody has documented how a real NetServer labels its per-day, per-week and per-month panels,
so the common spellings in English, Norwegian, Swedish, Danish, German and Dutch are read here
once. A label
that names its year becomes a dated `Period`; one without ("Week 42", "Nov", "Mon") is a
`Recurring` period, ordered by where it falls in the server's sequence.

    >>> parse_period("Uke 42 2026")
    Period(start=datetime.date(2026, 10, 12), end=datetime.date(2026, 10, 19), granularity='week')
    >>> time_order(["Nov", "Des", "Jan"], "month").labels
    ('Nov', 'Des', 'Jan')
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Literal

Granularity = Literal["day", "week", "month"]


@dataclass(frozen=True, slots=True)
class Period:
    """A dated period: `end` is exclusive."""

    start: date
    end: date
    granularity: Granularity


@dataclass(frozen=True, slots=True)
class Recurring:
    """A period named without its year: ISO week 1–53, month 1–12, or weekday 1–7 (Monday 1)."""

    number: int
    granularity: Granularity


@dataclass(frozen=True, slots=True)
class TimeOrder:
    """A panel's distinct labels in time order, or as sent when they do not all parse."""

    labels: tuple[str, ...]
    periods: dict[str, Period] | None  # every label's dates, when every label names its year
    granularity: Granularity | None  # None: the labels are not periods; kept as sent

    @property
    def parsed(self) -> bool:
        return self.granularity is not None


def _names(*groups: str) -> dict[str, int]:
    """{"jan": 1, …} from space-separated names, one group per language, in calendar order."""
    out: dict[str, int] = {}
    for group in groups:
        for number, name in enumerate(group.split(), start=1):
            for alias in name.split("|"):
                out[alias] = number
    return out


MONTHS: dict[str, int] = _names(
    "january february march april may june july august september october november december",
    "januar februar mars april mai juni juli august september oktober november desember",
    "januari februari mars april maj juni juli augusti september oktober november december",
    "januar februar marts april maj juni juli august september oktober november december",
    "jan feb mar apr may jun jul aug sep|sept oct nov dec",
    "jan feb mar apr mai jun jul aug sep|sept okt nov des",
    "jan feb mar apr maj jun jul aug sep|sept okt nov dec",
    "januar|jänner februar|feber märz|maerz april mai juni juli august september oktober "
    "november dezember",  # German
    "jan|jän feb mär|mrz|maer apr mai jun jul aug sep|sept okt nov dez",
    "januari februari maart april mei juni juli augustus september oktober november "
    "december",  # Dutch
    "jan feb mrt|maa apr mei jun jul aug sep|sept okt nov dec",
)

WEEKDAYS: dict[str, int] = _names(
    "monday tuesday wednesday thursday friday saturday sunday",
    "mon tue|tues wed thu|thur|thurs fri sat sun",
    "mandag tirsdag onsdag torsdag fredag lørdag søndag",  # Norwegian and Danish
    "man tir|tirs ons tor|tors fre lør søn",
    "måndag tisdag onsdag torsdag fredag lördag söndag",
    "mån tis ons tor|tors fre lör sön",
    "montag dienstag mittwoch donnerstag freitag samstag|sonnabend sonntag",  # German
    "mo di mi do fr sa so",
    "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",  # Dutch
    "ma di wo do vr za zo",
)

#: The word for week, and its short forms, in English, Norwegian (both), Swedish, Danish,
#: German ("KW 48": Kalenderwoche) and Dutch ("week", "wk").
WEEK_WORDS = ("kalenderwoche", "woche", "week", "wk", "kw", "w", "uke", "veke", "u", "vecka",
              "v", "uge")

_SEP = r"[\s,/.-]*"
_TIME = r"(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
_YMD = re.compile(rf"^(\d{{4}})[-/](\d{{1,2}})[-/](\d{{1,2}}){_TIME}$")
_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_ISO_WEEK = re.compile(r"^(\d{4})-?w(\d{1,2})$")
_WORD_WEEK = re.compile(
    rf"^(?:(\d{{4}}){_SEP})?(?:{'|'.join(WEEK_WORDS)})\.?\s*(\d{{1,2}})(?:{_SEP}(\d{{4}}))?$")
_YEAR_N = re.compile(r"^(\d{4})[-/. ](\d{1,2})$")
_N_YEAR = re.compile(r"^(\d{1,2})[-/. ](\d{4})$")
_NUMBER = re.compile(r"^(\d{1,2})$")
_NAME_YEAR = re.compile(rf"^([^\W\d_]+)\.?(?:{_SEP}(\d{{4}}))?$")
_YEAR_NAME = re.compile(rf"^(\d{{4}}){_SEP}([^\W\d_]+)\.?$")
_WEEKDAY_FIRST = re.compile(r"^([^\W\d_]+)\.?,?\s+(.+)$")


def _day(year: int, month: int, day: int, grain: Granularity | None) -> Period:
    """A date; in a per-week or per-month panel it stands for the week it starts or its month."""
    start = date(year, month, day)
    if grain == "week":
        return Period(start, start + timedelta(days=7), "week")
    if grain == "month":
        return _dated_month(year, month)
    return Period(start, start + timedelta(days=1), "day")


def _week(year: int | None, week: int) -> Period | Recurring:
    if year is None:
        if not 1 <= week <= 53:
            raise ValueError(week)
        return Recurring(week, "week")
    start = date.fromisocalendar(year, week, 1)
    return Period(start, start + timedelta(days=7), "week")


def _month(year: int | None, month: int) -> Period | Recurring:
    if not 1 <= month <= 12:
        raise ValueError(month)
    return Recurring(month, "month") if year is None else _dated_month(year, month)


def _dated_month(year: int, month: int) -> Period:
    start = date(year, month, 1)
    return Period(start, start + timedelta(days=calendar.monthrange(year, month)[1]), "month")


def _numbered(year: int | None, number: int, grain: Granularity | None) -> Period | Recurring:
    """"2026-11", "11/2026", "42": a week or a month, as the panel says, else as it must be."""
    if grain == "week" or (grain is None and number > 12 and year is not None):
        return _week(year, number)
    if grain == "month" or (grain is None and year is not None):
        return _month(year, number)
    raise ValueError(number)  # a bare number in a per-day panel, or with no panel to say


def _year(text: str | None) -> int | None:
    return int(text) if text else None


def parse_period(label: object, grain: Granularity | None = None) -> Period | Recurring | None:
    """A period label as dates, or as a recurring week, month or weekday; None if it is none.

    `grain` is what the panel is (per day, week or month): it settles "2026-11" and "11".

        >>> parse_period("2026-11", "week").start, parse_period("november 2026").start
        (datetime.date(2026, 3, 9), datetime.date(2026, 11, 1))
    """
    if not isinstance(label, str):
        return None
    text = " ".join(label.split()).casefold()
    try:
        return _parse(text, grain)
    except ValueError:  # 2026-13, 2026-W60, 2026-02-30
        return None


def _parse(text: str, grain: Granularity | None) -> Period | Recurring | None:
    if m := _YMD.match(text):
        return _day(int(m[1]), int(m[2]), int(m[3]), grain)
    if m := _DMY.match(text):
        day, month = int(m[1]), int(m[2])
        if month > 12 >= day:  # 11/27/2026: month first
            day, month = month, day
        return _day(int(m[3]), month, day, grain)
    if m := _ISO_WEEK.match(text):
        return _week(int(m[1]), int(m[2]))
    if m := _WORD_WEEK.match(text):
        if m[1] and m[3]:
            return None
        return _week(_year(m[1] or m[3]), int(m[2]))
    if m := _YEAR_N.match(text):
        return _numbered(int(m[1]), int(m[2]), grain)
    if m := _N_YEAR.match(text):
        return _numbered(int(m[2]), int(m[1]), grain)
    if m := _NUMBER.match(text):
        return _numbered(None, int(m[1]), grain)
    if (m := _NAME_YEAR.match(text)) and m[1] in MONTHS:
        return _month(_year(m[2]), MONTHS[m[1]])
    if (m := _YEAR_NAME.match(text)) and m[2] in MONTHS:
        return _month(int(m[1]), MONTHS[m[2]])
    if text.rstrip(".") in WEEKDAYS:
        return Recurring(WEEKDAYS[text.rstrip(".")], "day")
    if (m := _WEEKDAY_FIRST.match(text)) and m[1] in WEEKDAYS:  # "Mon 23.11.2026"
        return _parse(m[2], grain)
    return None


def _number(period: Period | Recurring) -> int:
    """Where a period falls within its year (or week, for weekdays)."""
    if isinstance(period, Recurring):
        return period.number
    if period.granularity == "week":
        return period.start.isocalendar().week
    if period.granularity == "month":
        return period.start.month
    return period.start.isoweekday()


def _recurring_order(numbers: Sequence[int]) -> list[int]:
    """Indices in time order for periods without a year: without one, only the server's
    sequence can tell which "Week 1" follows "Week 52"; reversed when it mostly counts down."""
    ups = sum(b > a for a, b in pairwise(numbers))
    downs = sum(b < a for a, b in pairwise(numbers))
    indices = list(range(len(numbers)))
    return indices[::-1] if downs > ups else indices


def time_order(labels: Sequence[object], grain: Granularity | None = None) -> TimeOrder:
    """The distinct labels in time order when all parse as periods of one granularity, with
    their dates when all name their year; else in the order sent, unchanged.

        >>> time_order(["2026-W48", "2026-W47"]).labels
        ('2026-W47', '2026-W48')
        >>> time_order(["Q3", "Q4"]).parsed
        False
    """
    distinct = tuple(dict.fromkeys("" if x is None else str(x) for x in labels))
    parsed = [parse_period(label, grain) for label in distinct]
    kinds = {p.granularity for p in parsed if p is not None}
    if not distinct or any(p is None for p in parsed) or len(kinds) != 1:
        return TimeOrder(distinct, None, None)
    found = [p for p in parsed if p is not None]
    (kind,) = kinds
    dated = [p for p in found if isinstance(p, Period)]
    if len(dated) == len(found):
        order = sorted(range(len(dated)), key=lambda i: dated[i].start)  # stable: ties as sent
        return TimeOrder(tuple(distinct[i] for i in order),
                         dict(zip(distinct, dated, strict=True)), kind)
    order = _recurring_order([_number(p) for p in found])
    return TimeOrder(tuple(distinct[i] for i in order), None, kind)
