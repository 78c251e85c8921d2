"""The edge where the dashboard meets the world: environment, secrets, the shared poller.

One `Shared` per server process (held by `st.cache_resource`, stopped when released and at
interpreter exit) polls GetStatistics for the panels of every screen; each browser session only
reads `poller.latest()`. `current()` assembles the `Runtime` a page run reads.

Test hook (tiny on purpose): `inject(source=..., clock=...)` makes `current()` use an object
with `latest() -> Snapshot` and a clock instead of starting a client and a poller; everything
else (environment, configuration, rendering) stays real. `clear_injection()` undoes it.

    >>> parse_interval("abc")
    (30.0, 'STATUSBOARD_INTERVAL = "abc" is not a number of seconds; the default 30 s is used.')
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from stats_client.errors import ConfigurationError
from stats_client.freshness import Freshness, assess
from stats_client.panels import PanelType
from stats_client.poller import Poller, Snapshot, utcnow
from stats_client.settings import ENV_VARS, Settings

from .layout import BoardConfig, load_from_env

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

DEFAULT_INTERVAL = 30.0
INTERVAL_ENV = "STATUSBOARD_INTERVAL"
BACKOFF_ENV = "STATUSBOARD_MAX_BACKOFF"
REDRAW_ENV = "STATUSBOARD_REDRAW"
#: How long the first page waits for the first poll, so it opens on data rather than "waiting".
FIRST_POLL_WAIT_S = 3.0


class SnapshotSource(Protocol):
    def latest(self) -> Snapshot: ...


@dataclass(frozen=True, slots=True)
class Connection:
    """What the Connection screen may show about the endpoint: never a secret."""

    endpoint: str
    transport: str
    credential: str
    details: Mapping[str, str] = field(default_factory=dict)


# -- pure parsing of the knobs ---------------------------------------------------------------
def parse_interval(raw: str | None) -> tuple[float, str | None]:
    """STATUSBOARD_INTERVAL in seconds (≥ 1); a bad value gives the default and a sentence."""
    if raw is None or not raw.strip():
        return DEFAULT_INTERVAL, None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        return DEFAULT_INTERVAL, (f'{INTERVAL_ENV} = "{raw}" is not a number of seconds; '
                                  f"the default {DEFAULT_INTERVAL:g} s is used.")
    if value < 1:
        return DEFAULT_INTERVAL, (f'{INTERVAL_ENV} = "{raw}" is below the minimum of 1 second; '
                                  f"the default {DEFAULT_INTERVAL:g} s is used.")
    return value, None


def parse_seconds(name: str, raw: str | None, *, minimum: float) -> tuple[float | None, str | None]:
    """An optional positive number of seconds from the environment; None when unset or bad."""
    if raw is None or not raw.strip():
        return None, None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < minimum:
        return None, (f'{name} = "{raw}" must be a number of seconds of at least {minimum:g}; '
                      "it was ignored.")
    return value, None


def default_redraw(interval: float) -> float:
    """Seconds between panel redraws: quick enough that new data shows soon after a poll,
    rare enough that idle browsers cost the server little (unchanged panels are not re-sent)."""
    return max(1.0, min(interval / 2, 5.0))


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


# -- the shared poller -----------------------------------------------------------------------
class Shared:
    """One client, one poller (and in demo mode one demo NetServer) for the whole process."""

    def __init__(self, settings: Settings | None, *, interval: float, panels: tuple[PanelType, ...],
                 max_backoff: float | None) -> None:
        from stats_client.client import open_client

        self.demo_server: Any = None
        if settings is None:
            from netserver_demo import DemoNetServer

            self.demo_server = DemoNetServer(port=0, seed=42).start()
            settings = Settings(url=self.demo_server.url)
        self.settings = settings
        self.client = open_client(settings)
        self.panels = panels
        self.poller = Poller(lambda: self.client.fetch_frame(panels), interval,
                             max_backoff=max_backoff).start()
        self._stopped = False
        self._lock = threading.Lock()
        atexit.register(self.stop)  # unregistered in stop(): a replaced Shared is not kept
        # The first page opens on data, or on the first failure's reason, not on "waiting".
        deadline = time.monotonic() + FIRST_POLL_WAIT_S
        while self.poller.latest().calls == 0 and time.monotonic() < deadline:
            time.sleep(0.02)

    @property
    def demo(self) -> bool:
        return self.demo_server is not None

    def connection(self) -> Connection:
        details: dict[str, str] = {}
        with contextlib.suppress(Exception):  # older clients have no status_info()
            details = dict(self.client.status_info())
        transport = details.get("transport_name") or "SOAP 1.1 (Services87)"
        endpoint = details.get("endpoint") or self.settings.display_url  # REST has its own
        return Connection(endpoint=endpoint, transport=transport,
                          credential=self.client.credential_kind, details=details)

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        atexit.unregister(self.stop)
        self.poller.stop()
        with contextlib.suppress(Exception):
            self.client.close()
        if self.demo_server is not None:
            self.demo_server.stop()
        log.info("stopped the shared poller%s", " and the demo NetServer" if self.demo else "")


def _fingerprint(settings: Settings | None) -> str:
    """A key that changes when any setting (secrets included) changes, without holding them."""
    if settings is None:
        return "demo"
    fields = [f"{name}={getattr(settings, name, None)!r}" for name in ENV_VARS]
    return hashlib.blake2b("\n".join(fields).encode(), digest_size=12).hexdigest()


def _release(shared: Shared) -> None:
    shared.stop()


def _shared(key: str, _settings: Settings | None, interval: float,
            panels: tuple[str, ...], max_backoff: float | None) -> Shared:
    return Shared(_settings, interval=interval, panels=tuple(PanelType[p] for p in panels),
                  max_backoff=max_backoff)


_cached_shared: Callable[..., Shared] | None = None


def shared(settings: Settings | None, *, interval: float, panels: tuple[PanelType, ...],
           max_backoff: float | None) -> Shared:
    """The process's `Shared` for these settings; a new one (and the old one stopped) when they
    change."""
    global _cached_shared
    if _cached_shared is None:
        import streamlit as st

        _cached_shared = st.cache_resource(max_entries=1, show_spinner=False,
                                           on_release=_release)(_shared)
    return _cached_shared(_fingerprint(settings), settings, interval,
                          tuple(p.name for p in panels), max_backoff)


# -- what a page run reads -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Runtime:
    source: SnapshotSource | None  # None when the configuration is unusable
    interval: float
    redraw: float
    demo: bool
    config: BoardConfig
    connection: Connection | None
    problems: tuple[str, ...] = ()  # wrong settings, each a sentence; the board still runs
    fatal: str | None = None  # why nothing can be polled, as a sentence
    clock: Clock = utcnow
    http_calls: Callable[[], int] | None = None  # GetStatistics calls the client has made

    def snapshot(self) -> Snapshot:
        return self.source.latest() if self.source is not None else Snapshot()

    @property
    def replaced(self) -> bool:
        """True when this run's poller was stopped because a new one replaced it (the screen
        configuration or the secrets changed): the page must run again to read the new one."""
        return self.source is not None and getattr(self.source, "stopped", False) is True

    def freshness(self, snap: Snapshot) -> Freshness:
        fresh = assess(snap, now=self.clock(), interval=self.interval, demo=self.demo)
        if self.fatal is not None:
            return Freshness("error", None, "No data", self.fatal)
        return fresh


@dataclass(frozen=True, slots=True)
class Injection:
    source: SnapshotSource
    clock: Clock = utcnow
    demo: bool = False
    connection: Connection | None = None


_injection: Injection | None = None


def inject(source: SnapshotSource, *, clock: Clock = utcnow, demo: bool = False,
           connection: Connection | None = None) -> None:
    """Test hook: pages read `source` (and `clock`) instead of a real client and poller."""
    global _injection
    _injection = Injection(source, clock, demo, connection)


def clear_injection() -> None:
    global _injection
    _injection = None


def current(env: Mapping[str, str] | None = None,
            secrets: Mapping[str, Any] | None = None) -> Runtime:
    """The runtime for this page run: configuration, knobs and the shared snapshot source."""
    env = os.environ if env is None else env
    loaded = load_from_env(env)
    problems = list(loaded.problems)
    interval, bad = parse_interval(env.get(INTERVAL_ENV))
    problems += [bad] if bad else []
    backoff, bad = parse_seconds(BACKOFF_ENV, env.get(BACKOFF_ENV), minimum=1)
    problems += [bad] if bad else []
    redraw, bad = parse_seconds(REDRAW_ENV, env.get(REDRAW_ENV), minimum=0.5)
    problems += [bad] if bad else []
    redraw = redraw or default_redraw(interval)

    def made(source: SnapshotSource | None, **more: Any) -> Runtime:
        return Runtime(source=source, interval=interval, redraw=redraw, config=loaded.config,
                       problems=tuple(problems), **{"demo": False, "connection": None, **more})

    injected = _injection
    if injected is not None:
        return made(injected.source, demo=injected.demo, connection=injected.connection,
                    clock=injected.clock)

    if secrets is None:
        secrets, bad = _secrets()
        problems += [bad] if bad else []
    merged = merged_env(env, secrets)
    settings: Settings | None = None
    if merged.get(ENV_VARS["url"]):
        try:
            settings = Settings.from_env(merged)
        except ConfigurationError as exc:
            return made(None, fatal=str(exc))
    try:
        sh = shared(settings, interval=interval, panels=loaded.config.panels,
                    max_backoff=backoff)
    except ConfigurationError as exc:  # e.g. a credential the client cannot use
        return made(None, fatal=str(exc))
    return made(sh.poller, demo=sh.demo, connection=sh.connection(),
                http_calls=lambda: int(sh.client.calls))


def _secrets() -> tuple[Mapping[str, Any], str | None]:
    """Streamlit secrets (nothing when there is no secrets.toml), and why they could not be
    read when the file is broken: the board must not quietly fall back to demo data."""
    import streamlit as st

    try:
        return {k: st.secrets[k] for k in st.secrets}, None
    except Exception as exc:  # Streamlit raises one error type for "missing" and "broken"
        if "No secrets found" in str(exc):
            return {}, None
        return {}, (f"The Streamlit secrets file could not be read ({exc}); only the "
                    "environment variables are used.")
