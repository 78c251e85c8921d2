"""The header line and the stale banner as HTML, from a Snapshot's freshness. Pure.

The header carries the one `#freshness` element monitoring and browser tests read:
`data-state` (fresh|stale|error|demo), `data-seq` and `data-updated` (ISO 8601, "" before data).

    >>> from stats_client.freshness import Freshness
    >>> 'data-state="demo"' in header_html("Status", Freshness("demo", 3, "Updated", None),
    ...                                   seq=1, updated=None, demo=True)
    True
"""

from __future__ import annotations

import html
from datetime import datetime

from stats_client.freshness import Freshness


def header_html(title: str, fresh: Freshness, *, seq: int, updated: datetime | None,
                demo: bool) -> str:
    e = html.escape
    badge = ('<span class="sb-demo" data-demo="true" title="Not a real NetServer">DEMO DATA</span>'
             if demo else "")
    iso = updated.isoformat() if updated is not None else ""
    return (
        f'<div class="sb-header"><span class="sb-title">{e(title)}</span>{badge}'
        '<span class="sb-spacer"></span>'
        f'<div id="freshness" data-state="{fresh.state}" data-seq="{seq}" data-updated="{iso}">'
        f'<span class="sb-dot"></span><span class="sb-age">{e(fresh.headline)}</span></div></div>'
    )


def banner_html(fresh: Freshness, *, fetched_at: datetime | None, error: str | None,
                failing_since: datetime | None) -> str:
    """The across-the-room banner when data is stale or never came; "" when all is well."""
    if fresh.problem is None:
        return ""
    e = html.escape
    if fresh.state == "stale" and fetched_at is not None:
        lead = f"STALE DATA — last update {fetched_at.astimezone():%H:%M:%S}"
        why = error or "No poll has completed since."
    else:
        lead = "NO DATA"
        why = fresh.problem
    since = (f"Failing since {failing_since.astimezone():%H:%M:%S}; retrying by itself."
             if failing_since is not None else "Retrying by itself.")
    return (f'<div class="sb-banner" role="alert" data-banner="{fresh.state}">{e(lead)}'
            f'<span class="sb-why">{e(why)}</span><small>{e(since)}</small></div>')
