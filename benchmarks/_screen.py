"""Shared set-up for the wall-screen benchmarks (bench_screen_*.py): a demo NetServer with a
controllable clock in this process, `streamlit run dashboard.py` as a subprocess, Debian's
Chromium under Playwright. Everything on 127.0.0.1; every wait bounded.

The pieces live in harness/browser.py, which the browser tests use too.
"""

from __future__ import annotations

import contextlib
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for extra in (REPO,):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from harness.browser import (  # noqa: E402
    FRESHNESS_JS,
    PANELS_DRAWN_JS,
    Dashboard,
    DemoClock,
    find_chromium,
    launch_chromium,
    wait_for,
)
from netserver_demo import DATASETS_PER_PANEL, DemoNetServer  # noqa: E402
from statusboard.config import load  # noqa: E402

__all__ = [
    "FRESHNESS_JS", "Bench", "DemoClock", "calls_per_poll", "cdp_metrics", "deadline",
    "open_page", "percentile", "screen_panels", "sleep_until", "start", "wait_for", "wait_ready",
]


def screen_panels(screen: str = "status") -> list[str]:
    config = load({}).config
    found = config.screen(screen)
    return [slot.panel.wire_name for slot in found.panels] if found else []


def calls_per_poll() -> int:
    """GetStatistics HTTP calls in one poll of the shipped configuration: one for the panels
    that answer with one data set each, plus one per panel that answers with several."""
    panels = load({}).config.panels
    return 1 + sum(DATASETS_PER_PANEL[p] != 1 for p in panels)


@dataclass
class Bench:
    clock: DemoClock
    server: DemoNetServer
    board: Dashboard
    browser: Any


@contextlib.contextmanager
def start(*, interval: float, redraw: float | None = None, max_backoff: float = 2,
          clock: DemoClock | None = None) -> Iterator[Bench]:
    """Demo NetServer (clock running) + dashboard + Chromium; all stopped on the way out."""
    from playwright.sync_api import sync_playwright

    chromium = find_chromium()
    if chromium is None:
        sys.exit("No Chromium: install Debian's chromium or set STATUSBOARD_CHROMIUM.")
    # `timeout` or kill sends SIGTERM: unwind through the finally blocks below so that the
    # Streamlit process group and Chromium do not outlive the benchmark.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    clock = clock or DemoClock()
    server = DemoNetServer(port=0, seed=42, clock=clock).start()
    board = Dashboard(server.url, interval=interval, max_backoff=max_backoff, redraw=redraw)
    try:
        board.start()
        with sync_playwright() as pw:
            browser = launch_chromium(pw, chromium)
            try:
                yield Bench(clock, server, board, browser)
            finally:
                browser.close()
    finally:
        board.stop()
        server.stop()


def open_page(bench: Bench, path: str = "", *, panels: list[str] | None = None,
              width: int = 1920, height: int = 1080, wait: bool = True,
              before: Callable[[Any], None] | None = None) -> Any:
    """A new browser context and page on `path`; waits for data (and `panels` drawn).
    `before(page)` runs before the page loads (e.g. to listen to its websocket)."""
    ctx = bench.browser.new_context(viewport={"width": width, "height": height},
                                    device_scale_factor=1)
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    if before is not None:
        before(page)
    page.goto(f"{bench.board.url}/{path}", wait_until="commit")
    if wait:
        wait_ready(page, panels)
    return page


def wait_ready(page: Any, panels: list[str] | None = None) -> None:
    page.wait_for_function("() => Number(document.querySelector('#freshness')?.dataset.seq) > 0")
    if panels:
        page.wait_for_function(PANELS_DRAWN_JS, arg=panels)


def cdp_metrics(page: Any, cdp: Any) -> dict[str, float]:
    """JS heap after a full garbage collection, DOM nodes, listeners (Chromium's own counters)."""
    cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {
        "heap_used_mb": heap["usedSize"] / 2**20,
        "heap_total_mb": heap["totalSize"] / 2**20,
        "nodes": metrics.get("Nodes", float("nan")),
        "dom_elements": page.evaluate("() => document.getElementsByTagName('*').length"),
        "listeners": metrics.get("JSEventListeners", float("nan")),
        "documents": metrics.get("Documents", float("nan")),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


@contextlib.contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Abort the whole benchmark (SIGALRM) if it runs past `seconds`."""

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"{what} ran past its {seconds:g} s limit")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(int(seconds))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def sleep_until(t: float) -> None:
    time.sleep(max(0.0, t - time.monotonic()))
