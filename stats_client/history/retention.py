"""How long the history keeps each resolution, and the duration and time words people type.

    >>> Retention.from_mapping({"full": "24h"}).full
    datetime.timedelta(days=1)
    >>> parse_duration("90d").days
    90
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import ConfigurationError

#: The two downsampled grains, in seconds: 5-minute aggregates and (UTC) daily values.
FIVE_MINUTES = 300
DAY = 86_400

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": DAY, "w": 7 * DAY, "y": 365 * DAY}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdwy])\s*$", re.IGNORECASE)


#: The longest duration a setting or an option may give (a year 3000 would overflow a date).
MAX_DURATION = timedelta(days=36500)


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """`"90s"`, `"5m"`, `"48h"`, `"90d"`, `"2w"` or `"2y"` (365 days) as a timedelta, at
    most 100 years."""
    match = _DURATION.match(text)
    if not match:
        raise ConfigurationError(
            f"{what} {text!r} is not a duration; write a number and a unit such as 90s, 5m, "
            "48h, 90d, 2w or 2y.")
    seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if not seconds <= MAX_DURATION.total_seconds():
        raise ConfigurationError(f"{what} {text!r} is longer than 100 years, the longest a "
                                 "duration may be; write a shorter one such as 2y.")
    return timedelta(seconds=seconds)


def parse_time(text: str, now: datetime, *, what: str = "time") -> datetime:
    """A duration back from `now` (`"2h"`) or an ISO time (`"2026-11-27T08:00"`, UTC unless it
    names a zone), as an aware UTC datetime."""
    if _DURATION.match(text):
        return now - parse_duration(text, what=what)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigurationError(
            f"{what} {text!r} is neither a duration (2h, 90d) nor an ISO time "
            "(2026-11-27T08:00).") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Retention:
    """Full resolution for `full`, 5-minute (min, max, last) for `five_minute`, daily values for
    `daily`, each counted back from now; the poll log is kept for `polls`."""

    full: timedelta = timedelta(hours=48)
    five_minute: timedelta = timedelta(days=90)
    daily: timedelta = timedelta(days=730)
    polls: timedelta = timedelta(days=14)

    def __post_init__(self) -> None:
        if not timedelta(minutes=5) <= self.full <= self.five_minute <= self.daily:
            raise ConfigurationError(
                "[history] retention must grow from full to five_minute to daily, and full must "
                "be at least 5 minutes.")
        if self.polls <= timedelta(0):
            raise ConfigurationError("[history] polls must be a positive duration.")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object],
                     others: tuple[str, ...] = ()) -> Retention:
        """From `[history]` in statusboard.toml: `full = "48h"`, `five_minute = "90d"`,
        `daily = "2y"`, `polls = "14d"`; keys left out keep their default. `others`: the
        table's keys that are not the retention's (the buffer's), skipped here."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(mapping) - names - set(others))
        if unknown:
            raise ConfigurationError(
                f"[history] has no setting {unknown[0]!r}; use "
                f"{', '.join(sorted(names | set(others)))}.")
        values: dict[str, timedelta] = {}
        for name, raw in mapping.items():
            if name in others:
                continue
            if not isinstance(raw, str):
                raise ConfigurationError(f"[history] {name} must be a string such as \"48h\".")
            values[name] = parse_duration(raw, what=f"[history] {name}")
        return cls(**values)


def load_retention(path: Path | None) -> Retention:
    """The retention set under `[history]` in the screen configuration file at `path` (its
    other keys belong to the board); the defaults when there is no file or no table."""
    if path is None:
        return Retention()
    try:
        document = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return Retention()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"Cannot read {path} ({exc}); fix the file or set "
                                 "STATUSBOARD_CONFIG to another.") from exc
    table = document.get("history", {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path}: [history] must be a table.")
    names = {f.name for f in fields(Retention)}
    return Retention.from_mapping({k: v for k, v in table.items() if k in names})
