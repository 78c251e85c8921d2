"""Each screen in a real Chromium: every configured panel drawn, no exception, no error tile, no
scrolling at 1920×1080, every text readable from five metres (at least `board.theme.MIN_TEXT_PX`,
24 px, HTML and chart SVG alike; the big numbers about 90 px), a screenshot in
test-output/screenshots/; kiosk URLs (?embed=true, ?rotate=SECONDS). 3840×2160:
tests/browser/test_readable.py.

The Connection screen is exempt from the text sizes: it is for the administrator at a desk (its
raw data grid is Streamlit's own, drawn on a canvas, with desk-sized text)."""

from __future__ import annotations

from typing import Any

import pytest

from board.theme import MIN_TEXT_PX, TYPE
from harness.browser import (
    FIT_JS,
    PANELS_JS,
    SETTLED_JS,
    TEXT_SIZES_JS,
    TILES_JS,
    Dashboard,
    freshness,
    open_screen,
    save_screenshot,
    too_small,
    wait_for,
)

pytestmark = pytest.mark.browser

# (screen id, URL path); the first configured screen is "/".
SCREENS = [("status", ""), ("workload", "workload"), ("trends", "trends"), ("today", "today")]
SIZES = {"1080p": (1920, 1080), "4k": (3840, 2160)}

SETTLE_JS = """() => document.fonts.ready.then(() => new Promise(r =>
  requestAnimationFrame(() => requestAnimationFrame(() => r(true)))))"""

PROBLEMS_JS = """() => ({
  exceptions: document.querySelectorAll('[data-testid="stException"]').length,
  panelErrors: [...document.querySelectorAll('[data-panel-error="true"]')]
    .map(e => e.dataset.panel),
  empty: [...document.querySelectorAll('.sb-panel-empty')].map(e => e.dataset.panel),
  na: [...document.querySelectorAll('.sb-tile[data-na="true"]')].map(e => e.dataset.tile),
  alerts: [...document.querySelectorAll('[data-testid="stAlert"], .sb-notice')]
    .map(e => e.innerText),
  banner: !!document.querySelector('.sb-banner'),
  text: document.body.innerText })"""


def assert_clean(page: Any) -> None:
    """No Streamlit exception, no panel that failed, no n/a tile, no warning, no banner."""
    got = page.evaluate(PROBLEMS_JS)
    assert got["exceptions"] == 0, "a Streamlit exception element is on the screen"
    assert got["panelErrors"] == [], f"panels that could not be drawn: {got['panelErrors']}"
    assert got["empty"] == [], f"panels without data: {got['empty']}"
    assert got["na"] == [], f"tiles showing n/a: {got['na']}"
    assert got["alerts"] == [], f"warnings on the screen: {got['alerts']}"
    assert "Traceback" not in got["text"]
    # With the NetServer up the board is fresh; on a machine so busy that a poll outlasts two
    # intervals (2 s each here) it honestly says stale for a moment, so wait for fresh.
    if got["banner"]:
        wait_for(lambda: not page.evaluate(PROBLEMS_JS)["banner"], 60,
                 what="no stale/no-data banner while the NetServer is up")


def assert_fits(page: Any, panels: list[str], *, strict: bool = True) -> None:
    """No scrollbar and nothing cut off: the main block and every panel lie inside the window.
    `strict` also refuses page containers that are taller than the window behind
    overflow: hidden (see the note at test_status_fits_4k)."""
    fit = page.evaluate(FIT_JS)
    assert fit["scrollbars"] == [], f"these can scroll: {fit['scrollbars']}"
    if strict:
        assert fit["hidden"] == [], f"taller than the window (overflow hidden): {fit['hidden']}"
    assert fit["contentBottom"] is not None
    assert fit["contentBottom"] <= fit["innerHeight"] + 0.5, (
        f"the screen's content ends at y={fit['contentBottom']:.0f}, below the window")
    boxes = {p["panel"]: p for p in page.evaluate(PANELS_JS)}
    assert sorted(boxes) == sorted(panels)
    for name, box in boxes.items():
        assert box["top"] >= 0
        assert box["bottom"] <= fit["innerHeight"] + 0.5, (
            f"{name} ends at y={box['bottom']:.0f}, below the window ({fit['innerHeight']})")
        assert box["right"] <= fit["innerWidth"] + 0.5, f"{name} is clipped on the right"
        assert box["height"] > 100, f"{name} is only {box['height']:.0f} px tall"


@pytest.mark.parametrize(("screen", "path"), SCREENS)
def test_screen_renders_every_panel_fits_and_reads_at_1080p(
        dashboard: Dashboard, new_page: Any, drawn: dict[str, list[str]],
        js_errors: dict[int, list[str]], screen: str, path: str) -> None:
    page = new_page(*SIZES["1080p"])
    panels = drawn[screen]
    open_screen(page, dashboard, path, panels)
    page.wait_for_function(SETTLED_JS)
    page.evaluate(SETTLE_JS)
    assert_clean(page)
    assert_fits(page, panels)
    # A tile per panel that has them, with the value in digits, from the live poll.
    for value in page.evaluate(TILES_JS).values():
        assert value
        assert value.replace(",", "").replace(" ", "").replace(".", "").isdigit()
    assert freshness(page)["state"] == "fresh"
    save_screenshot(page, f"{screen}-1920x1080")
    # Readable: what is measured is the freshness line, and text in every chart and every
    # tile panel; none of it under 24 px.
    texts = page.evaluate(TEXT_SIZES_JS)
    assert any(t["where"] == ".sb-header" and "Updated" in t["text"] for t in texts), texts
    assert {t["where"] for t in texts} >= {f"panel {p}" for p in panels}
    assert any(t["svg"] for t in texts), "no chart text was measured"
    small = too_small(texts, MIN_TEXT_PX)
    assert small == [], (f"text below {MIN_TEXT_PX} px on /{path} at 1920×1080:\n"
                         + "\n".join(small))
    # The big numbers stay big.
    numbers = [t["px"] for t in texts if t["element"].startswith("div.sb-tile-value")]
    assert len(numbers) == page.evaluate("document.querySelectorAll('.sb-tile-value').length")
    assert all(px >= TYPE["number_long"] for px in numbers), numbers
    assert js_errors[id(page)] == []


def test_connection_screen(dashboard: Dashboard, new_page: Any) -> None:
    page = new_page(*SIZES["1080p"])
    page.goto(f"{dashboard.url}/connection", wait_until="domcontentloaded")
    table = page.locator('table[data-connection="true"]')
    table.wait_for()
    page.locator('.st-key-raw-frame [data-testid="stDataFrame"]').wait_for()
    page.evaluate(SETTLE_JS)
    text = table.inner_text()
    assert "127.0.0.1" in text
    assert "/Remote/Services87/CustomerService.svc" in text
    assert_clean(page)
    # The raw frame scrolls inside its own grid; the page itself must not.
    fit = page.evaluate(FIT_JS)
    assert fit["scrollbars"] == []
    assert fit["hidden"] == []
    box = page.locator(".st-key-raw-frame").bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 1080.5
    save_screenshot(page, "connection-1920x1080")
    # The same board reached through a proxy on its machine (a forwarded header): a visitor
    # from anywhere, who sees the desk's health and not where it polls. Regression (review):
    # the loopback listener alone made every proxied visitor "local".
    page.set_extra_http_headers({"X-Forwarded-For": "203.0.113.9"})
    page.reload(wait_until="domcontentloaded")
    health = page.locator('table[data-connection="health"]')
    health.wait_for()
    assert "/Remote/Services87/CustomerService.svc" not in page.content()
    assert page.locator('[data-testid="stDataFrame"]').count() == 0


CHROME_JS = """() => ['[data-testid="stHeader"]', '[data-testid="stToolbar"]',
  '[data-testid="stDecoration"]', '[data-testid="stMainMenu"]', '[data-testid="stStatusWidget"]',
  '[data-testid="stSidebar"]', '[data-testid="stSidebarCollapsedControl"]', 'footer',
  '[data-testid="stAppDeployButton"]'].filter(sel => [...document.querySelectorAll(sel)].some(
    e => { const r = e.getBoundingClientRect(); const cs = getComputedStyle(e);
           return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' &&
                  cs.display !== 'none' && Number(cs.opacity) > 0; }))"""


def test_the_kiosk_address_shows_no_chrome_and_rotates_by_itself(
        dashboard: Dashboard, new_page: Any, screens: dict[str, list[str]],
        js_errors: dict[int, list[str]]) -> None:
    page = new_page(*SIZES["1080p"])
    errors = js_errors[id(page)]
    # The kiosk address (statusboard kiosk-url): no Streamlit chrome, the screen still fits.
    open_screen(page, dashboard, "?embed=true&rotate=5", screens["status"])
    began = page.evaluate("() => window.__sbRotateFrom")  # the status period, browser's clock
    page.evaluate(SETTLE_JS)
    assert page.evaluate(CHROME_JS) == []
    assert_clean(page)
    assert_fits(page, screens["status"])
    assert page.evaluate("() => window.__sbRotateTo") == "workload"
    # The next screen drawn (not a blank page after a failed switch), the query kept, without
    # anyone touching the page.
    wait_for(lambda: _shows(page, "workload", screens["workload"][-1]) or errors,
             60, 0.05, what="the workload screen after ?embed=true&rotate=5")
    assert errors == [], f"the page broke while rotating to workload: {errors}"
    assert page.evaluate("() => location.pathname") == "/workload"
    assert page.evaluate("() => location.search") == "?embed=true&rotate=5"
    assert {p["panel"] for p in page.evaluate(PANELS_JS)} == set(screens["workload"])
    # Rotation is a real navigation: a period starts when the page's script runs, and the next
    # page's script runs no sooner than the period's 5 s after that. Both read on the browser's
    # clock (Date.now): how busy the machine is can move the switch later, never earlier.
    gap = page.evaluate("() => window.__sbRotateFrom") - began
    assert gap >= 5000, f"the switch came {gap:.0f} ms into a 5 s period (?rotate=5)"
    # And on from there in the screens' order (its choice is read, not waited for).
    assert page.evaluate("() => window.__sbRotateTo") == "trends"


def _shows(page: Any, screen: str, panel: str) -> bool:
    """The page is on `screen` and has drawn `panel` (False while the browser navigates)."""
    try:
        return bool(page.evaluate(
            "([s, w]) => location.pathname == '/' + s"
            " && !!document.querySelector('.st-key-panel-' + w)", [screen, panel]))
    except Exception:  # "Execution context was destroyed": the rotation's navigation
        return False
