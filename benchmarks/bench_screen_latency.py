"""Time from a change at the NetServer to new pixels on the wall screen.

The demo NetServer runs in this process with its clock frozen. For each trial, after a random
pause (so changes fall at every phase of the poll cycle), the clock is stepped so that a
Status-tile count changes (checked against the help-desk model first); t0 is that moment.
In the page, a MutationObserver notes when the tile numbers change and then waits for two
animation frames (the frame with the new text has been produced); the benchmark also notes when
the NetServer reads its clock for the first reply after the step (the poll that carries the
change). Python's time.time() and the page's Date.now() read the same system clock.

Expected: about half an interval waiting for the next poll, plus the poll, plus up to one
panel redraw period, plus transport and rendering.

    .venv/bin/python benchmarks/bench_screen_latency.py [--interval 2] [--changes 10]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta
from typing import Any

from _screen import (
    FRESHNESS_JS,
    DemoClock,
    deadline,
    open_page,
    percentile,
    screen_panels,
    start,
    wait_for,
)

from stats_client.panels import PanelType
from statusboard.config import default_redraw

WATCH_JS = """() => { window.__sbPaints = [];
  const tiles = () => [...document.querySelectorAll('.sb-tile-value')].map(e => e.textContent)
                        .join('|');
  let last = tiles();
  new MutationObserver(() => {
    const now = tiles();
    if (now !== last) { last = now; const seen = Date.now();
      requestAnimationFrame(() => requestAnimationFrame(() =>
        window.__sbPaints.push([seen, Date.now()]))); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true}); }"""


class RecordingClock(DemoClock):
    """The demo clock, noting when the NetServer reads it (once per GetStatistics reply)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[float] = []

    def __call__(self) -> Any:
        self.reads.append(time.time() * 1000)
        return super().__call__()


def status_counts(bench: Any, at: Any) -> tuple[float, ...]:
    sets = bench.server.model.datasets(PanelType.StatusScreen, at)
    return tuple(v.value for ds in sets for v in ds.values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=2.0, help="poll interval, seconds")
    ap.add_argument("--changes", type=int, default=10, help="number of changes to time")
    ap.add_argument("--seed", type=int, default=1, help="seed for the random pauses")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    redraw = default_redraw(args.interval)
    to_pixels: list[float] = []
    to_poll: list[float] = []
    clock = RecordingClock()
    with deadline(180 + args.changes * (4 * args.interval + 15), "bench_screen_latency"), \
            start(interval=args.interval, clock=clock) as bench:
        page = open_page(bench, "", panels=screen_panels("status"))
        frozen = bench.clock.freeze()
        seq = page.evaluate(FRESHNESS_JS)["seq"]
        wait_for(lambda: page.evaluate(FRESHNESS_JS)["seq"] >= seq + 2, 4 * args.interval + 10)
        page.wait_for_timeout(int(2000 * redraw))
        page.evaluate(WATCH_JS)
        for _ in range(args.changes):
            page.wait_for_timeout(int(1000 * rng.uniform(0, args.interval)))
            step, shown = 60.0, status_counts(bench, frozen)
            while status_counts(bench, frozen + timedelta(seconds=step)) == shown:
                step += 60.0
            painted = len(page.evaluate("() => window.__sbPaints"))
            t0 = time.time() * 1000
            frozen = bench.clock.step(step)
            wait_for(lambda n=painted: len(page.evaluate("() => window.__sbPaints")) > n,
                     4 * args.interval + 10, 0.05, "the new tile values on screen")
            _, frame = page.evaluate("() => window.__sbPaints")[-1]
            to_pixels.append(frame - t0)
            # The first reply built after the step carried the change: the wait for a poll.
            to_poll.append(min(t for t in clock.reads if t >= t0) - t0)
            page.wait_for_timeout(int(1000 * (args.interval + redraw)))  # settle

    print(f"Status screen, 1 browser, interval {args.interval:g} s, panel redraw every "
          f"{redraw:g} s, {len(to_pixels)} changes")
    rest = [p - w for p, w in zip(to_pixels, to_poll, strict=True)]
    for name, values in (("change → next poll reaches the NetServer", to_poll),
                         ("that poll → new tile pixels", rest),
                         ("change → new tile pixels (total)", to_pixels)):
        print(f"{name:<41} median {statistics.median(values):>6.0f} ms   p95 "
              f"{percentile(values, 95):>6.0f} ms   min {min(values):>6.0f}   max "
              f"{max(values):>6.0f}")
    print("samples (ms):", " ".join(f"{v:.0f}" for v in to_pixels))


if __name__ == "__main__":
    main()
