"""Public-safe screens, pure: a panel's rows as a screen may show them (statusboard.config's
`hotlist` and `handlers`), before any chart or tile is made from them, so that no request title
and no person's name reaches the page — not even in a tooltip.

- `hotlist = "counts"`: the Hotlist is one number, how many hot requests there are.
- `handlers = "initials"`: every handler's name becomes initials ("Åse Øvrebø" → "ÅØ"; a second
  "ÅØ" becomes "ÅØ 2"); `handlers = "hidden"`: one figure for all handlers (open requests
  summed, response times averaged per period).
- Either way, descriptions that may name a person or a request are left out.

    >>> initials(["Åse Øvrebø", "José Núñez", "Ingrid Berg", "Ivar Bø", "cher"])
    ['ÅØ', 'JN', 'IB', 'IB 2', 'C']
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from stats_client.panels import PanelType
from stats_client.timeline import RESPONSE_TIME, is_per_handler
from statusboard.config import Privacy

#: Panels whose labels (or series) are handlers.
_PER_HANDLER = frozenset({PanelType.OpenRequestsPerUser, *RESPONSE_TIME})
#: Panels whose descriptions may name a handler or a request.
_NAMING = frozenset({*_PER_HANDLER, PanelType.OwnOpenRequests, PanelType.Hotlist})
ALL_HANDLERS = "All handlers"
HOT_REQUESTS = "Hot requests"


def initials(names: Sequence[str]) -> list[str]:
    """Each name's initials (first letters of its first and last word), made unique in order."""
    out: list[str] = []
    for name in names:
        words = str(name).split()
        short = "".join(w[0] for w in (words[:1] + words[1:][-1:])).upper() or "?"
        n, made = 1, short
        while made in out:
            n += 1
            made = f"{short} {n}"
        out.append(made)
    return out


def shown_rows(rows: pd.DataFrame, panel: PanelType, privacy: Privacy) -> pd.DataFrame:
    """`rows` (one panel's, the tidy frame's) as a screen with `privacy` may show them."""
    if rows.empty or not privacy.public or panel not in _NAMING:
        return rows
    rows = rows.copy()
    if panel is PanelType.Hotlist:
        if privacy.hotlist == "counts":
            return _one(rows, HOT_REQUESTS, float(len(rows)))
        if privacy.handlers != "names":
            rows["description"] = pd.NA  # "Critical · Support · Åse Øvrebø"
        return rows
    if privacy.handlers == "names":
        return rows
    rows["description"] = pd.NA
    if panel is PanelType.OwnOpenRequests and len(rows) == 1:
        # One number, a tile titled by the panel: its label (the user, not drawn) stays, as
        # the history keys the tile's changes by it.
        return rows
    if privacy.handlers == "hidden":
        return _all_handlers(rows, panel)
    if panel in RESPONSE_TIME and not is_per_handler(rows):
        # A series per handler: the data sets' labels are the names.
        labels = list(dict.fromkeys(rows["dataset_label"].astype(str)))
        rows["dataset_label"] = rows["dataset_label"].astype(str).map(
            dict(zip(labels, initials(labels), strict=True)))
    else:
        labels = list(dict.fromkeys(rows["label"].astype(str)))
        rows["label"] = rows["label"].astype(str).map(
            dict(zip(labels, initials(labels), strict=True)))
    return rows


def _one(rows: pd.DataFrame, label: str, value: float) -> pd.DataFrame:
    first = rows.iloc[[0]].copy()
    first["label"], first["value"], first["description"] = label, value, pd.NA
    first["position"] = 0
    return first.reset_index(drop=True)


def _all_handlers(rows: pd.DataFrame, panel: PanelType) -> pd.DataFrame:
    if panel in (PanelType.OpenRequestsPerUser, PanelType.OwnOpenRequests):
        return _one(rows, ALL_HANDLERS, float(rows["value"].sum(min_count=1)))
    if is_per_handler(rows):  # one value per handler: their average
        return _one(rows, ALL_HANDLERS, float(rows["value"].mean()))
    # A series per handler: one series, each period the handlers' average.
    first = rows[rows["dataset"] == rows["dataset"].min()].copy()
    means = rows.groupby("label", sort=False)["value"].mean()
    first["value"] = first["label"].map(means).astype("float64")
    first["dataset_label"] = ALL_HANDLERS
    return first.reset_index(drop=True)
