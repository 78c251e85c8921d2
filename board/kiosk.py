"""Kiosk behaviour as pure functions: screen rotation and the scheduled reload.

    >>> parse_rotate("20", default=0)
    (20, None)
    >>> next_screen(("status", "workload", "trends"), "trends")
    'status'
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import time

MIN_ROTATE_S = 5


def parse_rotate(raw: str | None, *, default: int) -> tuple[int, str | None]:
    """Seconds per screen from `?rotate=`; 0 = no rotation; a bad value turns rotation off."""
    if raw is None:
        return default, None
    text = raw.strip()
    if text in ("", "0", "off"):
        return 0, None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < MIN_ROTATE_S or value != value or value == float("inf"):
        return 0, (f'?rotate={raw} must be a number of seconds of at least {MIN_ROTATE_S}; '
                   "rotation is off.")
    return int(value), None


def next_screen(ids: Sequence[str], current: str) -> str | None:
    """The screen after `current`, wrapping round; None when `current` is not in the rotation."""
    if current not in ids or len(ids) < 2:
        return None
    return ids[(list(ids).index(current) + 1) % len(ids)]


def reload_script(at: time) -> str:
    """HTML whose script reloads the page at the next `at` (browser local time), once per page
    life. `location.reload()` keeps the URL, so the screen and its query parameters come back."""
    target = json.dumps([at.hour, at.minute])
    return (
        f'<div class="sb-hidden" id="sb-reload" data-reload-at="{at:%H:%M}"></div>'
        "<script>(function(){"
        "if (window.__sbReload) return;"
        f"var hm={target};var now=new Date();var next=new Date(now.getTime());"
        "next.setHours(hm[0],hm[1],0,0);"
        "if (next<=now) next.setDate(next.getDate()+1);"
        "window.__sbReload=setTimeout(function(){window.location.reload();},next-now);"
        "})();</script>"
    )
