"""Every language on the wall, in a real Chromium: one `statusboard serve` polling a demo
NetServer whose counts are in the millions (7-digit tiles), each language by ?lang= on the same
server. Every data screen fits 1920×1080 with no scroll, no text under 24 px, no text cut off
(nothing overflows a box that hides it), no number clipped (the exact value in the tile's
hook), and the board's own words in the language: the Status screen in all six, the others in
German (the longest words of the six catalogs; Dutch is next); German's Status screen also at
3840×2160.

(AppTest and unit tests cover the texts themselves: tests/test_texts.py,
tests/test_languages_screens.py, tests/test_catalogs.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from board.theme import MIN_TEXT_PX, TYPE
from harness.browser import (
    FIT_JS,
    INTERVAL,
    MAX_BACKOFF,
    SETTLED_JS,
    TEXT_SIZES_JS,
    Dashboard,
    open_screen,
    save_screenshot,
    too_small,
)
from harness.history import forget_snapshot, record, with_values
from netserver_demo import DemoNetServer
from stats_client import HistoryStore, Settings, open_client
from stats_client.desks import desk_key
from stats_client.panels import ALL_PANELS

pytestmark = pytest.mark.browser

#: Every count times this: the demo's hundreds of open requests become millions.
SCALE = 12_345
SCREENS = [("status", ""), ("workload", "workload"), ("trends", "trends"), ("today", "today")]
#: What the header says in each language ("Updated 14:03:22").
UPDATED = {"en": "Updated ", "nb": "Oppdatert ", "sv": "Uppdaterad ", "da": "Opdateret ",
           "de": "Aktualisiert ", "nl": "Bijgewerkt "}

# Text that does not fit its box: an element that hides or clips what overflows it (overflow
# other than visible, or a line clamp) while its content is larger than the box; and chart
# titles that Vega shortened with "…".
CUT_JS = """() => {
  const out = [];
  for (const e of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (e.closest('[data-testid="stVegaLiteChart"], [data-testid="stDataFrame"]')) continue;
    if (!(e.innerText || '').trim()) continue;
    const cs = getComputedStyle(e);
    if (cs.overflowX === 'visible' && cs.overflowY === 'visible' &&
        cs.webkitLineClamp === 'none' && cs.textOverflow !== 'ellipsis') continue;
    if (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 4)
      out.push(`${e.tagName.toLowerCase()}.${String(e.className).split(' ')[0]}: ` +
               `${e.clientWidth}×${e.clientHeight} shows of ${e.scrollWidth}×${e.scrollHeight}` +
               ` (${e.innerText.slice(0, 60)})`);
  }
  for (const t of document.querySelectorAll('[data-testid="stVegaLiteChart"] svg text'))
    if (t.textContent.endsWith('…')) out.push(`chart text shortened: ${t.textContent}`);
  return out; }"""

TILES_JS = """() => [...document.querySelectorAll('.sb-tile-value')].map(v => ({
  tile: v.closest('.sb-tile').dataset.tile, value: v.dataset.value || null, text: v.innerText,
  fits: v.scrollWidth <= v.clientWidth + 1 &&
        v.getBoundingClientRect().right <= v.closest('.sb-tile').getBoundingClientRect().right}))"""


@pytest.fixture(scope="module")
def millions(chromium_executable: str) -> Iterator[DemoNetServer]:
    srv = DemoNetServer(port=0, seed=42, scale=SCALE).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def board(millions: DemoNetServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """One board for every language (?lang=), recording its own history (the Today screen) on
    a store that has each Status count at half its value half an hour ago: every tile then
    shows a change of millions and since when ("▼1 234 567 since 07:18"), and each tile past a
    threshold since when it has been there, the longest a tile's words get."""
    store = Path(tmp_path_factory.mktemp("languages")) / "history.sqlite3"
    with open_client(Settings(url=millions.url)) as client:
        frame = client.fetch_frame(ALL_PANELS)
    status = frame[frame["panel"] == "StatusScreen"]
    half = with_values(frame, "StatusScreen", {
        str(label): float(value) // 2 for label, value in zip(status["label"], status["value"],
                                                              strict=True)})
    past = HistoryStore.open(f"sqlite:///{store}", desk=desk_key(Settings(url=millions.url)))
    record(past, [(datetime.now(UTC) - timedelta(minutes=30), half)])
    forget_snapshot(past)
    past.close()
    with Dashboard(millions.url, interval=INTERVAL, max_backoff=MAX_BACKOFF,
                   extra_env={"STATUSBOARD_DATABASE_URL": f"sqlite:///{store}"}) as b:
        yield b


def check_screen(page: Any, board: Dashboard, lang: str, path: str, panels: list[str],
                 least: float) -> list[dict[str, Any]]:
    """Open the screen in `lang`, and assert it fits, reads and cuts nothing."""
    open_screen(page, board, f"{path}?lang={lang}", panels)
    page.wait_for_function(SETTLED_JS)
    where = f"/{path}?lang={lang} at {page.viewport_size['width']}"
    fit = page.evaluate(FIT_JS)
    assert fit["scrollbars"] == [], (where, fit)
    if page.viewport_size["width"] <= 1920:  # at 4K, see test_readable.py
        assert fit["hidden"] == [], (where, fit)
    assert fit["contentBottom"] <= fit["innerHeight"] + 1, (where, fit)
    texts = page.evaluate(TEXT_SIZES_JS)
    small = too_small(texts, least)
    assert small == [], f"text below {least} px on {where}:\n" + "\n".join(small)
    assert page.evaluate(CUT_JS) == [], where
    header = page.evaluate("() => document.querySelector('#freshness').innerText")
    assert header.startswith(UPDATED[lang]), (where, header)
    return texts  # type: ignore[no-any-return]


@pytest.mark.parametrize("lang", ["en", "nb", "sv", "da", "de", "nl"])
def test_the_status_screen_in_every_language_fits_with_seven_digit_numbers(
        board: Dashboard, new_page: Any, drawn: dict[str, list[str]],
        js_errors: dict[int, list[str]], lang: str) -> None:
    """Regression: with 1,234,567 open requests the Open tile showed "1,234," at 1920×1080."""
    page = new_page(1920, 1080)
    texts = check_screen(page, board, lang, "", drawn["status"], MIN_TEXT_PX)
    if lang == "nb":
        save_screenshot(page, "status-nb-1920x1080")
    shown = page.evaluate(TILES_JS)
    assert shown, "no tiles"
    for tile in shown:
        assert tile["fits"], tile
        assert tile["value"] is not None, tile
        assert tile["value"].isdigit(), tile  # machine-readable: not localised
    assert any(len(t["value"]) == 7 for t in shown), shown
    # Each with its change against half an hour ago, in words and in the hook, some millions.
    # Regression: a compact number's line grew the tile, cutting off the cue's last line.
    deltas = page.evaluate("() => [...document.querySelectorAll('.sb-tile[data-delta]')]"
                           ".map(t => Number(t.dataset.delta))")
    assert len(deltas) == len(shown), deltas
    assert any(abs(d) >= 1_000_000 for d in deltas), deltas
    numbers = [t["px"] for t in texts if t["element"].startswith(("div.sb-tile-value",
                                                                  "span.sb-num"))]
    assert numbers
    assert all(px >= TYPE["number_least"] for px in numbers), numbers
    assert js_errors[id(page)] == []


@pytest.mark.parametrize("lang", ["de"])
@pytest.mark.parametrize(("screen", "path"), SCREENS[1:])
def test_the_other_data_screens_fit_in_the_longest_languages(
        board: Dashboard, new_page: Any, drawn: dict[str, list[str]], lang: str, screen: str,
        path: str) -> None:
    page = new_page(1920, 1080)
    check_screen(page, board, lang, path, drawn[screen], MIN_TEXT_PX)
    save_screenshot(page, f"{screen}-{lang}-1920x1080", docs=False)


def test_german_at_4k_is_twice_as_large_and_still_fits(
        board: Dashboard, new_page: Any, drawn: dict[str, list[str]]) -> None:
    page = new_page(3840, 2160)
    check_screen(page, board, "de", "", drawn["status"], 2 * MIN_TEXT_PX)
