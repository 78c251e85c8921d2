"""The shared poller: one client, one poller and one history recorder per server process, and
the test hook.

One `Shared` per process (held by `st.cache_resource`, stopped when released and at interpreter
exit) polls GetStatistics for the panels of every screen through a `HistoryRecorder`, which
records every poll in the history store and, with PostgreSQL, lets only the lease holder poll
(the others adopt its snapshots). Each browser session only reads `poller.latest()`.
`current()` gives the `Runtime` a page run reads: the configuration (board.config), the
snapshot source and the history.

The store never takes the board down: while it is unavailable the recorder polls anyway and
says why in `history.status`. STATUSBOARD_DATABASE_URL=off turns history off.

Test hook (tiny on purpose): `inject(source=..., clock=..., history=...)` makes `current()`
use an object with `latest() -> Snapshot` (and a recorder, for history) and a clock instead of
starting a client and a poller; everything else (environment, configuration, rendering) stays
real. `clear_injection()` undoes it.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import streamlit as st

from stats_client import open_client
from stats_client.errors import ConfigurationError
from stats_client.freshness import Freshness, assess
from stats_client.history import (
    DATABASE_URL_ENV,
    Retention,
    database_url,
    redact,
)
from stats_client.panels import PanelType
from stats_client.poller import Poller, Snapshot, utcnow
from stats_client.recorder import HistoryRecorder, HistoryStatus
from stats_client.settings import ENV_VARS, Settings

from . import config
from .config import BoardConfig

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

#: How long the first page waits for the first poll, so it opens on data rather than "waiting".
FIRST_POLL_WAIT_S = 3.0


#: STATUSBOARD_DATABASE_URL=off: no history store (nothing recorded, no trends, no Today).
HISTORY_OFF = "off"


class SnapshotSource(Protocol):
    def latest(self) -> Snapshot: ...


class HistorySource(Protocol):
    """What the screens read of a `HistoryRecorder`: its open store and its status."""

    @property
    def store(self) -> Any: ...

    @property
    def status(self) -> HistoryStatus: ...

    @property
    def recorded(self) -> int: ...


@dataclass(frozen=True, slots=True)
class HistorySettings:
    """Where history goes (None: off) and how long it is kept, from the environment and
    `[history]` in statusboard.toml."""

    url: str | None
    retention: Retention = field(default_factory=Retention)

    @property
    def display_url(self) -> str:
        if self.url is None:
            return f"off ({DATABASE_URL_ENV}={HISTORY_OFF})"
        try:
            return redact(self.url)
        except ConfigurationError:
            return "(not a database URL)"


def history_settings(env: Mapping[str, str], retention: Retention) -> HistorySettings:
    """STATUSBOARD_DATABASE_URL (`off`, a URL, or unset: history.sqlite3 beside the screen
    configuration file) and the retention `[history]` set (parsed with the rest of the file,
    where a wrong value is reported and the default kept)."""
    path, _ = config.config_path(env)
    if env.get(DATABASE_URL_ENV, "").strip().lower() == HISTORY_OFF:
        return HistorySettings(None)
    return HistorySettings(database_url(env, path), retention)


@dataclass(frozen=True, slots=True)
class Connection:
    """What the Connection screen may show about the endpoint: never a secret."""

    endpoint: str
    transport: str
    credential: str
    details: Mapping[str, str] = field(default_factory=dict)


# -- the shared poller -----------------------------------------------------------------------
class Shared:
    """One client, one poller (and in demo mode one demo NetServer) for the whole process."""

    def __init__(self, settings: Settings | None, *, interval: float, panels: tuple[PanelType, ...],
                 max_backoff: float | None, history: HistorySettings | None = None) -> None:
        self.demo_server: Any = None
        if settings is None:
            from netserver_demo import DemoNetServer

            self.demo_server = DemoNetServer(port=0, seed=42).start()
            settings = Settings(url=self.demo_server.url)
        self.settings = settings
        self.client = open_client(settings)
        self.panels = panels
        self.poller = Poller(lambda: self.client.fetch_frame(panels), interval,
                             max_backoff=max_backoff)
        history = history or HistorySettings(None)
        # The recorder drives the poller: it polls (or, with PostgreSQL and another process
        # holding the lease, follows) and records; after a restart it first adopts the last
        # stored snapshot, so the screens open at once on it, shown with its age.
        self.recorder = HistoryRecorder(self.poller, history.url,
                                        retention=history.retention).start()
        self._stopped = False
        self._lock = threading.Lock()
        atexit.register(self.stop)  # unregistered in stop(): a replaced Shared is not kept
        # The first page opens on data (stored or polled), or on the first failure's reason,
        # not on "waiting".
        self.poller.wait_until(lambda snap: snap.calls > 0, FIRST_POLL_WAIT_S)

    @property
    def demo(self) -> bool:
        return self.demo_server is not None

    def connection(self) -> Connection:
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
        with contextlib.suppress(Exception):  # stopping must go on to the client
            self.recorder.stop()
        self.poller.stop()
        with contextlib.suppress(Exception):  # stopping must go on to the demo server
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


@st.cache_resource(max_entries=1, show_spinner=False, on_release=_release)
def _shared(key: str, _settings: Settings | None, interval: float,
            panels: tuple[str, ...], max_backoff: float | None,
            history: HistorySettings) -> Shared:
    # Keyed by the fingerprint (the settings themselves are not hashed: they hold secrets).
    return Shared(_settings, interval=interval, panels=tuple(PanelType[p] for p in panels),
                  max_backoff=max_backoff, history=history)


def shared(settings: Settings | None, cfg: BoardConfig,
           history: HistorySettings | None = None) -> Shared:
    """The process's `Shared` for these settings; a new one (and the old one stopped) when they,
    the polling configuration or the history settings change."""
    return _shared(_fingerprint(settings), settings, cfg.interval,
                   tuple(p.name for p in cfg.panels), cfg.max_backoff,
                   history or HistorySettings(None))


# -- what a page run reads -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Runtime:
    source: SnapshotSource | None  # None when the configuration is unusable
    config: BoardConfig
    demo: bool = False
    connection: Connection | None = None
    problems: tuple[str, ...] = ()  # wrong settings, each a sentence; the board still runs
    fatal: str | None = None  # why nothing can be polled, as a sentence
    clock: Clock = utcnow
    http_calls: Callable[[], int] | None = None  # GetStatistics calls the client has made
    history: HistorySource | None = None  # None: history off

    def snapshot(self) -> Snapshot:
        return self.source.latest() if self.source is not None else Snapshot()

    def now(self) -> datetime:
        """The clock's time in the board's time zone: what the screens tell times by."""
        return self.clock().astimezone(self.config.zone)

    def local(self, moment: datetime | None) -> datetime | None:
        """`moment` in the board's time zone (board.zone)."""
        return None if moment is None else moment.astimezone(self.config.zone)

    @property
    def replaced(self) -> bool:
        """True when this run's poller was stopped because a new one replaced it (the screen
        configuration or the secrets changed): the page must run again to read the new one."""
        return self.source is not None and getattr(self.source, "stopped", False) is True

    @property
    def history_status(self) -> HistoryStatus:
        return self.history.status if self.history is not None else HistoryStatus()

    @property
    def store(self) -> Any:
        """The history store to read (a stats_client.history.HistoryStore), or None while
        history is off or unavailable."""
        return self.history.store if self.history is not None else None

    @property
    def recorded(self) -> int:
        """Moves when the store holds something new (the history reads are cached by it)."""
        return self.history.recorded if self.history is not None else 0

    def freshness(self, snap: Snapshot) -> Freshness:
        if self.fatal is not None:
            return Freshness("error", None, "No data", self.fatal)
        return assess(snap, now=self.now(), interval=self.config.interval,
                      demo=self.demo)


def config_stamp(env: Mapping[str, str] | None = None) -> tuple[int, int] | None:
    """When and how big the screen configuration file is (None when there is none): one stat
    call, so each browser can notice an edited statusboard.toml at every redraw."""
    path, _ = config.config_path(os.environ if env is None else env)
    try:
        st_ = path.stat()
    except OSError:
        return None
    return (st_.st_mtime_ns, st_.st_size)


@dataclass(frozen=True, slots=True)
class Injection:
    source: SnapshotSource
    clock: Clock = utcnow
    demo: bool = False
    connection: Connection | None = None
    history: HistorySource | None = None


_injection: Injection | None = None


def inject(source: SnapshotSource, *, clock: Clock = utcnow, demo: bool = False,
           connection: Connection | None = None, history: HistorySource | None = None) -> None:
    """Test hook: pages read `source` (and `clock`, and `history`, e.g. a HistoryRecorder)
    instead of a real client, poller and recorder."""
    global _injection
    _injection = Injection(source, clock, demo, connection, history)


def clear_injection() -> None:
    global _injection
    _injection = None


def current(env: Mapping[str, str] | None = None,
            secrets: Mapping[str, Any] | None = None) -> Runtime:
    """The runtime for this page run: the configuration and the shared snapshot source.
    `env` defaults to os.environ, `secrets` to Streamlit's (read only when polling for real)."""
    injected = _injection
    if injected is not None:
        loaded = config.load(env, {})
        return Runtime(injected.source, loaded.config, demo=injected.demo,
                       connection=injected.connection, problems=loaded.problems,
                       clock=injected.clock, history=injected.history)
    unreadable = None
    if secrets is None:
        secrets, unreadable = config.read_secrets()
    loaded = config.load(env, secrets)
    history = history_settings(os.environ if env is None else env, loaded.config.retention)
    problems = loaded.problems + ((unreadable,) if unreadable else ())
    if loaded.fatal is not None:
        return Runtime(None, loaded.config, problems=problems, fatal=loaded.fatal)
    try:
        sh = shared(loaded.netserver, loaded.config, history)
    except ConfigurationError as exc:  # e.g. a credential the client cannot use
        return Runtime(None, loaded.config, problems=problems, fatal=str(exc))
    return Runtime(sh.poller, loaded.config, demo=sh.demo, connection=sh.connection(),
                   problems=problems, clock=utcnow, http_calls=lambda: int(sh.client.calls),
                   history=sh.recorder)
