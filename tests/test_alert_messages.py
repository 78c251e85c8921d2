"""Alert messages in the board's language (statusboard.alerts.message): the desk, what the wall
calls the panel, the value and its threshold in the language's numbers, since when in its
clock, how long in its words, and the "Still" and "Resolved" titles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from statusboard import texts
from statusboard.alerts import AlertRule, Event, message, probe_message, subject_name

OSLO = ZoneInfo("Europe/Oslo")
SINCE = datetime(2026, 11, 25, 6, 18, tzinfo=UTC)  # 07:18 in Oslo
LINK = "http://board.example.com:8501/?desk=south"
RED = AlertRule("red", "StatusScreen.Open", 600.0, 3600.0, ("team",))


def event(kind: str = "firing", rule: AlertRule = RED, *, minutes: float = 23,
          value: float | None = 1234.5, limit: float | None = 1000.0) -> Event:
    subject = rule.panel or rule.when
    return Event(kind, rule, subject, "desk", value, limit, SINCE,  # type: ignore[arg-type]
                 SINCE + timedelta(minutes=minutes))


def say(e: Event, lang: str | None, link: str | None = LINK) -> tuple[str, str]:
    return message(e, label="South", zone=OSLO, link=link, language=lang)


@pytest.mark.parametrize(("lang", "title", "body"), [
    ("en", "South: Status · Open is RED",
     "South: Status · Open is RED: 1,234.5 (threshold 1,000) since 07:18 (23 min)."),
    ("nb", "South: Status · Open er RØD",
     "South: Status · Open er RØD: 1\xa0234,5 (grense 1\xa0000) siden 07:18 (23 min)."),
    ("de", "South: Status · Open ist ROT",
     "South: Status · Open ist ROT: 1.234,5 (Schwelle 1.000) seit 07:18 (23 Min.)."),
    ("da", "South: Status · Open er RØD",
     "South: Status · Open er RØD: 1.234,5 (grænse 1.000) siden kl. 07.18 (23 min)."),
])
def test_a_red_message_is_in_the_boards_language_with_its_numbers_and_clock(
        lang: str, title: str, body: str) -> None:
    assert say(event(), lang) == (title, f"{body} {LINK}")


@pytest.mark.parametrize(("lang", "minutes", "lasted"), [
    ("en", 0.5, "<1 min"), ("en", 1, "1 min"), ("en", 23, "23 min"), ("en", 65, "1 h 5 min"),
    ("en", 120, "2 h"),
    ("nb", 1, "1 min"), ("nb", 23, "23 min"), ("nb", 65, "1 t 5 min"), ("nb", 120, "2 t"),
    ("de", 1, "1 Min."), ("de", 23, "23 Min."), ("de", 65, "1 Std. 5 Min."),
    ("de", 120, "2 Std."),
])
def test_how_long_it_held_is_written_as_the_tiles_write_it(lang: str, minutes: float,
                                                           lasted: str) -> None:
    _title, body = say(event(minutes=minutes), lang, link=None)
    assert body.endswith(f"({lasted}).")
    with texts.use(lang):
        assert texts.duration(minutes * 60) == lasted  # the tiles' "for 23 min" says the same


@pytest.mark.parametrize(("lang", "still", "resolved", "body"), [
    ("en", "Still: South: Status · Open is RED", "Resolved: South: Status · Open is RED",
     "South: Status · Open is no longer RED: resolved after 1 h 5 min (from 07:18)."),
    ("nb", "Fortsatt: South: Status · Open er RØD", "Løst: South: Status · Open er RØD",
     "South: Status · Open er ikke lenger RØD: løst etter 1 t 5 min (fra 07:18)."),
    ("de", "Weiterhin: South: Status · Open ist ROT", "Behoben: South: Status · Open ist ROT",
     "South: Status · Open ist nicht mehr ROT: behoben nach 1 Std. 5 Min. (ab 07:18)."),
])
def test_a_reminder_and_a_resolved_message_say_so(lang: str, still: str, resolved: str,
                                                  body: str) -> None:
    assert say(event("reminder", minutes=65), lang)[0] == still
    assert say(event("resolved", minutes=65), lang) == (resolved, f"{body} {LINK}")


@pytest.mark.parametrize(("lang", "when", "title", "body", "cleared"), [
    ("en", "stale", "South has no fresh data from its NetServer",
     "South has had no fresh data from its NetServer since 07:18 (15 min).",
     "South has fresh data from its NetServer again: resolved after 15 min (from 07:18)."),
    ("nb", "stale", "South har ingen ferske data fra NetServer",
     "South har ikke fått ferske data fra NetServer siden 07:18 (15 min).",
     "South får ferske data fra NetServer igjen: løst etter 15 min (fra 07:18)."),
    ("de", "history-unavailable", "South erreicht den Verlaufsspeicher nicht",
     "South erreicht den Verlaufsspeicher seit 07:18 (15 Min.) nicht.",
     "South erreicht den Verlaufsspeicher wieder: behoben nach 15 Min. (ab 07:18)."),
    ("en", "history-unavailable", "South cannot reach its history store",
     "South has not reached its history store since 07:18 (15 min).",
     "South reaches its history store again: resolved after 15 min (from 07:18)."),
])
def test_stale_data_and_an_unreachable_history_store_are_sentences(
        lang: str, when: str, title: str, body: str, cleared: str) -> None:
    rule = AlertRule(when, None, 0.0, None, ("admin",))  # type: ignore[arg-type]
    assert say(event(rule=rule, minutes=15, value=None, limit=None), lang, None) == (title, body)
    resolved = {"en": "Resolved", "nb": "Løst", "de": "Behoben"}[lang]
    assert say(event("resolved", rule, minutes=15, value=None, limit=None), lang, None) == (
        f"{resolved}: {title}", cleared)


def test_a_missing_value_and_a_missing_threshold_are_said_as_the_wall_says_them() -> None:
    amber = AlertRule("amber", "UnassignedRequests", 0.0, None, ("team",))
    assert say(event(rule=amber, value=None, limit=None), "nb", None)[1] == (
        "South: Ufordelte saker er GUL: i.t. siden 07:18 (23 min).")


@pytest.mark.parametrize(("lang", "key", "name"), [
    ("en", "StatusScreen.Open", "Status · Open"),  # the Status count's label as sent
    ("en", "UnassignedRequests", "Unassigned requests"),
    ("nb", "UnassignedRequests", "Ufordelte saker"),
    ("de", "OwnOpenRequests.Mine", "Meine offenen Anfragen · Mine"),  # a further data set
    ("de", "NoSuchPanel.Open", "NoSuchPanel.Open"),  # no panel of that name: the key
    ("en", "None", "None"),
])
def test_the_subject_is_named_as_the_wall_names_it(lang: str, key: str, name: str) -> None:
    with texts.use(lang):
        assert subject_name(key) == name


def test_no_language_is_english() -> None:
    assert say(event(), None) == say(event(), "en")
    assert say(event(), "fr") == say(event(), "en")


@pytest.mark.parametrize(("lang", "title", "body"), [
    ("en", "Test message from the status board",
     "The status board (http://board.example.com:8501) can reach target team."),
    ("nb", "Testmelding fra statustavlen",
     "Statustavlen (http://board.example.com:8501) når mottakeren team."),
    ("de", "Testnachricht von der Statustafel", "Die Statustafel (keine public_url) erreicht das "
     "Ziel team."),
])
def test_the_test_message_is_in_the_boards_language(lang: str, title: str, body: str) -> None:
    url = None if lang == "de" else "http://board.example.com:8501"
    assert probe_message(url, "team", lang) == (title, body)
