"""What a page run reads: the running deployment, seen from one screen, as one `Runtime`.

The view never builds what runs. `statusboard serve` starts a deployment
(statusboard.deployment) before the first browser; under `streamlit run dashboard.py` the entry
script starts one for development. `current(find)` gives the `Runtime` of this page run: the
deployment's configuration and problems, and its desk's snapshots and history.

Test hook (tiny on purpose): `inject(source=..., clock=..., history=...)` makes `current()`
use an object with `latest() -> Snapshot` (and a recorder, for history) and a clock instead of
a deployment; everything else (environment, configuration, rendering) stays real.
`clear_injection()` undoes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from stats_client.desks import DEMO
from stats_client.freshness import Freshness, assess
from stats_client.poller import Snapshot, utcnow
from stats_client.recorder import HistoryStatus
from statusboard import config
from statusboard.config import BoardConfig
from statusboard.deployment import Connection, Deployment
from statusboard.metrics import Metrics

Clock = Callable[[], datetime]


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
    metrics: Metrics = field(default_factory=Metrics)  # the deployment's, with its displays
    generation: int = 0  # the deployment's configuration this run drew
    desk: str = ""  # the desk the numbers come from: its [desks] id, else its key
    desk_label: str = ""  # how the header names it: only when there are several desks
    desk_names: tuple[str, ...] = ()  # every desk of the deployment, in order
    pick: Callable[[str], Runtime] | None = None  # the runtime of another desk
    latest_generation: Callable[[], int] | None = None  # the deployment's configuration now
    #: The alert targets (statusboard.alerts.TargetStatus: service kind and host, counts,
    #: the last failure), never their URLs.
    alert_targets: Callable[[], list[Any]] | None = None

    def for_desk(self, name: str | None) -> Runtime:
        """This run seen from desk `name` (a screen's, or ?desk=); itself when that is its own
        desk or names none."""
        if name is None or name == self.desk or self.pick is None:
            return self
        return self.pick(name)

    def snapshot(self) -> Snapshot:
        return self.source.latest() if self.source is not None else Snapshot()

    def now(self) -> datetime:
        """The clock's time in the board's time zone: what the screens tell times by."""
        return self.clock().astimezone(self.config.zone)

    def local(self, moment: datetime | None) -> datetime | None:
        """`moment` in the board's time zone (statusboard.zone)."""
        return None if moment is None else moment.astimezone(self.config.zone)

    @property
    def replaced(self) -> bool:
        """True when the deployment read its configuration again since this run (an edited
        statusboard.toml or secrets file), or this run's desk was stopped: the page must run
        again to read what is in force now."""
        if self.latest_generation is not None and self.latest_generation() != self.generation:
            return True
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


def of(deployment: Deployment, desk: str | None = None) -> Runtime:
    """The runtime of a page run on `deployment` for `desk` (None: the first desk): its state
    now, read once."""
    state = deployment.state

    def latest_generation() -> int:
        return deployment.state.generation

    def pick(name: str) -> Runtime:
        return of(deployment, name)

    several = len(state.names) > 1
    def alert_targets() -> list[Any]:
        return list(deployment.alerts.sender.status.values())

    common: dict[str, Any] = {"problems": state.problems, "clock": deployment.clock,
                              "alert_targets": alert_targets,
                              "metrics": deployment.metrics, "generation": state.generation,
                              "latest_generation": latest_generation,
                              "desk_names": state.names, "pick": pick}
    name = desk if desk in state.names else (state.names[0] if state.names else None)
    found = state.desks.get(name) if name is not None else None
    if found is None and name is not None and not several:
        found = state.desk  # the one desk of SUPEROFFICE_*, named by its key
    if found is None:
        fatal = (state.failed.get(name or "") or state.fatal
                 or "The board is not running; start it with `statusboard serve`.")
        label = state.labels.get(name or "", "") if several else ""
        return Runtime(None, state.config, fatal=fatal, desk=name or "", desk_label=label,
                       **common)
    return Runtime(found.poller, state.config, demo=found.demo, connection=found.connection(),
                   http_calls=found.calls, history=found.recorder, desk=found.id,
                   desk_label=found.label if several else "", **common)


@dataclass(frozen=True, slots=True)
class Injection:
    source: SnapshotSource
    clock: Clock = utcnow
    demo: bool = False
    connection: Connection | None = None
    history: HistorySource | None = None
    desk: str = DEMO
    metrics: Metrics = field(default_factory=Metrics)


_injection: Injection | None = None


def inject(source: SnapshotSource, *, clock: Clock = utcnow, demo: bool = False,
           connection: Connection | None = None, history: HistorySource | None = None,
           desk: str = DEMO) -> None:
    """Test hook: pages read `source` (and `clock`, and `history`, e.g. a HistoryRecorder)
    instead of a deployment's desk (`desk`: whose numbers they are; the tests' are the
    demo NetServer's)."""
    global _injection
    _injection = Injection(source, clock, demo, connection, history, desk)


def clear_injection() -> None:
    global _injection
    _injection = None


def current(find: Callable[[], Deployment], env: Mapping[str, str] | None = None) -> Runtime:
    """The runtime for this page run: the injected source (tests), else `find()`'s deployment
    (the running one)."""
    injected = _injection
    if injected is not None:
        loaded = config.load(env, {})
        return Runtime(injected.source, loaded.config, demo=injected.demo,
                       connection=injected.connection, problems=loaded.problems,
                       clock=injected.clock, history=injected.history,
                       metrics=injected.metrics, desk=injected.desk)
    return of(find())


def streamlit_secrets() -> tuple[Mapping[str, Any], str | None]:
    """Streamlit's secrets (`streamlit run` in development, AppTest: Streamlit decides which
    files), and why they could not be read when a file is broken: the board must not quietly
    fall back to demo data."""
    import streamlit as st

    try:
        return {k: st.secrets[k] for k in st.secrets}, None
    except Exception as exc:  # Streamlit raises one error type for "missing" and "broken"
        if "No secrets found" in str(exc):
            return {}, None
        return {}, (f"The Streamlit secrets file could not be read ({exc}); only the "
                    "environment variables are used.")
