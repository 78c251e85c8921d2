"""The board in six languages: local numbers, times and words (statusboard.texts with
Babel/CLDR), the language chosen by statusboard.toml, a screen or ?lang=, and what it changes
(and does not) on tiles, headers, charts and the page's own scripts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from board import charts, header, kiosk, tiles
from stats_client.freshness import Freshness
from stats_client.panels import PanelType
from stats_client.periods import parse_period
from statusboard import texts
from statusboard.config import parse_config

NOON = datetime(2026, 11, 25, 14, 3, 22, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(("lang", "big", "decimal", "compact", "hm", "weekday", "date"), [
    ("en", "1,234,567", "2.5", "1.2m", "14:03", "Wed", "Wed 25 Nov"),
    ("nb", "1\xa0234\xa0567", "2,5", "1,2\xa0mill.", "14:03", "ons.", "ons. 25. nov."),
    ("sv", "1\xa0234\xa0567", "2,5", "1,2\xa0mn", "14:03", "ons", "ons 25 nov."),
    ("da", "1.234.567", "2,5", "1,2\xa0mio.", "14.03", "ons.", "ons. 25. nov."),
    ("de", "1.234.567", "2,5", "1,2\xa0Mio.", "14:03", "Mi.", "Mi., 25. Nov."),
    ("nl", "1.234.567", "2,5", "1,2\xa0mln.", "14:03", "wo", "wo 25 nov"),
])
def test_numbers_and_times_are_written_the_local_way(lang: str, big: str, decimal: str,
                                                     compact: str, hm: str, weekday: str,
                                                     date: str) -> None:
    with texts.use(lang):
        assert texts.format_value(1234567.0) == big
        assert texts.format_value(2.5) == decimal
        assert texts.compact(1234567.0) == compact
        assert texts.hm(NOON) == hm
        assert texts.weekday(NOON) == weekday
        assert texts.short_date(NOON) == date


@pytest.mark.parametrize(("lang", "since", "level", "base"), [
    ("en", "since Wed 14:03", "for 14 min", "vs last Wed"),
    ("nb", "siden ons. 14:03", "i 14 min", "mot forrige ons."),
    ("sv", "sedan ons 14:03", "i 14 min", "mot förra ons"),
    ("da", "siden ons. 14.03", "i 14 min", "mod sidste ons."),
    ("de", "seit Mi. 14:03", "seit 14 Min.", "ggü. letztem Mi."),
    ("nl", "sinds wo 14:03", "al 14 min", "t.o.v. vorige wo"),
])
def test_a_tiles_words_are_in_the_walls_language(lang: str, since: str, level: str,
                                                 base: str) -> None:
    later = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    with texts.use(lang):
        assert tiles.since_words(NOON, later) == since
        assert tiles.level_words("red", datetime(2026, 11, 26, 8, 46, tzinfo=UTC),
                                 window=datetime(2026, 11, 25, tzinfo=UTC), first=None,
                                 now=later) == level
        asked = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
        assert tiles.base_words("same_time_last_week", asked, asked, later) == base


@pytest.mark.parametrize("lang", ["en", "nb", "sv", "da", "de", "nl"])
def test_a_seven_digit_tile_is_never_cut_and_keeps_its_exact_value_in_its_hook(lang: str) -> None:
    """Regression: with 1,234,567 open requests the Status screen's Open tile showed "1,234,"
    at 1920×1080 (the number was wider than its tile)."""
    rows = pd.DataFrame({"panel": "StatusScreen", "dataset": 0, "dataset_label": None,
                         "position": [0], "label": ["Open"], "value": [1234567.0],
                         "description": ""})
    with texts.use(lang):
        (tile,) = tiles.status_tiles(rows)
        html = tiles.tile_html(tile, panel="StatusScreen", stale=False)
    assert 'data-value="1234567"' in html  # machine-readable, the same in every language
    shown = re.search(r'<div class="sb-tile-value"[^>]*>(.*?)</div>', html)
    assert shown is not None
    words = re.sub(r"<[^>]+>", "", shown[1])
    number = re.search(r'<span class="sb-num">([^<]*)</span>', shown[1])
    assert number is not None
    assert len(number[1]) <= 4, words  # "1.2", "1,2"


@pytest.mark.parametrize("lang", ["en", "nb", "sv", "da", "de", "nl"])
def test_a_stale_tiles_cue_may_break_after_its_tag(lang: str) -> None:
    """Regression: "INAKTUELL▲▲ RÖD ≥ 30" had no place to break and overflowed its tile."""
    with texts.use(lang):
        html = tiles.tile_html(tiles.Tile("k", "Open", 40.0, "40", "red", "▲▲ RED ≥ 30"),
                               panel="StatusScreen", stale=True)
    assert re.search(r'<span class="sb-stale-tag">[^<]+</span> ▲▲', html), html


def test_hooks_do_not_change_with_the_language() -> None:
    rows = pd.DataFrame({"panel": "StatusScreen", "dataset": 0, "dataset_label": None,
                         "position": [0], "label": ["Open"], "value": [12.0],
                         "description": ""})
    trend = tiles.Trend(-1234.5, "", "")
    made = []
    for lang in ("en", "de"):
        with texts.use(lang):
            (tile,) = tiles.status_tiles(rows)
            out = tiles.tile_html(tile, panel="StatusScreen", stale=False, trend=trend)
            made.append(re.findall(r'data-[a-z-]+="[^"]*"', out))
            head = header.header_html("Status", Freshness("fresh", 3, "", None), seq=4,
                                      updated=NOON, demo=False, interval=30, zone=UTC)
            made.append(re.findall(r'data-[a-z-]+="[^"]*"', head))
    assert made[0] == made[2]
    assert made[1] == made[3]
    assert 'data-delta="-1234.5"' in made[0]
    assert 'data-updated="2026-11-25T14:03:22+00:00"' in made[1]


def test_the_header_and_banner_speak_the_walls_language() -> None:
    with texts.use("nb"):
        head = header.header_html("Status", Freshness("demo", 3, "", None), seq=1,
                                  updated=NOON, demo=True, interval=30, zone=UTC)
        banner = header.banner_html(Freshness("stale", 99, "", "x"), fetched_at=NOON,
                                    error=None, failing_since=None, zone=UTC)
    assert "Oppdatert 14:03:22" in head
    assert "DEMODATA" in head
    assert "GAMLE DATA — sist oppdatert 14:03:22" in banner
    assert "Prøver igjen av seg selv." in banner


def test_the_pages_own_scripts_get_their_words_and_clock_in_the_language() -> None:
    with texts.use("da"):
        words = kiosk.page_words()
        clock = kiosk.clock_script("/_stcore/health", "Europe/Copenhagen")
        night = kiosk.night_css()
    assert words["sep"] == "."  # Danish writes 14.03
    assert words["days"] == "{n} dage siden"
    assert "dage siden" in clock
    assert '"— FORÆLDET"' in night


# -- choosing the language ----------------------------------------------------------------------
def test_language_is_read_for_the_board_and_for_a_screen() -> None:
    loaded = parse_config({"language": "nb", "screens": [
        {"id": "status", "title": "Status", "panels": ["StatusScreen"], "language": "DE"},
        {"id": "trends", "title": "Trends", "panels": ["UserResponseTimePerDay"]}]},
        source="board.toml")
    assert loaded.problems == ()
    config = loaded.config
    assert config.language == "nb"
    assert config.language_of(config.screen("status")) == "de"
    assert config.language_of(config.screen("trends")) == "nb"


def test_english_is_the_default_language() -> None:
    assert parse_config({}, source="board.toml").config.language == "en"


@pytest.mark.parametrize(("data", "key"), [
    ({"language": "fr"}, "language"),
    ({"screens": [{"id": "status", "title": "Status", "panels": [], "language": 3}]},
     "screens[0].language"),
])
def test_an_unknown_language_is_a_sentence_naming_the_key_and_the_languages(
        data: dict[str, object], key: str) -> None:
    loaded = parse_config(data, source="board.toml")
    (problem,) = loaded.problems
    assert problem.startswith(f"board.toml: {key} = ")
    assert "en, nb, sv, da, de, nl" in problem
    assert "English is used" in problem
    assert loaded.config.language == "en"


@pytest.mark.parametrize(("raw", "lang", "said"), [
    (None, None, None), ("", None, None), ("nl", "nl", None), ("SV", "sv", None),
    ("fr", None, '?lang = "fr" is not a language'),
    ("![x](http://elsewhere)", None, "?lang = … is not a language"),
])
def test_lang_in_the_address(raw: str | None, lang: str | None, said: str | None) -> None:
    got, problem = kiosk.parse_lang(raw)
    assert got == lang
    if said is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem.startswith(said)
        assert "http" not in problem


# -- charts ------------------------------------------------------------------------------------
def _per_handler(panel: PanelType, period: str) -> pd.DataFrame:
    return pd.DataFrame({"panel": panel.wire_name, "dataset": [0, 1],
                         "dataset_label": ["Åse", "José"], "position": [0, 0],
                         "label": [period, period], "value": [1.5, 2.5], "description": "",
                         "dataset_description": None})


@pytest.mark.parametrize("lang", ["en", "nb", "sv", "da", "de", "nl"])
def test_charts_of_one_measure_over_different_periods_say_their_period(lang: str) -> None:
    """Regression: on the Trends screen, response time per day by handler and per month by
    handler both carried the title "Response time by handler"."""
    with texts.use(lang):
        titles = [charts.build_chart(_per_handler(panel, label), title=panel.title,
                                     height=400, width=900).to_dict()["title"]["text"]
                  for panel, label in ((PanelType.UserResponseTimePerDay, "2026-11-25"),
                                       (PanelType.UserReponseTimePerWeek, "2026-W48"),
                                       (PanelType.UserResponseTimePerMonth, "2026-11"))]
    assert len(set(titles)) == 3, titles
    if lang == "en":
        assert titles == ["Response time per day by handler",
                          "Response time per week by handler",
                          "Response time per month by handler"]


def test_a_chart_carries_the_languages_number_and_time_locale() -> None:
    rows = pd.DataFrame({"panel": "OpenRequestsPerCategory", "dataset": 0,
                         "dataset_label": "Open", "position": [0, 1], "label": ["a", "b"],
                         "value": [1234.0, 5.0], "description": "",
                         "dataset_description": None})
    with texts.use("de"):
        spec = charts.build_chart(rows, title=PanelType.OpenRequestsPerCategory.title,
                                  height=400, width=900).to_dict()
    locale = spec["config"]["locale"]
    assert locale["number"]["thousands"] == "."
    assert locale["number"]["decimal"] == ","
    assert locale["time"]["shortMonths"][10] == "Nov."
    assert spec["title"]["text"] == "Offene Anfragen nach Kategorie"


def test_a_title_from_the_configuration_stays_as_written() -> None:
    with texts.use("nb"):
        assert texts.panel_title(PanelType.OwnOpenRequests, "Mine saker!") == "Mine saker!"
        assert texts.panel_title(PanelType.OwnOpenRequests,
                                  PanelType.OwnOpenRequests.title) == "Mine åpne saker"


@pytest.mark.parametrize(("label", "grain", "start"), [
    ("KW 48 2026", "week", "2026-11-23"), ("Woche 48 2026", "week", "2026-11-23"),
    ("2026 Wk 48", "week", "2026-11-23"), ("März 2026", "month", "2026-03-01"),
    ("Dez. 2026", "month", "2026-12-01"), ("maart 2026", "month", "2026-03-01"),
    ("mrt 2026", "month", "2026-03-01"), ("oktober 2026", "month", "2026-10-01"),
])
def test_german_and_dutch_period_labels_are_read(label: str, grain: str, start: str) -> None:
    period = parse_period(label, None)
    assert getattr(period, "granularity", None) == grain
    assert str(getattr(period, "start", "")) == start


@pytest.mark.parametrize(("more", "words"), [
    (1, "og 1 servicedesk til (se ?desk= på hver skjerm)"),
    (3, "og 3 servicedesker til (se ?desk= på hver skjerm)"),
])
def test_the_desks_screen_in_norwegian(more: int, words: str) -> None:
    from board.desks import MAX_ROWS, desk_row, desks_html

    with texts.use("nb"):
        rows = [desk_row(f"Desk {n}", pd.DataFrame(), thresholds={}, state="error",
                         words="x") for n in range(MAX_ROWS + more)]
        table = desks_html(rows)
    assert "<th>Servicedesk</th><th>Åpne</th><th>Ufordelte</th><th>Uleste</th>" in table
    assert "<th>Svartid</th>" in table
    assert words in table
    assert ">i.t.<" in table  # n/a, as a Norwegian desk writes it
