"""What several desks cost the board server: its CPU with 1, 3 and 10 desks, with no browser and
with 10 idle browsers on the Status screen, the polls per interval of every desk, and the time
the history store takes to record one poll of a desk when every desk writes to one SQLite file.

Each desk is a demo NetServer in this process (seeds 42, 43, …; site paths /Desk1, /Desk2, …)
with its clock frozen, so every poll returns the same numbers. The board is `statusboard serve`
on the shipped statusboard.toml with a [desks.deskN] table per desk (STATUSBOARD_CONFIG), its
history in a folder of its own. Pages are 1920×1080 in one headless Chromium; CPU is the board
process's user+system time from /proc/<pid>/stat; polls are the GetStatistics calls each desk's
NetServer answered, divided by the calls one poll makes (each desk should stay at 1.00 per
interval, whatever the number of browsers). Windows are rounded to whole intervals.

History: one HistoryStore per desk key on one SQLite file, each keeping its own poll lease in
the record's transaction as the recorder does; the first poll stores every value, then --polls
unchanged polls per desk (desks in turn, 30 s apart on a simulated clock).

    .venv/bin/python benchmarks/bench_desks.py [--interval 30] [--seconds 60] [--desks 1,3,10]
        [--browsers 10] [--polls 200]
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from _screen import FRESHNESS_JS, deadline, percentile, wait_ready

from harness.browser import Dashboard, find_chromium, launch_chromium
from netserver_demo import DATASETS_PER_PANEL, DemoNetServer
from stats_client import HistoryStore, Lease, Poller, Settings, open_client
from stats_client.desks import desk_key, lease_name
from statusboard import site
from statusboard.config import default_redraw, load

#: Seconds between polls on the history part's simulated clock (as bench_history.py).
HISTORY_INTERVAL = 30


def frozen_clock(at: datetime) -> Any:
    return lambda: at


def start_desks(n: int, at: datetime) -> list[DemoNetServer]:
    """`n` demo NetServers, different numbers each, all frozen at `at`."""
    servers: list[DemoNetServer] = []
    try:
        for i in range(n):
            servers.append(DemoNetServer(port=0, seed=42 + i, clock=frozen_clock(at),
                                         path_prefix=f"/Desk{i + 1}").start())
    except BaseException:
        for srv in servers:
            srv.stop()
        raise
    return servers


def write_config(folder: Path, servers: list[DemoNetServer]) -> Path:
    """The shipped statusboard.toml and a [desks.deskN] table per server, as `simulate --desks`
    prints them."""
    text = site.builtin_config().read_text("utf-8").rstrip() + "\n\n"
    text += "".join(f'[desks.desk{i}]\nlabel = "Demo desk {i}"\nurl = "{srv.url}"\n\n'
                    for i, srv in enumerate(servers, start=1))
    path = folder / f"desks-{len(servers)}.toml"
    path.write_text(text, "utf-8")
    return path


def calls_per_poll(config: Path) -> int:
    """GetStatistics calls in one poll of one desk (as benchmarks/_screen.py counts them)."""
    loaded = load({"STATUSBOARD_CONFIG": str(config)})
    if loaded.problems:
        print(f"  configuration problems: {loaded.problems}", file=sys.stderr)
    return 1 + sum(DATASETS_PER_PANEL[p] != 1 for p in loaded.config.panels)


def status_panels(config: Path) -> list[str]:
    found = load({"STATUSBOARD_CONFIG": str(config)}).config.screen("status")
    return [slot.panel.wire_name for slot in found.panels] if found else []


@dataclass
class Window:
    desks: int
    browsers: int
    seconds: float
    cpu: float  # fraction of a core
    polls: list[float]  # per desk, per interval
    blank: int = 0  # pages that never showed data


def window(board: Dashboard, servers: list[DemoNetServer], pages: list[Any], seconds: float,
           interval: float, per_poll: int) -> tuple[float, float, list[float]]:
    """Seconds, CPU (fraction of a core) and every desk's polls per interval over `seconds`."""
    for srv in servers:
        srv.reset_counts()
    cpu0, t0 = board.cpu_seconds(), time.monotonic()
    while time.monotonic() - t0 < seconds:
        if pages:
            pages[0].wait_for_timeout(250)
        else:
            time.sleep(0.25)
    cpu1, t1 = board.cpu_seconds(), time.monotonic()
    took = t1 - t0
    polls = [srv.call_count("GetStatistics") / per_poll * interval / took for srv in servers]
    return took, (cpu1 - cpu0) / took, polls


def new_page(browser: Any, url: str) -> Any:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, device_scale_factor=1)
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    page.goto(url, wait_until="commit")
    return page


def measure_desks(browser: Any, folder: Path, desks: int, browsers: int, seconds: float,
                  interval: float, at: datetime) -> list[Window]:
    """A board on `desks` frozen demo desks: a window with no browser, then one with
    `browsers` idle pages on the Status screen."""
    redraw = default_redraw(interval)
    out: list[Window] = []
    with contextlib.ExitStack() as stack:
        servers = start_desks(desks, at)
        for srv in servers:
            stack.callback(srv.stop)
        config = write_config(folder, servers)
        per_poll = calls_per_poll(config)
        panels = status_panels(config)
        board = Dashboard(None, interval=interval, max_backoff=2,
                          extra_env={"STATUSBOARD_CONFIG": str(config)})
        stack.callback(board.stop)
        board.start()
        # A first page (Streamlit's first script run, the imports), then closed: the server
        # keeps polling every desk with no browser open.
        first = new_page(browser, board.url)
        wait_ready(first, panels)
        first.wait_for_timeout(int(1000 * (interval + 1)))
        first.context.close()
        time.sleep(2 * redraw + 1)
        took, cpu, polls = window(board, servers, [], seconds, interval, per_poll)
        out.append(Window(desks, 0, took, cpu, polls))
        print(f"  {desks} desks, 0 browsers: {100 * cpu:.2f} %", file=sys.stderr)
        if browsers:
            pages = [new_page(browser, board.url) for _ in range(browsers)]
            for page in pages:
                stack.callback(page.context.close)
            for page in pages:  # all loading at once: quicker than one after the other
                wait_ready(page, panels)
            # Settle: a poll and a redraw since the last page opened.
            pages[0].wait_for_timeout(int(1000 * (interval + 2 * redraw)))
            took, cpu, polls = window(board, servers, pages, seconds, interval, per_poll)
            blank = sum(p.evaluate(FRESHNESS_JS)["seq"] == 0 for p in pages)
            out.append(Window(desks, browsers, took, cpu, polls, blank))
            print(f"  {desks} desks, {browsers} browsers: {100 * cpu:.2f} %", file=sys.stderr)
    return out


def desk_frames(n: int, at: datetime) -> list[tuple[str, Any]]:
    """(desk key, frame of every panel the shipped screens poll) of `n` frozen demo desks."""
    panels = load({"STATUSBOARD_CONFIG": str(site.builtin_config())}).config.panels
    servers = start_desks(n, at)
    try:
        out = []
        for srv in servers:
            settings = Settings(url=srv.url)
            with open_client(settings) as client:
                out.append((desk_key(settings), client.fetch_frame(panels)))
        return out
    finally:
        for srv in servers:
            srv.stop()


def record_cost(frames: list[tuple[str, Any]], polls: int, at: datetime) -> dict[str, float]:
    """Seconds per `HistoryStore.record` of an unchanged poll, every desk on one SQLite file."""
    now = [at]
    per_record: list[float] = []
    per_desk: dict[str, list[float]] = {key: [] for key, _ in frames}
    per_round: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-desks-") as folder:
        with contextlib.ExitStack() as stack:
            url = f"sqlite:///{folder}/history.sqlite3"
            desks = []
            for key, frame in frames:
                store = HistoryStore.open(url, desk=key)
                stack.callback(store.close)
                # As the recorder writes: the desk's own lease, kept in the record's transaction.
                lease = Lease(store.engine, lease_name(key), ttl=1.5 * HISTORY_INTERVAL,
                              holder="bench")
                assert lease.try_acquire(), f"the lease of {key} is taken"
                poller = Poller(lambda f=frame: f, interval=HISTORY_INTERVAL,
                                clock=lambda: now[0])
                store.record(poller.poll_once(), holder="bench", guard=lease.keep)  # every value
                desks.append((key, store, lease, poller))
            for _ in range(polls):
                now[0] += timedelta(seconds=HISTORY_INTERVAL)
                round_took = 0.0
                for key, store, lease, poller in desks:
                    snap = poller.poll_once()
                    started = time.perf_counter()
                    store.record(snap, holder="bench", guard=lease.keep)
                    took = time.perf_counter() - started
                    per_record.append(took)
                    per_desk[key].append(took)
                    round_took += took
                per_round.append(round_took)
        # Closed: SQLite has moved the write-ahead log into the file.
        size = sum(f.stat().st_size for f in Path(folder).glob("history.sqlite3*"))
    return {"median": statistics.median(per_record), "p95": percentile(per_record, 95),
            "worst_desk": max(statistics.median(v) for v in per_desk.values()),
            "round": statistics.median(per_round), "size": size}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=30.0, help="poll interval, seconds")
    ap.add_argument("--seconds", type=float, default=60.0,
                    help="length of each window (rounded to whole intervals)")
    ap.add_argument("--desks", default="1,3,10", help="desk counts, ascending")
    ap.add_argument("--browsers", type=int, default=10, help="idle browsers in the second window")
    ap.add_argument("--polls", type=int, default=200, help="history: unchanged polls per desk")
    args = ap.parse_args()
    counts = sorted({int(n) for n in args.desks.split(",")})
    if args.interval < 1 or min(counts) < 1 or args.browsers < 0 or args.polls < 1:
        ap.error("--interval ≥ 1, desks ≥ 1, --browsers ≥ 0 and --polls ≥ 1, please")
    seconds = max(1, round(args.seconds / args.interval)) * args.interval
    redraw = default_redraw(args.interval)
    at = datetime.now().astimezone().replace(microsecond=0)  # every desk frozen here

    chromium = find_chromium()
    if chromium is None:
        sys.exit("No Chromium: install Debian's chromium or set STATUSBOARD_CHROMIUM.")
    # `timeout` or kill sends SIGTERM: unwind through the finally blocks so that no board,
    # NetServer or Chromium outlives the benchmark.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    per_count = 90 + 2 * seconds + 3 * args.interval + 6 * redraw + 10 * args.browsers
    limit = 300 + len(counts) * per_count + max(counts) * args.polls * 0.05
    rows: list[Window] = []
    history: list[tuple[int, dict[str, float]]] = []
    from playwright.sync_api import sync_playwright

    with deadline(limit, "bench_desks"), tempfile.TemporaryDirectory(
            prefix="bench-desks-") as folder:
        with sync_playwright() as pw:
            browser = launch_chromium(pw, chromium)
            try:
                for n in counts:
                    rows += measure_desks(browser, Path(folder), n, args.browsers, seconds,
                                          args.interval, at)
            finally:
                browser.close()
        frames = desk_frames(max(counts), at)
        for n in counts:
            history.append((n, record_cost(frames[:n], args.polls, at)))
            print(f"  history, {n} desks done", file=sys.stderr)

    print(f"Status screen, interval {args.interval:g} s, redraw every {redraw:g} s, data "
          f"unchanged, windows of {seconds:g} s; CPU of the board server process")
    print()
    print("| desks | browsers | CPU % of a core | per desk | browsers' share | "
          "polls/interval per desk (min–max) |")
    print("|---:|---:|---:|---:|---:|---:|")
    base = {r.desks: r.cpu for r in rows if r.browsers == 0}
    surprises: list[str] = []
    for r in rows:
        share = f"{100 * (r.cpu - base[r.desks]):.2f} %" if r.browsers else "—"
        lo, hi = min(r.polls), max(r.polls)
        print(f"| {r.desks} | {r.browsers} | {100 * r.cpu:.2f} | {100 * r.cpu / r.desks:.2f} | "
              f"{share} | {lo:.2f}–{hi:.2f} |")
        for i, p in enumerate(r.polls, start=1):
            if p > 1.2 or p < 0.8:
                surprises.append(f"desk{i} of {r.desks} with {r.browsers} browsers: "
                                 f"{p:.2f} polls per interval")
        if r.blank:
            surprises.append(f"{r.blank} of {r.browsers} pages never showed data "
                             f"({r.desks} desks)")
    print()
    print(f"History store (SQLite, one file, one store per desk), {args.polls} unchanged polls "
          "per desk after the first:")
    print()
    print("| desks | ms per record (median) | p95 | slowest desk (median) | "
          "all desks per interval (median) | file size |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, h in history:
        print(f"| {n} | {1000 * h['median']:.2f} | {1000 * h['p95']:.2f} | "
              f"{1000 * h['worst_desk']:.2f} | {1000 * h['round']:.2f} | "
              f"{h['size'] / 1e6:.2f} MB |")
        if h["worst_desk"] > 0.002:
            surprises.append(f"history with {n} desks: a desk's median record "
                             f"{1000 * h['worst_desk']:.2f} ms, above 2 ms")
    print()
    print("Surprises: " + ("; ".join(surprises) if surprises else "none (every desk polled once "
                           "per interval, every record within 2 ms)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
