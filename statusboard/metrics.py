"""What the board is doing, for monitoring: Prometheus metrics and the open displays.

Plain Python (no Streamlit). Each deployment has one `Metrics` (statusboard.deployment):
board.render reports each display's heartbeat and what it drew; each desk's poller reports
each attempt through `Poller.add_observer`. With STATUSBOARD_METRICS_PORT set, `serve(port)`
starts prometheus_client's HTTP server, on the deployment's own registry:

- `statusboard_polls_total{desk, result="ok|error"}`, `statusboard_poll_duration_seconds{desk}`,
  `statusboard_last_success_timestamp_seconds{desk}`,
  `statusboard_getstatistics_calls_total{desk}` (desk: stats_client.desks);
- `statusboard_history_available{desk}` (1, or 0 while the store is away; absent with history
  off), `statusboard_history_waiting_polls{desk}` (polls kept in memory until the store takes
  them), `statusboard_history_oldest_waiting_seconds{desk}` (the oldest one's age),
  `statusboard_history_waiting_bytes{desk}` and `statusboard_history_rolled_up_polls{desk}`
  (waiting polls merged into later ones because the buffer was full);
- `statusboard_displays{screen}`: browsers showing each screen (a heartbeat within
  `Displays.ttl_s`); `statusboard_display_seconds_since_draw`: the longest any open display
  has gone without drawing new data (alert on a frozen wall).

A display is a browser session known only by a random token the session keeps, and the random
id its cookie carries (statusboard.access, for display-silent); nothing about the person or
the machine (no address, no Streamlit session id) is kept.

    >>> d = Displays(ttl_s=15)
    >>> d.beat("a1b2", "status", now=utcnow(), seq=3)
    >>> d.counts(utcnow())
    {'status': 1}
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from stats_client.poller import Snapshot, utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


# -- displays ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Display:
    """One open browser on one screen, as the Connection screen lists it."""

    screen: str
    since: datetime  # first heartbeat on this screen
    seen: datetime  # last heartbeat
    drawn_at: datetime  # when it last drew new data (a newer snapshot), or opened
    seq: int  # the snapshot it shows
    #: The browser's own id, kept across reloads and rotations (its cookie,
    #: statusboard.access.DisplayIdMiddleware); None where it has none.
    display: str | None = None
    name: str = ""  # the name the kiosk address gave it (?display=), or ""
    wall: bool = False  # opened as a wall display (the kiosk address, ?embed=true)


class Displays:
    """The browsers showing a screen now: each beats every redraw period; one that has not
    beaten for `ttl_s` seconds is gone (closed, or its network cut)."""

    def __init__(self, ttl_s: float = 30.0) -> None:
        self.ttl_s = ttl_s
        self._items: dict[str, Display] = {}
        self._lock = threading.Lock()

    def beat(self, token: str, screen: str, *, now: datetime, seq: int,
             display: str | None = None, name: str = "", wall: bool = False) -> None:
        """`token` is the session's own random name; `seq` the snapshot it shows now;
        `display`, `name` and `wall` what the browser says of itself (see Display). A new
        session first forgets the gone ones: the census never grows with the sessions a
        rotating or reloading TV leaves behind, whether or not anyone reads it."""
        with self._lock:
            old = self._items.get(token)
            if old is None:
                self._forget_gone(now)
            if old is None or old.screen != screen:
                self._items[token] = Display(screen, now, now, now, seq, display, name, wall)
            else:
                drawn_at = now if seq > old.seq else old.drawn_at
                self._items[token] = Display(screen, old.since, now, drawn_at, max(seq, old.seq),
                                             display, name, wall)

    def open(self, now: datetime) -> list[Display]:
        """The open displays, oldest first; forgets the expired ones."""
        with self._lock:
            self._forget_gone(now)
            return sorted(self._items.values(), key=lambda d: (d.since, d.screen))

    def _forget_gone(self, now: datetime) -> None:
        cutoff = now - timedelta(seconds=self.ttl_s)
        for token in [t for t, d in self._items.items() if d.seen < cutoff]:
            del self._items[token]

    def __len__(self) -> int:
        return len(self._items)

    def counts(self, now: datetime) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.open(now):
            out[d.screen] = out.get(d.screen, 0) + 1
        return out

    def seconds_since_draw(self, now: datetime) -> float:
        """The longest any open display has gone without new data; 0 with none open."""
        return max(((now - d.drawn_at).total_seconds() for d in self.open(now)), default=0.0)


# -- metrics -----------------------------------------------------------------------------------
class _History(Collector):
    """Each desk's history store, as its recorder's `status` says when scraped."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.recorders: dict[str, Any] = {}  # desk → anything with a HistoryStatus `status`

    def collect(self) -> Iterator[Any]:
        now = self._clock()
        families = {
            "available": GaugeMetricFamily(
                "statusboard_history_available",
                "1 while the desk's history store takes its polls, 0 while it is away.",
                labels=["desk"]),
            "waiting": GaugeMetricFamily(
                "statusboard_history_waiting_polls",
                "Polls kept in memory until the history store takes them.", labels=["desk"]),
            "oldest": GaugeMetricFamily(
                "statusboard_history_oldest_waiting_seconds",
                "How long the oldest poll kept for the history store has waited (0: none).",
                labels=["desk"]),
            "bytes": GaugeMetricFamily(
                "statusboard_history_waiting_bytes",
                "Memory the polls kept for the history store take, about.", labels=["desk"]),
            "rolled": GaugeMetricFamily(
                "statusboard_history_rolled_up_polls",
                "Waiting polls merged into later ones because the buffer was full.",
                labels=["desk"]),
        }
        for desk, recorder in sorted(self.recorders.items()):
            status = recorder.status
            if status.state == "off":
                continue
            families["available"].add_metric([desk], 1.0 if status.state == "ok" else 0.0)
            families["waiting"].add_metric([desk], status.waiting)
            age = 0.0 if status.oldest is None else (now - status.oldest).total_seconds()
            families["oldest"].add_metric([desk], max(age, 0.0))
            families["bytes"].add_metric([desk], status.waiting_bytes)
            families["rolled"].add_metric([desk], status.rolled_up)
        yield from families.values()


class _Live(Collector):
    """The display gauges, computed when scraped (no timer keeps them up to date)."""

    def __init__(self, displays: Displays, clock: Clock) -> None:
        self._displays = displays
        self._clock = clock

    def collect(self) -> Iterator[Any]:
        now = self._clock()
        shown = GaugeMetricFamily("statusboard_displays",
                                  "Browsers currently showing each screen.", labels=["screen"])
        for screen, n in sorted(self._displays.counts(now).items()):
            shown.add_metric([screen], n)
        yield shown
        yield GaugeMetricFamily(
            "statusboard_display_seconds_since_draw",
            "The longest time any open screen has gone without drawing new data.",
            value=self._displays.seconds_since_draw(now))


class Metrics:
    """The board's metrics on their own registry; `watch(poller)` counts its attempts."""

    def __init__(self, *, displays: Displays | None = None, clock: Clock = utcnow) -> None:
        self.registry = CollectorRegistry()
        self.displays = displays or Displays()
        r = self.registry
        self.polls = Counter("statusboard_polls", "Polls of GetStatistics, by desk and result.",
                             ["desk", "result"], registry=r)
        self.duration = Histogram(
            "statusboard_poll_duration_seconds", "How long each poll took, good or bad.",
            ["desk"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60), registry=r)
        self.last_success = Gauge("statusboard_last_success_timestamp_seconds",
                                  "When the desk's last good poll finished (Unix time).",
                                  ["desk"], registry=r)
        self.calls = Counter("statusboard_getstatistics_calls",
                             "GetStatistics HTTP calls made to the desk's NetServer.", ["desk"],
                             registry=r)
        self.alerts_sent = Counter("statusboard_alerts_sent",
                                   "Alert messages a target accepted.", ["target"], registry=r)
        self.alerts_failed = Counter("statusboard_alerts_failed",
                                     "Alert messages a target refused after every retry.",
                                     ["target"], registry=r)
        r.register(_Live(self.displays, clock))
        self._history = _History(clock)
        r.register(self._history)
        self._watched: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._server: Any = None
        self.port: int | None = None
        self.problem: str | None = None  # why metrics are not served, as a sentence

    def watch(self, poller: Any, calls: Callable[[], int] | None = None, *,
              desk: str) -> None:
        """Count the attempts of `poller` (anything with `add_observer`) from now on, and the
        GetStatistics calls `calls()` reports, as `desk`'s; once per poller."""
        add = getattr(poller, "add_observer", None)
        if add is None:
            return
        with self._lock:
            if poller in self._watched:
                return
            self._watched.add(poller)
        # What the poller did before it was watched is counted too; its durations are not
        # known any more. Both results exist from the start, at 0.
        before = poller.latest()
        polls_ok, polls_error = self.polls.labels(desk, "ok"), self.polls.labels(desk, "error")
        duration, last_success = self.duration.labels(desk), self.last_success.labels(desk)
        made = self.calls.labels(desk)
        polls_ok.inc(before.seq)
        polls_error.inc(max(0, before.calls - before.seq))
        seen = [0]
        if calls is not None:
            seen[0] = calls()
            made.inc(seen[0])

        def observe(snap: Snapshot) -> None:
            (polls_error if snap.error else polls_ok).inc()
            if snap.duration_s is not None:
                duration.observe(snap.duration_s)
            if not snap.error and snap.fetched_at is not None:
                last_success.set(snap.fetched_at.timestamp())
            if calls is not None:
                total = calls()
                made.inc(max(0, total - seen[0]))
                seen[0] = total

        add(observe)
        if before.fetched_at is not None:
            last_success.set(before.fetched_at.timestamp())

    def watch_history(self, recorder: Any, *, desk: str) -> None:
        """Report `recorder`'s history store (anything with a HistoryStatus `status`) as
        `desk`'s: its state and the polls waiting for it."""
        self._history.recorders[desk] = recorder

    def forget(self, desk: str) -> None:
        """Drop a stopped desk's series (removed, or built again): no alert fires on a desk
        that is not polled any more."""
        self._history.recorders.pop(desk, None)
        for metric, labels in ((self.polls, (desk, "ok")), (self.polls, (desk, "error")),
                               (self.duration, (desk,)), (self.last_success, (desk,)),
                               (self.calls, (desk,))):
            with contextlib.suppress(KeyError):
                metric.remove(*labels)

    def serve(self, port: int, addr: str = "127.0.0.1") -> str | None:
        """Serve /metrics on `port` (once per process; later calls only report). Returns why
        not, as a sentence, or None when serving."""
        with self._lock:
            if self._server is not None or self.problem is not None:
                if self.port is not None and port != self.port:
                    return (f"Metrics are served on port {self.port}; STATUSBOARD_METRICS_PORT "
                            f"= {port} takes effect after the board restarts.")
                return self.problem
            self.port = port
            try:
                self._server = start_http_server(port, addr=addr, registry=self.registry)
            except OSError as exc:
                self.problem = (f"Metrics are not served: port {port} (STATUSBOARD_METRICS_PORT) "
                                f"cannot be opened ({exc.strerror or exc}); another program may be "
                                "using it. Choose a free port and restart the board.")
                log.warning("%s", self.problem)
                return self.problem
            log.info("Prometheus metrics on %s port %d", addr, port)
            return None

    def stop(self) -> None:
        """Stop serving (tests); the registry stays."""
        with self._lock:
            server, self._server = self._server, None
            self.problem = None
            self.port = None
        if server is not None:
            httpd = server[0] if isinstance(server, tuple) else server
            httpd.shutdown()
            httpd.server_close()

