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
from statusboard import texts
from statusboard.texts import gettext as _


def header_html(title: str, fresh: Freshness, *, seq: int, updated: datetime | None,
                demo: bool, interval: float, zone: tzinfo, history: str = "off",
                desk: str = "") -> str:
    e = html.escape
    not_real, demo_data = _("Not a real NetServer"), _("DEMO DATA")
    badge = (f'<span class="sb-demo" data-demo="true" title="{e(not_real)}">'
             f"{e(demo_data)}</span>" if demo else "")
    iso = updated.isoformat() if updated is not None else ""
    if updated is not None:
        when = _("Updated {time}").format(time=texts.hms(updated.astimezone(zone)))
    else:
        when = _("No data yet") if fresh.state == "error" else _("Waiting for data…")
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
        lead = _("STALE DATA — last update {time}").format(
            time=texts.hms(fetched_at.astimezone(zone)))
        why = error or _("No poll has completed since.")
    else:
        lead = _("NO DATA")
        # A NetServer's error is said as the data side words it; the board's own words in the
        # wall's language.
        why = error or _("The NetServer has not answered the first request yet. Check that it "
                         "is running and not overloaded.")
    since = (_("Failing since {time}; retrying by itself.").format(
        time=texts.hms(failing_since.astimezone(zone)))
        if failing_since is not None else _("Retrying by itself."))
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
