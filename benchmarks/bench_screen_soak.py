"""Soak: at least 600 refreshes of the Status screen at a 1 s poll interval with the data
changing at every poll; does the browser (or the server) grow?

The demo NetServer runs in this process with its clock frozen and stepped forward by
`--step` seconds of desk time once per second, so every poll brings new numbers. One page
(1920×1080) stays open on "/" the whole time. At the start (after a warm-up) and at the end,
and every `--every` seconds in between: the page's JS heap after a forced garbage collection
(CDP HeapProfiler.collectGarbage, then Runtime.getHeapUsage), Chromium's DOM node count
(Performance.getMetrics "Nodes") and document.getElementsByTagName('*').length, JS event
listeners, and the Streamlit server's RSS and CPU time (/proc).

    .venv/bin/python benchmarks/bench_screen_soak.py [--refreshes 600] [--interval 1]
        [--step 300] [--every 60]
"""

from __future__ import annotations

import argparse
import threading
import time
from typing import Any

from _screen import (
    FRESHNESS_JS,
    cdp_metrics,
    deadline,
    open_page,
    screen_panels,
    start,
    wait_for,
)

# Counts how often a tile's number changes on the screen: proof that the data moved.
COUNT_CHANGES_JS = """() => { window.__sbChanges = 0; let last = null;
  const read = () => [...document.querySelectorAll('.sb-tile-value')].map(e => e.textContent)
                       .join('|');
  last = read();
  new MutationObserver(() => { const now = read(); if (now !== last) {
      window.__sbChanges++; last = now; } })
    .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""


def row(label: str, m: dict[str, float], rss: int, cpu: float, seq: int, t: float) -> str:
    return (f"{label:>6} {t:>7.0f} {seq:>6} {m['heap_used_mb']:>12.2f} {m['nodes']:>7.0f} "
            f"{m['dom_elements']:>9.0f} {m['listeners']:>9.0f} {rss / 2**20:>11.1f} {cpu:>9.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refreshes", type=int, default=600, help="polls to soak through")
    ap.add_argument("--interval", type=float, default=1.0, help="poll interval, seconds")
    ap.add_argument("--step", type=float, default=300.0,
                    help="desk seconds the demo clock moves per real second")
    ap.add_argument("--every", type=float, default=60.0, help="seconds between samples")
    args = ap.parse_args()
    limit = args.refreshes * args.interval * 2 + 300
    stop = threading.Event()

    with deadline(limit, "bench_screen_soak"), start(interval=args.interval) as bench:
        bench.clock.freeze()

        def tick() -> None:  # new data for every poll
            while not stop.wait(1.0):
                bench.clock.step(args.step)

        stepper = threading.Thread(target=tick, daemon=True)
        stepper.start()
        try:
            page = open_page(bench, "", panels=screen_panels("status"))
            cdp: Any = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            seq0 = page.evaluate(FRESHNESS_JS)["seq"]
            wait_for(lambda: page.evaluate(FRESHNESS_JS)["seq"] >= seq0 + 10, 60)  # warm-up
            page.evaluate(COUNT_CHANGES_JS)
            print(f"interval {args.interval:g} s, panel redraw every max(1, interval/2) s, "
                  f"desk clock +{args.step:g} s per second, Status screen at 1920x1080")
            print(f"{'':>6} {'t (s)':>7} {'polls':>6} {'JS heap (MB)':>12} {'Nodes':>7} "
                  f"{'elements':>9} {'listeners':>9} {'server RSS':>11} {'CPU (s)':>9}")
            t0 = time.monotonic()
            first = page.evaluate(FRESHNESS_JS)["seq"]
            cpu0 = bench.board.cpu_seconds()
            start_m = cdp_metrics(page, cdp)
            start_rss = bench.board.rss_bytes()
            print(row("start", start_m, start_rss, 0.0, 0, 0.0), flush=True)
            next_sample = t0 + args.every
            last_seq, moved_at = -1, t0
            while True:
                seq = page.evaluate(FRESHNESS_JS)["seq"] - first
                now = time.monotonic()
                if seq >= args.refreshes:
                    break
                if seq != last_seq:
                    last_seq, moved_at = seq, now
                elif now - moved_at > 30 * args.interval + 30:
                    raise SystemExit(f"the page stopped following the polls at {seq} "
                                     f"refreshes; see {bench.board.log_path}")
                if now >= next_sample:
                    m = cdp_metrics(page, cdp)
                    print(row("", m, bench.board.rss_bytes(), bench.board.cpu_seconds() - cpu0,
                              seq, now - t0), flush=True)
                    next_sample += args.every
                time.sleep(1.0)
            end_m = cdp_metrics(page, cdp)
            end_rss = bench.board.rss_bytes()
            elapsed = time.monotonic() - t0
            cpu = bench.board.cpu_seconds() - cpu0
            changes = page.evaluate("() => window.__sbChanges")
            print(row("end", end_m, end_rss, cpu, seq, elapsed))
            print(f"{seq} refreshes in {elapsed:.0f} s; the tile numbers changed on screen "
                  f"{changes} times; JS heap {start_m['heap_used_mb']:.2f} → "
                  f"{end_m['heap_used_mb']:.2f} MB after GC; DOM nodes {start_m['nodes']:.0f} → "
                  f"{end_m['nodes']:.0f}; elements {start_m['dom_elements']:.0f} → "
                  f"{end_m['dom_elements']:.0f}; server RSS {start_rss / 2**20:.1f} → "
                  f"{end_rss / 2**20:.1f} MB; server CPU {cpu / elapsed * 100:.0f}% of a core")
        finally:
            stop.set()
            stepper.join(5)


if __name__ == "__main__":
    main()
