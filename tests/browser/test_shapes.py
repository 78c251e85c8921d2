"""The screens in a real browser against a NetServer that spells its data differently (issue 8):
the demo's `alt` shapes (`Week 48`, `November`, `27.11.2026`, response times one value per
handler, a NaN for a handler with no replies). Every chart draws, "n/a" is written where the NaN
is, no time panel says "largest", and the screens still fit 1080p. AppTest checks every point in
tests/test_screens_shapes.py; this is what the wall shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from harness.browser import (
    FIT_JS,
    INTERVAL,
    LOAD_TIMEOUT_MS,
    MAX_BACKOFF,
    REPO_ROOT,
    Dashboard,
    open_screen,
    save_screenshot,
)
from netserver_demo import DemoNetServer
from netserver_demo.shapes import HOSTILE_HOST

pytestmark = pytest.mark.browser

# Every text the charts drew (Vega renders SVG), and what Vega said went wrong, if anything.
CHART_TEXT_JS = """() => ({
  charts: document.querySelectorAll('[data-testid="stVegaLiteChart"] svg').length,
  texts: [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg text')]
           .map(t => t.textContent),
  errors: [...document.querySelectorAll('[data-testid="stException"], .vega-embed .error')]
            .map(e => e.innerText) })"""


#: Markup that would fetch from or link to another host if the board drew it as Markdown or
#: HTML: in the address, in statusboard.toml and (the demo's `hostile` shapes) from the NetServer.
ELSEWHERE = HOSTILE_HOST
FILE_MARKUP = f"<img src=http://{ELSEWHERE}/f.gif>![f](http://{ELSEWHERE}/g.gif)"
ADDRESS_MARKUP = f"<img src=http://{ELSEWHERE}/a.gif>![a](http://{ELSEWHERE}/b.gif)"


@pytest.fixture(scope="module")
def alt_board(chromium_executable: str,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """The `alt` spellings, with every NetServer text but the Status counts and the periods
    dressed as markup (the demo's `hostile` variant), and the shipped screens from a file whose
    Status title and one threshold key are markup too."""
    shipped = (REPO_ROOT / "statusboard.toml").read_text()
    assert 'title = "Status"' in shipped
    toml = tmp_path_factory.mktemp("hostile") / "statusboard.toml"
    toml.write_text(shipped.replace('title = "Status"', f'title = "Status {FILE_MARKUP}"')
                    + f'\n[thresholds."{FILE_MARKUP}"]\namber = 1\n')
    with DemoNetServer(port=0, shapes="hostile") as srv, \
            Dashboard(srv.url, interval=INTERVAL, max_backoff=MAX_BACKOFF,
                      extra_env={"STATUSBOARD_CONFIG": str(toml)}) as board:
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


# What the page made of it: every image and link, and what Vega's tooltip holds.
MADE_JS = """() => { const FETCHES = ['src', 'srcset', 'href', 'xlink:href', 'style', 'action',
  'formaction', 'poster', 'data', 'background'];
  return {
  images: [...document.querySelectorAll('img')].map(i => i.getAttribute('src') || ''),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  elsewhere: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(
    a => FETCHES.includes(a.name) && a.value.includes('elsewhere')))
    .map(e => e.outerHTML.slice(0, 200)),
  tooltip: document.querySelector('#vg-tooltip-element')?.innerHTML || '',
  notices: [...document.querySelectorAll('.sb-notice')].map(e => e.innerText),
  title: document.querySelector('.sb-title')?.innerText,
  chartText: [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg text')]
    .map(t => t.textContent).join(' ') }; }"""


def test_markup_from_the_address_the_file_and_the_netserver_stays_text(
        alt_board: Dashboard, new_page: Any, screens: dict[str, list[str]]) -> None:
    """Issue 17: no text from outside becomes an element. The address (?rotate=, ?desk=), the
    file (a screen title, a threshold key quoted in its problem sentence) and the NetServer
    (labels, series, descriptions in the tooltips) all carry `<img src=…>` and `![x](…)`;
    the page shows them as text, makes no image but its data: sparklines, no link, and sends
    no request to another host."""
    page = new_page()
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url))
    query = urlencode({"rotate": ADDRESS_MARKUP, "embed": "true"})
    open_screen(page, alt_board, f"?{query}", screens["status"])
    # A bar's tooltip: the NetServer's label and description, as Vega's tooltip shows them.
    page.locator('.st-key-panel-OpenRequestsPerCategory svg .mark-rect path').first.hover()
    page.wait_for_function("() => document.querySelector('#vg-tooltip-element.visible')",
                           timeout=LOAD_TIMEOUT_MS)
    made = page.evaluate(MADE_JS)
    save_screenshot(page, "hostile-1920x1080", docs=False)
    _nothing_made(made)
    assert ELSEWHERE in made["tooltip"]
    assert "&lt;img" in made["tooltip"] or "![" in made["tooltip"], made["tooltip"]
    assert made["title"].startswith(f"Status {FILE_MARKUP}")  # as text, whole
    (notice,) = made["notices"]
    assert FILE_MARKUP in notice
    assert "?rotate must be a number of seconds" in notice
    assert ELSEWHERE in made["chartText"]  # the NetServer's labels reached the wall, as text
    # A desk the address names is never drawn, and its markup goes nowhere either.
    page.goto(f"{alt_board.url}/trends?{urlencode({'desk': ADDRESS_MARKUP})}",
              wait_until="domcontentloaded")
    page.wait_for_function("() => [...document.querySelectorAll('.sb-notice')].some("
                           "n => n.innerText.includes('?desk='))", timeout=LOAD_TIMEOUT_MS)
    _nothing_made(page.evaluate(MADE_JS))
    hosts = {urlsplit(url).netloc for url in sent if urlsplit(url).scheme in ("http", "https")}
    assert hosts == {urlsplit(alt_board.url).netloc}, hosts


def _nothing_made(shown: dict[str, Any]) -> None:
    """No image but the tiles' data: sparklines, no link, nothing that fetches from elsewhere."""
    assert all(src.startswith("data:") for src in shown["images"]), shown["images"]
    # Streamlit's own "skip to content" link (#stMain) is the only one.
    assert [h for h in shown["links"] if not h.startswith("#")] == [], shown["links"]
    assert shown["elsewhere"] == [], shown["elsewhere"]
