"""The alerts' outbox: a message is written with its rule's state in one transaction, taken off
once its target took it (or it was given up), and what a board killed in between left is sent by
the desk's next poller, once. Real parts: SQLite stores, the demo NetServer, a json:// webhook."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from test_alerts import RULES

from harness.receiver import Receiver
from harness.waiting import wait_for
from netserver_demo import DemoNetServer
from stats_client.history import HistoryStore
from statusboard import alerts
from statusboard.alerts import Alerts, Firing, Outgoing, Sender, Setup, StoredState
from statusboard.deployment import Deployment

T0 = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
KEY = ("red:StatusScreen.Open", "StatusScreen.Open")


def test_a_letter_is_kept_until_settled_and_claimed_by_one_other_holder_once(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    stores = [HistoryStore.open(url, desk="south") for _ in range(3)]
    try:
        first, second, third = (StoredState(lambda s=s: s, holder=h)
                                for s, h in zip(stores, ("a", "b", "c"), strict=True))
        (out,) = first.save("south", {KEY: Firing(T0, T0, 31.0)},
                            [Outgoing("Open is RED", "…", ("team", "lead"), "firing")], now=T0)
        assert out.settle is not None
        out.settle("team")  # the team's target took it; the lead's is still to go
        assert stores[1].alert_state()[KEY][1] == T0  # told, on record with its letter
        soon = T0 + timedelta(seconds=alerts.ORPHAN_AFTER_S - 1)
        assert second.orphans("south", soon) == []  # the first may still be sending it
        late = T0 + timedelta(seconds=alerts.ORPHAN_AFTER_S + 1)
        (left,) = second.orphans("south", late)
        assert (left.to, left.title, left.kind) == (("lead",), "Open is RED", "firing")
        assert third.orphans("south", late) == []  # claimed once...
        assert first.orphans("south", soon + timedelta(seconds=2)) == []  # ...held by "b" now
        assert left.settle is not None
        left.settle("lead")
        assert third.orphans("south", late + timedelta(hours=1)) == []  # and settled
    finally:
        for s in stores:
            s.close()


def test_without_a_store_the_messages_go_as_given() -> None:
    state = StoredState(lambda: None, holder="a")
    out = Outgoing("t", "b", ("team",), "firing")
    assert state.save("south", {KEY: Firing(T0, T0)}, [out], now=T0) == [out]
    assert state.orphans("south", T0 + timedelta(hours=1)) == []


def test_a_board_killed_before_its_message_went_out_leaves_it_to_the_next(
        tmp_path: Path, demo_server: DemoNetServer, receiver: Receiver,
        started: Callable[..., Deployment], monkeypatch: pytest.MonkeyPatch) -> None:
    """The first board's target refuses until the board is gone (killed while retrying): the
    next board on the store sends that message, once, and does not fire it again."""
    monkeypatch.setattr(alerts, "RETRY_DELAYS_S", (30.0,))  # still waiting when it is killed
    monkeypatch.setattr(alerts, "ORPHAN_AFTER_S", 0.5)
    monkeypatch.setattr(alerts, "ORPHAN_CHECK_S", 0.0)
    toml = tmp_path / "statusboard.toml"
    toml.write_text(RULES.format(red=1))
    store = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    env = {"STATUSBOARD_NOTIFY_TEAM": receiver.url, "STATUSBOARD_DATABASE_URL": store}
    receiver.status = 500
    first = started(toml, demo_server.url, **env)
    wait_for(lambda: receiver.refused >= 1, what="the first attempt, refused")
    first.stop()  # mid-retry: as good as killed for this message
    assert receiver.messages == []
    receiver.status = 200
    again = started(toml, demo_server.url, **env)
    wait_for(lambda: receiver.messages, what="the message the first board left")
    desk = again.state.desk
    assert desk is not None
    seq = desk.latest().seq
    wait_for(lambda: desk.latest().seq >= seq + 2, what="two more polls of the new board")
    assert len(receiver.messages) == 1
    assert receiver.messages[0]["title"].endswith("Status · Open is RED")
    wait_for(lambda: again.alerts.sender.status["team"].sent == 1, what="counted as sent")
    check = HistoryStore.open(store, desk=desk.key)
    try:
        assert check.claim_letters("someone-else", T0 + timedelta(days=3650)) == []
    finally:
        check.close()


# -- review regressions: nothing resent that went out, nothing waiting forgotten ------------------
class Kept(Sender):
    """A sender that keeps what it is given."""

    def __init__(self) -> None:
        super().__init__({})
        self.sent: list[Outgoing] = []

    def send(self, out: Outgoing) -> None:
        self.sent.append(out)


def _snap(at: datetime) -> Any:
    return SimpleNamespace(attempted_at=at, fetched_at=at, frame=pd.DataFrame())


def test_a_letter_left_behind_is_claimed_by_a_board_with_digests_and_no_alert_rules(
        tmp_path: Path) -> None:
    """A board with only [[digests]] (no [[alerts]]) killed before its digest went out: the
    next board must send it (the outbox is looked at whatever the rules)."""
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    store = HistoryStore.open(url, desk="south")
    try:
        dead = StoredState(lambda: store, holder="dead")
        dead.save("south", {("digest:16:00", "2026-12-04"): Firing(sent_at=T0)},
                  [Outgoing("South: the day so far", "…", ("leads",), "digest")], now=T0)
        sender = Kept()
        board = Alerts(sender)
        board.configure(Setup(rules=()))  # digests only
        later = T0 + timedelta(seconds=alerts.ORPHAN_AFTER_S + 1)
        board.evaluate(_snap(later), desk="south", label="South",
                       state=StoredState(lambda: store, holder="next"))
        assert [o.title for o in sender.sent] == ["South: the day so far"]
    finally:
        store.close()


def test_a_letter_settled_while_the_store_was_away_is_taken_off_when_it_is_back(
        tmp_path: Path) -> None:
    """The target took it while the desk's store was away (or its recorder was between stores):
    once the store is back, the letter is taken off, and no later board sends it again."""
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    store = HistoryStore.open(url, desk="south")
    try:
        current: list[Any] = [store]
        state = StoredState(lambda: current[0], holder="a")
        (out,) = state.save("south", {KEY: Firing(T0, T0, 31.0)},
                            [Outgoing("Open is RED", "…", ("team",), "firing")], now=T0)
        assert out.settle is not None
        current[0] = None  # away
        out.settle("team")  # delivered
        current[0] = store  # back: the next poll reads the state
        state.load("south")
        restarted = StoredState(lambda: store, holder="b")
        assert restarted.orphans("south", T0 + timedelta(hours=1)) == []
    finally:
        store.close()


def test_a_message_delivered_while_the_board_stops_is_not_sent_again_by_the_next(
        tmp_path: Path, demo_server: DemoNetServer, receiver: Receiver,
        started: Callable[..., Deployment], monkeypatch: pytest.MonkeyPatch) -> None:
    """A target that takes a moment (under a second) to accept, and the board is stopped
    meanwhile: the message went out, so the outbox must not keep it for the next board."""
    gate = threading.Event()
    entered = threading.Event()
    deliver = Sender.deliver

    def slow(self: Sender, *args: Any, **kwargs: Any) -> bool:
        entered.set()
        gate.wait(10)
        return deliver(self, *args, **kwargs)

    monkeypatch.setattr(Sender, "deliver", slow)
    toml = tmp_path / "statusboard.toml"
    toml.write_text(RULES.format(red=1))
    store = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    board = started(toml, demo_server.url, STATUSBOARD_NOTIFY_TEAM=receiver.url,
                    STATUSBOARD_DATABASE_URL=store)
    desk = board.state.desk
    assert desk is not None
    key = desk.key
    assert entered.wait(15), "the red message was never tried"
    stopping = threading.Thread(target=board.stop)
    stopping.start()
    wait_for(lambda: board.alerts.sender.stopping, what="the board stopping")
    gate.set()  # the target takes it while the board stops
    stopping.join(30)
    wait_for(lambda: receiver.messages, what="the red message")
    check = HistoryStore.open(store, desk=key)
    try:
        left = check.claim_letters("the-next-board", T0 + timedelta(days=3650))
        assert [x.title for x in left] == []
    finally:
        check.close()


def test_a_period_label_from_the_netserver_is_no_markup_in_a_digest() -> None:
    from statusboard.digests import Figure, Numbers, digest_message

    now = datetime(2026, 12, 4, 16, 0)
    label = "49 <!channel> [Click here](http://evil.example) **now**"
    _title, body = digest_message(Numbers((Figure("Response time", 2.0, None, label),), now,
                                          now), label="North", link=None)
    line = body.splitlines()[0]
    assert not set(line) & set("<>[]*!")
    assert line.startswith("Response time (49 channel Click here")
    _title, body = digest_message(Numbers((Figure("Response time", 2.0, None, "2026-W49"),),
                                          now, now), label="North", link=None)
    assert body.startswith("Response time (2026-W49): 2")
