"""The board's time zone: every time a screen tells (the header, the tiles' "since 08:00", the
Today screen's day and axis, the page's own banners, night mode and the daily reload) is told
in this one zone, whatever the zone of the server or of the TV's browser.

It is `time_zone` in statusboard.toml (an IANA name such as "Europe/Oslo"), else the board
server's own zone: `TZ`, then /etc/timezone, then the zone /etc/localtime links to or is a
copy of, then UTC (with a sentence on the screen when the server's clock is not on UTC).

    >>> from datetime import UTC, datetime
    >>> oslo = parse_zone("Europe/Oslo")
    >>> f"{datetime(2026, 12, 2, 7, 30, tzinfo=UTC).astimezone(oslo):%H:%M}"
    '08:30'
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

from stats_client.errors import ConfigurationError

UTC_ZONE = ZoneInfo("UTC")
_ETC_TIMEZONE = Path("/etc/timezone")
_ETC_LOCALTIME = Path("/etc/localtime")
#: Names zoneinfo knows that are no place's zone (and that a browser's Intl refuses).
_NOT_PLACES = frozenset({"Factory", "localtime", "posixrules"})
_BIG_AREAS = frozenset({"Africa", "America", "Asia", "Australia", "Europe", "Pacific"})


@functools.cache
def _names_known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_PLACES


def parse_zone(name: str) -> ZoneInfo:
    """The zone of an IANA name; ConfigurationError with a sentence for anything else."""
    text = name.strip()
    if text in _names_known():
        return ZoneInfo(text)
    raise ConfigurationError(
        f'"{name}" is not a time zone name; use an IANA name such as "Europe/Oslo" or "UTC"')


def server_zone(env: Mapping[str, str] | None = None,
                etc_timezone: Path = _ETC_TIMEZONE,
                etc_localtime: Path = _ETC_LOCALTIME) -> ZoneInfo:
    """The board server's own zone, by name (a name, not a fixed offset: summer time moves);
    UTC when the system does not name one (see `unnamed_problem`). Found once per process for
    each TZ: every full page run asks."""
    return _server_zone((os.environ if env is None else env).get("TZ") or "", etc_timezone,
                        etc_localtime)


@functools.lru_cache(maxsize=8)
def _server_zone(tz: str, etc_timezone: Path, etc_localtime: Path) -> ZoneInfo:
    for name in _names(tz, etc_timezone, etc_localtime):
        try:
            return parse_zone(name)
        except ConfigurationError:
            continue
    with contextlib.suppress(OSError):  # a copy, not a link (Docker, Alpine): by its content
        for name in _same_rules(etc_localtime.read_bytes()):
            return ZoneInfo(name)
    return UTC_ZONE


def unnamed_problem(zone: ZoneInfo) -> str | None:
    """A sentence when `zone` is UTC only because the system's zone has no name we could
    find, while the system's clock is not on UTC: then the screens would tell the wrong time."""
    offset = time.localtime().tm_gmtoff
    if zone.key != "UTC" or not offset:
        return None
    sign, minutes = "+" if offset > 0 else "-", abs(offset) // 60
    return (f"The board server's time zone has no name the board could find (its clock is at "
            f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}), so the screens tell time in UTC; "
            'set time_zone = "Area/City" in statusboard.toml, or TZ.')


def tz_problem(env: Mapping[str, str], zone: ZoneInfo) -> str | None:
    """A sentence when TZ is set to something that is no zone name (a typo, or a POSIX rule
    the page's scripts cannot use), so that the board tells time in `zone` instead."""
    tz = (env.get("TZ") or "").strip()
    if not tz or _after_zoneinfo(tz.lstrip(":")) in _names_known():
        return None
    return (f'TZ = "{tz}" is not a time zone name the board can use, so the screens tell time '
            f'in {zone.key}; set TZ to an IANA name such as "Europe/Oslo", or time_zone in '
            "statusboard.toml.")


def _names(tz: str, etc_timezone: Path, etc_localtime: Path) -> list[str]:
    names = []
    tz = tz.strip().lstrip(":")
    if tz:
        names.append(_after_zoneinfo(tz))
    with contextlib.suppress(OSError, UnicodeDecodeError):
        names.append(etc_timezone.read_text(encoding="utf-8").strip())
    with contextlib.suppress(OSError, RuntimeError):
        names.append(_after_zoneinfo(str(etc_localtime.resolve(strict=True))))
    return names


def _after_zoneinfo(path: str) -> str:
    """"/usr/share/zoneinfo/Europe/Oslo" → "Europe/Oslo"; a bare name stays as it is."""
    for marker in ("zoneinfo/posix/", "zoneinfo/right/", "zoneinfo/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _same_rules(content: bytes) -> tuple[str, ...]:
    """The names whose zone file holds exactly `content` (the big areas' cities first: of
    Europe/Oslo and Arctic/Longyearbyen, which may share a file, Oslo)."""
    for name in sorted(_names_known(), key=_rank):
        if content in _zone_files(name):
            return (name,)
    return ()


def _rank(name: str) -> tuple[int, str]:
    area = name.split("/", 1)[0] if "/" in name else ""
    return (0 if area in _BIG_AREAS else 1 if area and area != "Etc" else 2, name)


def _zone_files(name: str) -> list[bytes]:
    """The zone file of `name` as the system has it (zoneinfo.TZPATH) and as the tzdata
    package does."""
    found = []
    for base in zoneinfo.TZPATH:
        with contextlib.suppress(OSError):
            found.append((Path(base) / name).read_bytes())
    with contextlib.suppress(ImportError, OSError, ValueError):
        from importlib.resources import files

        package, _, leaf = f"tzdata.zoneinfo/{name}".rpartition("/")
        found.append(files(package.replace("/", ".")).joinpath(leaf).read_bytes())
    return found
