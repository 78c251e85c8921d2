"""The screens in a real browser against a NetServer that spells its data differently (issue 8):
the demo's `alt` shapes (`Week 48`, `November`, `27.11.2026`, response times one value per
handler, a NaN for a handler with no replies). Every chart draws, "n/a" is written where the NaN
is, no time panel says "largest", and the screens still fit 1080p. AppTest checks every point in
tests/test_screens_shapes.py; this is what the wall shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.browser import FIT_JS, INTERVAL, MAX_BACKOFF, Dashboard, open_screen
from netserver_demo import DemoNetServer

pytestmark = pytest.mark.browser

# Every text the charts drew (Vega renders SVG), and what Vega said went wrong, if anything.
CHART_TEXT_JS = """() => ({
  charts: document.querySelectorAll('[data-testid="stVegaLiteChart"] svg').length,
  texts: [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg text')]
           .map(t => t.textContent),
  errors: [...document.querySelectorAll('[data-testid="stException"], .vega-embed .error')]
            .map(e => e.innerText) })"""


@pytest.fixture(scope="module")
def alt_board(chromium_executable: str) -> Iterator[Dashboard]:
    with DemoNetServer(port=0, shapes="alt") as srv, \
            Dashboard(srv.url, interval=INTERVAL, max_backoff=MAX_BACKOFF) as board:
        yield board


@pytest.mark.parametrize(("path", "screen"), [("", "status"), ("trends", "trends")])
def test_other_spellings_draw_every_chart_with_na_and_no_largest(
        alt_board: Dashboard, new_page: Any, screens: dict[str, list[str]], path: str,
        screen: str) -> None:
    page = new_page()
    open_screen(page, alt_board, path, screens[screen])
    drawn = page.evaluate(CHART_TEXT_JS)
    assert drawn["errors"] == []
    assert drawn["charts"] >= 2
    texts = " ".join(drawn["texts"])
    assert "n/a" in texts, "the handler with no replies is not shown as n/a"
    assert "largest" not in texts.lower()
    fit = page.evaluate(FIT_JS)
    assert (fit["scrollbars"], fit["hidden"]) == ([], [])
