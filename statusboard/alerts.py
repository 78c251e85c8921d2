"""Alerts: the board tells someone when a desk turns red, its data goes stale or its history
store is away — once per event, however many processes and screens.

Rules are `[[alerts]]` tables in statusboard.toml (no code); targets are named, and their
Apprise URLs are secrets (`STATUSBOARD_NOTIFY_<NAME>` or `[notify]` in the secrets file). The
process that polls a desk (its lease holder) evaluates the rules on each poll of that desk
(`Alerts.evaluate`); what each rule last did is kept per desk in `AlertState` (the history
store's, so that a restart or a failover neither repeats nor forgets a message), and the
messages, written in the board's language (`message`, statusboard.texts), go out on a thread of
their own (`Sender`), with retries, never slowing a poll.

    >>> rule = parse_alerts([{"when": "red", "panel": "StatusScreen.Unassigned", "for": "10m",
    ...                       "to": ["team"]}], lambda key, what: None)[0]
    >>> rule.key, rule.hold_s, rule.repeat_s
    ('red:StatusScreen.Unassigned', 600.0, None)
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import pandas as pd

from stats_client.errors import ConfigurationError
from stats_client.history.retention import parse_duration
from stats_client.panels import PanelType

from . import texts
from .rules import Level, Threshold
from .texts import DEFAULT_LANGUAGE, N_
from .texts import gettext as _

log = logging.getLogger(__name__)
# Apprise's own log lines may name a target's address (a secret): only ours are kept.
logging.getLogger("apprise").setLevel(logging.CRITICAL + 1)

When = Literal["amber", "red", "stale", "history-unavailable", "display-silent"]
WHENS: tuple[str, ...] = get_args(When)
_RULE_KEYS = ("when", "panel", "for", "repeat", "to", "urgent")
#: A target's variable: STATUSBOARD_NOTIFY_TEAM for the target "team".
NOTIFY_PREFIX = "STATUSBOARD_NOTIFY_"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One `[[alerts]]` table."""

    when: When
    panel: str | None  # a threshold key ("StatusScreen.Unassigned"); None: every one
    hold_s: float  # `for`: how long it must hold before anyone is told
    repeat_s: float | None  # remind while it holds; None: once
    to: tuple[str, ...]
    urgent: bool = False  # sent during night hours too

    @property
    def key(self) -> str:
        """The rule's name in the store: what it watches (edits of `for`, `repeat` or `to`
        keep what it has already said)."""
        return f"{self.when}:{self.panel or '*'}"


def parse_alerts(raw: object, say: Callable[[str, str], None]) -> tuple[AlertRule, ...]:
    """`[[alerts]]` tables; a wrong one is a sentence naming its key and is left out."""
    if not isinstance(raw, list):
        say("alerts", "must be a list of [[alerts]] tables; no alert is sent.")
        return ()
    out: list[AlertRule] = []
    for i, item in enumerate(raw):
        where = f"alerts[{i}]"
        if not isinstance(item, Mapping):
            say(where, "must be a table with when, for and to; it was left out.")
            continue
        for key in item:
            if key not in _RULE_KEYS:
                say(f"{where}.{key}", f"is not an alert setting (expected one of: "
                    f"{', '.join(_RULE_KEYS)}); it was ignored.")
        try:
            out.append(_rule(item, where))
        except ConfigurationError as exc:
            say(f"{where}{exc};", "the rule was left out.")
    return tuple(out)


def _rule(item: Mapping[str, Any], where: str) -> AlertRule:
    when = item.get("when")
    if when not in WHENS:
        raise ConfigurationError(f".when = {json.dumps(when)} must be one of: "
                                 f"{', '.join(json.dumps(w) for w in WHENS)}")
    panel = item.get("panel")
    if panel is not None and (not isinstance(panel, str) or not panel.strip()):
        raise ConfigurationError(".panel must name a threshold such as "
                                 '"StatusScreen.Unassigned"')
    if panel is not None and when not in ("amber", "red"):
        raise ConfigurationError(f'.panel has no meaning for when = "{when}"')
    hold = _duration(item.get("for", "0s"), "for")
    repeat_raw = item.get("repeat", "off")
    repeat = None if repeat_raw == "off" else _duration(repeat_raw, "repeat")
    if repeat is not None and repeat < 60:
        raise ConfigurationError(".repeat must be at least 1m, or \"off\"")
    to = item.get("to")
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to or not all(isinstance(t, str) and _NAME.fullmatch(t)
                                                     for t in to):
        raise ConfigurationError('.to must list target names such as ["team"] (lower-case '
                                 "letters, digits, dashes)")
    urgent = item.get("urgent", False)
    if not isinstance(urgent, bool):
        raise ConfigurationError(".urgent must be true or false")
    return AlertRule(when, panel.strip() if panel else None, hold, repeat, tuple(to), urgent)


def _duration(raw: object, key: str) -> float:
    if not isinstance(raw, str):
        raise ConfigurationError(f".{key} must be a duration such as \"10m\"")
    try:
        seconds = parse_duration(raw.strip(), what=f".{key}").total_seconds()
    except ConfigurationError as exc:
        raise ConfigurationError(str(exc).rstrip(".")) from None
    if seconds > 7 * 86400:
        raise ConfigurationError(f".{key} = {json.dumps(raw)} is longer than a week")
    return seconds


# -- targets -------------------------------------------------------------------------------------
def targets(env: Mapping[str, str], secrets: Mapping[str, Any]) -> dict[str, str]:
    """Target name → its Apprise URL: `[notify]` of the secrets file, then
    STATUSBOARD_NOTIFY_<NAME> in the environment (which wins)."""
    out: dict[str, str] = {}
    table = secrets.get("notify")
    if isinstance(table, Mapping):
        out.update({str(k).lower(): str(v) for k, v in table.items() if isinstance(v, str)})
    for var, value in env.items():
        if var.startswith(NOTIFY_PREFIX) and value.strip():
            out[var.removeprefix(NOTIFY_PREFIX).lower().replace("_", "-")] = value.strip()
    return out


#: Schemes whose host is only an address (a webhook's server, a mail host): shown. Others
#: (pbul://, ntfy://, msteams://, slack://, …) carry a token or topic there: never shown.
_HOST_SCHEMES = frozenset({"json", "jsons", "xml", "xmls", "form", "forms", "http", "https",
                           "mailto", "mailtos"})


def describe(url: str) -> str:
    """A target as a screen may show it: the service kind, and the host only where it is just
    an address.

        >>> describe("json://user:secret@hooks.example.com:8080/path?token=x")
        'json (hooks.example.com)'
        >>> describe("pbul://o.gn5kj6nfhv736i7jc3cj3qlriyhgl98b")
        'pbul'
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "unreadable URL"
    kind = (parts.scheme or "unknown").lower()
    return f"{kind} ({host})" if host and kind in _HOST_SCHEMES else kind


# -- what a rule watches -------------------------------------------------------------------------
def threshold_value(frame: pd.DataFrame, key: str) -> float | None:
    """The value a threshold key reads in a tidy frame, as the tiles read it: "StatusScreen.X"
    is the Status count X; a panel's wire name is its first data set's value; "Panel.Label" a
    further data set of it, by its label."""
    panel, _, label = key.partition(".")
    rows = frame[frame["panel"] == panel] if not frame.empty else frame
    if rows.empty:
        return None
    if panel == "StatusScreen":
        rows = rows[rows["label"].astype(str) == label] if label else rows.iloc[0:0]
    elif label:
        firsts = rows.sort_values(["dataset", "position"]).groupby("dataset").head(1).iloc[1:]
        rows = firsts[(firsts["dataset_label"].astype(str) == label)
                      | (firsts["label"].astype(str) == label)]
    else:
        rows = rows.sort_values(["dataset", "position"]).iloc[:1]
    if rows.empty:
        return None
    value = float(rows["value"].iloc[0])
    return value if math.isfinite(value) else None


# -- state and events ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Firing:
    """What a rule knows of one condition (a rule and a threshold key, on one desk)."""

    since: datetime | None = None  # when the condition began to hold; None: it does not
    sent_at: datetime | None = None  # when it was last told; None: not told yet
    value: float | None = None  # the value when last seen holding
    #: When it cleared during quiet (night) hours, a rule that is not urgent: its "resolved"
    #: waits for the morning, and says when it cleared.
    cleared: datetime | None = None

    @property
    def told(self) -> bool:
        return self.sent_at is not None


@dataclass(frozen=True, slots=True)
class Event:
    """A message due: what, to whom, and what the state becomes once it is queued."""

    kind: Literal["firing", "reminder", "resolved"]
    rule: AlertRule
    subject: str  # the threshold key, or the rule's when
    desk: str
    value: float | None
    limit: float | None
    since: datetime
    at: datetime
    #: What the subject is when it is not a threshold: the display (a SeenDisplay).
    about: Any = None


class AlertState:
    """Per desk, (rule key, subject) → Firing. Kept in memory here; the history store keeps
    the same in its own table (stats_client.history), which a deployment with history uses."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str], Firing] = {}

    def load(self, desk: str) -> dict[tuple[str, str], Firing]:
        return {(r, s): f for (d, r, s), f in self._rows.items() if d == desk}

    def save(self, desk: str, changed: Mapping[tuple[str, str], Firing],
             outgoing: Sequence[Outgoing] = (), *, now: datetime | None = None
             ) -> list[Outgoing]:
        """Keep what changed; the messages it sends, as they are to be queued (here in
        memory only: a process killed before sending them loses them)."""
        self._remember(desk, changed)
        return list(outgoing)

    def orphans(self, desk: str, now: datetime) -> list[Outgoing]:
        """Messages another process left unsent (none in memory)."""
        return []

    def _remember(self, desk: str, changed: Mapping[tuple[str, str], Firing]) -> None:
        for (rule, subject), firing in changed.items():
            if firing.since is None and firing.sent_at is None:
                self._rows.pop((desk, rule, subject), None)
            else:
                self._rows[(desk, rule, subject)] = firing


class StoredState(AlertState):
    """A desk's state in its history store (`store()`: the open store, or None while it is
    unavailable), so that a restart or another process taking the desk over neither repeats
    a message nor forgets one; kept in memory too while the store is away, and written to it
    when it is back."""

    def __init__(self, store: Callable[[], Any], *, holder: str = "") -> None:
        super().__init__()
        self._store = store
        self._dirty: set[tuple[str, str, str]] = set()
        #: Letters that went out (or were given up) while the store was away: taken off the
        #: outbox when it is back, or a later poller would send them again.
        self._unsettled: set[int] = set()
        #: This process, as the outbox names who sends a letter.
        self.holder = holder or PROCESS

    def load(self, desk: str) -> dict[tuple[str, str], Firing]:
        store = self._store()
        if store is not None:
            try:
                self._settle_left(store)
                if self._dirty:  # what changed while the store was away goes first
                    mine = super().load(desk)
                    store.save_alert_state({(r, s): _row(mine.get((r, s), Firing()))
                                            for d, r, s in self._dirty if d == desk})
                    self._dirty = {k for k in self._dirty if k[0] != desk}
                rows = store.alert_state()
                loaded = {k: Firing(*v) for k, v in rows.items()}
                self._remember(desk, {**{k: Firing() for k in super().load(desk)}, **loaded})
                return loaded
            except Exception as exc:  # the store went away: what is in memory is in force
                log.warning("alerts: the history store cannot be read (%s); the state in "
                            "memory is used", exc)
        return super().load(desk)

    def save(self, desk: str, changed: Mapping[tuple[str, str], Firing],
             outgoing: Sequence[Outgoing] = (), *, now: datetime | None = None
             ) -> list[Outgoing]:
        """Keep what changed, and put the messages it sends in the store's outbox in the same
        transaction: each is settled (taken off) once its target took it or it was given up,
        and a process killed before that leaves it for the desk's next poller (`orphans`).
        While the store is away both are kept in memory only."""
        self._remember(desk, changed)
        store = self._store()
        try:
            if store is None:
                raise RuntimeError("the history store is unavailable")
            letters = [(target, o.kind, o.title, o.body) for o in outgoing for target in o.to]
            ids = iter(store.save_alert_state({k: _row(f) for k, f in changed.items()},
                                              letters, holder=self.holder, at=now))
        except Exception:
            self._dirty |= {(desk, r, s) for r, s in changed}
            return list(outgoing)
        return [replace(o, settle=partial(self._settle, {t: next(ids) for t in o.to}))
                for o in outgoing]

    def orphans(self, desk: str, now: datetime) -> list[Outgoing]:
        """The desk's letters a process left unsettled for ORPHAN_AFTER_S (it was killed, or
        stopped, before sending them), now this process's to send."""
        store = self._store()
        if store is None:
            return []
        try:
            letters = store.claim_letters(self.holder,
                                          now - timedelta(seconds=ORPHAN_AFTER_S), now)
        except Exception as exc:
            log.warning("alerts: the outbox cannot be read (%s)", exc)
            return []
        for letter in letters:
            log.info("alert %s left unsent by another process: sending it now (to %s)",
                     letter.kind, letter.target)
        return [Outgoing(x.title, x.body, (x.target,), x.kind,
                         settle=partial(self._settle, {x.target: x.id})) for x in letters]

    def _settle(self, ids: Mapping[str, int], target: str) -> None:
        if target not in ids:
            return
        self._unsettled.add(ids[target])
        store = self._store()
        if store is not None:
            self._settle_left(store)

    def _settle_left(self, store: Any) -> None:
        """Take off the outbox what went out; what cannot be now is tried at the next poll."""
        for letter_id in sorted(self._unsettled):
            try:
                store.settle_letter(letter_id)
            except Exception as exc:  # kept: tried again when the store is back
                log.warning("alerts: a sent message cannot be taken off the outbox yet (%s)",
                            exc)
                return
            self._unsettled.discard(letter_id)


def _row(firing: Firing) -> tuple[datetime | None, datetime | None, float | None,
                                  datetime | None]:
    return (firing.since, firing.sent_at, firing.value, firing.cleared)


def evaluate(rules: Iterable[AlertRule], state: Mapping[tuple[str, str], Firing], *,
             desk: str, now: datetime, frame: pd.DataFrame,
             thresholds: Mapping[str, Threshold], stale: bool, history_away: bool,
             quiet: bool = False, displays: Mapping[str, Any] | None = None,
             silent_s: float = 0.0) -> tuple[list[Event], dict[tuple[str, str], Firing]]:
    """The messages due now for `desk` and the state to keep (only what changed). Pure: the
    caller stores the state and queues the events together.

    A condition that holds is given its start; once it has held `for`, one message (unless
    `quiet`, the night, and the rule not urgent: then it is sent when the night ends, if it
    still holds); while it holds, a reminder every `repeat`; when it clears after a message,
    one "resolved" (at night, for a rule that is not urgent, in the morning, saying when it
    cleared, unless it came back by then).

    `displays` (id → SeenDisplay) are the deployment's displays, given to the evaluation of
    one desk only (the first: the rule is the deployment's, not a desk's); a wall display
    unheard of for `silent_s` is silent. A display forgotten (a week silent) leaves no state
    behind and no message."""
    events: list[Event] = []
    changed: dict[tuple[str, str], Firing] = {}
    for rule in rules:
        if rule.when == "display-silent":
            if displays is None:
                continue
            for rule_key, subject in state:  # forgotten displays: their state goes too
                if rule_key == rule.key and subject not in displays:
                    changed[(rule.key, subject)] = Firing()
        for subject, holds, value, limit, about in _conditions(
                rule, frame, thresholds, stale, history_away, displays, now, silent_s):
            old = state.get((rule.key, subject), Firing())
            new = old
            muted = quiet and not rule.urgent
            if holds:
                since = old.since or now
                # Back before the morning: it goes on holding, its "resolved" not due.
                new = replace(old, since=since, value=value, cleared=None)
                if not old.told and (now - since).total_seconds() >= rule.hold_s and not muted:
                    events.append(Event("firing", rule, subject, desk, value, limit, since, now,
                                        about))
                    new = replace(new, sent_at=now)
                elif old.told and old.sent_at is not None and rule.repeat_s is not None \
                        and (now - old.sent_at).total_seconds() >= rule.repeat_s and not muted:
                    events.append(Event("reminder", rule, subject, desk, value, limit, since,
                                        now, about))
                    new = replace(new, sent_at=now)
            elif old.told and old.since is not None and muted:
                # Cleared at night: told in the morning (if it does not come back by then),
                # with the time it cleared.
                new = replace(old, cleared=old.cleared or now)
            elif old.since is not None or old.told:
                if old.told and old.since is not None:
                    events.append(Event("resolved", rule, subject, desk, old.value, limit,
                                        old.since, old.cleared or now, about))
                new = Firing()
            if new != old:
                changed[(rule.key, subject)] = new
    return events, changed


def _conditions(rule: AlertRule, frame: pd.DataFrame, thresholds: Mapping[str, Threshold],
                stale: bool, history_away: bool, displays: Mapping[str, Any] | None,
                now: datetime, silent_s: float
                ) -> Iterable[tuple[str, bool, float | None, float | None, Any]]:
    """(subject, holds, value, limit, about) for each thing `rule` watches."""
    if rule.when == "stale":
        yield "stale", stale, None, None, None
        return
    if rule.when == "history-unavailable":
        yield "history-unavailable", history_away, None, None, None
        return
    if rule.when == "display-silent":
        for display_id, seen in sorted((displays or {}).items()):
            if seen.wall:
                silent = (now - seen.last_seen).total_seconds() > silent_s
                yield display_id, silent, None, None, seen
        return
    keys = [rule.panel] if rule.panel else sorted(thresholds)
    wanted: tuple[Level, ...] = ("red",) if rule.when == "red" else ("amber", "red")
    for key in keys:
        threshold = thresholds.get(key)
        if threshold is None:
            continue
        if stale:  # an old value is not evidence either way: keep what is known
            yield from ()
            continue
        value = threshold_value(frame, key)
        level = threshold.level(value)
        yield key, level in wanted, value, threshold.limit(rule.when if rule.when == "red"
                                                           else "amber"), None


# -- messages ------------------------------------------------------------------------------------
#: Each level's word, as the tiles write it ("RØD", "ROT").
_LEVELS = {"amber": N_("AMBER"), "red": N_("RED")}
#: What holds, for a rule that watches no threshold: (title, message, resolved message).
_WHAT = {
    "stale": (N_("{desk} has no fresh data from its NetServer"),
              N_("{desk} has had no fresh data from its NetServer since {time} ({duration})."),
              N_("{desk} has fresh data from its NetServer again: resolved after {duration} "
                 "(from {time}).")),
    "history-unavailable": (
        N_("{desk} cannot reach its history store"),
        N_("{desk} has not reached its history store since {time} ({duration})."),
        N_("{desk} reaches its history store again: resolved after {duration} (from {time}).")),
}


def subject_name(subject: str) -> str:
    """A threshold key as the wall names what it reads, in the language in use (texts.use):
    the panel's own title, and the Status count's or data set's label as the NetServer sends it;
    a key of no known panel as written.

        >>> subject_name("StatusScreen.Open"), subject_name("UnassignedRequests")
        ('Status · Open', 'Unassigned requests')
    """
    panel, _dot, label = subject.partition(".")
    try:
        kind = PanelType.from_wire(panel)
    except ValueError:
        return subject
    title = texts.panel_title(kind, kind.title)
    return f"{title} · {label}" if label else title


def message(event: Event, *, label: str, zone: Any, link: str | None,
            language: str | None = None) -> tuple[str, str]:
    """(title, body) of `event` in `language` (the board's; English when None), for a person to
    act on: the desk, what, the value and its threshold, since when, and where to look."""
    with texts.use(language):
        if event.rule.when == "display-silent":
            return display_message(event, zone=zone)
        since = texts.hm(event.since.astimezone(zone))
        lasted = texts.duration((event.at - event.since).total_seconds())
        if event.rule.when in _WHAT:
            holds, detail, cleared = _WHAT[event.rule.when]
            what = _(holds).format(desk=label)
            # Chosen outside _(): pybabel would take the literal "resolved" for a message.
            said = cleared if event.kind == "resolved" else detail
            body = _(said).format(desk=label, time=since, duration=lasted)
        else:
            words = {"desk": label, "panel": subject_name(event.subject),
                     "level": _(_LEVELS[event.rule.when]), "time": since, "duration": lasted,
                     "value": texts.format_value(event.value)}
            what = _("{desk}: {panel} is {level}").format(**words)
            if event.kind == "resolved":
                body = _("{desk}: {panel} is no longer {level}: resolved after {duration} "
                         "(from {time}).").format(**words)
            elif event.limit is None:
                body = _("{desk}: {panel} is {level}: {value} since {time} ({duration})."
                         ).format(**words)
            else:
                body = _("{desk}: {panel} is {level}: {value} (threshold {threshold}) since "
                         "{time} ({duration}).").format(
                             **words, threshold=texts.format_value(event.limit))
        if event.kind == "resolved":
            title = _("Resolved: {what}").format(what=what)
        elif event.kind == "reminder":
            title = _("Still: {what}").format(what=what)
        else:
            title = what
    if link:
        body += f" {link}"
    return title, body


def display_message(event: Event, *, zone: Any) -> tuple[str, str]:
    """(title, body) of a display's silence, in the language in use (texts.use): which display
    (its name from the kiosk address, else the screen it showed), when it was last heard of,
    for how long, and what to check."""
    seen = event.about
    screen = f"/{seen.screen}" if seen is not None and seen.screen else "/"
    name = (_("Display {name}").format(name=seen.name) if seen is not None and seen.name
            else _("The display on {screen}").format(screen=screen))
    last = event.since if seen is None else seen.last_seen
    words = {"display": name, "screen": screen, "time": texts.hm(last.astimezone(zone)),
             "duration": texts.duration((event.at - last).total_seconds())}
    if event.kind == "resolved":
        return (_("Resolved: {display} reports again").format(**words),
                _("{display} ({screen}) reports again after {duration} of silence (from "
                  "{time}).").format(**words))
    what = _("{display} stopped reporting").format(**words)
    title = what if event.kind == "firing" else _("Still: {what}").format(what=what)
    return title, _("{display} ({screen}) has not reported since {time} ({duration}): it is "
                    "switched off, its browser stopped, or its page froze. Check the screen, "
                    "or restart its browser.").format(**words)


def probe_message(public_url: str | None, target: str,
                  language: str | None = None) -> tuple[str, str]:
    """(title, body) of `statusboard alerts test`'s message to `target`, in `language`."""
    with texts.use(language):
        return (_("Test message from the status board"),
                _("The status board ({url}) can reach target {target}.").format(
                    url=public_url or _("no public_url"), target=target))


# -- sending -------------------------------------------------------------------------------------
#: Seconds between a message's attempts at a target that refuses it (then it is given up).
RETRY_DELAYS_S = (1.0, 5.0, 30.0)
#: A letter in the outbox this old is another process's that was killed (or stopped) before it
#: settled it: well past all its attempts. The desk's poller looks for such every ORPHAN_CHECK_S.
ORPHAN_AFTER_S = 120.0
ORPHAN_CHECK_S = 60.0
#: This process, as the outbox names who sends a letter (with the deployment's own suffix).
PROCESS = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class Outgoing:
    title: str
    body: str
    to: tuple[str, ...]
    kind: str  # firing | reminder | resolved | test | digest (statusboard.digests)
    #: Told each target once it is settled (taken, or given up): the outbox's receipt.
    settle: Callable[[str], None] | None = None


@dataclass
class TargetStatus:
    """What the Connection screen says of a target (never its URL)."""

    name: str
    service: str  # describe(url): the kind and host
    sent: int = 0
    failed: int = 0
    problem: str | None = None  # the last failure, as a sentence; None once one goes through


class Sender:
    """Sends on a thread per target (started with its first message): a message is tried at
    each of its targets, and retried after RETRY_DELAYS_S; a target that still refuses is
    counted and shown, and the others are not held up by it (their own queues and threads)."""

    def __init__(self, urls: Mapping[str, str], *, metrics: Any = None,
                 delays: tuple[float, ...] | None = None) -> None:
        import queue

        self._urls = dict(urls)
        self.status = {name: TargetStatus(name, describe(url)) for name, url in urls.items()}
        self._metrics = metrics
        self._delays = RETRY_DELAYS_S if delays is None else delays
        self._queue_type = queue.Queue
        self._queues: dict[str, queue.Queue[Outgoing | None]] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def sends_to(self, urls: Mapping[str, str]) -> bool:
        """True when these are its targets (a reload with the same secrets keeps it)."""
        return self._urls == dict(urls)

    def retarget(self, urls: Mapping[str, str]) -> None:
        """New targets (an edited secrets file), without dropping what is queued or being
        retried: a message goes to its targets' addresses as they are when it is tried; a
        target that stays keeps its counts."""
        with self._lock:
            self._urls = dict(urls)
            self.status = {name: (self.status[name] if name in self.status
                                  and self.status[name].service == describe(url)
                                  else TargetStatus(name, describe(url)))
                           for name, url in urls.items()}

    def send(self, out: Outgoing) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            for name in out.to:
                waiting = self._queues.get(name)
                if waiting is None:
                    waiting = self._queues[name] = self._queue_type()
                    self._threads[name] = threading.Thread(
                        target=self._run, args=(name, waiting), daemon=True,
                        name=f"statusboard-alerts-{name}")
                    self._threads[name].start()
                waiting.put(out)

    @property
    def stopping(self) -> bool:
        """True once `stop` began: nothing more is sent (what waits stays in the outbox)."""
        return self._stop.is_set()

    def pending(self) -> int:
        """Messages waiting for a target (one per target a message goes to)."""
        with self._lock:
            return sum(q.qsize() for q in self._queues.values())

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._stop.set()
            threads = list(self._threads.values())
            for waiting in self._queues.values():
                waiting.put(None)
        for thread in threads:
            thread.join(timeout / max(1, len(threads)))

    def deliver(self, name: str, title: str, body: str, kind: str = "firing") -> bool:
        """One attempt at target `name`; True when it accepted the message."""
        import apprise

        url = self._urls.get(name)
        status = self.status.get(name)
        if url is None or status is None:
            return False
        notifier = apprise.Apprise()
        if not notifier.add(url):
            variable = NOTIFY_PREFIX + name.upper().replace("-", "_")
            status.problem = (f"Target {name} ({status.service}): its URL is not one Apprise "
                              f"knows; check {variable} (or [notify] in the secrets file).")
            return False
        kinds = {"resolved": apprise.NotifyType.SUCCESS, "test": apprise.NotifyType.INFO,
                 "digest": apprise.NotifyType.INFO}
        try:
            ok = bool(notifier.notify(title=title, body=body,
                                      notify_type=kinds.get(kind, apprise.NotifyType.FAILURE)))
        except Exception:  # a plugin that raises: the same as a refusal
            ok = False
        if ok:
            status.problem = None
        else:
            status.problem = (f"Target {name} ({status.service}) did not accept the last "
                              "message; check that the service is up and the URL is right.")
        return ok

    def _run(self, name: str, waiting: Any) -> None:
        while not self._stop.is_set():
            out = waiting.get()
            if out is None:
                return
            self._one(name, out)

    def _attempt(self, name: str, out: Outgoing) -> bool:
        try:
            return self.deliver(name, out.title, out.body, out.kind)
        except Exception:  # the sending thread outlives anything a target does
            log.exception("sending an alert to target %s failed", name)
            return False

    def _one(self, name: str, out: Outgoing) -> None:
        for attempt in range(len(self._delays) + 1):
            if self._attempt(name, out):
                self._count(name, sent=True)
                self._settle(name, out)
                return
            if attempt < len(self._delays) and self._stop.wait(self._delays[attempt]):
                return  # stopping: left in the outbox, for the next poller to send
        self._count(name, sent=False)
        self._settle(name, out)
        log.warning("alert not delivered to target %s after %d attempts", name,
                    len(self._delays) + 1)

    @staticmethod
    def _settle(name: str, out: Outgoing) -> None:
        if out.settle is not None:
            try:
                out.settle(name)
            except Exception:  # the sending thread outlives anything the store does
                log.exception("settling an alert for target %s failed", name)

    def _count(self, name: str, *, sent: bool) -> None:
        status = self.status.get(name)
        if status is not None:
            if sent:
                status.sent += 1
            else:
                status.failed += 1
        if self._metrics is not None:
            (self._metrics.alerts_sent if sent else self._metrics.alerts_failed).labels(name).inc()


# -- in a deployment -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Setup:
    """What the rules are evaluated with: the configuration in force."""

    rules: tuple[AlertRule, ...] = ()
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)
    interval: float = 30.0
    zone: Any = None
    night: Any = None  # rules.Night or None
    public_url: str | None = None
    language: str = DEFAULT_LANGUAGE  # what the messages are written in (the board's)


class Alerts:
    """A deployment's alerts: the setup in force, the state, the sender. `watch(desk…)` gives
    the observer a desk's poller calls after each of its polls (only the process that polls a
    desk calls it: a follower adopts snapshots, it does not poll)."""

    def __init__(self, sender: Sender, state: AlertState | None = None,
                 displays: Any = None) -> None:
        self.sender = sender
        self.state = state or AlertState()
        self.setup = Setup()
        #: The deployment's displays (statusboard.displays.DisplayBook), for display-silent.
        self.displays = displays
        self._lock = threading.Lock()
        self._orphans_checked: dict[str, datetime] = {}
        #: Who sends this deployment's letters (the outbox): one name per deployment.
        self.holder = f"{PROCESS}:{secrets.token_hex(3)}"

    def configure(self, setup: Setup) -> None:
        self.setup = setup

    def observer(self, *, desk: str, label: str | Callable[[], str], screen: str = "",
                 history: Callable[[], str] = lambda: "off",
                 state: AlertState | None = None,
                 watches_displays: Callable[[], bool] = lambda: False) -> Callable[[Any], None]:
        """`label`: the desk's label, or how to read it now (a relabelled desk keeps polling:
        its messages follow the new label). `watches_displays`: whether this desk's
        evaluation is the one that watches the displays now (the deployment's first desk)."""
        def observe(snap: Any) -> None:
            self.evaluate(snap, desk=desk, label=label() if callable(label) else label,
                          screen=screen, history=history(), state=state,
                          displays=watches_displays())
        return observe

    def evaluate(self, snap: Any, *, desk: str, label: str, screen: str = "",
                 history: str = "off", state: AlertState | None = None,
                 displays: bool = False) -> list[Event]:
        setup = self.setup
        now = snap.attempted_at or snap.fetched_at
        if now is None:
            return []
        if not setup.rules:  # the outbox still holds what another board left (a digest)
            with self._lock:
                queued = self._orphans(state or self.state, desk, now)
            for out in queued:
                self.sender.send(out)
            return []
        fetched = snap.fetched_at
        stale = fetched is None or (now - fetched).total_seconds() > 2 * setup.interval
        quiet = setup.night is not None and setup.night.covers(now.astimezone(setup.zone))
        book = self.displays if displays else None
        known = None
        if book is not None and any(r.when == "display-silent" for r in setup.rules):
            known = book.known(now)
        with self._lock:  # one desk's evaluation at a time: its state is read and written whole
            kept = state or self.state
            loaded = kept.load(desk)
            events, changed = evaluate(setup.rules, loaded, desk=desk, now=now,
                                       frame=snap.frame, thresholds=setup.thresholds,
                                       stale=stale, history_away=history == "unavailable",
                                       quiet=quiet, displays=known,
                                       silent_s=book.silent_s if book is not None else 0.0)
            link = f"{setup.public_url}/{screen}" if setup.public_url else None
            outgoing = []
            for event in events:
                title, body = message(event, label=label, zone=setup.zone, link=link,
                                      language=setup.language)
                outgoing.append(Outgoing(title, body, event.rule.to, event.kind))
                log.info("alert %s: %s (to %s)", event.kind, title, ", ".join(event.rule.to))
            # The state and the messages together (the store's outbox): none sent twice, none
            # lost to a board killed before sending it.
            queued = kept.save(desk, changed, outgoing, now=now)
            queued += self._orphans(kept, desk, now)
        for out in queued:
            self.sender.send(out)
        return events

    def _orphans(self, kept: AlertState, desk: str, now: datetime) -> list[Outgoing]:
        """What other processes left in the desk's outbox, every ORPHAN_CHECK_S."""
        last = self._orphans_checked.get(desk)
        if last is not None and (now - last).total_seconds() < ORPHAN_CHECK_S:
            return []
        self._orphans_checked[desk] = now
        return kept.orphans(desk, now)

    def stop(self) -> None:
        self.sender.stop()
