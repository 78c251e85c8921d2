"""Real parts for browser tests and screen benchmarks: a demo NetServer with a clock the caller
controls, `statusboard serve` as a subprocess, and Debian's Chromium under Playwright.

    >>> clock = DemoClock()                                    # doctest: +SKIP
    >>> srv = DemoNetServer(port=0, clock=clock).start()
    >>> with Dashboard(srv.url, interval=2) as board:
    ...     with sync_playwright() as pw:
    ...         browser = launch_chromium(pw, find_chromium())

Everything here binds 127.0.0.1 only, and every wait has a deadline.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from .waiting import wait_for

REPO_ROOT = Path(__file__).resolve().parents[1]
OUTPUT_DIR = REPO_ROOT / "test-output"
SCREENSHOT_DIR = OUTPUT_DIR / "screenshots"
DOCS_SCREENSHOT_DIR = REPO_ROOT / "docs" / "screenshots"

CHROMIUM_ENV = "STATUSBOARD_CHROMIUM"
REQUIRE_ENV = "STATUSBOARD_REQUIRE_BROWSER"
UPDATE_SCREENSHOTS_ENV = "STATUSBOARD_UPDATE_SCREENSHOTS"
#: Seconds between polls in the browser tests: short, so stale and recovery take seconds.
INTERVAL = 2.0
MAX_BACKOFF = 2.0
#: Bounded waits for Playwright, in milliseconds.
LOAD_TIMEOUT_MS = 30_000

#: The flags the TV's Chromium runs the board with (deploy/kiosk/chromium-flags), one list for
#: the wall and the tests: the kiosk launcher reads the same file.
KIOSK_DIR = REPO_ROOT / "deploy" / "kiosk"
SHARED_FLAGS_FILE = KIOSK_DIR / "chromium-flags"


def read_flags(path: Path) -> tuple[str, ...]:
    """One flag a line, blank lines and '#' comments skipped (as deploy/kiosk/statusboard-kiosk
    reads them)."""
    lines = (line.strip() for line in path.read_text("utf-8").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


SHARED_CHROMIUM_ARGS = read_flags(SHARED_FLAGS_FILE)
#: Only the test machine's: Debian's Chromium as root in a container (no sandbox there), with a
#: small /dev/shm and no GPU. A TV keeps its sandbox and its GPU.
TEST_ONLY_CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")
# Playwright's own browser download does not work here: Debian's Chromium, with these.
CHROMIUM_ARGS = (*TEST_ONLY_CHROMIUM_ARGS, *SHARED_CHROMIUM_ARGS)

# The variables the dashboard reads; the test's own environment must not leak into the board.
_BOARD_VARS = ("SUPEROFFICE_", "STATUSBOARD_")


def find_chromium(env: Mapping[str, str] | None = None) -> str | None:
    """STATUSBOARD_CHROMIUM if set (and executable), else `chromium` on PATH, else None."""
    env = os.environ if env is None else env
    named = (env.get(CHROMIUM_ENV) or "").strip()
    if named:
        return named if os.path.isfile(named) and os.access(named, os.X_OK) else None
    return shutil.which("chromium")


def launch_chromium(pw: Any, executable: str, **kwargs: Any) -> Any:
    """A headless Chromium with a fresh profile (Playwright's launch() makes a temporary one)."""
    return pw.chromium.launch(executable_path=executable, headless=True,
                              args=list(CHROMIUM_ARGS), timeout=60_000, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DemoClock:
    """A clock for the demo NetServer: real time, or frozen and stepped by hand, so that the
    data on screen changes only when a test or benchmark says so."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None

    def __call__(self) -> datetime:
        with self._lock:
            return self._frozen if self._frozen is not None else datetime.now().astimezone()

    def freeze(self, at: datetime | None = None) -> datetime:
        with self._lock:
            self._frozen = at or datetime.now().astimezone()
            return self._frozen

    def step(self, seconds: float) -> datetime:
        with self._lock:
            base = self._frozen or datetime.now().astimezone()
            self._frozen = base + timedelta(seconds=seconds)
            return self._frozen

    def unfreeze(self) -> None:
        with self._lock:
            self._frozen = None

    @property
    def frozen(self) -> bool:
        return self._frozen is not None


def statusboard_command() -> list[str]:
    """The installed `statusboard` console script beside this Python (as a user runs it)."""
    script = Path(sys.executable).parent / "statusboard"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "board.cli"]


class Dashboard:
    """`statusboard serve` in its own process group, pointed at a NetServer URL."""

    def __init__(self, netserver_url: str | None, *, interval: float = 2, max_backoff: float = 2,
                 redraw: float | None = None, extra_env: Mapping[str, str] | None = None,
                 log_path: Path | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.interval = interval
        env = {k: v for k, v in os.environ.items() if not k.startswith(_BOARD_VARS)}
        if netserver_url is not None:  # None: the desks come from the configuration file
            env["SUPEROFFICE_URL"] = netserver_url
        env.update({
            "STATUSBOARD_INTERVAL": f"{interval:g}",
            "STATUSBOARD_MAX_BACKOFF": f"{max_backoff:g}",
            "PYTHONUNBUFFERED": "1",
        })
        if redraw is not None:
            env["STATUSBOARD_REDRAW"] = f"{redraw:g}"
        env.update(extra_env or {})
        self._env = env
        # History in a folder of its own, never history.sqlite3 in the repository (unless
        # extra_env names a store). It outlives kill(), as a file outlives a crash, so a
        # restarted board finds its store; stop() removes it.
        self._own_history = "STATUSBOARD_DATABASE_URL" not in env
        self._history_dir: Path | None = None
        self.log_path = log_path or OUTPUT_DIR / f"statusboard-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Dashboard:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self._own_history and self._history_dir is None:
            self._history_dir = Path(tempfile.mkdtemp(prefix="statusboard-history-"))
            self._env["STATUSBOARD_DATABASE_URL"] = (
                f"sqlite:///{self._history_dir / 'history.sqlite3'}")
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [*statusboard_command(), "serve", "--port", str(self.port),
                 "--address", "127.0.0.1"],
                cwd=REPO_ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_for(self._healthy, timeout, 0.2, f"Streamlit's /_stcore/health on {self.url}")
        except BaseException:
            self.stop()
            raise
        return self

    def _healthy(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"statusboard serve exited with status {self.proc.returncode} "
                               f"before it served; see {self.log_path}:\n{self.log_tail()}")
        try:
            # http://127.0.0.1 only: the URL is built above, never from input.
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as r:  # noqa: S310
                return bool(r.status == 200)
        except OSError:
            return False

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM to the whole process group, SIGKILL after `timeout`; no stray processes; the
        history folder removed."""
        try:
            self._terminate(timeout)
        finally:
            if self._history_dir is not None:
                shutil.rmtree(self._history_dir, ignore_errors=True)
                self._history_dir = None

    def _terminate(self, timeout: float) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def kill(self) -> None:
        """SIGKILL to the whole process group at once: a crash, not a clean shutdown (the
        browser's websocket is cut, not closed). `start()` brings it back on the same port."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)

    def __enter__(self) -> Dashboard:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.proc is not None, "the dashboard is not running"
        return self.proc.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # -- /proc figures (Linux) for benchmarks --------------------------------------------------
    def cpu_seconds(self) -> float:
        """User + system CPU seconds of the board server process so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # After the ")" the fields start at number 3 (state); utime, stime are 14 and 15.
        ticks = int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0


# -- what the page says, read in the browser --------------------------------------------------
FRESHNESS_JS = """() => { const f = document.querySelector('#freshness');
  return f ? {state: f.dataset.state, seq: Number(f.dataset.seq), updated: f.dataset.updated}
           : null; }"""

# What could scroll, found by trying (scrollTop/scrollLeft read back), which stays right under
# the CSS zoom the 4K layout uses, where scrollHeight and clientHeight disagree on units.
# In Streamlit 1.67 [data-testid="stMain"] is the scroll container (overflow-y: auto) unless
# the board's CSS says otherwise. `scrollbars`: elements with overflow auto|scroll that can
# scroll (a visible scrollbar), outside data grids, which scroll by design. `hidden`: page
# containers with overflow hidden that can still be scrolled (content cut off, or oversize).
# `contentBottom`: where the main block ends, in viewport pixels.
FIT_JS = """() => {
  const probe = (e) => { const t = e.scrollTop, l = e.scrollLeft;
    e.scrollTop = 1e6; e.scrollLeft = 1e6; const moved = [e.scrollTop, e.scrollLeft];
    e.scrollTop = t; e.scrollLeft = l; return moved; };
  const name = (e) => e.getAttribute('data-testid') || e.tagName.toLowerCase() +
    (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '');
  const out = {innerHeight: innerHeight, innerWidth: innerWidth, scrollbars: [], hidden: []};
  const doc = document.scrollingElement;
  if (doc.scrollHeight > innerHeight + 1 || doc.scrollWidth > innerWidth + 1)
    out.scrollbars.push({element: 'document', scrollHeight: doc.scrollHeight,
                         scrollWidth: doc.scrollWidth});
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('[data-testid="stDataFrame"]')) continue;
    // The Connection screen's open displays scroll in their own box by design (one row per
    // browser watching: five screens open in a test session already fill it).
    if (e.closest('.st-key-displays')) continue;
    // Its details too, with a row per desk on a board of many desks.
    if (e.closest('.st-key-connection')) continue;
    const cs = getComputedStyle(e);
    if (!/(auto|scroll)/.test(cs.overflowY + cs.overflowX)) continue;
    const [y, x] = probe(e);
    if (y > 0 || x > 0) out.scrollbars.push({element: name(e), by: [x, y]});
  }
  for (const sel of ['html', 'body', '[data-testid="stApp"]', '[data-testid="stAppViewContainer"]',
                     '[data-testid="stMain"]', '[data-testid="stMainBlockContainer"]']) {
    const e = document.querySelector(sel);
    if (!e) continue;
    const [y, x] = probe(e);
    if (y > 0 || x > 0) out.hidden.push({element: sel, by: [x, y]});
  }
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  out.contentBottom = main ? main.getBoundingClientRect().bottom : null;
  return out; }"""

# Every panel container and how far down the page it ends (in CSS pixels of the viewport).
PANELS_JS = """() => [...document.querySelectorAll('[class*="st-key-panel-"]')].map(e => {
  const m = e.className.match(/st-key-panel-(\\S+)/); const r = e.getBoundingClientRect();
  return {panel: m[1], top: r.top, bottom: r.bottom, right: r.right, height: r.height,
          charts: e.querySelectorAll('[data-testid="stVegaLiteChart"] canvas, ' +
                                     '[data-testid="stVegaLiteChart"] svg').length,
          tiles: e.querySelectorAll('.sb-tile').length}; })"""

# True once every wanted panel has drawn a chart (canvas or svg) or its tiles.
PANELS_DRAWN_JS = ("(want) => { const got = (" + PANELS_JS + ")(); return want.every(w => "
                   "got.some(p => p.panel === w && (p.charts > 0 || p.tiles > 0))); }")

# Every visible text on the page, HTML and chart SVG alike, at the size it is drawn on the screen:
# the computed font size times the scale from the element's own pixels to the viewport's
# (transforms such as the 4K canvas scaling included; 1 at 1920×1080). Same-origin iframes are
# walked too, with their own scale. `where` names the panel (or the header) around the text.
TEXT_SIZES_JS = """() => {
  const out = [];
  const scaleOf = (el) => {
    if (el instanceof SVGElement) {
      const m = el.getScreenCTM(); return m ? Math.hypot(m.a, m.b) : 1; }
    // offsetWidth is rounded to whole pixels: measured on a 39.6 px wide span the scale would
    // come out 1 % small. The scale is the canvas zoom (1 on a 1080p screen, 2 at 4K), the same
    // for a span as for its wide ancestor, so it is measured on one at least 400 px wide and
    // kept to two decimals.
    let e = el; while (e && !(e.offsetWidth >= 400) && e.parentElement) e = e.parentElement;
    if (e && !(e.offsetWidth > 0)) {
      e = el; while (e && !(e.offsetWidth > 0)) e = e.parentElement; }
    return e ? Math.round(100 * e.getBoundingClientRect().width / e.offsetWidth) / 100 : 1; };
  const where = (el) => { const p = el.closest('[class*="st-key-panel-"]');
    if (p) return 'panel ' + p.className.match(/st-key-panel-(\\S+)/)[1];
    const h = el.closest('.sb-header, .sb-banner, [data-testid]');
    return h ? (h.className && typeof h.className === 'string' && h.className.startsWith('sb-')
                ? '.' + h.className.split(' ')[0] : h.getAttribute('data-testid')) : 'page'; };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '');
  // What is left of a text's box inside every ancestor that clips (overflow or `clip`), so that
  // text cut away entirely, such as a visually hidden "Skip to main content", does not count
  // (the body and the window are left to the viewport test).
  const shown = (el, r) => { let [t, l, b, ri] = [r.top, r.left, r.bottom, r.right];
    for (let e = el; e && e !== e.ownerDocument.body; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.overflow === 'visible' && cs.clip === 'auto') continue;
      const c = e.getBoundingClientRect();
      t = Math.max(t, c.top); l = Math.max(l, c.left); b = Math.min(b, c.bottom);
      ri = Math.min(ri, c.right); }
    return b - t >= 2 && ri - l >= 2; };
  const visit = (doc, outer, offset) => {
    const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim(); const el = n.parentElement;
      if (!text || !el || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName))
        continue;
      if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
      const range = doc.createRange(); range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      const top = r.top * outer + offset.y, left = r.left * outer + offset.x;
      if (r.width < 1 || r.height < 1 || top + r.height * outer <= 0 ||
          left + r.width * outer <= 0 || top >= innerHeight || left >= innerWidth ||
          !shown(el, r)) continue;
      const px = parseFloat(getComputedStyle(el).fontSize) * scaleOf(el) * outer;
      out.push({px: Math.round(px * 100) / 100, text: text.slice(0, 60), element: name(el),
                where: where(el), svg: el instanceof SVGElement});
    }
    for (const f of doc.querySelectorAll('iframe')) {
      let inner; try { inner = f.contentDocument; } catch (e) { inner = null; }
      if (!inner || !inner.body) continue;
      const fr = f.getBoundingClientRect(); const k = f.offsetWidth ? fr.width / f.offsetWidth : 1;
      visit(inner, outer * k, {x: offset.x + fr.left * outer, y: offset.y + fr.top * outer});
    }
  };
  visit(document, 1, {x: 0, y: 0});
  return out; }"""

# Fonts loaded, and every chart drawn as SVG text (not a canvas, whose text cannot be measured).
SETTLED_JS = """() => document.fonts.status === 'loaded' &&
  document.querySelectorAll('[data-testid="stVegaLiteChart"] canvas').length === 0 &&
  [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].every(
    c => c.querySelector('svg text'))"""


def too_small(texts: list[dict[str, Any]], least: float) -> list[str]:
    """The texts of TEXT_SIZES_JS drawn smaller than `least` px, one line each."""
    return [f"{t['px']:.1f} px: {t['text']!r} ({t['element']} in {t['where']})"
            for t in texts if t["px"] < least - 0.01]


TILES_JS = """() => Object.fromEntries([...document.querySelectorAll('.sb-tile')].map(t =>
  [t.dataset.tile, t.querySelector('.sb-tile-value')?.textContent.trim()]))"""


def open_screen(page: Any, dashboard: Dashboard, path: str, panels: list[str]) -> None:
    """Go to a screen and wait until it shows data and every panel has drawn."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(f"{dashboard.url}/{path}", wait_until="domcontentloaded")
    try:
        page.wait_for_function(
            "() => Number(document.querySelector('#freshness')?.dataset.seq) > 0",
            timeout=LOAD_TIMEOUT_MS)
        page.wait_for_function(PANELS_DRAWN_JS, arg=panels, timeout=LOAD_TIMEOUT_MS)
    except PlaywrightTimeout:
        text = " ".join(page.evaluate("() => document.body.innerText").split())[:400]
        raise AssertionError(f"/{path} did not show data and its panels {panels} within "
                             f"{LOAD_TIMEOUT_MS / 1000:g} s; the page says: {text!r}; "
                             f"dashboard log: {dashboard.log_path}") from None


def freshness(page: Any) -> dict[str, Any]:
    got = page.evaluate(FRESHNESS_JS)
    assert got is not None, "the page has no #freshness element"
    return got  # type: ignore[no-any-return]


def save_screenshot(page: Any, name: str, *, docs: bool = True) -> Path:
    """test-output/screenshots/<name>.png, and docs/screenshots/ too (when `docs`) if
    STATUSBOARD_UPDATE_SCREENSHOTS=1."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    if docs and os.environ.get(UPDATE_SCREENSHOTS_ENV) == "1":
        DOCS_SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        optimise_png(path, DOCS_SCREENSHOT_DIR / path.name)
    return path


def optimise_png(src: Path, dst: Path, colours: int = 128) -> None:
    """A palette PNG for the README: a flat dark dashboard needs few colours, and a quarter of
    the bytes reads just as well."""
    from PIL import Image

    with Image.open(src) as img:
        small = img.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT,
                                            dither=Image.Dither.NONE)
        small.save(dst, optimize=True)
