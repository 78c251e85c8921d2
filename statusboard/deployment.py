"""What runs: one deployment of the board, built from its configuration and started with its
server, before any browser opens.

A `Deployment` holds the desks (one NetServer each: its client, poller and history recorder; in
demo mode the demo NetServer too), the metrics and the display census. `start()` builds and
starts them and watches the configuration and secrets files; an edited file is read again
(`reload()`): the new configuration is in force at once, and the desks are rebuilt only when
what they poll changed (the NetServer settings, the panels, the interval, the store). `stop()`
stops everything: the last poll written, the poll lease released so that another process takes
over at once.

Every reader takes `state` once (one frozen `State`: configuration, problems, desks, a
generation that moves on every reload) and reads that: a reload never shows a page half of one
configuration and half of the next.

    >>> from stats_client.history import Location
    >>> dep = Deployment(Options(Location(None, Path("/tmp/sb")),
    ...                          env={"STATUSBOARD_DATABASE_URL": "off"}))
    >>> dep.state.generation, dep.running
    (0, False)

`statusboard serve` starts one per process (board.cli); `running()` is the one started last,
which the view reads. Nothing here imports Streamlit.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self
from urllib.parse import urlsplit

from stats_client import open_client
from stats_client.background import Background
from stats_client.desks import DEMO, desk_key
from stats_client.errors import ConfigurationError
from stats_client.history import (
    DATABASE_URL_ENV,
    BacklogBound,
    Location,
    Retention,
    locate,
    redact,
)
from stats_client.panels import PanelType
from stats_client.poller import Poller, Snapshot, utcnow
from stats_client.recorder import HistoryRecorder
from stats_client.settings import ENV_VARS, Settings

from . import alerts, config, digests
from .config import SECRETS_FILES, BoardConfig
from .displays import DisplayBook
from .metrics import Metrics

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

#: The desk of the demo NetServer (demo mode: no SUPEROFFICE_URL anywhere).
DEMO_DESK = DEMO
#: How long `start()` may wait for the first poll, so the first page opens on data.
FIRST_POLL_WAIT_S = 3.0
#: STATUSBOARD_DATABASE_URL=off: no history store (nothing recorded, no trends, no Today).
HISTORY_OFF = "off"
#: How often the configuration and secrets files are checked for edits.
WATCH_EVERY_S = 2.0


@dataclass(frozen=True, slots=True)
class HistorySettings:
    """Where history goes (None: off), how long it is kept, and what may wait in memory while
    the store is away."""

    url: str | None = field(repr=False)  # may hold the database's password
    retention: Retention = field(default_factory=Retention)
    buffer: BacklogBound = field(default_factory=BacklogBound)

    def __repr__(self) -> str:
        return f"HistorySettings({self.display_url}, {self.retention!r}, {self.buffer!r})"

    @property
    def display_url(self) -> str:
        if self.url is None:
            return f"off ({DATABASE_URL_ENV}={HISTORY_OFF})"
        try:
            return redact(self.url)
        except ConfigurationError:
            return "(not a database URL)"


def history_settings(env: Mapping[str, str], location: Location, retention: Retention,
                     buffer: BacklogBound | None = None) -> HistorySettings:
    """STATUSBOARD_DATABASE_URL (`off`, a URL, or unset: history.sqlite3 in the data folder)
    and the retention and buffer `[history]` set."""
    if env.get(DATABASE_URL_ENV, "").strip().lower() == HISTORY_OFF:
        return HistorySettings(None)
    return HistorySettings(location.database_url(env), retention, buffer or BacklogBound())


@dataclass(frozen=True, slots=True)
class Connection:
    """What the Connection screen may show about the endpoint: never a secret."""

    endpoint: str
    transport: str
    credential: str
    details: Mapping[str, str] = field(default_factory=dict)
    insecure: tuple[str, ...] = ()  # plain HTTP, TLS verification off: said out loud


@dataclass(frozen=True, slots=True)
class Options:
    """What the edge (the command line, or the entry script in development) tells a deployment:
    where its files are, its environment, and its secrets (given, or read from
    `secrets_files`, as Streamlit reads them, relative to `cwd`)."""

    location: Location
    # The environment and the secrets hold passwords and tickets: never in a repr.
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    secrets: Mapping[str, Any] | None = field(default=None, repr=False)
    secrets_problem: str | None = None  # why the given secrets are incomplete, as a sentence
    secrets_files: tuple[Path, ...] = SECRETS_FILES
    cwd: Path = field(default_factory=Path.cwd)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None, *, cwd: Path | None = None,
                         config: str | None = None, data_dir: str | None = None,
                         secrets: Mapping[str, Any] | None = None,
                         secrets_problem: str | None = None) -> Options:
        """Options from the command line's `config`/`data_dir` and the environment."""
        env = dict(os.environ if env is None else env)
        cwd = cwd or Path.cwd()
        return cls(locate(env, cwd=cwd, config=config, data_dir=data_dir), env=env,
                   secrets=secrets, secrets_problem=secrets_problem, cwd=cwd)

    def fingerprint(self) -> str:
        """A key that changes when any option (secrets included) changes, without holding
        them: the development entry builds a new deployment when it moves."""
        parts = [repr(self.location), str(self.cwd), repr(self.secrets_files)]
        parts += [f"{k}={v}" for k, v in sorted(self.env.items())
                  if k.startswith(("SUPEROFFICE_", "STATUSBOARD_")) or k == "TZ"]
        parts += [f"{k}={v!r}" for k, v in sorted((self.secrets or {}).items())]
        return hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()


# -- one desk ----------------------------------------------------------------------------------
class Desk:
    """One NetServer's client, poller and history recorder (and in demo mode the demo
    NetServer itself). `start()` begins polling; `stop()` writes the last poll and gives up the
    lease."""

    def __init__(self, settings: Settings | None, *, interval: float,
                 panels: tuple[PanelType, ...], max_backoff: float | None,
                 history: HistorySettings, name: str | None = None, label: str = "",
                 plan: Plan | None = None) -> None:
        self.demo_server: Any = None
        if settings is None:
            from netserver_demo import DemoNetServer

            self.demo_server = DemoNetServer(port=0, seed=42).start()
            settings = Settings(url=self.demo_server.url)
        #: Where its numbers come from (stats_client.desks): its rows, lease and metrics.
        self.key = DEMO_DESK if self.demo_server is not None else desk_key(settings)
        self.plan = plan  # what it was built from: the same plan reuses it on a reload
        #: How the board names it: its [desks] id (?desk=…), else its key.
        self.id = name or self.key
        self.label = label or ("Demo" if self.demo_server is not None else self.id)
        self.settings = settings
        for sentence in settings.insecure:  # once per desk built, for the operator's log
            log.warning("desk %s: %s", self.id, sentence)
        try:
            self.client = open_client(settings)
        except BaseException:
            self._stop_demo()
            raise
        self.panels = panels
        self.poller = Poller(lambda: self.client.fetch_frame(panels), interval,
                             max_backoff=max_backoff)
        # The recorder drives the poller: it polls (or, with PostgreSQL and another process
        # holding the lease, follows) and records; after a restart it first adopts the last
        # stored snapshot, so the screens open at once on it, shown with its age.
        self.recorder = HistoryRecorder(self.poller, history.url, desk=self.key,
                                        retention=history.retention, buffer=history.buffer)
        self._stopped = False
        self._lock = threading.Lock()

    @property
    def demo(self) -> bool:
        return self.demo_server is not None

    def start(self) -> Self:
        self.recorder.start()
        return self

    def latest(self) -> Snapshot:
        return self.poller.latest()

    def calls(self) -> int:
        """GetStatistics calls the client has made."""
        return int(self.client.calls)

    def connection(self) -> Connection:
        details = dict(self.client.status_info())
        transport = details.get("transport_name") or "SOAP 1.1 (Services87)"
        endpoint = details.get("endpoint") or self.settings.display_url  # REST has its own
        return Connection(endpoint=endpoint, transport=transport,
                          credential=self.client.credential_kind, details=details,
                          insecure=self.settings.insecure)

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        with contextlib.suppress(Exception):  # stopping must go on to the client
            # A poll in flight may take the client's whole timeout: wait for it to be written.
            self.recorder.stop(timeout=self.settings.timeout + 5.0)
        self.poller.stop()
        with contextlib.suppress(Exception):  # stopping must go on to the demo server
            self.client.close()
        self._stop_demo()
        log.info("stopped desk %s", self.id)

    def _stop_demo(self) -> None:
        if self.demo_server is not None:
            self.demo_server.stop()


# -- the deployment ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Plan:
    """What a desk is built from: when it changes, the desk is built again."""

    name: str  # its [desks] id, or "" for the one desk of SUPEROFFICE_*
    settings_key: str  # a fingerprint of the NetServer settings (no secret kept)
    interval: float
    panels: tuple[PanelType, ...]
    max_backoff: float | None
    history: HistorySettings


@dataclass(frozen=True, slots=True)
class State:
    """What a deployment runs now; replaced whole on every reload."""

    config: BoardConfig
    problems: tuple[str, ...] = ()  # wrong settings, each a sentence; the board still runs
    fatal: str | None = None  # why nothing can be polled, as a sentence
    desks: Mapping[str, Desk] = field(default_factory=lambda: MappingProxyType({}))
    generation: int = 0  # moves on every read of the configuration (0: never read yet)
    #: The desks that cannot be polled, by id, with why (a sentence); the others run.
    failed: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def desk(self) -> Desk | None:
        """The first desk: what a screen shows unless it (or ?desk=) names another."""
        return next(iter(self.desks.values()), None)

    @property
    def names(self) -> tuple[str, ...]:
        """Every desk's id in the configured order, running or not."""
        return tuple(self.labels)


def _settings_key(settings: Settings | None) -> str:
    if settings is None:
        return DEMO_DESK
    fields_ = [f"{name}={getattr(settings, name, None)!r}" for name in ENV_VARS]
    return hashlib.blake2b("\n".join(fields_).encode(), digest_size=12).hexdigest()


class _Watcher(Background):
    """Reads the configuration again when its file, or a secrets file, changes."""

    def __init__(self, deployment: Deployment) -> None:
        super().__init__("statusboard-config-watch")
        self._deployment = deployment

    def _run(self) -> None:
        while not self._stop.wait(WATCH_EVERY_S):
            try:  # what this process saw of the displays, for the display-silent alert
                self._deployment.displays.flush(self._deployment.clock())
            except Exception:
                log.exception("writing the displays failed")
            if self._deployment.stamps() != self._deployment.read_stamps:
                try:
                    self._deployment.reload()
                except Exception:  # the watch must survive anything
                    log.exception("reloading the configuration failed")


class Deployment:
    """See the module. `start()` and `stop()` are idempotent and safe from any thread."""

    def __init__(self, options: Options, *, clock: Clock = utcnow) -> None:
        self.options = options
        self.clock = clock
        self.metrics = Metrics(clock=clock)
        self._targets: dict[str, str] = {}
        #: The alerts (statusboard.alerts): evaluated by each desk's poller, sent on their own
        #: thread; their rules and targets follow the configuration.
        #: The displays as every process sharing the history store saw them (the first
        #: desk's store; none without history): what display-silent watches.
        self.displays = DisplayBook(self.metrics.displays, self._first_store)
        self.alerts = alerts.Alerts(alerts.Sender({}, metrics=self.metrics),
                                    displays=self.displays)
        #: The daily digests (statusboard.digests): checked after each poll of a desk, sent
        #: through the alerts' targets and thread, their state kept with the alerts'.
        self.digests = digests.Digests(self.alerts.sender)
        self._states: dict[str, alerts.StoredState] = {}
        self._recorders: dict[str, HistoryRecorder] = {}  # each desk key's, built last
        self._state = State(config.builtin())
        self._lock = threading.RLock()
        self._watcher: _Watcher | None = None
        self._running = False
        #: The files' stamps as they were when last read (taken before reading them, so that
        #: an edit during a read is read again).
        self.read_stamps: tuple[tuple[int, int] | None, ...] = ()

    # -- reading ---------------------------------------------------------------------------
    @property
    def state(self) -> State:
        return self._state

    @property
    def running(self) -> bool:
        return self._running

    @property
    def location(self) -> Location:
        return self.options.location

    def stamps(self) -> tuple[tuple[int, int] | None, ...]:
        """When and how big the configuration and secrets files are (one stat call each)."""
        paths = [self.location.config] if self.location.config else []
        paths += config.secrets_paths(self.options.secrets_files, cwd=self.options.cwd)
        return tuple(_stamp(p) for p in paths)

    # -- life ------------------------------------------------------------------------------
    def start(self, *, wait_first_poll: float = 0.0, announce: bool = True) -> Self:
        """Read the configuration, start the desks, serve the metrics (when a port is set) and
        watch the files. With `wait_first_poll`, wait up to that long for each desk's first
        poll (stored or made), so the first page opens on data. `announce`: the view finds it
        as `running()` (not the development one, which the entry script keeps itself)."""
        global _running
        with self._lock:
            if self._running:
                return self
            try:
                self._apply(self._read())
            except BaseException:
                self._state = State(self._state.config)
                raise
            self._running = True
            self._watcher = _Watcher(self).start()
            if announce:
                _running = self
        port = self._state.config.metrics_port
        if port is not None:
            self.metrics.serve(port, self._state.config.metrics_address)
        if wait_first_poll > 0:
            for desk in self._state.desks.values():
                desk.poller.wait_until(lambda snap: snap.calls > 0, wait_first_poll)
        log.info("deployment started: %s", ", ".join(self._state.desks) or "no desk")
        return self

    def stop(self) -> None:
        """Stop watching, stop every desk (the last poll written, the lease released), stop
        serving metrics."""
        global _running
        if self._running:  # the displays' last sightings, while the store is open
            with contextlib.suppress(Exception):
                self.displays.flush(self.clock(), force=True)
        with self._lock:
            if not self._running:
                return
            self._running = False
            watcher, self._watcher = self._watcher, None
            desks = list(self._state.desks.values())
            self._state = replace(self._state, desks=MappingProxyType({}))
            if _running is self:
                _running = None
        if watcher is not None:
            watcher.stop()
        # The sender first, while the desks' stores are open: a message it delivers meanwhile
        # is taken off the outbox (after the desks, it would stay there for the next board to
        # send again); what it has not sent stays there for the next board.
        self.alerts.stop()
        for desk in desks:
            desk.stop()
        self.metrics.stop()
        log.info("deployment stopped")

    def reload(self) -> bool:
        """Read the configuration and secrets again and put them in force; the desks are
        rebuilt only when what they poll changed. True when the desks were rebuilt."""
        with self._lock:
            if not self._running:
                return False
            return self._apply(self._read())

    # -- the work --------------------------------------------------------------------------
    def _read(self) -> tuple[config.Loaded, tuple[str, ...], HistorySettings]:
        self.read_stamps = self.stamps()
        opts = self.options
        secrets, unreadable = (opts.secrets, opts.secrets_problem) if opts.secrets is not None \
            else config.read_secrets(opts.secrets_files, cwd=opts.cwd)
        loaded = config.load(opts.env, secrets, location=opts.location)
        extra = (unreadable,) if unreadable else ()
        history = history_settings(opts.env, opts.location, loaded.config.retention,
                                   loaded.config.buffer)
        self._targets = alerts.targets(opts.env, secrets)
        return loaded, extra, history

    def _apply(self, read: tuple[config.Loaded, tuple[str, ...], HistorySettings]) -> bool:
        loaded, extra, history = read
        old = self._state
        if loaded.unread is not None and old.generation > 0:
            # A file that cannot be read now (an editor half-way through saving, a typo in
            # the TOML): what was read before stays in force, and the screen says why.
            kept = f"{loaded.unread}; the configuration read before stays in force."
            loaded = replace(loaded, config=old.config,
                             problems=(kept, *(p for p in loaded.problems
                                               if not p.startswith(loaded.unread))))
        cfg = loaded.config
        problems_extra = self._configure_alerts(cfg)
        # A display beats every redraw period; three missed beats (or 5 s) and it is gone. The
        # displays are written to the store three times in that time.
        self.metrics.displays.ttl_s = max(3 * cfg.redraw, 5.0)
        self.displays.flush_s = max(WATCH_EVERY_S, self.metrics.displays.ttl_s / 3)
        problems = loaded.problems + extra + problems_extra
        setups = loaded.desks or (config.DeskSetup(config.SINGLE_DESK, ""),)
        several = bool(cfg.desks)
        failed = {s.id: s.problem for s in setups if s.problem is not None}
        desks: dict[str, Desk] = {}
        new: list[Desk] = []
        for setup in setups:
            if setup.problem is not None:
                continue
            plan = Plan(setup.id if several else "", _settings_key(setup.settings),
                        cfg.interval, cfg.panels, cfg.max_backoff, history)
            reuse = next((d for d in old.desks.values() if d.plan == plan), None)
            if reuse is not None:  # a new label needs no new desk
                reuse.label = setup.label or reuse.label
                desks[reuse.id] = reuse
                continue
            try:
                desk = Desk(setup.settings, interval=cfg.interval, panels=cfg.panels,
                            max_backoff=cfg.max_backoff, history=history,
                            name=setup.id if several else None, label=setup.label, plan=plan)
            except ConfigurationError as exc:  # e.g. a credential the client cannot use
                failed[setup.id] = f"Desk {setup.id}: {exc}" if several else str(exc)
                continue
            desks[desk.id] = desk
            new.append(desk)
        fatal = None if several else failed.get(config.SINGLE_DESK)
        self._tell(old, problems, fatal, failed)
        labels = {s.id: s.label for s in setups}
        # Desks that changed stop first: their lease released, the new recorder takes it.
        self._swap(State(cfg, problems, fatal, MappingProxyType(desks), old.generation + 1,
                         MappingProxyType(failed), MappingProxyType(labels)))
        for desk in new:
            self.metrics.watch(desk.poller, calls=desk.calls, desk=desk.key)
            self.metrics.watch_history(desk.recorder, desk=desk.key)
            screen = f"?desk={desk.id}" if several else ""
            self._recorders[desk.key] = desk.recorder
            store = partial(self._desk_store, desk.key)
            # The alerts' and the digests' state (one table) and their outbox: one per desk
            # key, kept when the desk is built again (a message in flight is settled in the
            # new desk's store, not the old one's, which is closed).
            state = self._states.get(desk.key)
            if state is None:
                state = self._states[desk.key] = alerts.StoredState(
                    store, holder=self.alerts.holder)
            desk.poller.add_observer(self.alerts.observer(
                desk=desk.key, label=partial(_label, desk), screen=screen,
                history=partial(_history_state, desk.recorder), state=state,
                watches_displays=partial(self._is_first, desk)))
            desk.poller.add_observer(self.digests.observer(
                desk=desk.key, label=partial(_label, desk), screen=screen, store=store,
                state=state))
            desk.start()
        return bool(new) or set(desks) != set(old.desks)

    def _desk_store(self, key: str) -> Any:
        """The history store of the desk `key` built last (None: none, away, or stopped)."""
        recorder = self._recorders.get(key)
        return None if recorder is None else _open_store(recorder)

    def _is_first(self, desk: Desk) -> bool:
        """Whether `desk` is the deployment's first (whose evaluation watches the displays)."""
        first = next(iter(self._state.desks.values()), None)
        return first is desk

    def _first_store(self) -> Any:
        first = next(iter(self._state.desks.values()), None)
        return None if first is None else _open_store(first.recorder)

    def _configure_alerts(self, cfg: BoardConfig) -> tuple[str, ...]:
        """Put the rules and targets in force; each rule's target without a URL is a
        sentence (the rule still goes to its other targets)."""
        targets = self._targets
        if not self.alerts.sender.sends_to(targets):
            self.alerts.sender.retarget(targets)
        self.alerts.configure(alerts.Setup(cfg.alerts, cfg.thresholds, cfg.interval, cfg.zone,
                                           cfg.night, cfg.public_url, cfg.language))
        self.digests.configure(digests.Setup(cfg.digests, cfg.interval, cfg.zone,
                                             cfg.public_url, cfg.language))
        wanted = [*(r.to for r in cfg.alerts), *(d.to for d in cfg.digests)]
        missing = sorted({name for to in wanted for name in to} - set(targets))
        return tuple(f"Alerts for target {name} are not sent: it has no URL. Set "
                     f"{alerts.NOTIFY_PREFIX}{name.upper().replace('-', '_')} in the environment, "
                     f"or {name} under [notify] in .streamlit/secrets.toml." for name in missing)

    def _tell(self, old: State, problems: tuple[str, ...], fatal: str | None,
              failed: Mapping[str, str]) -> None:
        """Each new problem, and why nothing (or a desk) can be polled, in the log once: an
        unattended board's operator reads the log, not the screen."""
        if old.generation > 0:
            log.info("configuration read again (generation %d)", old.generation + 1)
        for problem in problems:
            if problem not in old.problems:
                log.warning("%s", problem)
        if fatal is not None:
            if fatal != old.fatal:
                log.error("nothing is polled: %s", fatal)
            return
        for name, why in failed.items():
            if old.failed.get(name) != why:
                log.error("desk %s is not polled: %s", name, why)

    def _swap(self, new: State) -> None:
        old, self._state = self._state, new
        for desk in old.desks.values():
            if desk not in new.desks.values():
                desk.stop()
                self.metrics.forget(desk.key)



def _label(desk: Desk) -> str:
    """How a desk's messages name it: its label; a desk without one (a single desk, named by
    its site's address) by its site's host, not the whole address.

        >>> from types import SimpleNamespace
        >>> _label(SimpleNamespace(label="https://online.superoffice.com/Cust12345",
        ...                        id="https://online.superoffice.com/Cust12345"))
        'online.superoffice.com'
    """
    if desk.label == desk.id:
        return urlsplit(desk.id).netloc or desk.label
    return desk.label


def _history_state(recorder: HistoryRecorder) -> str:
    return recorder.status.state


def _open_store(recorder: HistoryRecorder) -> Any:
    return recorder.store


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


_running: Deployment | None = None
_development: Deployment | None = None
_development_lock = threading.Lock()


def running() -> Deployment | None:
    """The deployment started last in this process and not stopped: what the view reads."""
    return _running


def for_development(options: Options) -> Deployment:
    """`streamlit run dashboard.py`, where no `statusboard serve` started a deployment: one
    for these options, started on first use and kept while they stay the same (a changed
    environment or secrets file stops it and starts another)."""
    global _development
    with _development_lock:
        current = _development
        if current is not None and current.running and \
                current.options.fingerprint() == options.fingerprint():
            return current
        if current is not None:
            current.stop()
        _development = Deployment(options).start(wait_first_poll=FIRST_POLL_WAIT_S,
                                                 announce=False)
        return _development


@atexit.register
def stop_development() -> None:
    """Stop the development deployment, if one runs (at exit; tests)."""
    global _development
    with _development_lock:
        dev, _development = _development, None
    if dev is not None:
        dev.stop()
