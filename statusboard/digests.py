"""Daily digests: each desk's key numbers of the day, sent once a day to those who do not
watch the wall — open, unassigned, created today, closed today and the response time, each
with its change against the same time last week.

Digests are `[[digests]]` tables in statusboard.toml (`at`, `days`, `to`); they go out through
the alerts' targets and sending thread (statusboard.alerts.Sender). The process that polls a
desk (its lease holder) checks after each poll whether a digest is due (`due`); that one was
sent is kept in the alerts' state (rule key "digest:16:00", subject the local ISO date), in the
history store, before the message is queued: a restart or a failover does not send it again.

    >>> rule = parse_digests([{"at": "16:00", "days": "mon-fri", "to": ["leads"]}],
    ...                      lambda key, what: None)[0]
    >>> rule.key, rule.days_text
    ('digest:16:00', 'mon-fri')
    >>> due(rule, datetime(2026, 12, 4, 16, 30), sent=())  # a Friday
    True
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import pandas as pd

from stats_client.errors import ConfigurationError
from stats_client.history import Reading
from stats_client.timeline import day_dates, response_rows, response_time

from . import texts
from .alerts import _NAME, AlertState, Firing, Outgoing, Sender, threshold_value
from .displays import display_name
from .texts import DEFAULT_LANGUAGE, N_
from .texts import gettext as _

log = logging.getLogger(__name__)

_DIGEST_KEYS = ("at", "days", "to")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = frozenset(range(7))
#: The rule keys of digests in the alerts' state begin with it.
KEY_PREFIX = "digest:"
_HHMM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
STATUS_PANEL = "StatusScreen"
CREATED_PANEL = "NumberOfCreatedRequestsPerDay"


@dataclass(frozen=True, slots=True)
class DigestRule:
    """One `[[digests]]` table: at `at` (the board's time zone) on `days` (0 is Monday)."""

    at: time
    to: tuple[str, ...]
    days: frozenset[int] = EVERY_DAY

    @property
    def key(self) -> str:
        """Its name in the alerts' state: its time (one digest per time of day)."""
        return f"{KEY_PREFIX}{self.at:%H:%M}"

    @property
    def days_text(self) -> str:
        """Its days as written back: "every day", "mon-fri", "mon,wed,fri"."""
        if self.days == EVERY_DAY:
            return "every day"
        ordered = sorted(self.days)
        if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
            return f"{DAY_NAMES[ordered[0]]}-{DAY_NAMES[ordered[-1]]}"
        return ",".join(DAY_NAMES[d] for d in ordered)


def parse_days(text: object) -> frozenset[int]:
    """ "mon-fri", "sat,sun", "mon,wed,fri", "fri-mon" (across the week's end) → weekdays.

        >>> sorted(parse_days("fri-mon"))
        [0, 4, 5, 6]
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigurationError('.days must name days such as "mon-fri" or "sat,sun"')
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if first not in DAY_NAMES or (dash and last not in DAY_NAMES):
            raise ConfigurationError(f'.days = "{text}" is not a list of days such as '
                                     '"mon-fri" or "mon,wed,fri" (mon tue wed thu fri sat sun)')
        start = DAY_NAMES.index(first)
        end = DAY_NAMES.index(last) if dash else start
        days.update((start + i) % 7 for i in range((end - start) % 7 + 1))
    return frozenset(days)


def parse_digests(raw: object, say: Callable[[str, str], None]) -> tuple[DigestRule, ...]:
    """`[[digests]]` tables; a wrong one is a sentence naming its key and is left out."""
    if not isinstance(raw, list):
        say("digests", "must be a list of [[digests]] tables; no digest is sent.")
        return ()
    out: list[DigestRule] = []
    for i, item in enumerate(raw):
        where = f"digests[{i}]"
        if not isinstance(item, Mapping):
            say(where, "must be a table with at and to; it was left out.")
            continue
        for key in item:
            if key not in _DIGEST_KEYS:
                say(f"{where}.{key}", f"is not a digest setting (expected one of: "
                    f"{', '.join(_DIGEST_KEYS)}); it was ignored.")
        try:
            rule = _rule(item)
        except ConfigurationError as exc:
            say(f"{where}{exc};", "the digest was left out.")
            continue
        if any(r.key == rule.key for r in out):
            say(f"{where}.at", f'= "{rule.at:%H:%M}" is the time of an earlier digest; one '
                "digest per time of day (put its targets in that one's to); it was left out.")
            continue
        out.append(rule)
    return tuple(out)


def _rule(item: Mapping[str, Any]) -> DigestRule:
    at = item.get("at")
    found = _HHMM.fullmatch(at.strip()) if isinstance(at, str) else None
    if found is None:
        shown = f'"{at}"' if isinstance(at, str) else "missing" if at is None else repr(at)
        raise ConfigurationError(f".at = {shown} is not a time of day (HH:MM, 24-hour, the "
                                 "board's time zone)" if at is not None else
                                 ".at is missing (a time of day such as \"16:00\")")
    days = parse_days(item["days"]) if "days" in item else EVERY_DAY
    to = item.get("to")
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to or not all(isinstance(t, str) and _NAME.fullmatch(t)
                                                     for t in to):
        raise ConfigurationError('.to must list target names such as ["leads"] (lower-case '
                                 "letters, digits, dashes)")
    return DigestRule(time(int(found.group(1)), int(found.group(2))), tuple(to), days)


# -- when --------------------------------------------------------------------------------------
def due(rule: DigestRule, now: datetime, sent: Iterable[str]) -> bool:
    """True when `rule`'s digest is due at `now` (the board's local time): today is one of its
    days, it is `at` or later, and it was not sent today (`sent`: the ISO dates it was sent
    on). A board that was down at `at` sends it when it is back the same day; a day missed
    stays missed."""
    return (now.weekday() in rule.days and now.time().replace(tzinfo=None) >= rule.at
            and now.date().isoformat() not in set(sent))


def next_due(rule: DigestRule, now: datetime, sent: Iterable[str]) -> datetime:
    """When `rule`'s digest goes out next (in `now`'s zone): `now` when it is due (late)."""
    if due(rule, now, sent):
        return now
    sent_today = now.date().isoformat() in set(sent)
    for ahead in range(8):
        day = now.date() + timedelta(days=ahead)
        if day.weekday() not in rule.days:
            continue
        if ahead == 0 and (sent_today or now.time().replace(tzinfo=None) >= rule.at):
            continue
        return datetime.combine(day, rule.at, tzinfo=now.tzinfo)
    raise AssertionError("a digest has at least one day")  # pragma: no cover - parse_days


# -- what --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Figure:
    """One of a digest's numbers: its value now and at the same time a week ago (None: n/a)."""

    name: str  # the board's own word (English, N_): the message says it in its language
    value: float | None
    last_week: float | None = None
    period: str = ""  # the response time's period ("W49"), when it names one


@dataclass(frozen=True, slots=True)
class Numbers:
    """A desk's digest: its figures, and when they are from (the board's local times)."""

    figures: tuple[Figure, ...]
    now: datetime
    data_at: datetime | None  # when the numbers were fetched; None: never
    stale: bool = False


def numbers(frame: pd.DataFrame, *, now: datetime, fetched: datetime | None, stale: bool,
            store: Any = None) -> Numbers:
    """The digest's figures from a desk's latest frame, and from its history store (None: no
    history) their values at the same local time a week ago. `now` and `fetched` in the
    board's zone. Created and closed today are today's only when the data is today's."""
    week_ago = now - timedelta(days=7)  # the same wall-clock time (aware arithmetic)
    today = now.date()
    fresh_today = fetched is not None and fetched.date() == today

    def then(panel: str, label: str | None) -> float | None:
        if store is None or label is None:
            return None
        reading: Reading | None = store.value_at(panel, label=label, when=week_ago)
        # value_at gives the oldest value when history is shorter: that is not last week's.
        return reading.value if reading is not None and reading.time <= week_ago else None

    def status(label: str) -> float | None:
        return threshold_value(frame, f"{STATUS_PANEL}.{label}") if not frame.empty else None

    created_rows = frame[frame["panel"] == CREATED_PANEL] if not frame.empty else frame
    days = day_dates(created_rows) if not created_rows.empty else {}
    created = days[today][1] if fresh_today and today in days else None
    before = today - timedelta(days=7)
    last_label = days[before][0] if before in days else before.isoformat()
    response = response_time(response_rows(frame))
    # The names are the board's words (the Desks screen's column heads for the same counts);
    # the labels read are the Status tile's as SuperOffice sends them, never translated.
    figures = [Figure(N_("Open"), status("Open")),
               Figure(N_("Unassigned"), status("Unassigned")),
               Figure(N_("Created today"), created),
               Figure(N_("Closed today"), status("Closed") if fresh_today else None)]
    last_response = None
    try:
        lasts = [then(STATUS_PANEL, "Open"), then(STATUS_PANEL, "Unassigned"),
                 then(CREATED_PANEL, last_label), then(STATUS_PANEL, "Closed")]
        rows = response_rows(frame)
        if store is not None and rows is not None:
            past = store.rows_at(str(rows["panel"].iloc[0]), when=week_ago)
            last_response = response_time(past).value
    except Exception as exc:  # the store went away: the numbers go out without changes
        log.warning("digest: the history store cannot be read (%s); no changes are given", exc)
        lasts = [None] * 4
    figures = [Figure(f.name, f.value, last) for f, last in zip(figures, lasts, strict=True)]
    figures.append(Figure(N_("Response time"), response.value, last_response, response.period))
    return Numbers(tuple(figures), now, fetched, stale)


def _change(figure: Figure) -> str | None:
    """The change against last week in the language's numbers, signed as the board writes it
    ("+12", "−3", "±0", "+1\xa0234"); None when either value is missing."""
    if figure.value is None or figure.last_week is None:
        return None
    delta = figure.value - figure.last_week
    if delta == 0:
        return "±0"
    return ("+" if delta > 0 else "−") + texts.format_value(abs(delta))


def digest_message(digest: Numbers, *, label: str, link: str | None,
                   language: str | None = None) -> tuple[str, str]:
    """(title, body) of a desk's digest in `language` (the board's; English when None): every
    text of it is written here, numbers, dates and times in the language's own forms. Missing
    numbers and changes are "n/a", never 0.

        >>> now = datetime(2026, 12, 4, 16, 0)
        >>> title, body = digest_message(Numbers((Figure("Open", 42, 40),
        ...     Figure("Closed today", None)), now, now), label="North", link=None)
        >>> title
        'North: the day so far (Fri 4 Dec, 16:00)'
        >>> print(body)
        Open: 42 (+2 against last Friday)
        Closed today: n/a (last Friday: n/a)
    """
    now = digest.now
    with texts.use(language):
        # The same weekday last week, as a whole sentence names it ("fredag", "Freitag").
        words = {"weekday": texts.weekday_long(now)}
        # TRANSLATORS: a digest's title; {date} as "Fri 4 Dec", {time} in the clock's form.
        title = _("{desk}: the day so far ({date}, {time})").format(
            desk=label, date=texts.short_date(now), time=texts.hm(now))
        lines = []
        for figure in digest.figures:
            # The period is a label as the NetServer sent it: plain words only in a chat
            # message (no markup, no link, no @channel).
            shown = display_name(figure.period)
            name = _(figure.name) + (f" ({shown})" if shown else "")
            change = _change(figure)
            said = {**words, "figure": name, "value": texts.format_value(figure.value)}
            if change is None:
                # TRANSLATORS: a digest's line: {figure} "Open", {value} "42"; {weekday} today's
                # whole name as written mid-sentence ("Friday", "fredag").
                lines.append(_("{figure}: {value} (last {weekday}: n/a)").format(**said))
            else:
                # TRANSLATORS: a digest's line: {figure} "Open", {value} "42", {change} "+12",
                # "−3" or "±0"; {weekday} today's whole name as written mid-sentence.
                lines.append(_("{figure}: {value} ({change} against last {weekday})").format(
                    **said, change=change))
        if digest.data_at is None:
            lines.append(_("No numbers: the NetServer has not answered."))
        elif digest.stale:
            data_at = digest.data_at
            if data_at.date() == now.date():
                lines.append(_("The numbers are from {time}: the NetServer has not answered "
                               "since.").format(time=texts.hm(data_at)))
            else:
                lines.append(_("The numbers are from {date} {time}: the NetServer has not "
                               "answered since.").format(date=texts.short_date(data_at),
                                                         time=texts.hm(data_at)))
    if link:
        lines.append(link)
    return title, "\n".join(lines)


# -- in a deployment ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Setup:
    """What the digests are sent with: the configuration in force."""

    rules: tuple[DigestRule, ...] = ()
    interval: float = 30.0
    zone: Any = None
    public_url: str | None = None
    language: str = DEFAULT_LANGUAGE  # what the digests are written in (the board's)


def sent_dates(state: Mapping[tuple[str, str], Firing], rule: DigestRule) -> set[str]:
    """The dates (ISO) `rule`'s digest is recorded as sent in a desk's alert state."""
    return {subject for (key, subject), firing in state.items()
            if key == rule.key and firing.sent_at is not None}


class Digests:
    """A deployment's digests: the setup in force and the sender (the alerts'). `observer`
    gives what a desk's poller calls after each of its polls (only the lease holder polls)."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.setup = Setup()
        self._lock = threading.Lock()

    def configure(self, setup: Setup) -> None:
        self.setup = setup

    def observer(self, *, desk: str, label: str | Callable[[], str], screen: str = "",
                 store: Callable[[], Any] = lambda: None,
                 state: AlertState | None = None) -> Callable[[Any], None]:
        kept = state or AlertState()

        def observe(snap: Any) -> None:
            self.evaluate(snap, desk=desk, label=label() if callable(label) else label,
                          screen=screen, store=store(), state=kept)
        return observe

    def evaluate(self, snap: Any, *, desk: str, label: str, state: AlertState,
                 screen: str = "", store: Any = None) -> list[DigestRule]:
        """Send the digests due after this poll; the ones sent."""
        setup = self.setup
        now = snap.attempted_at or snap.fetched_at
        if not setup.rules or now is None:
            return []
        local = now.astimezone(setup.zone)
        with self._lock:  # the state of a desk is read and written whole
            kept = state.load(desk)
            rules = [r for r in setup.rules if due(r, local, sent_dates(kept, r))]
            if not rules:
                return []
            fetched = snap.fetched_at
            stale = fetched is None or (now - fetched).total_seconds() > 2 * setup.interval
            made = numbers(snap.frame, now=local, stale=stale, store=store,
                           fetched=fetched.astimezone(setup.zone) if fetched else None)
            today = local.date().isoformat()
            changed: dict[tuple[str, str], Firing] = {}
            for rule in rules:  # today's sent, the days before forgotten (one row each)
                changed.update({(rule.key, d): Firing() for d in sent_dates(kept, rule)})
                changed[(rule.key, today)] = Firing(sent_at=now)
            link = f"{setup.public_url}/{screen}" if setup.public_url else None
            title, body = digest_message(made, label=label, link=link,
                                         language=setup.language)
            # Recorded as sent with the message in the store's outbox, in one transaction:
            # never sent twice, not lost to a board killed before sending it.
            queued = state.save(desk, changed, [Outgoing(title, body, rule.to, "digest")
                                                for rule in rules], now=now)
        for out, rule in zip(queued, rules, strict=True):
            self.sender.send(out)
            log.info("digest %s for desk %s (to %s)", rule.key, desk, ", ".join(rule.to))
        return rules

