"""Alerts (statusboard.alerts) end to end: a deployment polling the demo NetServer over HTTP,
rules and a threshold in statusboard.toml, a target's URL in the environment, and a local
webhook receiver (Apprise's json:// target) that records what arrives."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from harness.receiver import Receiver
from harness.waiting import wait_for
from netserver_demo import DemoNetServer, Fault
from statusboard import alerts, deployment
from statusboard.alerts import AlertRule, Firing, evaluate, threshold_value
from statusboard.deployment import Deployment
from statusboard.rules import Threshold

pytestmark = pytest.mark.usefixtures("quick_alerts")


RULES = """
public_url = "http://board.example.com:8501"
[[screens]]
id = "status"
title = "Status"
panels = ["StatusScreen"]

[thresholds."StatusScreen.Open"]
red = {red}

[[alerts]]
when = "red"
panel = "StatusScreen.Open"
for = "0s"
to = ["team"]

[[alerts]]
when = "stale"
for = "0s"
to = ["team"]
"""


def test_red_is_told_once_and_resolved_once(tmp_path: Path, demo_server: DemoNetServer,
                                            receiver: Receiver,
                                            started: Callable[..., Deployment]) -> None:
    toml = tmp_path / "statusboard.toml"
    toml.write_text(RULES.format(red=1))  # the demo desk has hundreds open: red at once
    dep = started(toml, demo_server.url, STATUSBOARD_NOTIFY_TEAM=receiver.url)
    desk = dep.state.desk
    assert desk is not None
    wait_for(lambda: receiver.messages, what="the red message")
    seq = desk.latest().seq
    wait_for(lambda: desk.latest().seq >= seq + 2, what="two more polls")  # still red
    assert len(receiver.messages) == 1
    first = receiver.messages[0]
    assert first["title"].endswith(": Status · Open is RED")  # the panel as the wall names it
    assert "(threshold 1)" in first["message"]
    assert first["message"].endswith("http://board.example.com:8501/")
    assert first["type"] == "failure"
    toml.write_text(RULES.format(red=100000))  # the threshold raised: no longer red
    wait_for(lambda: len(receiver.messages) == 2, what="the resolved message")
    assert receiver.messages[1]["title"].startswith("Resolved: ")
    assert receiver.messages[1]["type"] == "success"
    # Counted once the target's answer is back (the receiver keeps the message before it
    # answers). Regression: read in between on a busy machine.
    wait_for(lambda: dep.alerts.sender.status["team"].sent == 2, what="both counted as sent")
    assert receiver.url not in json.dumps(receiver.messages)


def test_a_netserver_that_stops_answering_is_one_stale_message(
        tmp_path: Path, demo_server: DemoNetServer, receiver: Receiver,
        started: Callable[..., Deployment]) -> None:
    toml = tmp_path / "statusboard.toml"
    toml.write_text(RULES.format(red=100000))
    dep = started(toml, demo_server.url, STATUSBOARD_NOTIFY_TEAM=receiver.url)
    desk = dep.state.desk
    assert desk is not None
    wait_for(lambda: desk.latest().seq >= 1, what="a first good poll")
    demo_server.set_fault(Fault.DOWN)
    wait_for(lambda: receiver.messages, what="the stale message")
    calls = desk.latest().calls
    wait_for(lambda: desk.latest().calls >= calls + 2, what="two more failed polls")
    assert [t for t in receiver.titles() if "no fresh data" in t] == receiver.titles()
    assert len(receiver.messages) == 1


def test_a_target_that_refuses_is_retried_reported_and_polling_keeps_its_pace(
        tmp_path: Path, demo_server: DemoNetServer, receiver: Receiver,
        started: Callable[..., Deployment]) -> None:
    receiver.status = 500
    toml = tmp_path / "statusboard.toml"
    toml.write_text(RULES.format(red=1))
    dep = started(toml, demo_server.url, STATUSBOARD_NOTIFY_TEAM=receiver.url)
    desk = dep.state.desk
    assert desk is not None
    status = dep.alerts.sender.status["team"]
    wait_for(lambda: status.failed == 1, what="the message given up after its retries")
    assert receiver.refused == 3  # the first try and two retries
    assert status.problem is not None
    assert receiver.url not in status.problem
    assert status.service == "json (127.0.0.1)"
    seq = desk.latest().seq
    wait_for(lambda: desk.latest().seq >= seq + 2, what="polling going on")


def test_a_rule_for_a_target_without_a_url_is_a_sentence(
        tmp_path: Path, demo_server: DemoNetServer,
        started: Callable[..., Deployment]) -> None:
    toml = tmp_path / "statusboard.toml"
    toml.write_text(RULES.format(red=1))
    dep = started(toml, demo_server.url)
    assert ("Alerts for target team are not sent: it has no URL. Set STATUSBOARD_NOTIFY_TEAM "
            "in the environment, or team under [notify] in .streamlit/secrets.toml.") \
        in dep.state.problems


# -- the rules, pure ---------------------------------------------------------------------------
T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
RED = AlertRule("red", "UnassignedRequests", hold_s=600, repeat_s=3600, to=("team",))
FRAME = pd.DataFrame({"panel": "UnassignedRequests", "dataset": 0, "dataset_label": "x",
                      "position": 0, "label": "Unassigned", "value": [25.0], "description": ""})


@pytest.mark.parametrize(("minutes", "told_before", "kind"), [
    (5, False, None),  # not held for long enough yet
    (10, False, "firing"),
    (30, True, None),  # told, no reminder due yet
    (70, True, "reminder"),
])
def test_a_condition_is_told_after_for_and_reminded_after_repeat(
        minutes: int, told_before: bool, kind: str | None) -> None:
    since = T0 - timedelta(minutes=minutes)
    state = {(RED.key, "UnassignedRequests"):
             Firing(since, since + timedelta(minutes=10) if told_before else None, 25.0)}
    events, _ = evaluate([RED], state, desk="d", now=T0, frame=FRAME,
                         thresholds={"UnassignedRequests": Threshold(red=20)}, stale=False,
                         history_away=False)
    assert [e.kind for e in events] == ([kind] if kind else [])


def test_at_night_only_urgent_rules_send_and_the_rest_wait_for_the_morning() -> None:
    urgent = AlertRule("red", "UnassignedRequests", 0, None, ("team",), urgent=True)
    quiet = AlertRule("amber", "UnassignedRequests", 0, None, ("team",))
    thresholds = {"UnassignedRequests": Threshold(amber=10, red=20)}
    events, state = evaluate([urgent, quiet], {}, desk="d", now=T0, frame=FRAME,
                             thresholds=thresholds, stale=False, history_away=False, quiet=True)
    assert [e.rule for e in events] == [urgent]
    morning = T0 + timedelta(hours=8)
    events, _ = evaluate([urgent, quiet], state, desk="d", now=morning, frame=FRAME,
                         thresholds=thresholds, stale=False, history_away=False)
    assert [(e.rule, e.kind) for e in events] == [(quiet, "firing")]


def test_cleared_at_night_is_resolved_in_the_morning_with_when_it_cleared() -> None:
    """Regression (review): a rule that is not urgent sent "Resolved" at 02:00."""
    rule = AlertRule("red", "UnassignedRequests", 0, None, ("team",))
    thresholds = {"UnassignedRequests": Threshold(red=20)}
    calm = FRAME.assign(value=FRAME["value"].where(FRAME["panel"] != "UnassignedRequests", 3.0))
    told = {(rule.key, "UnassignedRequests"): Firing(T0 - timedelta(hours=1), T0 - timedelta(
        minutes=50), 25.0)}
    events, changed = evaluate([rule], told, desk="d", now=T0, frame=calm,
                               thresholds=thresholds, stale=False, history_away=False,
                               quiet=True)
    assert events == []
    night = {**told, **changed}
    assert night[(rule.key, "UnassignedRequests")].cleared == T0
    # Still clear in the morning: resolved, lasting until it cleared (not until the morning).
    morning = T0 + timedelta(hours=6)
    events, changed = evaluate([rule], night, desk="d", now=morning, frame=calm,
                               thresholds=thresholds, stale=False, history_away=False)
    assert [(e.kind, e.at) for e in events] == [("resolved", T0)]
    assert changed == {(rule.key, "UnassignedRequests"): Firing()}
    # Back before the morning: it goes on holding, nothing said.
    events, changed = evaluate([rule], night, desk="d", now=T0 + timedelta(hours=1),
                               frame=FRAME, thresholds=thresholds, stale=False,
                               history_away=False, quiet=True)
    assert events == []
    assert changed[(rule.key, "UnassignedRequests")].cleared is None


def test_threshold_values_read_as_the_tiles_read_them(demo_server: DemoNetServer) -> None:
    from board.tiles import number_tiles, status_tiles
    from stats_client.client import open_client
    from stats_client.frames import panel_frame
    from stats_client.panels import PanelType
    from stats_client.settings import Settings

    with open_client(Settings(url=demo_server.url)) as client:
        frame = client.fetch_frame([PanelType.StatusScreen, PanelType.UnassignedRequests,
                                    PanelType.OwnOpenRequests])
    tiles = status_tiles(panel_frame(frame, PanelType.StatusScreen))
    for panel in (PanelType.UnassignedRequests, PanelType.OwnOpenRequests):
        tiles += number_tiles(panel_frame(frame, panel), key=panel.wire_name, title="x")
    assert len(tiles) == 9
    for tile in tiles:
        assert threshold_value(frame, tile.key) == tile.value, tile.key


def test_a_restart_while_firing_tells_nobody_twice(tmp_path: Path, demo_server: DemoNetServer,
                                                  receiver: Receiver,
                                                  started: Callable[..., Deployment]) -> None:
    """The state is the history store's: the board started again on the same store knows
    the team was told, and tells them only when it clears."""
    toml = tmp_path / "statusboard.toml"
    toml.write_text(RULES.format(red=1))
    env = {"STATUSBOARD_NOTIFY_TEAM": receiver.url,
           "STATUSBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'history.sqlite3'}"}
    first = started(toml, demo_server.url, **env)
    wait_for(lambda: receiver.messages, what="the red message")
    first.stop()
    again = started(toml, demo_server.url, **env)
    desk = again.state.desk
    assert desk is not None
    seq = desk.latest().seq
    wait_for(lambda: desk.latest().seq >= seq + 2, what="two polls of the new board")
    assert len(receiver.messages) == 1
    toml.write_text(RULES.format(red=100000))
    wait_for(lambda: len(receiver.messages) == 2, what="the resolved message")
    assert receiver.messages[1]["title"].startswith("Resolved: ")


def test_two_boards_on_one_postgresql_tell_once(tmp_path: Path, demo_server: DemoNetServer,
                                                receiver: Receiver, pg_url: str,
                                                started: Callable[..., Deployment]) -> None:
    """Two board processes (two deployments, each its own lease holder) of one desk on one
    PostgreSQL database: one polls and tells, the other adopts its snapshots; one message,
    and one "resolved"."""
    toml = tmp_path / "statusboard.toml"
    toml.write_text(RULES.format(red=1))
    env = {"STATUSBOARD_NOTIFY_TEAM": receiver.url, "STATUSBOARD_DATABASE_URL": pg_url}
    boards = [started(toml, demo_server.url, **env) for _ in range(2)]
    wait_for(lambda: receiver.messages, what="the red message")
    for board in boards:  # both have seen two more polls of the desk
        desk = board.state.desk
        assert desk is not None
        seq = desk.latest().seq
        wait_for(lambda d=desk, s=seq: d.latest().seq >= s + 2, what="two more polls")
    host = demo_server.url.split("//")[1].rstrip("/")  # a single desk: its site's host
    assert receiver.titles() == [f"{host}: Status · Open is RED"]
    toml.write_text(RULES.format(red=100000))
    wait_for(lambda: len(receiver.messages) >= 2, what="the resolved message")
    for board in boards:
        desk = board.state.desk
        assert desk is not None
        seq = desk.latest().seq
        wait_for(lambda d=desk, s=seq: d.latest().seq >= s + 2, what="two more polls")
    assert len(receiver.messages) == 2
    assert receiver.titles()[1].startswith("Resolved: ")


def test_the_connection_screen_names_each_target_without_its_url(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_screen: Any,
        demo_server: DemoNetServer) -> None:
    from harness.apptest import text_of

    toml = tmp_path / "statusboard.toml"
    toml.write_text(RULES.format(red=100000))
    secret = "json://board:Hook-Secret-9@hooks.example.com/x?token=Tok-Secret-7"
    monkeypatch.setenv("STATUSBOARD_CONFIG", str(toml))
    monkeypatch.setenv("SUPEROFFICE_URL", demo_server.url)
    monkeypatch.setenv("STATUSBOARD_NOTIFY_TEAM", secret)
    try:
        at = open_screen("pages/connection.py")
        assert not at.exception, [e.value for e in at.exception]
        body = text_of(at)
    finally:
        deployment.stop_development()
    assert "<th>Alert target team</th><td>json (hooks.example.com); 0 sent, 0 not delivered" \
        in body
    assert "Hook-Secret-9" not in body
    assert "Tok-Secret-7" not in body


def test_alerts_test_tells_which_target_took_the_message(tmp_path: Path,
                                                        receiver: Receiver) -> None:
    from board.cli import main

    refusing = Receiver()
    refusing.status = 500
    try:
        env = {"STATUSBOARD_NOTIFY_TEAM": receiver.url, "STATUSBOARD_NOTIFY_ADMIN": refusing.url,
               "HOME": str(tmp_path)}
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out):
            status = main(["alerts", "test"], env=env, stderr=err)
        assert status == 1
        assert out.getvalue().splitlines() == [
            "admin: NOT delivered (Target admin (json (127.0.0.1)) did not accept the last "
            "message; check that the service is up and the URL is right.)",
            "team: delivered (json (127.0.0.1))"]
        assert receiver.titles() == ["Test message from the status board"]
        assert receiver.url not in out.getvalue() + err.getvalue()
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["alerts", "test", "--to", "nobody"], env=env, stderr=err) == 2
        assert "no target nobody" in err.getvalue()
    finally:
        refusing.close()


def test_new_targets_keep_what_is_queued(receiver: Receiver) -> None:
    """Regression (review): a reload that changed the targets replaced the sender and dropped
    the messages it had queued (their state said they were sent)."""
    sender = alerts.Sender({"team": "json://127.0.0.1:9/nowhere"}, delays=(0.05,) * 40)
    try:
        sender.send(alerts.Outgoing("one", "body", ("team",), "firing"))
        sender.send(alerts.Outgoing("two", "body", ("team",), "firing"))
        sender.retarget({"team": receiver.url, "admin": receiver.url})
        wait_for(lambda: receiver.titles() == ["one", "two"], what="both messages, retargeted")
        assert set(sender.status) == {"team", "admin"}
    finally:
        sender.stop()


def test_a_refusing_target_does_not_hold_up_the_others(receiver: Receiver) -> None:
    """Regression (review): one thread sent to every target in turn, so a refusing target's
    retries (36 s and more) held every other target's messages back."""
    refusing = Receiver()
    refusing.status = 500
    sender = alerts.Sender({"team": refusing.url, "lead": receiver.url}, delays=(600.0,))
    try:
        for title in ("one", "two"):
            sender.send(alerts.Outgoing(title, "body", ("team", "lead"), "firing"))
        wait_for(lambda: receiver.titles() == ["one", "two"], what="both, past the refusal")
        assert refusing.refused == 1  # still waiting to try "one" again
        assert sender.pending() == 1  # "two", for the refusing target
    finally:
        sender.stop()
        refusing.close()


def test_a_relabelled_desk_is_named_by_its_new_label(tmp_path: Path, demo_server: DemoNetServer,
                                                     receiver: Receiver,
                                                     started: Callable[..., Deployment]) -> None:
    """Regression (review): the messages kept the label the desk had when it was built."""
    desks = '\n[desks.north]\nlabel = "{label}"\nurl = "{url}"\n'
    toml = tmp_path / "statusboard.toml"
    toml.write_text(RULES.format(red=1) + desks.format(label="North", url=demo_server.url))
    started(toml, demo_server.url, STATUSBOARD_NOTIFY_TEAM=receiver.url)
    wait_for(lambda: receiver.messages, what="the red message")
    assert receiver.titles()[0].startswith("North: ")
    toml.write_text(RULES.format(red=100000) + desks.format(label="Nord", url=demo_server.url))
    wait_for(lambda: len(receiver.messages) == 2, what="the resolved message")
    assert receiver.titles()[1].startswith("Resolved: Nord: ")


def test_messages_are_in_the_boards_language(tmp_path: Path, demo_server: DemoNetServer,
                                             receiver: Receiver,
                                             started: Callable[..., Deployment]) -> None:
    """`language` of statusboard.toml: the deployment's messages, and `alerts test`'s."""
    from board.cli import main

    toml = tmp_path / "statusboard.toml"
    toml.write_text('language = "nb"\n' + RULES.format(red=1))
    started(toml, demo_server.url, STATUSBOARD_NOTIFY_TEAM=receiver.url)
    wait_for(lambda: receiver.messages, what="the red message")
    first = receiver.messages[0]
    assert first["title"].endswith(": Status · Open er RØD")
    assert " (grense 1) siden " in first["message"]
    toml.write_text('language = "nb"\n' + RULES.format(red=100000))
    wait_for(lambda: len(receiver.messages) == 2, what="the resolved message")
    assert receiver.titles()[1].startswith("Løst: ")
    assert ": løst etter " in receiver.messages[1]["message"]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["alerts", "test", "--config", str(toml)],
                    env={"STATUSBOARD_NOTIFY_TEAM": receiver.url, "HOME": str(tmp_path)}) == 0
    assert receiver.titles()[2] == "Testmelding fra statustavlen"
