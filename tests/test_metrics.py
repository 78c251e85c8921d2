"""statusboard.metrics: Prometheus metrics scraped over HTTP on a real port while a real poller
polls the demo NetServer; the open displays; a port in use is a sentence, not a crash."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from harness.browser import free_port
from harness.clock import T0
from netserver_demo import DemoNetServer, Fault
from stats_client import Settings, open_client
from stats_client.frames import empty_frame
from stats_client.panels import PanelType
from stats_client.poller import Poller, utcnow
from statusboard import config, deployment
from statusboard.metrics import Displays, Metrics


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, labels) → value, read over HTTP as Prometheus would."""
    # http://127.0.0.1 only: a port this test opened.
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


#: The labels of a desk's own metrics.
DEMO = (("desk", "demo"),)


@pytest.fixture
def metrics() -> Iterator[Metrics]:
    m = Metrics()
    try:
        yield m
    finally:
        m.stop()


def test_the_metrics_move_with_the_polls(metrics: Metrics) -> None:
    port = free_port()
    assert metrics.serve(port, addr="127.0.0.1") is None
    with DemoNetServer(port=0, seed=7) as srv, open_client(Settings(url=srv.url)) as client:
        panels = (PanelType.StatusScreen, PanelType.OpenRequestsPerUser)
        poller = Poller(lambda: client.fetch_frame(panels), interval=30)
        metrics.watch(poller, calls=lambda: int(client.calls), desk="demo")
        metrics.watch(poller, calls=lambda: int(client.calls), desk="demo")  # once per poller
        first = scrape(port)
        assert first[("statusboard_polls_total", (("desk", "demo"), ("result", "ok")))] == 0
        assert first[("statusboard_polls_total", (("desk", "demo"), ("result", "error")))] == 0

        good = poller.poll_once()
        got = scrape(port)
        assert got[("statusboard_polls_total", (("desk", "demo"), ("result", "ok")))] == 1
        assert got[("statusboard_poll_duration_seconds_count", DEMO)] == 1
        assert got[("statusboard_poll_duration_seconds_sum", DEMO)] == pytest.approx(
            good.duration_s)
        assert got[("statusboard_getstatistics_calls_total", DEMO)] == srv.call_count(
            "GetStatistics") >= 1
        assert good.fetched_at is not None
        assert got[("statusboard_last_success_timestamp_seconds", DEMO)] == pytest.approx(
            good.fetched_at.timestamp())

        srv.set_fault(Fault.DOWN)
        assert srv.wait_until_refused(60)
        poller.poll_once()
        got = scrape(port)
        assert got[("statusboard_polls_total", (("desk", "demo"), ("result", "error")))] == 1
        assert got[("statusboard_polls_total", (("desk", "demo"), ("result", "ok")))] == 1
        assert got[("statusboard_poll_duration_seconds_count", DEMO)] == 2
        # The last success stays where it was: an operator alerts on its age.
        assert got[("statusboard_last_success_timestamp_seconds", DEMO)] == pytest.approx(
            good.fetched_at.timestamp())


def test_polls_made_before_watching_are_counted(metrics: Metrics) -> None:
    """The shared poller's first poll happens before any page watches it."""
    outcomes = iter([RuntimeError("down"), None])

    def fetch() -> Any:
        failure = next(outcomes)
        if failure is not None:
            raise failure
        return empty_frame()

    poller = Poller(fetch, interval=30)
    poller.poll_once()
    poller.poll_once()
    metrics.watch(poller, calls=lambda: 5, desk="demo")
    port = free_port()
    assert metrics.serve(port, addr="127.0.0.1") is None
    got = scrape(port)
    assert got[("statusboard_polls_total", (("desk", "demo"), ("result", "ok")))] == 1
    assert got[("statusboard_polls_total", (("desk", "demo"), ("result", "error")))] == 1
    assert got[("statusboard_getstatistics_calls_total", DEMO)] == 5
    assert got[("statusboard_last_success_timestamp_seconds", DEMO)] > 0


def test_displays_and_the_longest_wait_for_new_data(metrics: Metrics) -> None:
    port = free_port()
    assert metrics.serve(port, addr="127.0.0.1") is None
    now = utcnow()
    metrics.displays.beat("a", "status", now=now - timedelta(seconds=40), seq=1)
    metrics.displays.beat("a", "status", now=now, seq=1)  # open, no new data for 40 s
    metrics.displays.beat("b", "status", now=now, seq=2)
    metrics.displays.beat("c", "trends", now=now, seq=2)
    got = scrape(port)
    assert got[("statusboard_displays", (("screen", "status"),))] == 2
    assert got[("statusboard_displays", (("screen", "trends"),))] == 1
    assert got[("statusboard_display_seconds_since_draw", ())] == pytest.approx(40, abs=5)


def test_a_display_that_stops_beating_is_gone() -> None:
    d = Displays(ttl_s=15)
    d.beat("a", "status", now=T0, seq=1)
    d.beat("b", "workload", now=T0, seq=1)
    d.beat("a", "status", now=T0 + timedelta(seconds=10), seq=2)
    assert d.counts(T0 + timedelta(seconds=20)) == {"status": 1}
    (left,) = d.open(T0 + timedelta(seconds=20))
    assert (left.screen, left.since, left.drawn_at) == ("status", T0, T0 + timedelta(seconds=10))
    assert d.seconds_since_draw(T0 + timedelta(seconds=20)) == 10
    d.beat("a", "trends", now=T0 + timedelta(seconds=21), seq=2)  # went to another screen
    assert d.counts(T0 + timedelta(seconds=21)) == {"trends": 1}
    assert d.seconds_since_draw(T0 + timedelta(seconds=100)) == 0  # none open


def test_a_port_in_use_is_a_sentence_and_serving_once(metrics: Metrics) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        problem = metrics.serve(port, addr="127.0.0.1")
    assert problem is not None
    assert f"port {port} (STATUSBOARD_METRICS_PORT) cannot be opened" in problem
    assert "Choose a free port and restart the board." in problem
    assert metrics.serve(port, addr="127.0.0.1") == problem  # tried once per process


@pytest.mark.parametrize(("raw", "port", "problem"), [
    ("", None, False), ("9108", 9108, False), (" 9108 ", 9108, False), ("0", None, True),
    ("65536", None, True), ("http", None, True), ("-1", None, True),
])
def test_the_metrics_port_knob(raw: str, port: int | None, problem: bool) -> None:
    loaded = config.load({config.METRICS_PORT_ENV: raw})
    assert loaded.config.metrics_port == port
    assert bool(loaded.problems) is problem
    if problem:
        assert loaded.problems[0].startswith("STATUSBOARD_METRICS_PORT must be a TCP port")


def test_the_connection_screen_says_when_metrics_cannot_be_served(
        open_screen: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))  # where the board binds its metrics
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv(config.METRICS_PORT_ENV, str(port))
        try:  # the deployment dashboard.py starts (demo mode) serves the metrics
            at = open_screen("pages/connection.py")
        finally:
            deployment.stop_development()
    assert not at.exception, [e.value for e in at.exception]
    body = "\n".join(e.proto.body for e in at.get("html"))
    assert f"Metrics are not served: port {port} (STATUSBOARD_METRICS_PORT) cannot be" in body


def test_a_stopped_desk_leaves_no_series_behind(metrics: Metrics) -> None:
    """Regression (review): a removed desk kept its series forever, so an alert on its last
    success fired until the board restarted."""
    poller = Poller(empty_frame, interval=30)
    poller.poll_once()
    metrics.watch(poller, calls=lambda: 1, desk="gone")
    port = free_port()
    assert metrics.serve(port, addr="127.0.0.1") is None
    assert ("statusboard_last_success_timestamp_seconds", (("desk", "gone"),)) in scrape(port)
    metrics.forget("gone")
    assert not [k for k in scrape(port) if ("desk", "gone") in k[1]]


def test_the_census_forgets_gone_displays_without_being_read() -> None:
    """Regression (review): closed sessions were forgotten only when someone opened the
    Connection screen or scraped the metrics (about 4 MB a day per rotating TV)."""
    from datetime import timedelta

    from statusboard.metrics import Displays

    census = Displays(ttl_s=15)
    start = utcnow()
    for n in range(1000):  # a TV that reloads every minute, for 1000 minutes
        census.beat(f"session-{n}", "status", now=start + timedelta(minutes=n), seq=n)
    assert len(census) == 1


@pytest.mark.parametrize(("env", "address"), [
    ({}, "127.0.0.1"),  # this machine only, unless told
    ({"STATUSBOARD_METRICS_ADDRESS": "0.0.0.0"}, "0.0.0.0"),
])
def test_the_metrics_listen_on_loopback_unless_told(env: dict[str, str], address: str,
                                                   metrics: Metrics) -> None:
    from statusboard.config import load

    port = free_port()
    config = load({"STATUSBOARD_METRICS_PORT": str(port), **env}, {}).config
    assert config.metrics_address == address
    assert metrics.serve(port, config.metrics_address) is None
    server = metrics._server[0] if isinstance(metrics._server, tuple) else metrics._server
    assert server.server_address[:2] == (address, port)
    assert scrape(port)  # and it serves
