"""The Desks screen's content, pure: one row per desk with its label, its headline counts
(open, unassigned, unread, each at its threshold level) and its own freshness.

    >>> row = desk_row("North", pd.DataFrame(), thresholds={}, state="error",
    ...                words="Cannot reach the NetServer.")
    >>> [c.text for c in row.counts], row.state
    (['n/a', 'n/a', 'n/a'], 'error')
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from statusboard import config
from statusboard.rules import Threshold

from .tiles import Tile, status_tiles

#: The built-in screen's id and address (/desks), shown when more than one desk is configured.
DESKS_ID = config.DESKS_ID
#: The counts of the Status tile a row shows, as SuperOffice labels them.
HEADLINE = ("Open", "Unassigned", "Unread")
#: Rows that fit 1920×1080 at the board's type sizes; the rest are counted below them.
MAX_ROWS = 8
#: A failing desk's row says what kind of failure in a few words (the whole sentence is on its
#: own screens and the Connection screen): stats_client.errors' kinds.
KIND_WORDS = {"connection": "NetServer unreachable", "authentication": "login refused",
              "service": "NetServer error", "invalid-reply": "invalid reply from the NetServer",
              "configuration": "settings wrong", "internal": "internal error"}


@dataclass(frozen=True, slots=True)
class DeskRow:
    label: str
    counts: tuple[Tile, ...]  # HEADLINE's, in order ("n/a" when missing)
    state: str  # fresh | stale | error | demo (stats_client.freshness)
    words: str  # "Updated 14:03", "STALE — data from 13:58", or the error sentence


def desk_row(label: str, status: pd.DataFrame, *, thresholds: Mapping[str, Threshold],
             state: str, words: str) -> DeskRow:
    """A desk's row from its StatusScreen rows (the tidy frame's), with its thresholds."""
    tiles = {t.label: t for t in status_tiles(status, thresholds=thresholds)}
    counts = tuple(tiles.get(name) or status_tiles(pd.DataFrame(), expected=(name,))[0]
                   for name in HEADLINE)
    return DeskRow(label, counts, state, words)


def desks_html(rows: Sequence[DeskRow]) -> str:
    """The table: at most MAX_ROWS rows, then how many more desks there are."""
    e = html.escape
    head = "".join(f"<th>{e(name)}</th>" for name in HEADLINE)
    body = []
    for row in rows[:MAX_ROWS]:
        cells = "".join(
            f'<td class="sb-desk-count" data-level="{t.level}" '
            f'data-na="{str(t.value is None).lower()}">{e(t.text)}</td>' for t in row.counts)
        body.append(f'<tr data-desk-row="{e(row.label)}" data-state="{row.state}">'
                    f'<th class="sb-desk-label">{e(row.label)}</th>{cells}'
                    f'<td class="sb-desk-fresh">{e(row.words)}</td></tr>')
    more = len(rows) - MAX_ROWS
    tail = (f'<div class="sb-desks-more" data-more="{more}">and {more} more '
            f'desk{"s" if more != 1 else ""} (see ?desk= on each screen)</div>') if more > 0 else ""
    return (f'<table class="sb-desks" data-desks="{len(rows)}"><tr><th>Desk</th>{head}'
            f'<th>Data</th></tr>{"".join(body)}</table>{tail}')
