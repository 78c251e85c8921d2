"""The board's time zone: every time a screen tells (the header, the tiles' "since 08:00", the
Today screen's day and axis, the page's own banners, night mode and the daily reload) is told
in this one zone, whatever the zone of the server or of the TV's browser.

It is `time_zone` in statusboard.toml (an IANA name such as "Europe/Oslo"), else the board
server's own zone: `TZ`, then /etc/timezone, then where /etc/localtime points, then UTC.

    >>> from datetime import UTC, datetime
    >>> oslo = parse_zone("Europe/Oslo")
    >>> f"{datetime(2026, 12, 2, 7, 30, tzinfo=UTC).astimezone(oslo):%H:%M}"
    '08:30'
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stats_client.errors import ConfigurationError

UTC_ZONE = ZoneInfo("UTC")
_ETC_TIMEZONE = Path("/etc/timezone")
_ETC_LOCALTIME = Path("/etc/localtime")


def parse_zone(name: str) -> ZoneInfo:
    """The zone of an IANA name; ConfigurationError with a sentence for anything else."""
    text = name.strip()
    try:
        if text and not text.startswith(("/", ".")):
            return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    raise ConfigurationError(
        f'"{name}" is not a time zone name; use an IANA name such as "Europe/Oslo" or "UTC"')


def server_zone(env: Mapping[str, str] | None = None,
                etc_timezone: Path = _ETC_TIMEZONE,
                etc_localtime: Path = _ETC_LOCALTIME) -> ZoneInfo:
    """The board server's own zone, by name (a name, not a fixed offset: summer time moves)."""
    for name in _names(os.environ if env is None else env, etc_timezone, etc_localtime):
        try:
            return parse_zone(name)
        except ConfigurationError:
            continue
    return UTC_ZONE


def _names(env: Mapping[str, str], etc_timezone: Path, etc_localtime: Path) -> list[str]:
    names = []
    tz = (env.get("TZ") or "").strip().lstrip(":")
    if tz:
        names.append(_after_zoneinfo(tz))
    with contextlib.suppress(OSError, UnicodeDecodeError):
        names.append(etc_timezone.read_text(encoding="utf-8").strip())
    with contextlib.suppress(OSError, RuntimeError):
        names.append(_after_zoneinfo(str(etc_localtime.resolve(strict=True))))
    return names


def _after_zoneinfo(path: str) -> str:
    """"/usr/share/zoneinfo/Europe/Oslo" → "Europe/Oslo"; a bare name stays as it is."""
    marker = "zoneinfo/"
    return path.split(marker, 1)[1] if marker in path else path
