"""`capture`: one GetStatistics call per panel type, kept as one JSON file a replay can serve.

Each panel keeps the reply as it came (status, Content-Type, body) with every secret the client
knows scrubbed, the tidy rows (`frames.COLUMNS`, NaN as null) and a summary of its data sets
(so that empty and nil ones survive). `anonymise=True` gives person names and free-text labels
stable pseudonyms ("Name 1") in the body, rows and data sets alike; numbers and period labels
stay (a time panel's labels with a digit count as periods), and so do the Status tile's labels
(the product's own words).

    >>> Pseudonyms()("Ann Smith"), Pseudonyms()("Uke 42"), Pseudonyms()("2026-11")
    ('Name 1', 'Uke 42', '2026-11')
"""

from __future__ import annotations

import contextlib
import html
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from lxml import etree

from .errors import ConfigurationError, InvalidReply
from .frames import DataSet, PanelData, to_frame
from .online import utcnow
from .panels import PanelKind, PanelType

if TYPE_CHECKING:
    from .client import StatisticsClient

FORMAT = "service-status-board capture"
VERSION = 1

_MONTHS = ("jan|januar|january|januari|feb|febr|februar|february|februari|mar|mars|march|mart"
           "|apr|april|mai|may|maj|jun|juni|june|jul|juli|july|aug|august|augusti|sep|sept"
           "|september|okt|oct|oktober|october|nov|november|des|dec|desember|december")
_DAYS = ("mon|monday|mandag|måndag|tue|tuesday|tirsdag|tisdag|wed|wednesday|onsdag|thu"
         "|thursday|torsdag|fri|friday|fredag|sat|saturday|lørdag|lördag|sun|sunday|søndag|söndag")
_WEEK = r"(?:week|wk|uke|uge|vecka|v|u)\.?"
#: Labels that name a period or a number: kept as they are by `anonymise`.
_KEPT = re.compile(
    r"[\d\s.,:;%+\-/()]*"  # numbers, dates such as 2026-11-27, 27.11.2026, 11/2026, times
    # 2026-W48, Week 42, Uke 42/2026, v. 42
    rf"|(?:\d{{4}}[-/ ]?)?(?:{_WEEK}\s*|w)\d{{1,2}}(?:[-/ ]\d{{4}})?"
    rf"|(?:\d{{1,2}}\.?\s*)?(?:{_MONTHS})\.?(?:\s*[-/ ]?\s*\d{{2,4}})?"  # Nov 2026, 27. november
    rf"|\d{{4}}\s*(?:{_MONTHS})\.?"
    rf"|(?:{_DAYS})\.?(?:\s+\d{{1,2}}\.?(?:\s*(?:{_MONTHS})\.?)?)?",  # Mon, mandag 24. nov
    re.IGNORECASE,
)


class Pseudonyms:
    """Stable pseudonyms within one file: the same text always gets the same "Name N"."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.recent: set[str] = set()  # texts given a pseudonym since the last body()
        self.replaced: set[str] = set()  # those the last body() replaced

    def __call__(self, text: str | None, *, period: bool = False) -> str | None:
        """A pseudonym for `text`, or `text` when it is a number or a period label; `period`:
        it labels a time panel's point, so any text with a digit is taken for a period."""
        if text is None or not text.strip() or _KEPT.fullmatch(text.strip()):
            return text
        if period and any(c.isdigit() for c in text):
            return text
        self.recent.add(text)
        return self.names.setdefault(text, f"Name {len(self.names) + 1}")

    def body(self, body: str, transport: str) -> str | None:
        """The reply body rebuilt from its parsed document, every text pseudonymised since the
        last call replaced wherever it is a whole element text or attribute value (SOAP) or a
        whole JSON string (REST), however the server spelt it (character references, \\u
        escapes); None when the body cannot be parsed again. `left_in` then checks the rest."""
        recent, self.recent = self.recent, set()
        self.replaced = recent
        mapping = {original: self.names[original] for original in recent}
        try:
            if transport == "rest":
                return _rebuilt_json(body, mapping)
            return _rebuilt_xml(body, mapping)
        except (ValueError, etree.LxmlError):
            return None

    def left_in(self, body: str, transport: str) -> bool:
        """True when any text the last `body()` replaced is still in `body` in some spelling:
        JSON's \\u escapes (as .NET writes them), XML character references, or as it is."""
        readings = [body]
        if transport == "rest":
            try:
                readings.append(json.dumps(json.loads(body), ensure_ascii=False))
            except ValueError:
                readings.append(body)
        else:
            readings.append(html.unescape(body))
        return any(original in text for original in self.replaced for text in readings)


def capture(client: StatisticsClient, panels: Sequence[PanelType], *, anonymise: bool = False,
            clock: Callable[[], datetime] = utcnow) -> dict[str, Any]:
    """The capture document: one GetStatistics call per panel, in `panels` order."""
    transport = client.settings.transport
    names = Pseudonyms() if anonymise else None
    entries = []
    for panel in panels:
        data = client.fetch([panel])
        cut = client.notes  # data sets past SUPEROFFICE_MAX_VALUES: the rows hold the first
        reply = client.last_reply()
        if reply is None:  # pragma: no cover - a fetch that returned made a call
            raise InvalidReply("The GetStatistics reply was not kept; report this as a bug.")
        text = reply.body.decode("utf-8", "replace")
        body: str | None = text
        dropped = None
        if names is not None:
            data = tuple(_anonymised(item, names) for item in data)
            body = names.body(text, transport)
            if body is None:
                dropped = ("the reply could not be read again to rebuild it with pseudonyms, so "
                           "it is left out; the rows are anonymised and replay rebuilds the "
                           "reply from them")
            elif names.left_in(body, transport):
                # A name outside the texts the client reads (or inside a longer one): better
                # no body than a real name in a file marked anonymised.
                body, dropped = None, ("the reply holds a name where the anonymiser cannot "
                                       "replace it, so it is left out; the rows are anonymised "
                                       "and replay rebuilds the reply from them")
            else:
                body = client.scrub(body)  # the rebuilt spelling of a secret, too
        entries.append({
            "panel": panel.wire_name,
            "transport": transport,
            "time": _iso(clock()),
            "http_status": reply.status,
            "content_type": reply.content_type,
            "body": body,
            "rows": [_scrubbed(row, client) for row in json_records(to_frame(data))],
            **({"body_dropped": dropped} if dropped else {}),
            **({"values_cut": list(cut)} if cut else {}),
            "datasets": [_summary(ds, client) for item in data for ds in item.datasets],
        })
    return {"format": FORMAT, "version": VERSION, "captured_at": _iso(clock()),
            "transport": transport, "anonymised": anonymise, "panels": entries}


def check_writable(path: Path) -> None:
    """ConfigurationError (one sentence naming --out) when `path` cannot be written."""
    parent = path.parent
    if path.is_dir():
        raise ConfigurationError(f"--out {path} is a directory; name a file to write.")
    if not parent.is_dir():
        raise ConfigurationError(f"--out {path}: the folder {parent} does not exist; "
                                 "create it or name another file.")
    if not os.access(parent, os.W_OK):
        raise ConfigurationError(f"--out {path}: the folder {parent} is not writable; "
                                 "name another file.")


def write_capture(doc: dict[str, Any], path: Path) -> None:
    """Write `doc` as JSON to `path` atomically (a temporary file, then a rename)."""
    check_writable(path)
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    tmp_name = ""
    try:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                         prefix=f".{path.name}.", suffix=".tmp") as tmp:
            tmp_name = tmp.name
            tmp.write(text)
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
        raise ConfigurationError(f"Cannot write the capture to {path} "
                                 f"({exc.strerror or type(exc).__name__}); check --out.") from exc


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The tidy frame's rows as JSON-ready records: nil and NaN become None."""
    return [{col: _json_value(row[col]) for col in frame.columns}
            for row in frame.to_dict(orient="records")]


# -- helpers -------------------------------------------------------------------------------------
def _xml_parser() -> etree.XMLParser:
    """Strict and inert: no DTD, no entities, no network (the reply was read once already)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def _swapped(text: str | None, mapping: dict[str, str]) -> str | None:
    if text is None:
        return None
    if text in mapping:
        return mapping[text]
    inner = text.strip()
    return text.replace(inner, mapping[inner]) if inner and inner in mapping else text


def _rebuilt_xml(body: str, mapping: dict[str, str]) -> str:
    if re.search(r"<!(DOCTYPE|ENTITY)", body, re.IGNORECASE):
        raise ValueError("a SOAP reply declares no DTD")
    root = etree.fromstring(body.encode("utf-8"), _xml_parser())
    for el in root.iter():
        el.text = _swapped(el.text, mapping)
        el.tail = _swapped(el.tail, mapping)
        for key, value in el.attrib.items():
            el.attrib[key] = _swapped(value, mapping) or value
    text = str(etree.tostring(root, encoding="unicode"))
    declared = body.lstrip().startswith("<?xml")
    return ('<?xml version="1.0" encoding="utf-8"?>' + text) if declared else text


def _rebuilt_json(body: str, mapping: dict[str, str]) -> str:
    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return _swapped(node, mapping)
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        return node

    return json.dumps(walk(json.loads(body)), ensure_ascii=False)


def _anonymised(item: PanelData, names: Pseudonyms) -> PanelData:
    # The Status tile's labels are the product's own words (a number panel's may be the user's
    # name); a time panel's are periods, unless it groups by handler (then they are names).
    fixed = item.panel.kind is PanelKind.COUNTS
    period = item.panel.kind is PanelKind.TIMELINE
    return PanelData(item.panel, tuple(
        DataSet(names(ds.label), names(ds.description), tuple(
            replace(v, label=v.label if fixed else names(v.label, period=period),
                    description=names(v.description))
            for v in ds.values))
        for ds in item.datasets))


def _summary(ds: DataSet, client: StatisticsClient) -> dict[str, Any] | None:
    if ds.label is None and ds.description is None and not ds.values:
        return None  # a nil data set (or one with nothing in it at all)
    return {"label": _scrub(ds.label, client), "description": _scrub(ds.description, client),
            "values": len(ds.values)}


def _scrubbed(row: dict[str, Any], client: StatisticsClient) -> dict[str, Any]:
    return {k: _scrub(v, client) if isinstance(v, str) else v for k, v in row.items()}


def _scrub(text: str | None, client: StatisticsClient) -> str | None:
    return None if text is None else client.scrub(text)


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")
