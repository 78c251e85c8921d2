"""How long a screen takes to say that its board server is gone, and to come back: the board
server is killed (SIGKILL to its process group, a crash) under an open page, then started again
on the same port, a few times.

"Offline" is the page's `#freshness[data-state="offline"]` with its banner (the page's own
script, board.kiosk.clock_script, asking /_stcore/health); "back" is `data-state="fresh"`
with the banner gone, nobody touching the page. The issue's bound: offline within one poll
interval + 5 s.

    .venv/bin/python benchmarks/bench_screen_offline.py [--interval 2] [--times 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from _screen import deadline, open_page, screen_panels, start

STATE_JS = """() => ({state: document.querySelector('#freshness')?.dataset.state,
  banner: document.querySelector('#sb-page-banner')?.dataset.banner ?? null})"""


def until(page: Any, done: Any, limit: float) -> float:
    """Seconds until `done(state)` holds, checked every 50 ms; inf past `limit`."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if done(page.evaluate(STATE_JS)):
            return time.monotonic() - t0
        page.wait_for_timeout(50)
    return float("inf")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=2.0, help="poll interval, seconds")
    ap.add_argument("--times", type=int, default=5, help="kills and restarts")
    args = ap.parse_args()
    lost: list[float] = []
    back: list[float] = []
    with deadline(300 + 150 * args.times, "bench_screen_offline"), \
            start(interval=args.interval) as bench:
        page = open_page(bench, "", panels=screen_panels("status"))
        for _ in range(args.times):
            page.wait_for_timeout(2000)
            bench.board.kill()
            lost.append(until(page, lambda s: s["state"] == "offline" and s["banner"], 120))
            t0 = time.monotonic()
            bench.board.start()
            back.append(time.monotonic() - t0 + until(
                page, lambda s: s["state"] == "fresh" and s["banner"] is None, 120))
    print(f"interval {args.interval:g} s, {args.times} kills of the board server under one page")
    print(f"kill → offline with banner: median {statistics.median(lost):.2f} s, "
          f"max {max(lost):.2f} s (bound: interval + 5 s = {args.interval + 5:g} s)")
    print(f"restart → fresh, banner gone (server start included): median "
          f"{statistics.median(back):.2f} s, max {max(back):.2f} s")


if __name__ == "__main__":
    main()
