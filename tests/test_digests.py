"""Daily digests (statusboard.digests): when one is due, what it says, and end to end — a
deployment polling the demo NetServer over HTTP, `[[digests]]` in statusboard.toml, a target's
URL in the environment, a real SQLite history store and a local json:// webhook."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from harness.history import record
from harness.receiver import Receiver
from harness.waiting import wait_for
from netserver_demo import DemoNetServer
from stats_client.frames import COLUMNS
from stats_client.history import HistoryStore
from stats_client.timeline import response_time
from statusboard.config import parse_config
from statusboard.deployment import Deployment
from statusboard.digests import (
    DigestRule,
    Figure,
    Numbers,
    digest_message,
    due,
    next_due,
    numbers,
    parse_days,
    parse_digests,
)

OSLO = ZoneInfo("Europe/Oslo")
FRIDAY = datetime(2026, 12, 4, 16, 0, tzinfo=OSLO)  # a Friday
WEEKDAYS = DigestRule(time(16, 0), ("leads",), parse_days("mon-fri"))


# -- when: pure --------------------------------------------------------------------------------
@pytest.mark.parametrize(("now", "sent", "expected"), [
    (FRIDAY - timedelta(minutes=1), (), False),  # before `at`
    (FRIDAY, (), True),  # at `at`
    (FRIDAY + timedelta(hours=1, minutes=30), (), True),  # a board back late the same day
    (FRIDAY + timedelta(hours=2), ("2026-12-04",), False),  # already sent today
    (FRIDAY + timedelta(hours=2), ("2026-12-03",), True),  # yesterday's does not count
    (FRIDAY + timedelta(days=1), (), False),  # Saturday: not one of its days
    (FRIDAY + timedelta(days=3, hours=-16), ("2026-12-04",), False),  # Monday 00:00: not yet
    (FRIDAY + timedelta(days=3), ("2026-12-04",), True),  # Monday 16:00
    (FRIDAY + timedelta(days=3, hours=7, minutes=59), ("2026-12-04",), True),  # Mon 23:59
])
def test_a_digest_is_due_on_its_days_from_at_once_a_day(now: datetime, sent: tuple[str, ...],
                                                      expected: bool) -> None:
    assert due(WEEKDAYS, now, sent) is expected


def test_a_day_missed_is_never_sent_on_a_later_day() -> None:
    """Down all Thursday: on Friday morning nothing is due (Thursday's is not made up for),
    and Friday's goes out at 16:00."""
    morning = FRIDAY.replace(hour=9)
    assert not due(WEEKDAYS, morning, sent=("2026-12-02",))
    assert next_due(WEEKDAYS, morning, ("2026-12-02",)) == FRIDAY


@pytest.mark.parametrize(("now", "sent", "expected"), [
    (FRIDAY.replace(hour=9), (), FRIDAY),
    (FRIDAY.replace(hour=17), (), FRIDAY.replace(hour=17)),  # late: due now
    (FRIDAY.replace(hour=17), ("2026-12-04",), datetime(2026, 12, 7, 16, 0, tzinfo=OSLO)),
    (FRIDAY + timedelta(days=1), (), datetime(2026, 12, 7, 16, 0, tzinfo=OSLO)),
])
def test_next_due(now: datetime, sent: tuple[str, ...], expected: datetime) -> None:
    assert next_due(WEEKDAYS, now, sent) == expected


@pytest.mark.parametrize(("text", "days"), [
    ("mon-fri", [0, 1, 2, 3, 4]),
    ("sat,sun", [5, 6]),
    ("Mon, Wed, Fri", [0, 2, 4]),
    ("fri-mon", [0, 4, 5, 6]),
    ("sun", [6]),
])
def test_days(text: str, days: list[int]) -> None:
    assert sorted(parse_days(text)) == days


# -- the configuration -------------------------------------------------------------------------
@pytest.mark.parametrize(("table", "words"), [
    ({"at": "4pm", "to": ["leads"]}, 'digests[0].at = "4pm" is not a time of day'),
    ({"at": "24:00", "to": ["leads"]}, 'digests[0].at = "24:00" is not a time of day'),
    ({"to": ["leads"]}, "digests[0].at is missing"),
    ({"at": "16:00", "days": "weekdays", "to": ["leads"]}, 'digests[0].days = "weekdays"'),
    ({"at": "16:00"}, "digests[0].to must list target names"),
])
def test_a_wrong_digest_is_a_sentence_naming_its_key_and_the_others_still_work(
        table: dict[str, object], words: str) -> None:
    problems: list[str] = []
    rules = parse_digests([table, {"at": "17:30", "to": "leads"}],
                          lambda key, what: problems.append(f"{key} {what}"))
    assert [r.key for r in rules] == ["digest:17:30"]
    assert len(problems) == 1
    assert problems[0].startswith(words), problems
    assert problems[0].endswith("the digest was left out.")


def test_unknown_keys_and_a_second_digest_at_the_same_time_are_named() -> None:
    loaded = parse_config({"digests": [{"at": "16:00", "to": ["leads"], "when": "daily"},
                                       {"at": "16:00", "to": ["admin"]}]}, source="b.toml")
    assert [r.to for r in loaded.config.digests] == [("leads",)]
    assert any(p.startswith("b.toml: digests[0].when is not a digest setting")
               for p in loaded.problems), loaded.problems
    assert any(p.startswith('b.toml: digests[1].at = "16:00" is the time of an earlier digest')
               for p in loaded.problems), loaded.problems


def test_a_digest_polls_what_it_reports() -> None:
    loaded = parse_config({"screens": [{"id": "s", "title": "S", "panels": ["Hotlist"]}],
                           "digests": [{"at": "16:00", "to": ["leads"]}]}, source="b.toml")
    assert {p.wire_name for p in loaded.config.panels} >= {
        "StatusScreen", "NumberOfCreatedRequestsPerDay", "UserReponseTimePerWeek"}


# -- what: the numbers and the message ---------------------------------------------------------
def _frame(rows: list[tuple[str, int, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame([{"panel": p, "dataset": d, "dataset_label": dl, "position": i,
                           "label": label, "value": v, "dataset_description": None,
                           "description": None}
                          for i, (p, d, dl, label, v) in enumerate(rows)])
    return frame.astype(COLUMNS)[list(COLUMNS)]


def _desk(open_: float, closed: float, created: dict[str, float],
          response: dict[tuple[str, str], float]) -> pd.DataFrame:
    rows = [("StatusScreen", 0, "Status", "Open", open_),
            ("StatusScreen", 0, "Status", "Unassigned", 4.0),
            ("StatusScreen", 0, "Status", "Closed", closed)]
    rows += [("NumberOfCreatedRequestsPerDay", 0, "Created", day, v) for day, v in created.items()]
    handlers = sorted({h for h, _ in response})
    rows += [("UserReponseTimePerWeek", handlers.index(h), h, week, v)
             for (h, week), v in response.items()]
    return _frame(rows)


def test_each_number_has_its_change_against_the_same_time_last_week(tmp_path: Path) -> None:
    """A real SQLite store holding last Friday: each figure's change is against the value then
    (the created count of last Friday's date, the response time of the week that was latest
    then, read with the same function as the Desks screen's)."""
    now = FRIDAY
    week_ago = now - timedelta(days=7)
    then = _desk(30, 12, {"2026-11-27": 50.0},
                 {("Ann", "2026-W48"): 2.0, ("Bo", "2026-W48"): 4.0})
    today = _desk(42, 9, {"2026-11-27": 61.0, "2026-12-04": 57.0},
                  {("Ann", "2026-W48"): 2.5, ("Ann", "2026-W49"): 1.0,
                   ("Bo", "2026-W48"): 4.0, ("Bo", "2026-W49"): 2.0})
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'history.sqlite3'}", desk="north")
    try:
        record(store, [(week_ago - timedelta(hours=1), then), (now, today)])
        made = numbers(today, now=now, fetched=now, stale=False, store=store)
        assert response_time(store.rows_at("UserReponseTimePerWeek", when=week_ago)).value == 3.0
    finally:
        store.close()
    assert [(f.name, f.value, f.last_week, f.period) for f in made.figures] == [
        ("Open", 42, 30, ""), ("Unassigned", 4, 4, ""), ("Created today", 57, 50, ""),
        ("Closed today", 9, 12, ""), ("Response time", 1.5, 3.0, "2026-W49")]
    title, body = digest_message(made, label="North", link="http://board.example.com:8501/")
    assert title == "North: the day so far (Fri 4 Dec, 16:00)"
    assert body.splitlines() == [
        "Open: 42 (+12 against last Friday)",
        "Unassigned: 4 (±0 against last Friday)",
        "Created today: 57 (+7 against last Friday)",
        "Closed today: 9 (−3 against last Friday)",
        "Response time (2026-W49): 1.5 (−1.5 against last Friday)",
        "http://board.example.com:8501/"]


def test_without_last_weeks_history_the_changes_are_n_a(tmp_path: Path) -> None:
    """History that began yesterday is not last week's (value_at gives the oldest value)."""
    today = _desk(42, 9, {"2026-12-04": 57.0}, {("Ann", "2026-W49"): 1.0})
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'history.sqlite3'}", desk="north")
    try:
        record(store, [(FRIDAY - timedelta(days=1), today)])
        made = numbers(today, now=FRIDAY, fetched=FRIDAY, stale=False, store=store)
    finally:
        store.close()
    assert [f.last_week for f in made.figures] == [None] * 5
    assert "Open: 42 (last Friday: n/a)" in digest_message(made, label="N", link=None)[1]


def test_stale_numbers_say_when_they_are_from_and_yesterdays_counts_are_not_todays() -> None:
    yesterday = FRIDAY - timedelta(hours=20)
    frame = _desk(42, 9, {"2026-12-03": 40.0}, {})
    made = numbers(frame, now=FRIDAY, fetched=yesterday, stale=True)
    values = {f.name: f.value for f in made.figures}
    assert values == {"Open": 42, "Unassigned": 4, "Created today": None,
                      "Closed today": None, "Response time": None}
    body = digest_message(made, label="N", link=None)[1]
    assert body.splitlines()[-1] == ("The numbers are from Thu 3 Dec 20:00: the NetServer has "
                                     "not answered since.")
    never = digest_message(Numbers((Figure("Open", None),), FRIDAY, None, True), label="N",
                           link=None)[1]
    assert never.splitlines() == ["Open: n/a (last Friday: n/a)",
                                  "No numbers: the NetServer has not answered."]



# -- in the board's language -------------------------------------------------------------------
FIGURES = (Figure("Open", 1234, 1222), Figure("Unassigned", 4, 4), Figure("Created today", 57),
           Figure("Closed today", 9, 12), Figure("Response time", 1.5, 3.0, "2026-W49"))


@pytest.mark.parametrize(("lang", "title", "lines"), [
    (None, "North: the day so far (Fri 4 Dec, 16:00)", [
        "Open: 1,234 (+12 against last Friday)",
        "Unassigned: 4 (±0 against last Friday)",
        "Created today: 57 (last Friday: n/a)",
        "Closed today: 9 (−3 against last Friday)",
        "Response time (2026-W49): 1.5 (−1.5 against last Friday)"]),
    ("nb", "North: dagen så langt (fre. 4. des. kl. 16:00)", [
        "Åpne: 1\xa0234 (+12 mot forrige fredag)",
        "Ufordelte: 4 (±0 mot forrige fredag)",
        "Nye i dag: 57 (forrige fredag: i.t.)",
        "Lukket i dag: 9 (−3 mot forrige fredag)",
        "Svartid (2026-W49): 1,5 (−1,5 mot forrige fredag)"]),
    ("de", "North: der Tag bisher (Fr., 4. Dez., 16:00)", [
        "Offen: 1.234 (+12 gegenüber letztem Freitag)",
        "Nicht zugewiesen: 4 (±0 gegenüber letztem Freitag)",
        "Heute neu: 57 (letzter Freitag: k. A.)",
        "Heute geschlossen: 9 (−3 gegenüber letztem Freitag)",
        "Antwortzeit (2026-W49): 1,5 (−1,5 gegenüber letztem Freitag)"]),
    ("da", "North: dagen indtil nu (fre. 4. dec. kl. 16.00)", [
        "Åbne: 1.234 (+12 mod sidste fredag)",
        "Ufordelte: 4 (±0 mod sidste fredag)",
        "Nye i dag: 57 (sidste fredag: i.t.)",
        "Lukkede i dag: 9 (−3 mod sidste fredag)",
        "Svartid (2026-W49): 1,5 (−1,5 mod sidste fredag)"]),
])
def test_a_digest_is_in_the_boards_language_with_its_numbers_signs_clock_and_weekday(
        lang: str | None, title: str, lines: list[str]) -> None:
    """The board's words translated, the period as the NetServer sent it; the language's
    separators, the board's signs, its clock (Danish 16.00) and the weekday as a sentence
    says it (lower-case in Norwegian and Danish)."""
    made = digest_message(Numbers(FIGURES, FRIDAY, FRIDAY), label="North",
                          link="http://board.example.com:8501/", language=lang)
    assert made == (title, "\n".join([*lines, "http://board.example.com:8501/"]))


@pytest.mark.parametrize(("lang", "missing", "today", "earlier", "never"), [
    ("en", "Open: n/a (last Friday: n/a)",
     "The numbers are from 15:02: the NetServer has not answered since.",
     "The numbers are from Thu 3 Dec 20:00: the NetServer has not answered since.",
     "No numbers: the NetServer has not answered."),
    ("nb", "Åpne: i.t. (forrige fredag: i.t.)",
     "Tallene er fra 15:02: NetServer har ikke svart siden.",
     "Tallene er fra tor. 3. des. kl. 20:00: NetServer har ikke svart siden.",
     "Ingen tall: NetServer har ikke svart."),
    ("de", "Offen: k. A. (letzter Freitag: k. A.)",
     "Die Zahlen sind von 15:02: Seitdem hat der NetServer nicht geantwortet.",
     "Die Zahlen sind vom Do., 3. Dez., 20:00: Seitdem hat der NetServer nicht geantwortet.",
     "Keine Zahlen: Der NetServer hat nicht geantwortet."),
    ("da", "Åbne: i.t. (sidste fredag: i.t.)",
     "Tallene er fra kl. 15.02: NetServer har ikke svaret siden.",
     "Tallene er fra tors. 3. dec. kl. 20.00: NetServer har ikke svaret siden.",
     "Ingen tal: NetServer har ikke svaret."),
])
def test_n_a_and_the_stale_line_are_in_the_boards_language(
        lang: str, missing: str, today: str, earlier: str, never: str) -> None:
    """Stale since today: the time; since an earlier day: its date too; never fetched: no
    numbers."""
    def body(data_at: datetime | None) -> list[str]:
        made = Numbers((Figure("Open", None),), FRIDAY, data_at, stale=True)
        return digest_message(made, label="N", link=None, language=lang)[1].splitlines()

    assert body(FRIDAY.replace(hour=15, minute=2)) == [missing, today]
    assert body(FRIDAY - timedelta(hours=20)) == [missing, earlier]
    assert body(None) == [missing, never]


def test_a_language_the_board_does_not_have_is_english() -> None:
    assert digest_message(Numbers(FIGURES, FRIDAY, FRIDAY), label="N", link=None,
                          language="fr") == digest_message(Numbers(FIGURES, FRIDAY, FRIDAY),
                                                           label="N", link=None)


# -- end to end --------------------------------------------------------------------------------
def _zone() -> ZoneInfo:
    """A zone whose local time is not near midnight now, so "a minute ago" is today."""
    return ZoneInfo("UTC") if 1 <= datetime.now(UTC).hour <= 22 else ZoneInfo("Etc/GMT-2")


#: Chosen once, so that a test's board and its assertions agree on the day.
ZONE = _zone()


def _toml(path: Path, *, days: str = "", extra: str = "", language: str = "") -> Path:
    zone = ZONE
    at = datetime.now(zone) - timedelta(minutes=1)
    days_line = f'days = "{days}"\n' if days else ""
    language_line = f'language = "{language}"\n' if language else ""
    path.write_text(f"""{language_line}
public_url = "http://board.example.com:8501"
time_zone = "{zone.key}"
[[screens]]
id = "status"
title = "Status"
panels = ["StatusScreen"]
{extra}
[[digests]]
at = "{at:%H:%M}"
{days_line}to = ["leads"]
""")
    return path


def _polls(dep: Deployment, n: int) -> None:
    desk = dep.state.desk
    assert desk is not None
    seq = desk.latest().seq
    wait_for(lambda: desk.latest().seq >= seq + n, what=f"{n} more polls")


def test_a_digest_due_is_sent_once_and_not_again_on_the_next_polls(
        tmp_path: Path, demo_server: DemoNetServer, receiver: Receiver,
        started: Callable[..., Deployment]) -> None:
    toml = _toml(tmp_path / "statusboard.toml",
                 extra='[[digests]]\nat = "4pm"\nto = ["leads"]\n')
    dep = started(toml, demo_server.url, STATUSBOARD_NOTIFY_LEADS=receiver.url)
    assert any(p.endswith('digests[0].at = "4pm" is not a time of day (HH:MM, 24-hour, the '
                          "board's time zone); the digest was left out.")
               for p in dep.state.problems), dep.state.problems
    wait_for(lambda: receiver.messages, what="the digest")
    _polls(dep, 2)
    assert len(receiver.messages) == 1
    message = receiver.messages[0]
    host = demo_server.url.split("//")[1].rstrip("/")  # a single desk: its site's host
    assert message["title"].startswith(f"{host}: the day so far (")
    assert message["type"] == "info"
    lines = message["message"].splitlines()
    assert [line.split(":")[0].split(" (")[0] for line in lines[:5]] == [
        "Open", "Unassigned", "Created today", "Closed today", "Response time"]
    assert lines[0].endswith(f"(last {datetime.now(ZONE):%A}: n/a)")  # no history
    assert lines[-1] == "http://board.example.com:8501/"
    wait_for(lambda: dep.alerts.sender.status["leads"].sent == 1, what="counted as sent")


def test_a_restart_on_the_same_store_does_not_send_it_again(
        tmp_path: Path, demo_server: DemoNetServer, receiver: Receiver,
        started: Callable[..., Deployment]) -> None:
    """(On a board in Norwegian: the digest is written in the board's `language`.)"""
    from board.cli import main

    toml = _toml(tmp_path / "statusboard.toml", language="nb")
    env = {"STATUSBOARD_NOTIFY_LEADS": receiver.url, "STATUSBOARD_CONFIG": str(toml),
           "STATUSBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'history.sqlite3'}"}
    first = started(toml, demo_server.url, **env)
    wait_for(lambda: receiver.messages, what="the digest")
    first.stop()
    sent = receiver.messages[0]
    host = demo_server.url.split("//")[1].rstrip("/")  # a single desk: its site's host
    assert sent["title"].startswith(f"{host}: dagen så langt (")
    assert [line.split(":")[0].split(" (")[0] for line in sent["message"].splitlines()[:5]] == [
        "Åpne", "Ufordelte", "Nye i dag", "Lukket i dag", "Svartid"]
    again = started(toml, demo_server.url, **env)
    _polls(again, 2)
    assert len(receiver.messages) == 1
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["alerts", "list"], env={**env, "SUPEROFFICE_URL": demo_server.url,
                                             "HOME": str(tmp_path)}) == 0
    lines = out.getvalue().splitlines()
    today = datetime.now(ZONE).date().isoformat()
    assert any(line.startswith("digest at ") and line.endswith("every day → leads")
               for line in lines), lines
    due_line = next(line for line in lines if ": next " in line)
    assert due_line.endswith(f"last sent {today}"), lines
    assert receiver.url not in out.getvalue()


def test_a_day_not_among_its_days_sends_nothing(
        tmp_path: Path, demo_server: DemoNetServer, receiver: Receiver,
        started: Callable[..., Deployment]) -> None:
    tomorrow = (datetime.now(ZONE) + timedelta(days=1)).strftime("%a").lower()
    toml = _toml(tmp_path / "statusboard.toml", days=tomorrow)
    dep = started(toml, demo_server.url, STATUSBOARD_NOTIFY_LEADS=receiver.url)
    assert dep.state.config.digests[0].days_text == tomorrow
    _polls(dep, 3)
    assert receiver.messages == []
