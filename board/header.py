"""The header line and the stale banner as HTML, from a Snapshot's freshness. Pure.

The header carries the one `#freshness` element monitoring and browser tests read:
`data-state` (fresh|stale|error|demo as the server sent it; the page's own script, board.kiosk,
then keeps it up to date on the browser's clock and adds `offline`), `data-server-state` (what
the server said, never changed by the page), `data-seq`, `data-updated` (ISO 8601, "" before
data), `data-interval` (seconds between polls) and `data-history` (the history store: ok,
unavailable or off). The server's text says when ("Updated 14:03:22", in the board's time
zone, board.zone); the page adds how
long ago (", 12 s ago") every second in `.sb-ago`. Nothing in it changes between two redraws
of the same snapshot, so an unchanged header is sent as a reference.

    >>> from datetime import UTC
    >>> from stats_client.freshness import Freshness
    >>> 'data-state="demo"' in header_html("Status", Freshness("demo", 3, "Updated", None),
    ...                                   seq=1, updated=None, demo=True, interval=30, zone=UTC)
    True
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, tzinfo

from stats_client.freshness import Freshness


def header_html(title: str, fresh: Freshness, *, seq: int, updated: datetime | None,
                demo: bool, interval: float, zone: tzinfo, history: str = "off",
                desk: str = "") -> str:
    e = html.escape
    badge = ('<span class="sb-demo" data-demo="true" title="Not a real NetServer">DEMO DATA</span>'
             if demo else "")
    iso = updated.isoformat() if updated is not None else ""
    when = f"Updated {updated.astimezone(zone):%H:%M:%S}" if updated is not None else fresh.headline
    return (
        f'<div class="sb-header"><span class="sb-title">{e(title)}</span>{badge}'
        '<span class="sb-spacer"></span>'
        f'<div id="freshness" data-state="{fresh.state}" data-server-state="{fresh.state}" '
        f'data-seq="{seq}" data-updated="{iso}" data-interval="{interval:g}" '
        f'data-history="{e(history)}" data-desk="{e(desk)}">'
        f'<span class="sb-dot"></span><span class="sb-age">{e(when)}<span class="sb-ago"></span>'
        "</span></div></div>"
    )


def banner_html(fresh: Freshness, *, fetched_at: datetime | None, error: str | None,
                failing_since: datetime | None, zone: tzinfo) -> str:
    """The across-the-room banner when data is stale or never came; "" when all is well."""
    if fresh.problem is None:
        return ""
    e = html.escape
    if fresh.state == "stale" and fetched_at is not None:
        lead = f"STALE DATA — last update {fetched_at.astimezone(zone):%H:%M:%S}"
        why = error or "No poll has completed since."
    else:
        lead = "NO DATA"
        why = fresh.problem
    since = (f"Failing since {failing_since.astimezone(zone):%H:%M:%S}; retrying by itself."
             if failing_since is not None else "Retrying by itself.")
    return (f'<div class="sb-banner" role="alert" data-banner="{fresh.state}">{e(lead)}'
            f'<span class="sb-why">{e(why)}</span><small>{e(since)}</small></div>')


def notice_html(sentences: Sequence[str], *, kind: str = "problem") -> str:
    """Sentences for the wall (wrong settings, why nothing is polled, a screen without
    panels) as plain text in a box: `kind` is "problem", "fatal" or "info".

    They quote what came from outside (a key or value of statusboard.toml, the address, a
    NetServer's error text), so they are never Markdown or HTML: each is escaped here, the one
    place they are written (Streamlit's st.warning would read `![x](http://…)` as an image).

        >>> notice_html(["![x](http://elsewhere/p.gif) <img src=x>"])[-56:]
        '![x](http://elsewhere/p.gif) &lt;img src=x&gt;</p></div>'
    """
    e = html.escape
    mark = {"problem": "⚠ ", "fatal": "", "info": ""}[kind]
    body = "".join(f'<p class="sb-notice-text">{e(mark + s)}</p>' for s in sentences)
    role = ' role="alert"' if kind != "info" else ""
    return (f'<div class="sb-notice sb-{kind}"{role} data-notice="{kind}" '
            f'data-count="{len(sentences)}">{body}</div>')
