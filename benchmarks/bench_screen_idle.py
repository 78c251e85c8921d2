"""What a refresh costs when nothing changed: the Streamlit server's CPU time and the bytes it
sends the browser, beside the same figures when the data changes at every poll.

The demo NetServer runs in this process with its clock frozen, so every poll returns the same
numbers ("idle"); then a thread steps the clock by 5 minutes of desk time once per interval
("changing"). One page (1920×1080) on a screen; bytes are the websocket frames the page
receives from Streamlit (Playwright's page.on("websocket") → framereceived), CPU is the
Streamlit process's user+system time from /proc/<pid>/stat; a last window with the page closed
gives what the poller alone costs. A "redraw" is one run of the
panels fragment (every max(1, interval/2) s unless STATUSBOARD_REDRAW says otherwise); the
header fragment ("Updated …, N s ago") also runs every second and is included.

    .venv/bin/python benchmarks/bench_screen_idle.py [--interval 2] [--seconds 30]
        [--screen status]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter
from typing import Any

from _screen import (
    FRESHNESS_JS,
    deadline,
    open_page,
    screen_panels,
    start,
    wait_for,
)
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from board.config import default_redraw


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


def measure(bench: Any, page: Any, wire: Wire, seconds: float) -> dict[str, float]:
    # Pump Playwright's event loop while waiting so frame events are counted as they come.
    seq0 = page.evaluate(FRESHNESS_JS)["seq"]
    w0, cpu0, t0 = wire.snapshot(), bench.board.cpu_seconds(), time.monotonic()
    while time.monotonic() - t0 < seconds:
        page.wait_for_timeout(250)
    w1, cpu1, t1 = wire.snapshot(), bench.board.cpu_seconds(), time.monotonic()
    return {"seconds": t1 - t0, "cpu": cpu1 - cpu0, "recv": w1[0] - w0[0],
            "recv_frames": w1[1] - w0[1], "sent": w1[2] - w0[2], "sent_frames": w1[3] - w0[3],
            "polls": page.evaluate(FRESHNESS_JS)["seq"] - seq0, "kinds": w1[4] - w0[4]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=2.0, help="poll interval, seconds")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each window")
    ap.add_argument("--screen", default="status", help="status, workload or trends")
    args = ap.parse_args()
    redraw = default_redraw(args.interval)
    path = "" if args.screen == "status" else args.screen
    stop = threading.Event()
    with deadline(300 + 4 * args.seconds, "bench_screen_idle"), \
            start(interval=args.interval) as bench:
        wire = Wire()
        page = open_page(bench, path, panels=screen_panels(args.screen), before=wire.attach)
        bench.clock.freeze()
        seq = page.evaluate(FRESHNESS_JS)["seq"]
        # Two polls of the frozen desk and a redraw: from here on nothing changes.
        wait_for(lambda: page.evaluate(FRESHNESS_JS)["seq"] >= seq + 2, 4 * args.interval + 10)
        page.wait_for_timeout(int(2000 * redraw))
        idle = measure(bench, page, wire, args.seconds)

        def tick() -> None:
            while not stop.wait(args.interval):
                bench.clock.step(300)

        stepper = threading.Thread(target=tick, daemon=True)
        stepper.start()
        try:
            page.wait_for_timeout(int(2000 * args.interval))
            changing = measure(bench, page, wire, args.seconds)
        finally:
            stop.set()
            stepper.join(5)
        # The same window with no browser at all: what the poller alone costs the server.
        page.context.close()
        time.sleep(2 * args.interval)
        cpu0, t0 = bench.board.cpu_seconds(), time.monotonic()
        time.sleep(args.seconds)
        alone = (bench.board.cpu_seconds() - cpu0) / (time.monotonic() - t0)

    print(f"screen {args.screen}, 1 browser, interval {args.interval:g} s, panel redraw every "
          f"{redraw:g} s, header every 1 s, windows of {args.seconds:g} s")
    print(f"{'':>9} {'redraws':>7} {'polls':>5} {'bytes to browser':>16} {'frames':>6} "
          f"{'bytes/redraw':>12} {'bytes/s':>8} {'from browser':>12} {'CPU s':>6} "
          f"{'CPU ms/redraw':>13} {'CPU %':>6}")
    for name, r in (("unchanged", idle), ("changing", changing)):
        redraws = r["seconds"] / redraw
        print(f"{name:>9} {redraws:>7.0f} {r['polls']:>5.0f} {r['recv']:>16,.0f} "
              f"{r['recv_frames']:>6.0f} {r['recv'] / redraws:>12,.0f} "
              f"{r['recv'] / r['seconds']:>8,.0f} {r['sent']:>12,.0f} {r['cpu']:>6.2f} "
              f"{1000 * r['cpu'] / redraws:>13.1f} {100 * r['cpu'] / r['seconds']:>6.1f}")
    for name, r in (("unchanged", idle), ("changing", changing)):
        redraws = r["seconds"] / redraw
        top = ", ".join(f"{k} {v / redraws:,.0f}" for k, v in r["kinds"].most_common(6))
        print(f"{name}: bytes per redraw by kind: {top}")
    print(f"no browser: the poller alone uses {100 * alone:.1f}% of a core "
          f"({1000 * alone * args.interval:.0f} ms CPU per poll, frozen data)")


if __name__ == "__main__":
    main()
