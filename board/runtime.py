"""The shared poller: one client and one poller per server process, and the test hook.

One `Shared` per process (held by `st.cache_resource`, stopped when released and at interpreter
exit) polls GetStatistics for the panels of every screen; each browser session only reads
`poller.latest()`. `current()` gives the `Runtime` a page run reads: the configuration
(board.config) and the snapshot source.

Test hook (tiny on purpose): `inject(source=..., clock=...)` makes `current()` use an object
with `latest() -> Snapshot` and a clock instead of starting a client and a poller; everything
else (environment, configuration, rendering) stays real. `clear_injection()` undoes it.
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
from stats_client.panels import PanelType
from stats_client.poller import Poller, Snapshot, utcnow
from stats_client.settings import ENV_VARS, Settings

from . import config
from .config import BoardConfig

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

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


# -- the shared poller -----------------------------------------------------------------------
class Shared:
    """One client, one poller (and in demo mode one demo NetServer) for the whole process."""

    def __init__(self, settings: Settings | None, *, interval: float, panels: tuple[PanelType, ...],
                 max_backoff: float | None) -> None:
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
            panels: tuple[str, ...], max_backoff: float | None) -> Shared:
    # Keyed by the fingerprint (the settings themselves are not hashed: they hold secrets).
    return Shared(_settings, interval=interval, panels=tuple(PanelType[p] for p in panels),
                  max_backoff=max_backoff)


def shared(settings: Settings | None, cfg: BoardConfig) -> Shared:
    """The process's `Shared` for these settings; a new one (and the old one stopped) when they
    or the polling configuration change."""
    return _shared(_fingerprint(settings), settings, cfg.interval,
                   tuple(p.name for p in cfg.panels), cfg.max_backoff)


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

    def snapshot(self) -> Snapshot:
        return self.source.latest() if self.source is not None else Snapshot()

    @property
    def replaced(self) -> bool:
        """True when this run's poller was stopped because a new one replaced it (the screen
        configuration or the secrets changed): the page must run again to read the new one."""
        return self.source is not None and getattr(self.source, "stopped", False) is True

    def freshness(self, snap: Snapshot) -> Freshness:
        if self.fatal is not None:
            return Freshness("error", None, "No data", self.fatal)
        return assess(snap, now=self.clock(), interval=self.config.interval,
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
    """The runtime for this page run: the configuration and the shared snapshot source.
    `env` defaults to os.environ, `secrets` to Streamlit's (read only when polling for real)."""
    injected = _injection
    if injected is not None:
        loaded = config.load(env, {})
        return Runtime(injected.source, loaded.config, demo=injected.demo,
                       connection=injected.connection, problems=loaded.problems,
                       clock=injected.clock)
    unreadable = None
    if secrets is None:
        secrets, unreadable = config.read_secrets()
    loaded = config.load(env, secrets)
    problems = loaded.problems + ((unreadable,) if unreadable else ())
    if loaded.fatal is not None:
        return Runtime(None, loaded.config, problems=problems, fatal=loaded.fatal)
    try:
        sh = shared(loaded.netserver, loaded.config)
    except ConfigurationError as exc:  # e.g. a credential the client cannot use
        return Runtime(None, loaded.config, problems=problems, fatal=str(exc))
    return Runtime(sh.poller, loaded.config, demo=sh.demo, connection=sh.connection(),
                   problems=problems, clock=utcnow, http_calls=lambda: int(sh.client.calls))
