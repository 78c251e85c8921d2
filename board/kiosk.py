"""Kiosk behaviour as pure functions: screen rotation and the scheduled reload.

    >>> parse_rotate("20", default=0)
    (20, None)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import time

from stats_client import coerce
from stats_client.errors import ConfigurationError

from .geometry import SCREEN_H, SCREEN_W

MIN_ROTATE_S = 5


def parse_rotate(raw: str | None, *, default: int) -> tuple[int, str | None]:
    """Seconds per screen from `?rotate=`; 0 = no rotation; a bad value turns rotation off."""
    if raw is None:
        return default, None
    if raw.strip() in ("", "0", "off"):
        return 0, None
    try:
        return int(coerce.seconds("?rotate", raw, minimum=MIN_ROTATE_S)), None
    except ConfigurationError as exc:
        return 0, f"{exc} Rotation is off."


#: The canvas every screen is designed for; other viewports get it scaled to fit.
CANVAS = (SCREEN_W, SCREEN_H)


def kiosk_script(reload_at: time | None, *, rotate_s: int = 0,
                 rotation: Sequence[str] = (), still: Sequence[str] = ("connection",)) -> str:
    """HTML whose script (run once per page life) scales the 1920×1080 canvas to the viewport
    and, when `reload_at` is set, reloads the page at the next such time (browser local time).
    `location.reload()` keeps the URL, so the screen and its query parameters come back.

    With `rotate_s`, the browser goes on to the next of the `rotation` URL paths ("" is the
    first screen) after that many seconds, keeping the query. A real navigation, not a
    Streamlit page switch: a switch raced the panels' fragments ("Bad delta path index" in the
    browser, which then dropped its connection), and each new page life also starts the
    browser's memory afresh.

    The script never writes "<" before a letter or digit: Streamlit's sanitizer (DOMPurify)
    drops a script whose text looks like markup."""
    width, height = CANVAS
    attr = f' data-reload-at="{reload_at:%H:%M}"' if reload_at is not None else ""
    reload_js = ""
    if reload_at is not None:
        target = json.dumps([reload_at.hour, reload_at.minute])
        reload_js = (
            f"var hm={target};var now=new Date();var next=new Date(now.getTime());"
            "next.setHours(hm[0],hm[1],0,0);"
            "if (now >= next) next.setDate(next.getDate()+1);"
            "window.__sbReload=setTimeout(function(){window.location.reload();},next-now);"
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
