"""The language of a wall, chosen without code (statusboard.toml `language`, a screen's own,
?lang= for one display), on the real page script in AppTest: every board-written text in it,
numbers and times the local way, the hooks unchanged, the operator's titles as written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from harness.apptest import charts, freshness, no_exceptions, notices, tags, text_of, tiles
from harness.clock import ManualClock
from stats_client.poller import Poller

INTERVAL = 30


def publish(frame: pd.DataFrame, clock: ManualClock) -> Poller:
    poller = Poller(lambda: frame, INTERVAL, clock=clock)
    poller.poll_once()
    return poller


def chart_titles(at: Any) -> dict[str, str]:
    return {panel: spec["title"]["text"] for panel, spec in charts(at).items()}


@pytest.fixture
def board_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "statusboard.toml"
    monkeypatch.setenv("STATUSBOARD_CONFIG", str(path))
    return path


def test_language_in_statusboard_toml_turns_the_screens_into_it(
        open_screen: Any, demo_frame: pd.DataFrame, clock: ManualClock,
        board_file: Path) -> None:
    board_file.write_text('language = "nb"\n')
    at = open_screen(source=publish(demo_frame, clock), clock=clock)
    no_exceptions(at)
    assert not at.warning
    page = text_of(at)
    assert "Oppdatert " in page
    assert "Updated" not in page
    titles = chart_titles(at)
    assert titles["OpenRequestsPerCategory"] == "Åpne saker per kategori"
    assert any(t["label"] == "Mine åpne saker" for t in tiles(at).values())
    # The screen's title is the built-in one, so the board's: in Norwegian too.
    assert [text for tag, attrs, text in tags(at) if attrs.get("class") == "sb-title"] == \
        ["Status"]


def test_the_trends_screen_titles_say_their_period_in_the_language(
        open_screen: Any, clock: ManualClock, board_file: Path) -> None:
    """Regression: response time per day and per month by handler carried the same title
    (a NetServer that sends response times as one value per handler: the demo's "alt")."""
    from netserver_demo import DemoNetServer
    from stats_client.client import open_client
    from stats_client.panels import ALL_PANELS
    from stats_client.settings import Settings

    with DemoNetServer(port=0, shapes="alt") as srv, open_client(Settings(url=srv.url)) as c:
        frame = c.fetch_frame(ALL_PANELS)
    board_file.write_text('language = "de"\n')
    at = open_screen("pages/trends.py", source=publish(frame, clock), clock=clock)
    no_exceptions(at)
    titles = chart_titles(at)
    assert titles["UserResponseTimePerDay"] == "Antwortzeit pro Tag nach Bearbeiter"
    assert titles["UserResponseTimePerMonth"] == "Antwortzeit pro Monat nach Bearbeiter"
    assert titles["NumberOfCreatedRequestsPerDay"] == "Neue Anfragen pro Tag"


def test_a_screen_may_have_its_own_language_and_lang_in_the_address_wins(
        open_screen: Any, demo_frame: pd.DataFrame, clock: ManualClock,
        board_file: Path) -> None:
    board_file.write_text(
        'language = "nb"\n[[screens]]\nid = "status"\ntitle = "Kundesenteret"\n'
        'language = "sv"\npanels = ["StatusScreen", "OwnOpenRequests"]\n')
    source = publish(demo_frame, clock)
    at = open_screen(source=source, clock=clock)
    no_exceptions(at)
    assert "Uppdaterad " in text_of(at)
    # The operator's title stays as written.
    assert [text for _, attrs, text in tags(at) if attrs.get("class") == "sb-title"] == \
        ["Kundesenteret"]
    english = open_screen(source=source, clock=clock, query={"lang": "en"})
    assert "Updated " in text_of(english)
    # The hooks are the same in every language.
    assert freshness(at) == freshness(english)
    hooks = [[attrs for _, attrs, _ in tags(one) if "data-value" in attrs or "data-tile" in attrs]
             for one in (at, english)]
    assert hooks[0] == hooks[1]


@pytest.mark.parametrize(("query", "setting", "said"), [
    ({"lang": "fr"}, "", '?lang = "fr" is not a language of the board'),
    ({}, 'language = "klingon"\n', 'language = "klingon" is not a language of the board'),
])
def test_an_unknown_language_is_a_sentence_on_the_screen_and_english_is_used(
        open_screen: Any, demo_frame: pd.DataFrame, clock: ManualClock, board_file: Path,
        query: dict[str, str], setting: str, said: str) -> None:
    board_file.write_text(setting)
    at = open_screen(source=publish(demo_frame, clock), clock=clock, query=query)
    no_exceptions(at)
    warning = notices(at)
    assert said in warning
    assert "en, nb, sv, da, de, nl" in warning
    assert "Updated " in text_of(at)


def test_the_connection_screen_says_which_language_the_wall_is_in(
        open_screen: Any, demo_frame: pd.DataFrame, clock: ManualClock,
        board_file: Path) -> None:
    board_file.write_text('language = "da"\n')
    at = open_screen("pages/connection.py", source=publish(demo_frame, clock), clock=clock)
    no_exceptions(at)
    rows = {}
    for element in at.get("html"):
        if 'data-connection="true"' in element.proto.body:
            found = [text for tag, _, text in _cells(element.proto.body)]
            rows = dict(zip(found[::2], found[1::2], strict=True))
    assert rows["Language"] == "dansk (da), from statusboard.toml (language)"


def _cells(body: str) -> list[tuple[str, dict[str, str], str]]:
    from harness.apptest import TagParser

    parser = TagParser()
    parser.feed(body)
    return [(tag, attrs, "".join(text)) for tag, attrs, text in parser.found
            if tag in ("th", "td")]


def test_a_change_of_language_reloads_the_pages_own_scripts(
        open_screen: Any, demo_frame: pd.DataFrame, clock: ManualClock) -> None:
    """The page's scripts (clock, banners, night mode) hold their words: another language
    names other settings, so an open page reloads (board.kiosk.clock_script)."""
    source = publish(demo_frame, clock)
    settings = []
    for lang in ("en", "nb"):
        at = open_screen(source=source, clock=clock, query={"lang": lang})
        (kiosk,) = [attrs for _, attrs, _ in tags(at) if attrs.get("id") == "sb-kiosk"]
        settings.append(kiosk["data-settings"])
        assert ("Oppdatert" in text_of(at)) is (lang == "nb")
    assert settings[0] != settings[1]
