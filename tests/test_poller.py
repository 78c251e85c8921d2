"""The poller: snapshots, keeping the last good data through failures, backoff, stopping."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pandas as pd
import pytest

from harness.clock import ManualClock
from stats_client.errors import InvalidReply, NetServerUnreachable, ServiceError
from stats_client.frames import DataSet, DataValue, PanelData, empty_frame, to_frame
from stats_client.panels import PanelType
from stats_client.poller import Poller, Snapshot, panel_digests


def frame_with(unassigned: float, open_: float = 5.0) -> pd.DataFrame:
    return to_frame([
        PanelData(PanelType.UnassignedRequests,
                  (DataSet("Unassigned", None, (DataValue("Unassigned", unassigned, None),)),)),
        PanelData(PanelType.OwnOpenRequests,
                  (DataSet("Own", None, (DataValue("Own", open_, None),)),)),
    ])


class Script:
    """A fetch function that plays a list of outcomes: frames or exceptions."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self) -> pd.DataFrame:
        self.calls += 1
        item = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, pd.DataFrame)
        return item


def test_first_snapshot_is_empty_with_schema() -> None:
    snap = Poller(Script(frame_with(1)), interval=30).latest()
    assert snap.seq == 0
    assert snap.fetched_at is None
    assert snap.error is None
    assert list(snap.frame.columns) == list(empty_frame().columns)


def test_success_then_failure_keeps_last_good_frame_and_says_why(clock: ManualClock) -> None:
    down = NetServerUnreachable("Cannot reach the NetServer: connection refused.")
    poller = Poller(Script(frame_with(3), down, down, frame_with(4)), interval=30, clock=clock)

    good = poller.poll_once()
    assert (good.seq, good.failures, good.error) == (1, 0, None)
    fetched = good.fetched_at

    clock.now += timedelta(seconds=30)
    bad = poller.poll_once()
    assert bad.seq == 1, "a failed poll does not make new data"
    assert bad.frame is good.frame, "the last good data stays"
    assert bad.fetched_at == fetched
    assert bad.error == "Cannot reach the NetServer: connection refused."
    assert bad.error_kind == "connection"
    assert bad.error_since == clock.now

    first_failure = clock.now
    clock.now += timedelta(seconds=30)
    worse = poller.poll_once()
    assert worse.failures == 2
    assert worse.error_since == first_failure

    clock.now += timedelta(seconds=30)
    back = poller.poll_once()
    assert (back.seq, back.failures, back.error, back.error_since) == (2, 0, None, None)
    assert back.frame["value"].tolist() == [4.0, 5.0]
    assert back.calls == 4


def test_unexpected_exception_does_not_kill_the_poller_and_hides_internals() -> None:
    poller = Poller(Script(KeyError("secret-ish internals")), interval=30)
    snap = poller.poll_once()
    assert snap.error_kind == "internal"
    assert "secret-ish" not in (snap.error or "")
    assert "KeyError" in (snap.error or "")


@pytest.mark.parametrize(
    ("failures", "interval", "cap", "expected"),
    [
        (0, 30, None, 30),
        (1, 30, None, 30),
        (2, 30, None, 60),
        (3, 30, None, 120),
        (4, 30, None, 150),  # default cap: 5 intervals
        (9, 30, None, 150),
        (9, 120, None, 300),  # … but never more than 5 minutes
        (5, 1, 4, 4),
        (1, 10, 2, 10),  # a cap below the interval never shortens the interval
    ],
)
def test_backoff(failures: int, interval: float, cap: float | None, expected: float) -> None:
    poller = Poller(Script(frame_with(1)), interval=interval, max_backoff=cap)
    assert poller.next_delay(Snapshot(failures=failures)) == expected


def test_interval_below_one_second_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 second"):
        Poller(Script(frame_with(1)), interval=0.5)


def test_digests_change_only_for_the_panel_that_changed() -> None:
    a, b = panel_digests(frame_with(3, 5)), panel_digests(frame_with(4, 5))
    assert set(a) == {"UnassignedRequests", "OwnOpenRequests"}
    assert a["OwnOpenRequests"] == b["OwnOpenRequests"]
    assert a["UnassignedRequests"] != b["UnassignedRequests"]
    assert panel_digests(frame_with(3, 5)) == a, "digests are stable"


def test_thread_polls_on_interval_and_stops() -> None:
    script = Script(frame_with(1))
    poller = Poller(script, interval=1, name="poller-under-test").start()
    try:
        assert poller.running
        snap = poller.wait_for_seq(2, timeout=60)
        assert snap.seq >= 2
    finally:
        poller.stop(timeout=60)
    assert not poller.running
    assert "poller-under-test" not in {t.name for t in threading.enumerate()}, \
        "stop() ends the thread, so no poll can follow"


def test_a_waiter_wakes_when_the_snapshot_it_waits_for_is_published() -> None:
    """Waiting is on a condition, not a sleep loop: one publish wakes every waiter at once."""
    poller = Poller(Script(InvalidReply("not yet"), frame_with(1)), interval=30)
    seen: dict[str, Snapshot] = {}

    def wait(name: str, done: Callable[[Snapshot], bool]) -> threading.Thread:
        thread = threading.Thread(target=lambda: seen.update({name: poller.wait_until(done, 600)}))
        thread.start()
        return thread

    attempted = wait("attempt", lambda s: s.calls > 0)  # what the first page waits for
    data = wait("data", lambda s: s.seq >= 1)
    poller.poll_once()  # a failure: an attempt, no data
    attempted.join(60)
    assert not attempted.is_alive()
    assert (seen["attempt"].calls, seen["attempt"].seq) == (1, 0)
    assert data.is_alive(), "a failed attempt is no data"
    poller.poll_once()
    data.join(60)
    assert not data.is_alive()
    assert seen["data"].seq == 1


def test_a_wait_that_times_out_returns_the_latest_snapshot() -> None:
    poller = Poller(Script(frame_with(1)), interval=30)
    assert poller.wait_until(lambda s: s.seq > 0, 0.01).seq == 0


def test_concurrent_readers_see_whole_snapshots() -> None:
    """Readers never see a half-built snapshot: seq and frame always belong together."""
    n = 0

    def fetch() -> pd.DataFrame:
        nonlocal n
        n += 1
        return frame_with(float(n))

    poller = Poller(fetch, interval=1)
    errors: list[str] = []

    def reader() -> None:
        for _ in range(2000):
            s = poller.latest()
            if s.seq and s.frame["value"].iloc[0] != float(s.seq):
                errors.append(f"seq {s.seq} with value {s.frame['value'].iloc[0]}")

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for _ in range(200):
        poller.poll_once()
    for t in threads:
        t.join()
    assert errors == []


def test_service_error_kind_is_kept() -> None:
    poller = Poller(Script(ServiceError("The NetServer said no.", exception_type="X")), interval=5)
    assert poller.poll_once().error_kind == "service"


def test_every_snapshot_carries_when_the_poller_started(clock: ManualClock) -> None:
    started = clock.now
    poller = Poller(Script(frame_with(1), NetServerUnreachable("down.")), interval=5, clock=clock)
    assert poller.latest().started_at == started
    clock.now += timedelta(seconds=5)
    assert poller.poll_once().started_at == started
    clock.now += timedelta(seconds=5)
    assert poller.poll_once().started_at == started
