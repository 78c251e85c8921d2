"""Reading what a Streamlit AppTest run drew: the page's HTML hooks (tags, #freshness, tiles,
text) and the charts' Vega-Lite specs with their data."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df


def charts(at: Any) -> dict[str, dict[str, Any]]:
    """Panel wire name → the chart's Vega-Lite spec with its data put back in (Streamlit moves
    the data out of the spec into Arrow tables)."""
    out = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        spec["datasets"] = {
            ds.name: convert_arrow_bytes_to_pandas_df(ds.data.data).to_dict("records")
            for ds in element.proto.datasets}
        out[spec["usermeta"]["panel"]] = spec
    return out


def records(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every data row of a chart (its named datasets; layers share them)."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


class TagParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str], list[str]]] = []
        self._open: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}, []))
        self._open.append(len(self.found) - 1)

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for i in self._open:
            self.found[i][2].append(data)


def tags(at: Any) -> list[tuple[str, dict[str, str], str]]:
    out = []
    for element in at.get("html"):
        parser = TagParser()
        parser.feed(element.proto.body)
        out += [(tag, attrs, "".join(text)) for tag, attrs, text in parser.found]
    return out


def freshness(at: Any) -> dict[str, str]:
    (marker,) = [attrs for _, attrs, _ in tags(at) if attrs.get("id") == "freshness"]
    return marker


def tiles(at: Any) -> dict[str, dict[str, str]]:
    """data-tile → the tile's attributes plus its label and value text."""
    out: dict[str, dict[str, str]] = {}
    found = tags(at)
    for n, (_, attrs, _) in enumerate(found):
        if "sb-tile" in attrs.get("class", "").split():
            # The label, then (beside a sparkline, when there is history) the value.
            parts = {a.get("class"): text for _, a, text in found[n + 1:n + 6]}
            out[attrs["data-tile"]] = {**attrs, "label": parts["sb-tile-label"],
                                       "value": parts["sb-tile-value"]}
    return out


def notices(at: Any, kind: str = "problem") -> str:
    """The text of the board's own sentences of `kind` (board.header.notice_html): "problem"
    (wrong settings, a bad address), "fatal" (nothing is polled) or "info"; "" when none. The
    text as the wall shows it: a quoted `<img>` is the text "<img", not a tag."""
    found = [text for _, attrs, text in tags(at) if attrs.get("data-notice") == kind]
    return "\n".join(found)


def text_of(at: Any) -> str:
    """The page's HTML without the stylesheet."""
    return "\n".join(e.proto.body for e in at.get("html") if not e.proto.body.startswith("<style"))


def no_exceptions(at: Any) -> None:
    assert not at.exception, [e.value for e in at.exception]
