"""GetStatistics calls per poll interval with 1, 5 and 20 browsers open on the wall screen.

One Streamlit server, one demo NetServer (in this process, counting the calls it answers), one
headless Chromium with N pages (each its own context, i.e. its own Streamlit session) on the
Status screen. Calls are counted over a window of whole intervals once every page shows data.
"polls seen" is the range (fewest-most) of new polls the pages' own #freshness showed during
the window: pages that keep up see about one per interval.

    .venv/bin/python benchmarks/bench_screen_polls.py [--interval 2] [--intervals 10]
        [--browsers 1,5,20]
"""

from __future__ import annotations

import argparse
import time

from _screen import FRESHNESS_JS, calls_per_poll, deadline, open_page, start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=2.0, help="poll interval, seconds")
    ap.add_argument("--intervals", type=int, default=10, help="window length, in intervals")
    ap.add_argument("--browsers", default="1,5,20", help="comma-separated page counts")
    args = ap.parse_args()
    counts = sorted({int(n) for n in args.browsers.split(",")})
    per_poll = calls_per_poll()
    window = args.intervals * args.interval
    print(f"interval {args.interval:g} s, window {args.intervals} intervals ({window:g} s); "
          f"one poll = {per_poll} GetStatistics calls (the shipped statusboard.toml)")
    print(f"{'browsers':>8} {'calls':>6} {'calls/interval':>15} {'polls/interval':>15} "
          f"{'polls seen':>11} {'streamlit CPU %':>16}")
    with deadline(300 + len(counts) * (window + 600), "bench_screen_polls"), \
            start(interval=args.interval) as bench:
        pages: list = []
        for n in counts:
            started = time.monotonic()
            while len(pages) < n:  # in batches: 20 pages at once swamp 2 cores
                batch = [open_page(bench, wait=False) for _ in range(min(5, n - len(pages)))]
                for page in batch:
                    page.wait_for_function(
                        "() => Number(document.querySelector('#freshness')?.dataset.seq) > 0",
                        timeout=300_000)
                pages += batch
            loaded = time.monotonic() - started
            time.sleep(2 * args.interval)  # let the new sessions settle
            seq0 = [p.evaluate(FRESHNESS_JS)["seq"] for p in pages]
            cpu0 = bench.board.cpu_seconds()
            bench.server.reset_counts()
            t0 = time.monotonic()
            time.sleep(window)
            calls = bench.server.call_count("GetStatistics")
            elapsed = time.monotonic() - t0
            cpu = bench.board.cpu_seconds() - cpu0
            # How far each page's own #freshness moved on during the window: a page that
            # keeps up shows about one new poll per interval.
            advanced = sorted(p.evaluate(FRESHNESS_JS)["seq"] - s0
                              for p, s0 in zip(pages, seq0, strict=True))
            per_interval = calls / (elapsed / args.interval)
            print(f"{n:>8} {calls:>6} {per_interval:>15.2f} {per_interval / per_poll:>15.2f} "
                  f"{advanced[0]:>7}-{advanced[-1]:<3} {100 * cpu / elapsed:>16.0f}"
                  f"   (opening the new pages took {loaded:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
