"""GetStatistics calls per poll interval with 1, 5 and 20 browsers open on the wall screen.

One Streamlit server, one demo NetServer (in this process, counting the calls it answers), one
headless Chromium with N pages (each its own context, i.e. its own Streamlit session) on the
Status screen. Calls are counted over a window of whole intervals once every page shows data.

    .venv/bin/python benchmarks/bench_screen_polls.py [--interval 2] [--intervals 10]
        [--browsers 1,5,20]
"""

from __future__ import annotations

import argparse
import time

from _screen import FRESHNESS_JS, calls_per_poll, deadline, open_page, start, wait_for


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
          f"{'pages live':>10} {'streamlit CPU %':>16}")
    with deadline(120 + len(counts) * (window + 200), "bench_screen_polls"), \
            start(interval=args.interval) as bench:
        pages: list = []
        for n in counts:
            while len(pages) < n:  # open in batches so 20 pages load within bounded time
                batch = [open_page(bench, wait=False) for _ in range(min(5, n - len(pages)))]
                for page in batch:
                    page.wait_for_function(
                        "() => Number(document.querySelector('#freshness')?.dataset.seq) > 0",
                        timeout=120_000)
                pages += batch
            time.sleep(2 * args.interval)  # let the new sessions settle
            seq0 = [p.evaluate(FRESHNESS_JS)["seq"] for p in pages]
            cpu0 = bench.board.cpu_seconds()
            bench.server.reset_counts()
            t0 = time.monotonic()
            time.sleep(window)
            calls = bench.server.call_count("GetStatistics")
            elapsed = time.monotonic() - t0
            cpu = bench.board.cpu_seconds() - cpu0
            # "live": the page's own #freshness moved on with the polls during the window.
            live = 0
            for page, s0 in zip(pages, seq0, strict=True):
                try:
                    wait_for(lambda p=page, s=s0: p.evaluate(FRESHNESS_JS)["seq"]
                             >= s + args.intervals - 1, 2 * args.interval + 5)
                    live += 1
                except TimeoutError:
                    pass
            per_interval = calls / (elapsed / args.interval)
            print(f"{n:>8} {calls:>6} {per_interval:>15.2f} {per_interval / per_poll:>15.2f} "
                  f"{live:>7}/{n:<2} {100 * cpu / elapsed:>16.0f}", flush=True)


if __name__ == "__main__":
    main()
