"""Everything the board is told, checked once: statusboard.toml (which panels each screen
shows, thresholds, the reload schedule, rotation, night hours, the time zone), the
STATUSBOARD_* knobs, and the NetServer's SUPEROFFICE_* settings from the environment and
the secrets file.

`load(env, secrets, location=...)` gives one frozen `BoardConfig`, the problems found and the
NetServer `Settings` (None in demo mode). A wrong key or value never stops the board: it
becomes a sentence naming the key and the file (or the variable), and the rest still applies.
The built-in layout is the statusboard.toml shipped with the board (`statusboard.site`),
parsed like any other: a key a file leaves out takes the built-in file's value.

    >>> parse_config({"reload_at": "25:00"}, source="board.toml").problems[0][:42]
    'board.toml: reload_at = "25:00" is not a t'
    >>> print(*load({"STATUSBOARD_INTERVAL": "fast"}).problems)
    STATUSBOARD_INTERVAL must be a number of seconds, at least 1 and at most 86400; got "fast". ...
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from stats_client import coerce
from stats_client.desks import desk_key
from stats_client.errors import ConfigurationError
from stats_client.history import CONFIG_ENV, BacklogBound, Location, Retention, locate
from stats_client.panels import PanelType
from stats_client.settings import ENV_VARS, Settings

from . import site
from .alerts import AlertRule, parse_alerts
from .digests import DigestRule, parse_digests
from .rules import COMPARES, DEFAULT_COMPARE, Compare, Night, Threshold
from .texts import DEFAULT_LANGUAGE, LANGUAGES
from .zone import parse_zone, server_zone, tz_problem, unnamed_problem

INTERVAL_ENV = "STATUSBOARD_INTERVAL"
BACKOFF_ENV = "STATUSBOARD_MAX_BACKOFF"
REDRAW_ENV = "STATUSBOARD_REDRAW"
METRICS_PORT_ENV = "STATUSBOARD_METRICS_PORT"
#: Where the metrics listen: this machine only unless told otherwise.
METRICS_ADDRESS_ENV = "STATUSBOARD_METRICS_ADDRESS"
DEFAULT_INTERVAL = 30.0

#: How problems of the shipped statusboard.toml name it (it should have none).
BUILTIN_SOURCE = "the built-in statusboard.toml"

#: The Connection screen's id; like any id with its own page, it cannot be configured.
CONNECTION_ID = "connection"
#: The Desks screen's id (board.desks), shown when there are several desks.
DESKS_ID = "desks"
RESERVED_IDS = frozenset({CONNECTION_ID, DESKS_ID})
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
#: `history` is the store's retention (stats_client.history.Retention), read here with the rest.
_TOP_KEYS = ("night", "reload_at", "rotate", "screens", "thresholds", "compare", "history",
             "time_zone", "desks", "hotlist", "handlers", "alerts", "digests", "public_url",
             "language")
_SCREEN_KEYS = ("id", "title", "panels", "desk", "hotlist", "handlers", "language")
#: What a wall passed by visitors may show of requests and people (a screen's own, or the
#: board's): the hotlist's request titles or only how many there are; handlers by name, by
#: initials, or not at all (one figure for all of them).
HOTLIST_MODES = ("titles", "counts")
HANDLER_MODES = ("names", "initials", "hidden")
#: Settings that are secrets: never in statusboard.toml (the environment or the secrets file).
SECRET_SETTINGS = frozenset({"ticket", "password", "app_token", "system_user_token",
                             "access_token"})
#: What a [desks.<id>] table may hold: a label, and every setting but the secrets.
_DESK_KEYS = ("label", *(name for name in ENV_VARS if name not in SECRET_SETTINGS))
#: The one desk of the SUPEROFFICE_* settings, when statusboard.toml names no desks.
SINGLE_DESK = "default"
_SLOT_KEYS = ("panel", "title", "desk")
_THRESHOLD_KEYS = ("amber", "red", "direction")
_NIGHT_KEYS = ("from", "to")


@dataclass(frozen=True, slots=True)
class PanelSlot:
    panel: PanelType
    title: str  # the panel's own title unless the file overrides it
    desk: str | None = None  # the desk it shows (a [desks] id); None: the screen's

    @property
    def key(self) -> str:
        """Its name on the page: the panel's wire name, and its own desk's id when it has one
        (two desks' Status tiles side by side are two panels)."""
        return self.panel.wire_name if self.desk is None else f"{self.panel.wire_name}-{self.desk}"


@dataclass(frozen=True, slots=True)
class ScreenConfig:
    id: str  # also the page's URL path
    title: str
    panels: tuple[PanelSlot, ...]
    desk: str | None = None  # the desk it shows (a [desks] id); None: the first, or ?desk=
    hotlist: str | None = None  # HOTLIST_MODES; None: the board's
    handlers: str | None = None  # HANDLER_MODES; None: the board's
    language: str | None = None  # LANGUAGES; None: the board's


@dataclass(frozen=True, slots=True)
class Privacy:
    """What a screen shows of requests and people (see HOTLIST_MODES and HANDLER_MODES)."""

    hotlist: str = "titles"
    handlers: str = "names"

    @property
    def public(self) -> bool:
        return (self.hotlist, self.handlers) != ("titles", "names")


@dataclass(frozen=True, slots=True)
class DeskConfig:
    """A desk of `[desks.<id>]`: its label and its settings other than secrets (strings, as
    the environment gives them; the secrets come from SUPEROFFICE_<ID>_<SETTING> or the
    secrets file)."""

    id: str
    label: str
    settings: Mapping[str, str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        """Its variables' prefix: "north" → SUPEROFFICE_NORTH_ (dashes as underscores)."""
        return f"SUPEROFFICE_{self.id.upper().replace('-', '_')}_"

    def variable(self, setting: str) -> str:
        """The desk's own variable for a setting, named as the one desk's is:
        SUPEROFFICE_PRIVATE_KEY → SUPEROFFICE_NORTH_PRIVATE_KEY."""
        return self.prefix + ENV_VARS[setting].removeprefix("SUPEROFFICE_")

    def variables(self) -> set[str]:
        return {self.variable(name) for name in ENV_VARS}


@dataclass(frozen=True, slots=True)
class DeskSetup:
    """A desk ready to be polled: its id and label, its settings (None: the demo NetServer),
    or why it cannot be polled."""

    id: str
    label: str
    settings: Settings | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class BoardConfig:
    screens: tuple[ScreenConfig, ...]
    thresholds: Mapping[str, Threshold] = field(default_factory=lambda: MappingProxyType({}))
    reload_at: time | None = time(3, 0)  # in the board's time zone; None = never
    rotate: int = 0  # seconds per screen when the URL has no ?rotate=; 0 = no rotation
    source: str = BUILTIN_SOURCE
    interval: float = DEFAULT_INTERVAL  # seconds between polls
    redraw: float = 5.0  # seconds between panel redraws in each browser
    max_backoff: float | None = None  # cap on the retry delay; None = the poller's default
    metrics_port: int | None = None  # Prometheus metrics on this port; None = not served
    metrics_address: str = "127.0.0.1"  # where they listen (STATUSBOARD_METRICS_ADDRESS)
    night: Night | None = None  # the screens go dark outside office hours; None = never
    compare: Compare = DEFAULT_COMPARE  # what a number tile's change is counted against
    retention: Retention = field(default_factory=Retention)  # [history]: kept how long
    #: [history] buffer_polls, buffer_mb: what may wait in memory while the store is away.
    buffer: BacklogBound = field(default_factory=BacklogBound)
    zone: ZoneInfo = field(default_factory=server_zone)  # every time on a screen is told in it
    desks: tuple[DeskConfig, ...] = ()  # [desks.<id>]; none: the one desk of SUPEROFFICE_*
    hotlist: str = "titles"  # every screen's, unless it says otherwise (HOTLIST_MODES)
    handlers: str = "names"  # every screen's, unless it says otherwise (HANDLER_MODES)
    alerts: tuple[AlertRule, ...] = ()  # [[alerts]]: who is told what (statusboard.alerts)
    digests: tuple[DigestRule, ...] = ()  # [[digests]]: the day's numbers (statusboard.digests)
    public_url: str | None = None  # the board's address as its viewers open it (for links)
    language: str = DEFAULT_LANGUAGE  # every screen's, unless it says otherwise (LANGUAGES)

    def language_of(self, screen: ScreenConfig | None) -> str:
        """The language `screen` is written in: its own setting, else the board's."""
        return (screen.language if screen else None) or self.language

    def privacy(self, screen: ScreenConfig | None) -> Privacy:
        """What `screen` shows of requests and people: its own setting, else the board's."""
        return Privacy((screen.hotlist if screen else None) or self.hotlist,
                       (screen.handlers if screen else None) or self.handlers)

    def screen(self, screen_id: str) -> ScreenConfig | None:
        return next((s for s in self.screens if s.id == screen_id), None)

    @property
    def panels(self) -> tuple[PanelType, ...]:
        """Every panel some screen shows, in first-seen order: what the poller asks for."""
        seen: dict[PanelType, None] = {}
        for screen in self.screens:
            for slot in screen.panels:
                seen.setdefault(slot.panel)
        if len(self.desks) > 1:  # the Desks screen's counts and response time
            seen.setdefault(PanelType.StatusScreen)
            seen.setdefault(PanelType.UserReponseTimePerWeek)
        if self.digests:  # a digest's counts, today's created requests and response time
            seen.setdefault(PanelType.StatusScreen)
            seen.setdefault(PanelType.NumberOfCreatedRequestsPerDay)
            seen.setdefault(PanelType.UserReponseTimePerWeek)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Loaded:
    config: BoardConfig
    problems: tuple[str, ...] = ()  # each a sentence; the board still runs
    netserver: Settings | None = None  # None: demo mode (no SUPEROFFICE_URL anywhere)
    fatal: str | None = None  # why the NetServer settings cannot be used, as a sentence
    #: Why the configuration file could not be read ("board.toml: is not valid TOML (…)"), when
    #: it could not: the built-in layout stands in (a running board keeps what it had).
    unread: str | None = None
    #: Every desk to poll, in order: the [desks] of the file, else the one desk of the
    #: SUPEROFFICE_* settings (the demo NetServer when they name no URL).
    desks: tuple[DeskSetup, ...] = ()


#: What the built-in file itself falls back on: the dataclass's defaults, no screens.
_FALLBACK = BoardConfig(screens=())


def builtin() -> BoardConfig:
    """The built-in layout: the statusboard.toml shipped with the board, parsed once (in the
    server's zone; `load` puts the zone in force)."""
    return _builtin(server_zone())


@functools.cache
def _builtin(zone: ZoneInfo) -> BoardConfig:
    data = tomllib.loads(site.builtin_config().read_text("utf-8"))
    loaded = parse_config(data, source=BUILTIN_SOURCE, server=zone, fallback=_FALLBACK)
    problems = [p for p in loaded.problems if not p.startswith("The board server's time zone")]
    if problems:  # a defect of the shipped file: the tests read it, so it never ships
        raise ValueError(f"the built-in statusboard.toml has problems: {problems}")
    return loaded.config


def load_config(path: Path | None, *, named: bool = True, server: ZoneInfo | None = None,
                server_problem: str | None = None) -> Loaded:
    """Read and check a TOML file (None: the built-in layout); an unreadable file gives the
    built-in layout and one problem. `server`: the board server's own time zone, the default
    (zone.server_zone()), and `server_problem` what is wrong with how it was found (told only
    when the file has no time_zone)."""
    server = server or server_zone()
    data, problem = (None, None) if path is None else _read_toml(path, _display(path),
                                                                  named=named)
    if data is None:  # the built-in layout, in the server's zone
        zone_problem = server_problem or unnamed_problem(server)
        told = f"{problem}; the built-in layout is shown." if problem else None
        return Loaded(replace(builtin(), zone=server),
                      tuple(p for p in (told, zone_problem) if p), unread=problem)
    return parse_config(data, source=_display(path), server=server,  # type: ignore[arg-type]
                        server_problem=server_problem)


def _read_toml(path: Path, source: str, *,
               named: bool) -> tuple[dict[str, Any] | None, str | None]:
    """The file's TOML, or None and why not, without the consequence (None too for a missing
    file nobody named)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, (f"{source}: the configuration file named (--config or {CONFIG_ENV}) does "
                      "not exist") if named else None
    except OSError as exc:
        return None, f"{source}: cannot be read ({exc.strerror})"
    try:
        return tomllib.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, f"{source}: is not UTF-8 text"
    except tomllib.TOMLDecodeError as exc:
        return None, f"{source}: is not valid TOML ({exc})"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse_config(data: Mapping[str, Any], *, source: str, server: ZoneInfo | None = None,
                 server_problem: str | None = None,
                 fallback: BoardConfig | None = None) -> Loaded:
    """Check every key; keep what is right, report the rest as sentences. `server`: the board
    server's own time zone, used when `time_zone` is not set (zone.server_zone()), and
    `server_problem` what is wrong with how it was found. A key left out takes `fallback`'s
    value (the built-in layout's); a wrong one is reported, and the sentence says what is
    used instead."""
    server = server or server_zone()
    default = fallback or builtin()
    problems: list[str] = []

    def say(key: str, what: str) -> None:
        problems.append(f"{source}: {key} {what}")

    for key in data:
        if key not in _TOP_KEYS:
            say(_q(key), f"is not a setting (expected one of: {', '.join(_TOP_KEYS)}); "
                "it was ignored.")

    screens = (_screens(data.get("screens"), say, default.screens) if "screens" in data
               else default.screens)
    thresholds = (_thresholds(data["thresholds"], say) if "thresholds" in data
                  else default.thresholds)
    reload_at = (_reload_at(data["reload_at"], say, default.reload_at) if "reload_at" in data
                 else default.reload_at)
    rotate = _rotate(data["rotate"], say) if "rotate" in data else default.rotate
    night = _night(data["night"], say) if "night" in data else default.night
    compare = (_compare(data["compare"], say, default.compare) if "compare" in data
               else default.compare)
    retention = _retention(data["history"], say) if "history" in data else default.retention
    buffer = _buffer(data["history"], say) if "history" in data else default.buffer
    zone = _zone(data["time_zone"], server, say) if "time_zone" in data else server
    alerts = parse_alerts(data["alerts"], say) if "alerts" in data else default.alerts
    digests = parse_digests(data["digests"], say) if "digests" in data else default.digests
    public_url = _public_url(data["public_url"], say) if "public_url" in data \
        else default.public_url
    hotlist = _mode(data, "hotlist", HOTLIST_MODES, say) or default.hotlist
    handlers = _mode(data, "handlers", HANDLER_MODES, say) or default.handlers
    language = _language(data, say) or default.language
    if "time_zone" not in data and (unnamed := server_problem or unnamed_problem(server)):
        problems.append(unnamed)
    desks = _desks(data["desks"], say, source) if "desks" in data else ()
    known = {d.id for d in desks}
    for screen in screens:
        if screen.desk is not None and screen.desk not in known:
            say(f"the screen {screen.id}'s desk", f'= "{screen.desk}" is not under [desks] '
                f"(desks: {', '.join(sorted(known)) or 'none'}); it shows the first desk.")
        for slot in screen.panels:
            if slot.desk is not None and slot.desk not in known:
                # Never another desk's numbers under this panel: it is left out.
                say(f"the screen {screen.id}'s panel {slot.panel.wire_name}",
                    f'has desk = "{slot.desk}", which is not under [desks] (desks: '
                    f"{', '.join(sorted(known)) or 'none'}); the panel was left out.")
    screens = tuple(replace(s, desk=s.desk if s.desk in known else None,
                            panels=tuple(p for p in s.panels if p.desk is None or p.desk in known))
                    for s in screens)
    config = BoardConfig(screens, thresholds, reload_at, rotate, source, night=night,
                         compare=compare, retention=retention, buffer=buffer, zone=zone,
                         desks=desks, hotlist=hotlist, handlers=handlers, alerts=alerts,
                         digests=digests, public_url=public_url, language=language)
    return Loaded(config, tuple(problems))


def _desks(raw: object, say: Any, source: str) -> tuple[DeskConfig, ...]:
    """`[desks.<id>]` tables: a label and the non-secret settings of each desk."""
    if not isinstance(raw, Mapping) or not raw:
        say("desks", "must hold one table per desk, such as [desks.north] with a url; the "
            "SUPEROFFICE_* settings are the one desk.")
        return ()
    out: list[DeskConfig] = []
    for desk_id, table in raw.items():
        where = f"desks.{_q(desk_id)}"
        if not _ID.match(desk_id):
            say(where, "must be named with lower-case letters, digits and dashes (it is the "
                "desk's address, ?desk=…); the desk was left out.")
            continue
        if not isinstance(table, Mapping):
            say(where, "must be a table with url and label; the desk was left out.")
            continue
        desk = DeskConfig(desk_id, desk_id, {})
        settings: dict[str, str] = {}
        for key, value in table.items():
            if key in SECRET_SETTINGS:
                say(f"{where}.{_q(key)}", f"is a secret and does not belong in {source}: set "
                    f"{desk.variable(key)} in the environment, or {key} under "
                    f"[desks.{desk_id}] in .streamlit/secrets.toml; it was ignored.")
            elif key not in _DESK_KEYS:
                say(f"{where}.{_q(key)}", f"is not a desk setting (expected one of: "
                    f"{', '.join(_DESK_KEYS)}); it was ignored.")
            elif isinstance(value, bool):
                settings[key] = "true" if value else "false"
            elif isinstance(value, str | int | float):
                settings[key] = str(value)
            else:
                say(f"{where}.{_q(key)}", f"= {_value(value)} must be a string or a number; "
                    "it was ignored.")
        label = settings.pop("label", desk_id).strip() or desk_id
        clash = desk.variables() & (set(ENV_VARS.values()).union(
            *(other.variables() for other in out)))
        if clash:  # "login" would read SUPEROFFICE_LOGIN_URL, the one desk's login service
            say(where, f"cannot be a desk's name: its variables would be others' "
                f"({', '.join(sorted(clash))}); choose another name; the desk was left out.")
            continue
        out.append(DeskConfig(desk_id, label, MappingProxyType(settings)))
    return tuple(out)


def desk_environment(desk: DeskConfig, env: Mapping[str, str],
                     secrets: Mapping[str, Any]) -> dict[str, str]:
    """`desk`'s settings as the one desk's variables (SUPEROFFICE_URL, …): statusboard.toml's,
    then the secrets file's [desks.<id>], then SUPEROFFICE_<ID>_<SETTING> (which wins)."""
    merged = {ENV_VARS[k]: v for k, v in desk.settings.items()}
    tables = secrets.get("desks")
    table = tables.get(desk.id) if isinstance(tables, Mapping) else None
    if isinstance(table, Mapping):
        merged.update({ENV_VARS[k]: str(v) for k, v in table.items() if k in ENV_VARS})
    merged.update({var: env[desk.variable(name)] for name, var in ENV_VARS.items()
                   if env.get(desk.variable(name))})
    return merged


def desk_setups(config: BoardConfig, env: Mapping[str, str],
                secrets: Mapping[str, Any]) -> tuple[DeskSetup, ...]:
    """Each desk of `config` with its settings: statusboard.toml's, then the secrets file's
    [desks.<id>], then SUPEROFFICE_<ID>_<SETTING> in the environment (which wins)."""
    out = []
    for desk in config.desks:
        merged = desk_environment(desk, env, secrets)
        if not merged.get(ENV_VARS["url"]):
            out.append(DeskSetup(desk.id, desk.label, problem=(
                f"Desk {desk.id} has no URL: set url under [desks.{desk.id}] in "
                f"{config.source}, or {desk.variable('url')}.")))
            continue
        try:
            settings = Settings.from_env(merged)
        except ConfigurationError as exc:
            out.append(DeskSetup(desk.id, desk.label, problem=f"Desk {desk.id}: {exc} (for this "
                                 f"desk: [desks.{desk.id}], or the variables {desk.prefix}…)"))
            continue
        # A site is one desk (one lease, one history): a second id for it would poll it twice
        # and draw one desk's numbers under two names.
        key = desk_key(settings)
        first = next((s.id for s in out if s.settings is not None and desk_key(s.settings) == key),
                     None)
        if first is not None:
            out.append(DeskSetup(desk.id, desk.label, problem=(
                f"Desk {desk.id} polls the same site as desk {first} ({key}): a site is one "
                f"desk; remove [desks.{desk.id}] or give it another site's url.")))
            continue
        out.append(DeskSetup(desk.id, desk.label, settings))
    return tuple(out)


def _q(key: str) -> str:
    """A key as TOML would write it."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def _value(v: object) -> str:
    return f'"{v}"' if isinstance(v, str) else repr(v)


def _screens(raw: object, say: Any,
             default: tuple[ScreenConfig, ...]) -> tuple[ScreenConfig, ...]:
    if not isinstance(raw, list) or not raw:
        say("screens", "must be a non-empty list of [[screens]] tables; "
            "the built-in screens are shown.")
        return default
    out: list[ScreenConfig] = []
    for i, item in enumerate(raw):
        where = f"screens[{i}]"
        if not isinstance(item, dict):
            say(where, "must be a table with id, title and panels; it was left out.")
            continue
        for key in item:
            if key not in _SCREEN_KEYS:
                say(f"{where}.{_q(key)}", f"is not a screen setting (expected one of: "
                    f"{', '.join(_SCREEN_KEYS)}); it was ignored.")
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            say(f"{where}.title", "must be a non-empty string; the screen was left out.")
            continue
        screen_id = item.get("id", _slug(title))
        if not isinstance(screen_id, str) or not _ID.match(screen_id):
            say(f"{where}.id", f"= {_value(screen_id)} must be lower-case letters, digits and "
                "dashes (it becomes the page's address); the screen was left out.")
            continue
        if screen_id in RESERVED_IDS or any(s.id == screen_id for s in out):
            say(f"{where}.id", f'= "{screen_id}" is already taken; the screen was left out.')
            continue
        slots = _panel_slots(item.get("panels"), f"{where}.panels", say)
        desk = item.get("desk")
        if desk is not None and not (isinstance(desk, str) and _ID.match(desk)):
            say(f"{where}.desk", f"= {_value(desk)} must name a desk under [desks]; the "
                "screen shows the first desk.")
            desk = None
        out.append(ScreenConfig(screen_id, title.strip(), slots, desk,
                                _mode(item, "hotlist", HOTLIST_MODES, say, f"{where}."),
                                _mode(item, "handlers", HANDLER_MODES, say, f"{where}."),
                                _language(item, say, f"{where}.")))
    if not out:
        say("screens", "holds no usable screen; the built-in screens are shown.")
        return default
    return tuple(out)


def _public_url(raw: object, say: Any) -> str | None:
    """`public_url`: the board's address as its viewers open it, for the links in alerts."""
    if isinstance(raw, str) and re.fullmatch(r"https?://[^\s/?#@]+(/[^\s?#]*)?", raw.strip()):
        return raw.strip().rstrip("/")
    say("public_url", f"= {_value(raw)} must be the board's address such as "
        '"http://board.example.com:8501"; alerts are sent without a link.')
    return None


def _mode(table: Mapping[str, Any], key: str, modes: tuple[str, ...], say: Any,
          where: str = "") -> str | None:
    """`hotlist` or `handlers` of `table` when set and one of `modes`; else None (and a
    sentence when set wrong: the board's, or the built-in, setting is used)."""
    if key not in table:
        return None
    value = table[key]
    if value in modes:
        return str(value)
    say(f"{where}{key}", f"= {_value(value)} must be one of: "
        f"{', '.join(_value(m) for m in modes)}; the board's setting is used.")
    return None


def language_problem(key: str, value: object) -> str:
    """The sentence for a language the board does not speak (a setting, or ?lang=).

        >>> language_problem("?lang", "fr")[:50]
        '?lang = "fr" is not a language of the board (it ha'
    """
    return f"{key} {_not_spoken(value)}"


def _not_spoken(value: object) -> str:
    return (f"= {_value(value)} is not a language of the board (it has: "
            f"{', '.join(LANGUAGES)}); English is used.")


def _language(table: Mapping[str, Any], say: Any, where: str = "") -> str | None:
    """`language` of `table` when set and one of LANGUAGES (any case); else None, and a
    sentence naming the key and the languages there are when set wrong."""
    if "language" not in table:
        return None
    value = table["language"]
    if isinstance(value, str) and value.strip().lower() in LANGUAGES:
        return value.strip().lower()
    say(f"{where}language", _not_spoken(value))
    return None


def _slug(title: object) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(title).lower()).strip("-")[:40] or "screen"


def _panel_slots(raw: object, where: str, say: Any) -> tuple[PanelSlot, ...]:
    if not isinstance(raw, list):
        say(where, "must be a list of panel names; the screen is shown empty.")
        return ()
    out: list[PanelSlot] = []
    for j, entry in enumerate(raw):
        at = f"{where}[{j}]"
        title: object = None
        desk: object = None
        name: object = entry
        if isinstance(entry, dict):
            for key in entry:
                if key not in _SLOT_KEYS:
                    say(f"{at}.{_q(key)}", "is not a panel setting (expected panel, title "
                        "and desk); it was ignored.")
            name, title, desk = entry.get("panel"), entry.get("title"), entry.get("desk")
        if not isinstance(name, str):
            say(at, "must be a panel name such as \"OpenRequestsPerUser\"; it was left out.")
            continue
        try:
            panel = PanelType.from_wire(name)
        except ValueError as exc:
            say(at, f"= {_value(name)}: {exc}; it was left out.")
            continue
        if panel is PanelType.None_:
            say(at, '= "None" has no data to show; it was left out.')
            continue
        if title is not None and (not isinstance(title, str) or not title.strip()):
            say(f"{at}.title", "must be a non-empty string; the panel's own title is used.")
            title = None
        if desk is not None and not (isinstance(desk, str) and _ID.match(desk)):
            say(f"{at}.desk", f"= {_value(desk)} must name a desk under [desks]; the panel was "
                "left out.")
            continue
        out.append(PanelSlot(panel, title.strip() if isinstance(title, str) else panel.title,
                             desk))
    return tuple(out)


def _thresholds(raw: object, say: Any) -> Mapping[str, Threshold]:
    if not isinstance(raw, dict):
        say("thresholds", "must be a table such as [thresholds.UnassignedRequests]; "
            "no thresholds apply.")
        return MappingProxyType({})
    out: dict[str, Threshold] = {}
    for key, rule in raw.items():
        where = f"thresholds.{_q(key)}"
        panel_name, _, label = key.partition(".")
        try:
            panel = PanelType.from_wire(panel_name)
        except ValueError:
            say(where, "does not start with a panel name (for example UnassignedRequests or "
                '"StatusScreen.Unread"); it was ignored.')
            continue
        if not isinstance(rule, dict):
            say(where, "must be a table with amber and/or red; it was ignored.")
            continue
        ok = True
        for k in rule:
            if k not in _THRESHOLD_KEYS:
                say(f"{where}.{_q(k)}", "is not a threshold setting (expected amber, red, "
                    "direction); it was ignored.")
        limits: dict[str, float | None] = {}
        for k in ("amber", "red"):
            v = rule.get(k)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                say(f"{where}.{k}", f"= {_value(v)} must be a number; the threshold was ignored.")
                ok = False
            limits[k] = float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
        direction = rule.get("direction", "above")
        if direction not in ("above", "below"):
            say(f"{where}.direction", f'= {_value(direction)} must be "above" or "below"; '
                "the threshold was ignored.")
            ok = False
        amber, red = limits["amber"], limits["red"]
        if ok and amber is None and red is None:
            say(where, "sets neither amber nor red; it was ignored.")
            ok = False
        if ok and amber is not None and red is not None and (
                (direction == "above" and amber > red) or (direction == "below" and amber < red)):
            say(where, f"has amber = {amber:g} beyond red = {red:g}; the threshold was ignored.")
            ok = False
        if ok:
            name = f"{panel.wire_name}.{label}" if label else panel.wire_name
            out[name] = Threshold(amber, red, direction)
    return MappingProxyType(out)


def _off(raw: object) -> bool:
    return isinstance(raw, str) and raw.strip().lower() in ("", "off", "never")


def _time_of_day(raw: object) -> time | None:
    """"HH:MM" (24-hour) or a TOML local time (03:00:00), to the minute; None if neither."""
    if isinstance(raw, time):
        return raw.replace(second=0, microsecond=0)
    if isinstance(raw, str) and (m := _HHMM.match(raw.strip())):
        return time(int(m[1]), int(m[2]))
    return None


def _reload_at(raw: object, say: Any, default: time | None) -> time | None:
    if _off(raw):
        return None
    if (at := _time_of_day(raw)) is not None:
        return at
    shown = "off" if default is None else f"{default:%H:%M}"
    say("reload_at", f"= {_value(raw)} is not a time of day (HH:MM, 24-hour); "
        f"the default {shown} is used.")
    return default


def _night(raw: object, say: Any) -> Night | None:
    """`night = { from = "19:00", to = "07:00" }`; anything wrong leaves night mode off."""
    if _off(raw):
        return None
    if not isinstance(raw, dict):
        say("night", f'= {_value(raw)} must be a table such as {{ from = "19:00", to = "07:00" }}; '
            "night mode is off.")
        return None
    for key in raw:
        if key not in _NIGHT_KEYS:
            say(f"night.{_q(key)}", "is not a night setting (expected from and to); "
                "it was ignored.")
    at: dict[str, time] = {}
    for key in _NIGHT_KEYS:
        if key not in raw:
            say(f"night.{key}", "is missing (a time of day, HH:MM); night mode is off.")
        elif (t := _time_of_day(raw[key])) is None:
            say(f"night.{key}", f"= {_value(raw[key])} is not a time of day (HH:MM, 24-hour); "
                "night mode is off.")
        else:
            at[key] = t
    if len(at) != len(_NIGHT_KEYS):
        return None
    if at["from"] == at["to"]:
        say("night", f"has from = to = {at['from']:%H:%M}, an empty night; night mode is off.")
        return None
    return Night(at["from"], at["to"])


def _rotate(raw: object, say: Any) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool) and (
            raw == 0 or 5 <= raw <= MAX_SECONDS):
        return raw
    say("rotate", f"= {_value(raw)} must be 0 (no rotation) or a whole number of seconds "
        "from 5 to 86400 (a day); rotation is off.")
    return 0


def _compare(raw: object, say: Any, default: Compare) -> Compare:
    if isinstance(raw, str) and raw in COMPARES:
        return raw  # type: ignore[return-value]  # checked against the Literal's values
    say("compare", f"= {_value(raw)} must be one of {', '.join(map(_value, COMPARES))}; "
        f'the default "{default}" is used.')
    return default


def _zone(raw: object, server: ZoneInfo, say: Any) -> ZoneInfo:
    try:
        if isinstance(raw, str):
            return parse_zone(raw)
        raise ConfigurationError(f"{_value(raw)} is not a time zone name; use an IANA name "
                                 'such as "Europe/Oslo" or "UTC"')
    except ConfigurationError as exc:
        say("time_zone", f"= {exc}; the board server's own zone, {server.key}, is used.")
    return server


def _retention(raw: object, say: Any) -> Retention:
    """`[history]`: the store's retention (stats_client.history.Retention's own rules)."""
    if not isinstance(raw, Mapping):
        say("[history]", "must be a table; the default retention is used.")
        return Retention()
    try:
        return Retention.from_mapping(raw, others=BacklogBound.KEYS)
    except ConfigurationError as exc:
        say("[history]", f"is not usable ({exc}); the default retention is used.")
        return Retention()


def _buffer(raw: object, say: Any) -> BacklogBound:
    """`[history]` buffer_polls and buffer_mb: the bound of the polls kept while the store is
    away (a table that is not one is told once, by `_retention`)."""
    if not isinstance(raw, Mapping):
        return BacklogBound()
    try:
        return BacklogBound.from_mapping(raw)
    except ConfigurationError as exc:
        default = BacklogBound()
        say("[history]", f"is not usable ({exc}); the default buffer, {default.polls:,} polls "
            f"and {default.bytes // 2**20} MB, is used.")
        return default


def default_redraw(interval: float) -> float:
    """Seconds between panel redraws: quick enough that new data shows soon after a poll,
    rare enough that idle browsers cost the server little (unchanged panels are not re-sent)."""
    return max(1.0, min(interval / 2, 5.0))


#: The longest interval, back-off or redraw period: a day (a poll a day is no status board, and
#: longer ones overflow the timers they feed).
MAX_SECONDS = 86400.0


def _seconds(env: Mapping[str, str], var: str, *, minimum: float, otherwise: str,
             problems: list[str]) -> float | None:
    """An optional knob in seconds: None when unset; when wrong, None and a problem."""
    raw = env.get(var) or ""
    if not raw.strip():
        return None
    try:
        return coerce.seconds(var, raw, minimum=minimum, maximum=MAX_SECONDS)
    except ConfigurationError as exc:
        problems.append(f"{exc} {otherwise}")
        return None


def _port(env: Mapping[str, str], var: str, problems: list[str]) -> int | None:
    """An optional TCP port knob: None when unset; when wrong, None and a problem."""
    raw = (env.get(var) or "").strip()
    if not raw:
        return None
    if raw.isdigit() and 1 <= int(raw) <= 65535:
        return int(raw)
    problems.append(f'{var} must be a TCP port number from 1 to 65535; got "{raw}". '
                    "Metrics are not served.")
    return None


def merged_env(env: Mapping[str, str], secrets: Mapping[str, Any]) -> dict[str, str]:
    """SUPEROFFICE_* settings from Streamlit secrets, overridden by the environment.

    Secrets may name them flat (SUPEROFFICE_URL = "...") or in a [superoffice] table (url = "...").
    """
    out: dict[str, str] = {}
    table = secrets.get("superoffice")
    if isinstance(table, Mapping):
        for name, var in ENV_VARS.items():
            if table.get(name) is not None:
                out[var] = str(table[name])
    for var in ENV_VARS.values():
        if secrets.get(var) is not None:
            out[var] = str(secrets[var])
    for var in ENV_VARS.values():
        if env.get(var):
            out[var] = env[var]
    return out


def load(env: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None, *,
         location: Location | None = None) -> Loaded:
    """The configuration file of `location` (default: `locate(env)` from the working folder:
    STATUSBOARD_CONFIG, else ./statusboard.toml, else the built-in layout), the STATUSBOARD_*
    knobs, and the NetServer settings from `secrets` overridden by `env` (os.environ if None)."""
    env = os.environ if env is None else env
    where = location or locate(env, cwd=Path.cwd())
    server = server_zone(env)
    loaded = load_config(where.config, named=where.named, server=server,
                         server_problem=tz_problem(env, server))
    problems = list(loaded.problems)
    interval = _seconds(env, INTERVAL_ENV, minimum=1, problems=problems,
                        otherwise=f"The default {DEFAULT_INTERVAL:g} s is used.")
    interval = interval or DEFAULT_INTERVAL
    max_backoff = _seconds(env, BACKOFF_ENV, minimum=1, problems=problems,
                           otherwise="The default, min(5 × interval, 300 s), is used.")
    redraw = _seconds(env, REDRAW_ENV, minimum=0.5, problems=problems,
                      otherwise="The default, interval / 2 between 1 and 5 s, is used.")
    config = replace(loaded.config, interval=interval, max_backoff=max_backoff,
                     redraw=redraw or default_redraw(interval),
                     metrics_port=_port(env, METRICS_PORT_ENV, problems),
                     metrics_address=(env.get(METRICS_ADDRESS_ENV) or "").strip() or "127.0.0.1")
    merged = merged_env(env, secrets or {})
    if config.desks:
        if merged.get(ENV_VARS["url"]):
            problems.append(f"{ENV_VARS['url']} is set, but {config.source} names its desks "
                            "under [desks], so it is not used; give each desk its url there, "
                            "or SUPEROFFICE_<DESK>_URL.")
        setups = desk_setups(config, env, secrets or {})
        return Loaded(config, tuple(problems), unread=loaded.unread, desks=setups)
    if not merged.get(ENV_VARS["url"]):
        return Loaded(config, tuple(problems), unread=loaded.unread,
                      desks=(DeskSetup(SINGLE_DESK, ""),))
    try:
        settings = Settings.from_env(merged)
    except ConfigurationError as exc:
        return Loaded(config, tuple(problems), fatal=str(exc), unread=loaded.unread,
                      desks=(DeskSetup(SINGLE_DESK, "", problem=str(exc)),))
    return Loaded(config, tuple(problems), settings, unread=loaded.unread,
                  desks=(DeskSetup(SINGLE_DESK, "", settings),))


#: The secrets files a deployment reads, as Streamlit does: the user's, then the working
#: folder's (which wins).
SECRETS_FILES = (Path("~/.streamlit/secrets.toml"), Path(".streamlit/secrets.toml"))


def secrets_paths(paths: tuple[Path, ...], *, cwd: Path) -> list[Path]:
    """The secrets files as the board reads them: `~` expanded, relative ones from `cwd`."""
    return [p if p.is_absolute() else cwd / p for p in (raw.expanduser() for raw in paths)]


def read_secrets(paths: tuple[Path, ...], *,
                 cwd: Path) -> tuple[dict[str, Any], str | None]:
    """The settings in the secrets files that exist (later files win), and why one could not
    be read: the board must not quietly fall back to demo data."""
    out: dict[str, Any] = {}
    for path in secrets_paths(paths, cwd=cwd):
        try:
            out.update(tomllib.loads(path.read_text("utf-8")))
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return out, (f"The secrets file {path} could not be read ({exc}); only the "
                         "environment variables are used.")
    return out, None
