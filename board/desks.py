"""The Desks screen's content, pure: one row per desk with its label, its headline counts
(open, unassigned, unread, each at its threshold level, with its change from history), its
response time and its own freshness.

    >>> row = desk_row("North", pd.DataFrame(), thresholds={}, state="error",
    ...                words="Cannot reach the NetServer.")
    >>> [c.text for c in row.counts], response_text(row.response), row.state
    (['n/a', 'n/a', 'n/a'], 'n/a', 'error')
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from stats_client.timeline import Response, response_time
from statusboard import config, texts
from statusboard.rules import Threshold
from statusboard.texts import N_, na, ngettext
from statusboard.texts import gettext as _

from .tiles import Tile, Trend, status_tiles

#: The built-in screen's id and address (/desks), shown when more than one desk is configured.
DESKS_ID = config.DESKS_ID
#: The counts of the Status tile a row shows, as SuperOffice labels them.
HEADLINE = ("Open", "Unassigned", "Unread")
#: Rows that fit 1920×1080 at the board's type sizes; the rest are counted below them.
MAX_ROWS = 8
#: A failing desk's row says what kind of failure in a few words (the whole sentence is on its
#: own screens and the Connection screen): stats_client.errors' kinds.
KIND_WORDS = {"connection": N_("NetServer unreachable"), "authentication": N_("login refused"),
              "service": N_("NetServer error"),
              "invalid-reply": N_("invalid reply from the NetServer"),
              "configuration": N_("settings wrong"), "internal": N_("internal error")}
#: The column heads of HEADLINE's counts, as the board writes them.
HEADLINE_WORDS = {"Open": N_("Open"), "Unassigned": N_("Unassigned"), "Unread": N_("Unread")}


def response_text(response: Response) -> str:
    """A response time as a row shows it: one decimal, "n/a" when there is none."""
    return na() if response.value is None else texts.number(response.value, 1)


def short_period(label: str) -> str:
    """A period as a row has room for: "2026-W49" → "W49"; other labels as sent.

        >>> short_period("2026-W49"), short_period("Uke 49")
        ('W49', 'Uke 49')
    """
    found = re.fullmatch(r"\d{4}-(W\d{1,2})", label.strip())
    return found.group(1) if found else label


@dataclass(frozen=True, slots=True)
class DeskRow:
    label: str
    counts: tuple[Tile, ...]  # HEADLINE's, in order ("n/a" when missing)
    state: str  # fresh | stale | error | demo (stats_client.freshness)
    words: str  # "Updated 14:03", "STALE — data from 13:58", or the error sentence
    response: Response = field(default_factory=lambda: Response(None))
    changes: tuple[Trend | None, ...] = ()  # each count's change, when history has one


def desk_row(label: str, status: pd.DataFrame, *, thresholds: Mapping[str, Threshold],
             state: str, words: str, response: pd.DataFrame | None = None,
             trends: Mapping[str, Trend] | None = None) -> DeskRow:
    """A desk's row from its StatusScreen rows (the tidy frame's), with its thresholds, its
    response-time rows and its counts' trends (by tile key)."""
    tiles = {t.label: t for t in status_tiles(status, thresholds=thresholds)}
    counts = tuple(tiles.get(name) or status_tiles(pd.DataFrame(), expected=(name,))[0]
                   for name in HEADLINE)
    changes = tuple((trends or {}).get(t.key) for t in counts)
    made = response_time(response)
    return DeskRow(label, counts, state, words, made, changes)


def _count_cell(tile: Tile, change: Trend | None) -> str:
    e = html.escape
    delta = ""
    if change is not None and change.delta is not None:
        delta = (f'<span class="sb-desk-delta" data-direction="{change.direction}">'
                 f"{e(change.delta_text)}</span>")
    cue = f'<span class="sb-desk-cue">{e(change.level_for)}</span>' \
        if change is not None and change.level_for else ""
    return (f'<td class="sb-desk-count" data-level="{tile.level}" '
            f'data-na="{str(tile.value is None).lower()}">{e(tile.text)}{delta}{cue}</td>')


def desks_html(rows: Sequence[DeskRow], *, compare: str = "") -> str:
    """The table: at most MAX_ROWS rows, then how many more desks there are; `compare` (the
    changes' base in words, "in 1 h") under it when a row shows a change."""
    e = html.escape
    head = "".join(f"<th>{e(_(HEADLINE_WORDS[name]))}</th>" for name in HEADLINE)
    body = []
    for row in rows[:MAX_ROWS]:
        cells = "".join(_count_cell(t, c) for t, c in
                        zip(row.counts, row.changes or (None,) * len(row.counts), strict=True))
        period = f'<span class="sb-desk-period">{e(short_period(row.response.period))}</span>' \
            if row.response.period and row.response.value is not None else ""
        cells += (f'<td class="sb-desk-count sb-desk-response" data-response="{row.response.over}"'
                  f' data-na="{str(row.response.value is None).lower()}">'
                  f"{e(response_text(row.response))}{period}</td>")
        body.append(f'<tr data-desk-row="{e(row.label)}" data-state="{row.state}">'
                    f'<th class="sb-desk-label">{e(row.label)}</th>{cells}'
                    f'<td class="sb-desk-fresh">{e(row.words)}</td></tr>')
    # One line under the table, so that eight rows and it fit 1080 pixels.
    more = len(rows) - MAX_ROWS
    parts = []
    if more > 0:
        words = ngettext("and {count} more desk (see ?desk= on each screen)",
                         "and {count} more desks (see ?desk= on each screen)", more)
        parts.append(f'<span class="sb-desks-more" data-more="{more}">'
                     f"{e(words.format(count=more))}</span>")
    if compare and any(c is not None and c.delta is not None for r in rows for c in r.changes):
        parts.append(e(_("▲▼ change {compare}").format(compare=compare)))
    if any(r.response.over > 1 for r in rows):
        parts.append(e(_("response time: the latest period, the handlers' values averaged")))
    note = f'<div class="sb-desks-note">{" · ".join(parts)}</div>' if parts else ""
    desk, response, data = _("Desk"), _("Response time"), _("Data")
    return (f'<table class="sb-desks" data-desks="{len(rows)}"><tr><th>{e(desk)}</th>'
            f'{head}<th>{e(response)}</th><th>{e(data)}</th></tr>'
            f'{"".join(body)}</table>{note}')
