"""Kiosk behaviour as pure functions: screen rotation, the scheduled reload, scaling, the
page's own clock (age, stale, offline; see `clock_script`) and night mode (`night_script`).

Every time these scripts tell or act on (the banners' "03:18", night hours, the reload) is in
the board's time zone (board.zone), passed to them by name and read with the browser's Intl,
so a TV whose browser is set to another zone still agrees with the server's texts.

    >>> parse_rotate("20", default=0)
    (20, None)

The address a TV opens (`statusboard kiosk-url` prints it) is built here too, by `kiosk_url`.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Sequence
from datetime import time
from urllib.parse import quote, urlencode

from stats_client import coerce
from stats_client.errors import ConfigurationError
from statusboard import texts
from statusboard.config import language_problem
from statusboard.rules import Night
from statusboard.texts import LANGUAGES, ngettext
from statusboard.texts import gettext as _

from .geometry import SCREEN_H, SCREEN_W

MIN_ROTATE_S = 5
MAX_ROTATE_S = 86400
#: The display key a TV's address carries (`key=`), when `statusboard kiosk-url` is given none.
DISPLAY_KEY_ENV = "STATUSBOARD_DISPLAY_KEY"


def kiosk_url(base: str, *, path: str = "", rotate: int | None = None, desk: str | None = None,
              key: str | None = None, name: str | None = None) -> str:
    """The address a TV opens: the board at `base`, the screen at `path` ("" is the first
    screen), always `embed=true` (no Streamlit chrome; a wall display, which the
    `display-silent` alert watches), then `rotate` (seconds per screen; 0 turns off the file's
    rotation), `desk`, the display's `name` (in its alerts) and the display `key` when given,
    each percent-encoded.

        >>> kiosk_url("http://board:8501/", path="workload", rotate=60, desk="north")
        'http://board:8501/workload?embed=true&rotate=60&desk=north'
        >>> kiosk_url("http://board:8501", key="a b&c", name="Support room")
        'http://board:8501/?embed=true&display=Support%20room&key=a%20b%26c'
    """
    query = [("embed", "true")]
    if rotate is not None:
        query.append(("rotate", str(rotate)))
    if desk:
        query.append(("desk", desk))
    if name:
        query.append(("display", name))
    if key:
        query.append(("key", key))
    return f"{base.rstrip('/')}/{path}?{urlencode(query, quote_via=quote, safe='')}"


def parse_rotate(raw: str | None, *, default: int) -> tuple[int, str | None]:
    """Seconds per screen from `?rotate=`; 0 = no rotation; a bad value turns rotation off."""
    if raw is None:
        return default, None
    if raw.strip() in ("", "0", "off"):
        return 0, None
    try:
        # At most a day: a browser's timer overflows past 24.8 days and fires at once.
        return int(coerce.seconds("?rotate", raw, minimum=MIN_ROTATE_S,
                                  maximum=MAX_ROTATE_S)), None
    except ConfigurationError as exc:
        if not re.fullmatch(r"[0-9A-Za-z.+-]{1,24}", raw.strip()):
            # Whatever else the address holds is not repeated: the sentence is shown as
            # Markdown, and a link or an image from the address must never reach the wall.
            return 0, (f"?rotate must be a number of seconds, at least {MIN_ROTATE_S} and at "
                       f"most {MAX_ROTATE_S}. Rotation is off.")
        return 0, f"{exc} Rotation is off."


def parse_desk(raw: str | None, names: Sequence[str]) -> tuple[str | None, str | None]:
    """The desk `?desk=` names, and a sentence when it names none of `names` (the address is
    repeated only when it is a plain desk id: nothing from it reaches the screen as markup).

        >>> parse_desk("north", ["north", "south"])
        ('north', None)
        >>> parse_desk("![x](http://elsewhere)", ["north"])[1]
        'The address asks for a desk this board does not have (?desk=); its desks are: north.'
    """
    if raw is None or not raw.strip():
        return None, None
    wanted = raw.strip()
    if wanted in names:
        return wanted, None
    shown = f"?desk={wanted}" if re.fullmatch(r"[a-z0-9-]{1,40}", wanted) else "?desk="
    return None, (f"The address asks for a desk this board does not have ({shown}); its "
                  f"desks are: {', '.join(names) or 'none'}.")


def parse_lang(raw: str | None) -> tuple[str | None, str | None]:
    """The language `?lang=` asks for, and a sentence when the board does not have it (the
    address is repeated only when it is a plain word: nothing from it reaches the screen as
    markup).

        >>> parse_lang("NB"), parse_lang(None)
        (('nb', None), (None, None))
        >>> parse_lang("[x](http://elsewhere)")[1][:40]
        '?lang = … is not a language of the board'
    """
    if raw is None or not raw.strip():
        return None, None
    wanted = raw.strip().lower()
    if wanted in LANGUAGES:
        return wanted, None
    if re.fullmatch(r"[a-z_-]{1,12}", wanted):
        return None, language_problem("?lang", wanted)
    return None, language_problem("?lang", "…").replace('"…"', "…")


def page_words() -> dict[str, object]:
    """The words and time format the page's own scripts write (clock_script, night_script),
    in the current language (statusboard.texts.use): templates with {placeholders}."""
    return {
        "sep": texts.time_separator(),
        "s": _("{n} s ago"), "min": _("{n} min ago"), "h": _("{h} h {m} min ago"),
        "day": ngettext("{n} day ago", "{n} days ago", 1),
        "days": ngettext("{n} day ago", "{n} days ago", 2),
        "lost": _("This screen lost its connection to the board server at {time}"),
        "showing": _("showing data from {time}"), "nothing": _("no data to show"),
        "back": _("It reconnects by itself when the server is back."),
        "notLive": _("The numbers are not live. The screen reconnects by itself when the board "
                     "server is back."),
        "stale": _("STALE DATA — last update {time}"),
        "staleWhy": _("No new data has reached this screen since."),
    }


#: How the page notices that the board server is gone: it asks Streamlit's /_stcore/health
#: every HEALTH_EVERY_MS, gives each answer HEALTH_TIMEOUT_MS, and says "offline" after
#: HEALTH_MISSES failures in a row (a killed server refuses at once: 2-4 s; a cut network
#: times out: about 6-8 s).
HEALTH_EVERY_MS = 2000
HEALTH_TIMEOUT_MS = 4000
HEALTH_MISSES = 2

# Offline styling lives with the script that sets it. Streamlit's own "Connection error"
# dialog would cover the data: the page says it in its own banner instead (the board opens no
# dialog of its own).
_CLOCK_CSS = (
    '#freshness[data-state="offline"] .sb-dot { background: var(--sb-red); }'
    '#freshness[data-state="offline"] { color: var(--sb-text); font-weight: 700; }'
    "html.sb-offline .sb-banner:not(#sb-page-banner) { display: none; }"
    # Offline, the last numbers stay but stop looking live (as stale tiles and charts do).
    'html.sb-offline .sb-tile, html.sb-offline [data-testid="stVegaLiteChart"] '
    "{ filter: grayscale(1); opacity: .6; }"
    '[data-testid="stDialog"], div:has(> [data-testid="stDialog"]) '
    "{ display: none !important; }"
)

def wall_js(zone: str) -> str:
    """JavaScript defining `wall(date)` → [hours, minutes, seconds] of a Date in `zone` (an
    IANA name), with the browser's own zone only where Intl does not know the name.

        >>> "Europe/Oslo" in wall_js("Europe/Oslo")
        True
    """
    return (
        "var wall=(function(){try{var f=new Intl.DateTimeFormat('en-GB',{timeZone:"
        f"{json.dumps(zone)},hourCycle:'h23',hour:'2-digit',minute:'2-digit',second:'2-digit'}});"
        "if (typeof f.formatToParts!=='function') throw new Error('no formatToParts');"
        "return function(d){var p={};f.formatToParts(d).forEach(function(x){p[x.type]=x.value;});"
        "return [Number(p.hour)%24,Number(p.minute),Number(p.second)];};}"
        "catch(e){return function(d){return [d.getHours(),d.getMinutes(),d.getSeconds()];};}})();"
    )


_CLOCK_JS = """
if (window.__sbClock) return; window.__sbClock=true;
var c={offset:0,lastOk:Date.now(),misses:0,offline:false,lostAt:null,queued:false};
function fill(t,v){return t.replace(/[{]([A-Za-z_]+)[}]/g,function(m,k){return k in v?v[k]:m;});}
// Days are whole: for every language the board has, the singular is n == 1 exactly.
function age(s){s=Math.max(0,Math.floor(s));
 if (90>s) return fill(T.s,{n:s}); if (5400>s) return fill(T.min,{n:Math.floor(s/60)});
 if (172800>s) return fill(T.h,{h:Math.floor(s/3600),m:Math.floor(s%3600/60)});
 var d=Math.floor(s/86400);return fill(d===1?T.day:T.days,{n:d});}
window.__sbFormatAge=age;
function two(n){return (n>9?'':'0')+n;}
function hm(d){var w=wall(d);return two(w[0])+T.sep+two(w[1]);}
function hms(d){return hm(d)+T.sep+two(wall(d)[2]);}
function banner(want){var b=document.getElementById('sb-page-banner');
 if (!want){if (b) b.remove();return;}
 if (!b){b=document.createElement('div');b.id='sb-page-banner';b.className='sb-banner';
  b.setAttribute('role','alert');
  (document.querySelector('[data-testid="stApp"]')||document.body).appendChild(b);}
 var key=want.join('|');if (b.dataset.key===key) return;
 b.dataset.key=key;b.dataset.banner=want[0];b.textContent=want[1];
 var why=document.createElement('span');why.className='sb-why';why.textContent=want[2];
 b.appendChild(why);}
function tick(){c.queued=false;
 var k=document.getElementById('sb-kiosk');
 if (k&&k.dataset.settings&&k.dataset.settings!==SETTINGS){window.location.reload();return;}
 var root=document.documentElement;root.classList.toggle('sb-offline',c.offline);
 var f=document.getElementById('freshness');
 if (!f){banner(c.offline?['offline',fill(T.lost,{time:hm(c.lostAt)}),T.back]:null);return;}
 var said=f.dataset.serverState||f.dataset.state;var every=Number(f.dataset.interval)||30;
 var updated=f.dataset.updated?Date.parse(f.dataset.updated):NaN;
 var old=isNaN(updated)?null:(Date.now()+c.offset-updated)/1000;
 var state=said;
 if (c.offline) state='offline';
 else if (said!=='error'&&old!==null&&old>2*every) state='stale';
 if (f.dataset.state!==state) f.dataset.state=state;
 var ago=f.querySelector('.sb-ago');var text=old===null?'':', '+age(old);
 if (ago&&ago.textContent!==text) ago.textContent=text;
 var want=null;
 if (state==='offline') want=['offline',fill(T.lost,{time:hm(c.lostAt)})+' \u2014 '
   +(isNaN(updated)?T.nothing:fill(T.showing,{time:hms(new Date(updated))})),T.notLive];
 else if (state==='stale'&&!document.querySelector('.sb-banner[data-banner]:not(#sb-page-banner)'))
  want=['stale',fill(T.stale,{time:hms(new Date(updated))}),T.staleWhy];
 banner(want);}
function soon(){if (!c.queued){c.queued=true;setTimeout(tick,0);}}
function check(){var ctl=new AbortController();var t0=Date.now();
 var timer=setTimeout(function(){ctl.abort();},HEALTH_TIMEOUT);
 fetch(HEALTH,{cache:'no-store',signal:ctl.signal}).then(function(r){clearTimeout(timer);
  if (!r.ok) throw new Error('health '+r.status);
  var d=Date.parse(r.headers.get('Date')||'');
  if (!isNaN(d)){var off=d+500-(t0+Date.now())/2;c.offset=Math.abs(off)>1500?off:0;}
  c.lastOk=Date.now();c.misses=0;if (c.offline){c.offline=false;tick();}
 }).catch(function(){clearTimeout(timer);c.misses+=1;
  if (c.misses>=HEALTH_MISSES&&!c.offline){c.offline=true;
   c.lostAt=new Date(c.lastOk+c.offset);tick();}});}
new MutationObserver(soon).observe(document.body,{childList:true,subtree:true});
window.__sbClockTimers=[setInterval(tick,1000),setInterval(check,HEALTH_EVERY)];tick();
"""


def clock_script(health_url: str, zone: str = "UTC", settings: str = "") -> str:
    """HTML whose script (run once per page life) keeps the page's own clock, with no server
    round trip: every second it turns `#freshness[data-updated]` and `data-interval` into the
    age (", 12 s ago" in `.sb-ago`), sets `data-state` to `stale` past two intervals and shows
    a stale banner if the server has not yet sent one. It asks `health_url` (Streamlit's
    /_stcore/health) every HEALTH_EVERY_MS; when that fails HEALTH_MISSES times in a row it
    sets `data-state="offline"`, `html.sb-offline` and shows `#sb-page-banner` ("This screen
    lost its connection to the board server at 03:18 — showing data from 03:18:40"); the first
    answer clears them. The health answer's Date header corrects a browser clock that is more
    than 1.5 s off the server's. Streamlit reconnects by itself and redraws. Times are told
    in `zone`, the board's. `settings` names what the page's scripts were started with (see
    `page_settings`); when the server's page names others (`#sb-kiosk[data-settings]`: the
    time zone, reload time, rotation or night hours were changed in statusboard.toml), the
    page reloads, so that all its scripts start again with the new ones.

        >>> "sb-page-banner" in clock_script("/_stcore/health", "Europe/Oslo")
        True
    """
    consts = (f"var HEALTH={json.dumps(health_url)},HEALTH_EVERY={HEALTH_EVERY_MS},"
              f"HEALTH_TIMEOUT={HEALTH_TIMEOUT_MS},HEALTH_MISSES={HEALTH_MISSES},"
              f"SETTINGS={json.dumps(settings)},T={json.dumps(page_words())};{wall_js(zone)}")
    return (f'<style>{_CLOCK_CSS}</style><div class="sb-hidden" id="sb-clock"></div>'
            f"<script>(function(){{{consts}{_CLOCK_JS}}})();</script>")


def page_settings(*parts: object) -> str:
    """A short name for what the page's scripts are started with (time zone, reload time,
    rotation, night hours): when it changes, open pages reload (clock_script).

        >>> page_settings("UTC", None) == page_settings("UTC", None) != page_settings("UTC", 1)
        True
    """
    return hashlib.blake2b(repr(parts).encode(), digest_size=6).hexdigest()


def health_url(base_path: str) -> str:
    """Streamlit's health endpoint under the server's base URL path (server.baseUrlPath).

        >>> health_url(""), health_url("/board/")
        ('/_stcore/health', '/board/_stcore/health')
    """
    base = base_path.strip("/")
    return f"/{base}/_stcore/health" if base else "/_stcore/health"


#: The canvas every screen is designed for; other viewports get it scaled to fit.
CANVAS = (SCREEN_W, SCREEN_H)


def kiosk_script(reload_at: time | None, *, rotate_s: int = 0,
                 rotation: Sequence[str] = (), still: Sequence[str] = ("connection",),
                 zone: str = "UTC", settings: str = "") -> str:
    """HTML whose script (run once per page life) scales the 1920×1080 canvas to the viewport
    and, when `reload_at` is set, reloads the page at the next such time in `zone` (the
    board's time zone; `data-time-zone` names it).
    `location.reload()` keeps the URL, so the screen and its query parameters come back.

    With `rotate_s`, the browser goes on to the next of the `rotation` URL paths ("" is the
    first screen) after that many seconds, keeping the query. A real navigation, not a
    Streamlit page switch: a switch raced the panels' fragments ("Bad delta path index" in the
    browser, which then dropped its connection), and each new page life also starts the
    browser's memory afresh.

    The script never writes "<" before a letter or digit: Streamlit's sanitizer (DOMPurify)
    drops a script whose text looks like markup."""
    width, height = CANVAS
    attr = f' data-time-zone="{html.escape(zone)}" data-settings="{html.escape(settings)}"'
    attr += f' data-reload-at="{reload_at:%H:%M}"' if reload_at is not None else ""
    reload_js = ""
    if reload_at is not None:
        # Seconds from now to the next reload_at on the zone's wall clock (on the night summer
        # time begins or ends, once an hour early or late).
        reload_js = (
            f"{wall_js(zone)}var w=wall(new Date());"
            f"var wait={reload_at.hour * 3600 + reload_at.minute * 60}-(w[0]*3600+w[1]*60+w[2]);"
            "if (0>=wait) wait+=86400;window.__sbReloadAt=Date.now()+wait*1000;"
            "window.__sbReload=setTimeout(function(){window.location.reload();},wait*1000);"
        )
    rotate_js = ""
    if rotate_s > 0 and len(rotation) > 1:
        rotate_attr = f' data-rotate="{rotate_s}"'
        attr += rotate_attr
        rotate_js = (
            f"var paths={json.dumps(list(rotation))};"
            "var parts=window.location.pathname.split('/');var here=parts.pop();"
            # Screens outside the rotation (the Connection screen) stay put.
            f"if ({json.dumps(list(still))}.indexOf(here) != -1) return;"
            "if (paths.indexOf(here) == -1){parts.push(here);here='';}"
            "var base=parts.join('/')+'/';"
            "var next=paths[(paths.indexOf(here)+1)%paths.length];"
            # When the period began and where it goes, for tests: the next page's navigation
            # starts after it.
            "window.__sbRotateFrom=Date.now();window.__sbRotateTo=next;"
            "window.__sbRotate=setTimeout(function(){"
            "window.location.assign(base+next+window.location.search);},"
            f"{rotate_s * 1000});"
        )
    return (
        f'<div class="sb-hidden" id="sb-kiosk"{attr}></div>'
        "<script>(function(){"
        "if (window.__sbKiosk) return; window.__sbKiosk=true;"
        "function fit(){"
        f"var s=Math.min(window.innerWidth/{width},window.innerHeight/{height});"
        "var r=document.documentElement;"
        "if (0.02 > Math.abs(s-1)){r.classList.remove('sb-scaled');}"
        "else {r.style.setProperty('--sb-scale',String(s));r.classList.add('sb-scaled');}}"
        "window.addEventListener('resize',fit);fit();"
        f"{reload_js}{rotate_js}"
        "})();</script>"
    )


#: Burn-in protection at night: the clock and the freshness line drift within ±NIGHT_DRIFT_PX
#: (horizontally, a little less vertically), NIGHT_STEP_PX a minute along each axis, so no pixel
#: holds the same light for long. The path repeats every few hours, never at the same minute.
NIGHT_DRIFT_PX = 20
NIGHT_STEP_PX = 2

# Night styling lives with the script that sets it. Everything of the page is hidden (not
# removed: Streamlit keeps drawing under it, and morning comes back as it was), except the
# clock and #freshness, which `visibility: visible` brings back from inside the hidden page.
# Banners are hidden too (a red bar all night is what burns in): stale and offline are said by
# the freshness line, its red dot and a word.
_NIGHT_CSS = (
    "#sb-night { display: none; }"
    "html.sb-night, html.sb-night body { background: #000 !important; }"
    'html.sb-night [data-testid="stApp"] { visibility: hidden; }'
    "html.sb-night #sb-night, html.sb-night #freshness { visibility: visible; position: fixed;"
    " left: 0; right: 0; z-index: 2000; justify-content: center; text-align: center;"
    " font-family: var(--sb-font);"
    " transform: translate(var(--sb-night-x, 0px), var(--sb-night-y, 0px)); }"
    "html.sb-night #sb-night { display: block; top: 330px; line-height: 1;"
    " font-size: var(--sb-type-night-clock); font-weight: 300; color: var(--sb-muted);"
    " opacity: .5; font-variant-numeric: tabular-nums; }"
    "html.sb-night #freshness { top: 560px; opacity: .75; }"
    'html.sb-night #freshness:not([data-state="fresh"]):not([data-state="demo"]) '
    "{ opacity: .9; }"
    'html.sb-night #freshness[data-state="stale"]::after { content: %(stale)s; }'
    'html.sb-night #freshness[data-state="offline"]::after { content: %(offline)s; }'
    'html.sb-night #freshness[data-state="error"]::after { content: %(error)s; }'
)


def _css_string(text: str) -> str:
    """`text` as a CSS string (JSON's escapes of quotes and backslashes are CSS's too)."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\3C ")


def night_css() -> str:
    """The night styling with its words in the current language."""
    return _NIGHT_CSS % {
        "stale": _css_string(_("— STALE")),
        "offline": _css_string(_("— OFFLINE: no connection to the board server")),
        "error": _css_string(_("— NO DATA")),
    }

_NIGHT_JS = """
if (window.__sbNight) return; window.__sbNight=true;
function two(n){return (n>9?'':'0')+n;}
// 0, 1, ... n, n-1, ... 0, 1: a step a minute, back and forth.
function tri(m,n){var p=m%(2*n);return p>n?2*n-p:p;}
function tick(){var d=new Date();var w=wall(d);var now=w[0]*60+w[1];
 var on=DARK>WAKE?(now>=DARK||WAKE>now):(now>=DARK&&WAKE>now);
 if (STILL.indexOf(window.location.pathname.split('/').pop())!=-1) on=false;
 var root=document.documentElement;
 var el=document.getElementById('sb-night');
 if (!el){el=document.createElement('div');el.id='sb-night';el.setAttribute('aria-hidden','true');
  el.dataset.from=FROM;el.dataset.to=TO;
  (document.querySelector('[data-testid="stApp"]')||document.body).appendChild(el);}
 var state=on?'on':'off';if (el.dataset.night!==state) el.dataset.night=state;
 if (root.classList.contains('sb-night')!==on) root.classList.toggle('sb-night',on);
 if (!on) return;
 var m=Math.floor(d.getTime()/60000);var n=Math.floor(DRIFT/STEP);
 root.style.setProperty('--sb-night-x',STEP*(tri(m,2*n)-n)+'px');
 root.style.setProperty('--sb-night-y',STEP*(tri(m+7,2*n-2)-n+1)+'px');
 var text=two(w[0])+SEP+two(w[1]);
 if (el.textContent!==text) el.textContent=text;}
window.__sbNightTimer=setInterval(tick,1000);tick();
"""


def night_script(night: Night, zone: str = "UTC",
                 still: Sequence[str] = ("connection",)) -> str:
    """HTML whose script (run once per page life) darkens the screen outside office hours, on
    the browser's clock (like the daily reload): every second it asks whether the time in
    `zone` (the board's) is in [`night.dark`, `night.wake`) (over midnight when dark > wake)
    and then sets `html.sb-night`
    and `#sb-night[data-night="on"]` (else "off"). At night only `#sb-night` (the time, HH:MM,
    dim) and the freshness line show, both moved every minute by a drift of at most
    NIGHT_DRIFT_PX; at `wake` the page is as it was, with the data drawn meanwhile. No server
    work: it keeps working when the board server is gone, and the freshness line says so. The
    `still` screens (the Connection screen, for the administrator) never go dark.

        >>> 'data-night-from="19:00"' in night_script(Night(time(19), time(7)))
        True
    """
    consts = (f"var DARK={night.dark.hour * 60 + night.dark.minute},"
              f"WAKE={night.wake.hour * 60 + night.wake.minute},"
              f'FROM="{night.dark:%H:%M}",TO="{night.wake:%H:%M}",'
              f"DRIFT={NIGHT_DRIFT_PX},STEP={NIGHT_STEP_PX},STILL={json.dumps(list(still))},"
              f"SEP={json.dumps(texts.time_separator())};{wall_js(zone)}")
    return (f'<style>{night_css()}</style><div class="sb-hidden" id="sb-night-script" '
            f'data-night-from="{night.dark:%H:%M}" data-night-to="{night.wake:%H:%M}"></div>'
            f"<script>(function(){{{consts}{_NIGHT_JS}}})();</script>")
