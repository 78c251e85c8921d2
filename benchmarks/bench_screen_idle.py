"""What idle browsers cost the board server: its CPU with 0, 1, 6 and 20 browsers open on a
screen whose data does not change, the slope per extra browser, the polls per interval, and
the bytes the first browser receives.

The demo NetServer runs in this process with its clock frozen, so every poll returns the same
numbers (the snapshot's seq still moves at every poll; the header follows it, the panels do not
move). Pages are 1920×1080 in one headless Chromium; CPU is the Streamlit process's user+system
time from /proc/<pid>/stat; bytes are the websocket frames the first page receives (Playwright's
page.on("websocket")). Polls are the GetStatistics calls the demo NetServer answered, divided by
the calls one poll makes.

    .venv/bin/python benchmarks/bench_screen_idle.py [--interval 30] [--seconds 60]
        [--browsers 1,6,20] [--screen status]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter
from typing import Any

from _screen import (
    FRESHNESS_JS,
    calls_per_poll,
    deadline,
    open_page,
    screen_panels,
    start,
    wait_ready,
)
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from statusboard.config import default_redraw


def kind(frame: bytes) -> str:
    """What a Streamlit ForwardMsg frame carries, e.g. "delta/new_element/html" or "ref_hash"
    (a reference to an element the browser already holds)."""
    try:
        msg = ForwardMsg.FromString(frame)
    except Exception:
        return "undecodable"
    top = msg.WhichOneof("type") or "?"
    if top != "delta":
        return top
    sub = msg.delta.WhichOneof("type") or "?"
    if sub == "new_element":
        return f"delta/new_element/{msg.delta.new_element.WhichOneof('type')}"
    return f"delta/{sub}"


class Wire:
    """Counts websocket frames and bytes in both directions for one page, and the received
    bytes by message kind."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recv_bytes = self.recv_frames = self.sent_bytes = self.sent_frames = 0
        self.kinds: Counter[str] = Counter()

    def attach(self, page: Any) -> None:
        page.on("websocket", self._socket)

    def _socket(self, ws: Any) -> None:
        ws.on("framereceived", lambda payload: self._add(payload, received=True))
        ws.on("framesent", lambda payload: self._add(payload, received=False))

    def _add(self, payload: bytes | str, *, received: bool) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        n = len(data)
        label = kind(data) if received else ""
        with self.lock:
            if received:
                self.kinds[label] += n
                self.recv_bytes += n
                self.recv_frames += 1
            else:
                self.sent_bytes += n
                self.sent_frames += 1

    def snapshot(self) -> tuple[int, int, int, int, Counter[str]]:
        with self.lock:
            return (self.recv_bytes, self.recv_frames, self.sent_bytes, self.sent_frames,
                    Counter(self.kinds))


def window(bench: Any, pages: list[Any], wire: Wire, seconds: float,
           per_poll: int) -> dict[str, float]:
    """CPU, polls and the first page's bytes over `seconds`, pumping Playwright's event loop
    (on the first page) so that frame events are counted as they come."""
    bench.server.reset_counts()
    w0, cpu0, t0 = wire.snapshot(), bench.board.cpu_seconds(), time.monotonic()
    while time.monotonic() - t0 < seconds:
        if pages:
            pages[0].wait_for_timeout(250)
        else:
            time.sleep(0.25)
    w1, cpu1, t1 = wire.snapshot(), bench.board.cpu_seconds(), time.monotonic()
    calls = bench.server.call_count("GetStatistics")
    return {"seconds": t1 - t0, "cpu": (cpu1 - cpu0) / (t1 - t0), "polls": calls / per_poll,
            "recv": (w1[0] - w0[0]) / (t1 - t0), "frames": (w1[1] - w0[1]) / (t1 - t0),
            "kinds": w1[4] - w0[4]}


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of CPU (fraction of a core) per browser."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=30.0, help="poll interval, seconds")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of each window")
    ap.add_argument("--browsers", default="1,6,20", help="open browsers per window, ascending")
    ap.add_argument("--screen", default="status", help="status, workload or trends")
    args = ap.parse_args()
    counts = sorted({int(n) for n in args.browsers.split(",")})
    redraw = default_redraw(args.interval)
    path = "" if args.screen == "status" else args.screen
    panels = screen_panels(args.screen)
    per_poll = calls_per_poll()
    rows: list[tuple[int, dict[str, float]]] = []
    limit = 600 + (len(counts) + 1) * (args.seconds + 3 * args.interval) + 20 * max(counts)
    with deadline(limit, "bench_screen_idle"), start(interval=args.interval) as bench:
        bench.clock.freeze()
        # The first page starts the shared poller; closed, it leaves the poller alone.
        first = open_page(bench, path, panels=panels)
        first.wait_for_timeout(int(1000 * (args.interval + 1)))  # a poll of the frozen desk
        first.context.close()
        time.sleep(2 * redraw + 1)
        wire = Wire()
        rows.append((0, window(bench, [], wire, args.seconds, per_poll)))
        pages: list[Any] = []
        for n in counts:
            new = [open_page(bench, path, wait=False, before=wire.attach if not pages else None)
                   for _ in range(n - len(pages))]
            for page in new:  # all loading at once: quicker than one after the other
                wait_ready(page, panels)
            pages += new
            # Settle: a poll and a redraw since the last page opened.
            pages[0].wait_for_timeout(int(1000 * (args.interval + 2 * redraw)))
            rows.append((n, window(bench, pages, wire, args.seconds, per_poll)))
            seqs = [p.evaluate(FRESHNESS_JS)["seq"] for p in pages]
            if min(seqs) == 0:
                print(f"  warning: {seqs.count(0)} of {n} pages never showed data")

    print(f"screen {args.screen}, interval {args.interval:g} s, redraw every {redraw:g} s, "
          f"data unchanged, windows of {args.seconds:g} s")
    print(f"{'browsers':>8} {'CPU % of a core':>15} {'per browser':>11} {'polls/interval':>14} "
          f"{'bytes/s to 1st':>14} {'frames/s':>8}")
    base = rows[0][1]["cpu"]
    for n, r in rows:
        per = f"{100 * (r['cpu'] - base) / n:.2f} %" if n else "—"
        per_interval = r["polls"] * args.interval / r["seconds"]
        print(f"{n:>8} {100 * r['cpu']:>15.2f} {per:>11} {per_interval:>14.2f} "
              f"{r['recv']:>14,.0f} {r['frames']:>8.2f}")
    k = slope([(n, r["cpu"]) for n, r in rows])
    print(f"slope (least squares over all rows): {100 * k:.3f} % of a core per extra idle "
          "browser; the poller alone "
          f"{100 * base:.2f} %; extrapolated to 50 browsers: {100 * (base + 50 * k):.1f} %")
    top = ", ".join(f"{name} {v / rows[-1][1]['seconds']:,.0f} B/s"
                    for name, v in rows[-1][1]["kinds"].most_common(5))
    print(f"first page's bytes by kind (last window): {top}")


if __name__ == "__main__":
    main()
