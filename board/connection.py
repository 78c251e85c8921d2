"""What the Connection screen lists, as pure (label, text) rows: never a secret.

    >>> from stats_client.poller import Snapshot
    >>> rows = dict(connection_rows(None, Snapshot(), interval=30, demo=True, source="x.toml"))
    >>> rows["Last error"]
    'none'
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from stats_client.errors import ConfigurationError
from stats_client.freshness import format_age
from stats_client.poller import Snapshot
from stats_client.recorder import HistoryStatus
from statusboard.deployment import Connection
from statusboard.metrics import Display
from statusboard.texts import LANGUAGE_NAMES
from statusboard.zone import parse_zone


def _when(moment: datetime | None, now: datetime | None) -> str:
    """A moment in `now`'s zone (the board's), with its age; UTC when there is no `now`."""
    if moment is None:
        return "never"
    local = moment.astimezone(now.tzinfo if now is not None else UTC)
    text = f"{local:%Y-%m-%d %H:%M:%S}"
    return f"{text} ({format_age((now - moment).total_seconds())})" if now else text


def connection_rows(conn: Connection | None, snap: Snapshot, *, interval: float, demo: bool,
                    source: str, now: datetime | None = None, fatal: str | None = None,
                    http_calls: int | None = None, desk: str = "") -> list[tuple[str, str]]:
    """The desk, endpoint, transport, credential kind, polling figures and the last error in
    words."""
    rows: list[tuple[str, str]] = [("Desk", desk)] if desk else []
    if conn is None:
        rows.append(("Endpoint", "not configured"))
    else:
        mode = " (demo NetServer in this process, loopback)" if demo else ""
        rows += [("Endpoint", conn.endpoint + mode), ("Transport", conn.transport),
                 ("Credentials", conn.credential)]
        renewal = conn.details.get("ticket_renewal")
        if renewal:
            rows.append(("Ticket", renewal))
        if conn.insecure:
            rows.append(("Not secure", " ".join(conn.insecure)))
    duration = "—" if snap.duration_s is None else f"{snap.duration_s * 1000:,.0f} ms"
    rows += [
        ("Poll interval", f"{interval:g} s"),
        ("Last poll", f"{_when(snap.attempted_at, now)}, took {duration}"),
        ("Last good data", _when(snap.fetched_at, now)),
        ("Polls made", f"{snap.calls:,} ({snap.seq:,} good)"),
        *([("GetStatistics calls", f"{http_calls:,}")] if http_calls is not None else []),
        ("Failures in a row", f"{snap.failures:,}"),
        ("Last error", fatal or snap.error or "none"),
        ("Screen configuration", source),
    ]
    if snap.error_since is not None and snap.failures:
        rows.insert(-1, ("Failing since", _when(snap.error_since, now)))
    return rows


def alert_rows(targets: list[Any], rules: int) -> list[tuple[str, str]]:
    """Each alert target: its service and host (never its URL), what it took and refused,
    and its last failure."""
    if not targets:
        return [("Alerts", f"{rules} rule{'s' if rules != 1 else ''}, no target") if rules
                else ("Alerts", "none ([[alerts]] in statusboard.toml)")]
    out = []
    for t in targets:
        counts = f"{t.sent:,} sent, {t.failed:,} not delivered"
        out.append((f"Alert target {t.name}",
                    f"{t.service}; {counts}" + (f"; {t.problem}" if t.problem else "")))
    return out


def health_rows(snap: Snapshot, *, interval: float, now: datetime | None, state: str,
                desk: str = "") -> list[tuple[str, str]]:
    """What anybody may see of the connection: whether the data is fresh and when the board
    last polled, never where it polls, how, with what or where it keeps its history."""
    rows: list[tuple[str, str]] = [("Desk", desk)] if desk else []
    return [
        *rows,
        ("Data", state),
        ("Poll interval", f"{interval:g} s"),
        ("Last poll", _when(snap.attempted_at, now)),
        ("Last good data", _when(snap.fetched_at, now)),
        ("Failures in a row", f"{snap.failures:,}"),
    ]


#: What the Connection screen says where its details would be, to a visitor who may not see
#: them: how to turn them on.
DETAILS_HIDDEN = ("Where the board polls, with which credentials, where it keeps its history and "
                  "the raw data are shown on the board's own machine (a board listening on "
                  "127.0.0.1), or after a login: configure [auth] (OpenID Connect) in "
                  ".streamlit/secrets.toml. See the README, Who sees the board.")


def zone_row(zone: ZoneInfo, browser_zone: str | None,
             source: str = "statusboard.toml") -> tuple[str, str]:
    """The board's time zone, and, when this browser keeps another time, what to set if the
    wall's screens are where this browser is (the administrator's laptop may not be).

        >>> zone_row(ZoneInfo("UTC"), "Europe/Oslo")[1][:46]
        'UTC; this browser keeps Europe/Oslo time: if t'
    """
    try:  # what the browser says it is: only a zone name we know is worth repeating
        other = parse_zone(browser_zone or "")
    except ConfigurationError:
        return ("Time zone", zone.key)
    if _same_clock(zone, other):  # the same zone, or another name for it (Etc/UTC and UTC)
        return ("Time zone", zone.key)
    return ("Time zone", f"{zone.key}; this browser keeps {other.key} time: if the wall's "
            f'screens are there too, set time_zone = "{other.key}" in {source}')


def language_row(language: str, board: str, asked: str | None = None) -> tuple[str, str]:
    """Which language the wall is in, and where that was chosen (the Connection screen itself
    is in English).

        >>> language_row("nb", "nb")
        ('Language', 'norsk bokmål (nb), from statusboard.toml (language)')
    """
    where = ("from ?lang= in this address" if asked else
             "from statusboard.toml (language)" if board != "en" else
             "the default (set language in statusboard.toml)")
    return ("Language", f"{LANGUAGE_NAMES.get(language, language)} ({language}), {where}")


def _same_clock(zone: ZoneInfo, other: ZoneInfo) -> bool:
    """Whether `other` keeps `zone`'s time on every month of this year."""
    year = datetime.now(UTC).year
    return all(t.astimezone(other).utcoffset() == t.astimezone(zone).utcoffset()
               for t in (datetime(year, month, 15, 12, tzinfo=UTC) for month in range(1, 13)))


#: Rows of open displays the Connection screen shows (its box is sized for them).
DISPLAYS_SHOWN = 4


def display_rows(displays: list[Display], now: datetime,
                 limit: int = DISPLAYS_SHOWN) -> list[tuple[str, str, str]]:
    """The open displays as (screen, open since, last new data drawn); nothing personal (a
    wall display's name from its kiosk address follows its screen: "workload · Support room").

    At most `limit` rows: past that, the displays that went longest without new data (what an
    operator looks for) and one row counting the rest, so the table never outgrows its box.

        >>> from stats_client.poller import utcnow
        >>> display_rows([], utcnow())
        []
    """
    if len(displays) > limit:
        stalest = sorted(displays, key=lambda d: d.drawn_at)[:limit - 1]
        rest = len(displays) - len(stalest)
        return [*display_rows(stalest, now, limit), (f"… and {rest} more", "", "")]
    return [(f"{d.screen or '/'} · {d.name}" if d.name else d.screen, _when(d.since, now),
             _when(d.drawn_at, now)) for d in displays]


def metrics_row(wanted: int | None, serving: int | None, problem: str | None) -> tuple[str, str]:
    """Where the Prometheus metrics are, or why not, in a sentence.

        >>> metrics_row(None, None, None)[1][:3]
        'off'
    """
    if wanted is None:
        return ("Metrics", "off (set STATUSBOARD_METRICS_PORT to serve Prometheus metrics)")
    if problem is not None:
        return ("Metrics", problem)
    if serving is not None and serving != wanted:
        return ("Metrics", f"served on port {serving} at /metrics; STATUSBOARD_METRICS_PORT = "
                f"{wanted} takes effect after the board restarts")
    return ("Metrics", f"served on port {wanted} at /metrics")


def desk_rows(desks: list[tuple[str, Connection | None, Snapshot, str, str | None]],
              now: datetime) -> list[tuple[str, str]]:
    """With several desks, a row each: (id, connection, snapshot, history role, why it cannot
    be polled) → where it is, how, its last poll and who polls it (never a secret)."""
    out = []
    for name, conn, snap, role, fatal in desks:
        if fatal is not None:
            out.append((f"Desk {name}", fatal))
            continue
        where = f"{conn.endpoint} · {conn.transport} · {conn.credential}" if conn else "—"
        who = "this process polls" if role == "polling" else "another process polls"
        out.append((f"Desk {name}", f"{where}; last poll {_when(snap.attempted_at, now)}"
                    f" ({who})"))
    return out


def unattributed_row(values: int) -> tuple[str, str]:
    """What became of history recorded before desks: kept, exportable, never drawn.

        >>> unattributed_row(1234)[1][:37]
        '1,234 values from before desks: kept '
    """
    return ("Older history", f"{values:,} values from before desks: kept and exportable "
            "(statusboard history --desk unattributed), never drawn for a desk")


def history_row(status: HistoryStatus, url: str | None, now: datetime) -> tuple[str, str]:
    """The history store's state in a few words: where it records, or why it cannot, and the
    polls waiting in memory for it (short: the Connection screen fits 1080p with every row).

        >>> from stats_client.poller import utcnow
        >>> history_row(HistoryStatus(), None, utcnow())[1][:3]
        'off'
    """
    if status.state == "off":
        return ("History", "off (STATUSBOARD_DATABASE_URL=off)")
    if status.state == "unavailable":
        since = f" since {status.since.astimezone(now.tzinfo):%H:%M}" if status.since else ""
        kept = waiting_text(status, now, " and keeps", "in memory for it")
        return ("History", f"{status.message or 'history unavailable'}{since}; retrying, "
                f"the board keeps polling{kept}")
    role = "this process polls" if status.role == "polling" else "following the poller"
    return ("History", f"{url or 'recording'} ({role})"
            f"{waiting_text(status, now, '; writing back', 'kept while it was away')}")


def waiting_text(status: HistoryStatus, now: datetime, lead: str, where: str) -> str:
    """The polls waiting for the store, as words between `lead` and `where`; "" when none
    wait.

        >>> from stats_client.poller import utcnow
        >>> waiting_text(HistoryStatus(waiting=12, oldest=utcnow(), buffer_polls=10000,
        ...              buffer_bytes=64 * 2**20), utcnow(), " and keeps", "in memory")[:40]
        ' and keeps 12 polls in memory (oldest 0 '
    """
    if not status.waiting:
        return ""
    polls = "1 poll" if status.waiting == 1 else f"{status.waiting:,} polls"
    age = "" if status.oldest is None else \
        f" (oldest {format_age(max((now - status.oldest).total_seconds(), 0.0))})"
    text = f"{lead} {polls} {where}{age}"
    if status.rolled_up:
        text += (f"; the buffer ({status.buffer_polls:,} polls, "
                 f"{status.buffer_bytes / 2**20:,.0f} MB) is full: {status.rolled_up:,} of "
                 "them merged into later ones")
    return text
