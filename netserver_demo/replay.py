"""Replay a capture file: a real desk's GetStatistics replies, served again by the demo server.

    >>> capture = load_capture("desk.json")           # doctest: +SKIP
    >>> srv = DemoNetServer(replay=capture).start()   # doctest: +SKIP

`simulate --replay desk.json` does the same from a terminal. The server then checks nothing but
the shape of each request: any or no ticket, application token, password or access token is
accepted, and a SoPrincipal login always succeeds with a fresh dummy ticket. Faults still apply.

How a GetStatistics request is answered, over SOAP and REST alike:
  - exactly one panel, asked for over the transport it was captured with: the captured body,
    byte for byte, with its HTTP status and content type;
  - otherwise the captured data sets, rebuilt from `rows` (and `datasets`, when given), written by
    the demo's own SOAP or REST writer in the order of the requested functions; a panel the
    capture does not hold answers with no data set at all.

The file (JSON, UTF-8), version 1; every key below is required unless marked optional, keys not
named here are ignored:

    {"format": "service-status-board capture",   exactly this
     "version": 1,                                exactly 1
     "captured_at": "2026-12-02T09:30:00+00:00",  ISO 8601
     "transport": "soap",                         "soap" or "rest"
     "anonymised": false,                         true or false
     "panels": [                                  at least one, each panel type at most once
       {"panel": "StatusScreen",                  a StatusScreenPanelType wire name (or "None")
        "transport": "soap",                      how this reply came: "soap" or "rest"
        "time": "2026-12-02T09:30:00+00:00",      ISO 8601
        "http_status": 200,                       100 to 599
        "content_type": "text/xml; charset=utf-8",
        "body": "<s:Envelope …",                  the reply as text: SOAP XML or REST JSON
        "rows": [                                 the frame's rows, columns as stats_client.COLUMNS
          {"panel": "StatusScreen",               the panel's own wire name
           "dataset": 0, "position": 0,           integers from 0; positions 0…n-1 once each
           "dataset_label": "Status", "dataset_description": null,   text or null, the same in
                                                  every row of one data set
           "label": "Open", "value": 12.0,        value: a number, or null for NaN
           "description": null}],                 text or null
        "datasets": [                             optional: every data set, also those with no rows
          {"label": "Status", "description": null, "values": 7}]}]}

Without `datasets`, a panel answers with data sets 0 … the highest `dataset` in its rows, and a
data set with no rows (it had no values) is rebuilt with a nil label and description: a trailing
empty data set cannot be seen, so a capture writer should give `datasets`. With it, each entry's
`values` must be the number of rows of that data set and its label and description those rows'.

Anything else gets `ReplayError`, one sentence naming the file and what is wrong.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, cast

from stats_client import DataSet, DataValue, PanelType

from .source import TRANSPORTS, Transport
from .state import RawReply

FORMAT = "service-status-board capture"
VERSION = 1


class ReplayError(Exception):
    """A capture file that cannot be replayed; `str()` is one sentence naming the file."""


@dataclass(frozen=True)
class CapturedPanel:
    """One panel's captured reply: how it came, its body, and its data sets."""

    panel: PanelType
    transport: Transport
    time: datetime
    http_status: int
    content_type: str
    body: bytes | None = field(repr=False)  # UTF-8, as served; None: left out (anonymised)
    datasets: tuple[DataSet, ...] = field(repr=False)


class Capture:
    """A loaded capture: a `DataSource` that serves the captured replies (see the module)."""

    def __init__(
        self,
        name: str,
        captured_at: datetime,
        transport: Transport,
        anonymised: bool,
        panels: Sequence[CapturedPanel],
    ) -> None:
        self.name = name
        self.captured_at = captured_at
        self.transport = transport
        self.anonymised = anonymised
        self.panels: Mapping[PanelType, CapturedPanel] = {p.panel: p for p in panels}

    def __repr__(self) -> str:
        return f"Capture(name={self.name!r}, panels={len(self.panels)})"

    def describe(self) -> str:
        """One line for a terminal: what the capture holds."""
        anonymised = ", anonymised" if self.anonymised else ""
        return (
            f"{self.name}: {len(self.panels)} panels captured over {self.transport} "
            f"at {self.captured_at.isoformat()}{anonymised}"
        )

    def datasets(self, panel: PanelType, now: datetime) -> tuple[DataSet, ...]:
        """The captured data sets of `panel`; none when the capture does not hold it."""
        captured = self.panels.get(panel)
        return captured.datasets if captured is not None else ()

    def recorded(self, transport: Transport, panels: Sequence[PanelType]) -> RawReply | None:
        """The captured reply when exactly one panel is asked for over its own transport."""
        if len(panels) != 1:
            return None
        captured = self.panels.get(panels[0])
        if captured is None or captured.transport != transport or captured.body is None:
            return None  # rebuilt from the rows
        return captured.body, captured.http_status, captured.content_type


def load_capture(path: str | os.PathLike[str]) -> Capture:
    """Read and check a capture file; ReplayError says in one sentence what is wrong."""
    name = os.fspath(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReplayError(
            f"Cannot read the capture file {name}: {exc.strerror or type(exc).__name__}."
        ) from None
    return parse_capture(data, name)


def parse_capture(data: bytes, name: str = "<capture>") -> Capture:
    """A capture from the file's bytes; `name` is used in the error."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ReplayError(f"The capture file {name} is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise ReplayError(
            f"The capture file {name} is not complete JSON (truncated or damaged?): "
            # json's own message may end in "starting at"; say where plainly after a colon.
            f"{exc.msg.removesuffix(' at')} (line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise ReplayError(f"The capture file {name} is nested too deeply to be JSON.") from None
    return _Reader(name).capture(doc)


# -- checking --------------------------------------------------------------------------------

_MISSING = object()


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 40 else f"{text[:37]}…"


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_index(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_status(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599


def _is_number_or_null(v: object) -> bool:
    return v is None or (isinstance(v, int | float) and not isinstance(v, bool))


def _is_text_or_null(v: object) -> bool:
    return v is None or isinstance(v, str)


def _is_time(v: object) -> bool:
    if not isinstance(v, str):
        return False
    try:
        datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, problem: str) -> NoReturn:
        raise ReplayError(f"The capture file {self.name} cannot be replayed: {problem}.")

    def get(self, obj: Mapping[str, Any], key: str, where: str,
            ok: Callable[[object], bool], expected: str) -> Any:
        path = f"{where}.{key}" if where else key
        value = obj.get(key, _MISSING)
        if value is _MISSING:
            self.fail(f"{path} is missing")
        if not ok(value):
            self.fail(f"{path} is {_show(value)}, expected {expected}")
        return value

    def obj(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            self.fail(f"{where or 'the file'} is {_show(value)}, expected a JSON object")
        return cast(Mapping[str, Any], value)

    def capture(self, doc: object) -> Capture:
        top = self.obj(doc, "")
        fmt = top.get("format", _MISSING)
        if fmt != FORMAT:
            found = "no format" if fmt is _MISSING else f"format {_show(fmt)}"
            self.fail(f"it is not a service-status-board capture ({found})")
        version = self.get(top, "version", "", _is_int, "an integer")
        if version != VERSION:
            self.fail(f"it is version {version}, and this demo server replays version {VERSION}")
        captured_at = self.get(top, "captured_at", "", _is_time, "an ISO 8601 time")
        transport = self.get(top, "transport", "", TRANSPORTS.__contains__, '"soap" or "rest"')
        anonymised = self.get(top, "anonymised", "", lambda v: isinstance(v, bool), "true/false")
        items = self.get(top, "panels", "", lambda v: isinstance(v, list) and bool(v),
                         "a list of at least one panel")
        panels: dict[PanelType, CapturedPanel] = {}
        for i, item in enumerate(items):
            captured = self.panel(self.obj(item, f"panels[{i}]"), f"panels[{i}]")
            if captured.panel in panels:
                self.fail(f"panels[{i}] captures {captured.panel.wire_name} a second time")
            panels[captured.panel] = captured
        return Capture(self.name, datetime.fromisoformat(captured_at), transport, anonymised,
                       tuple(panels.values()))

    def panel(self, item: Mapping[str, Any], where: str) -> CapturedPanel:
        wire = self.get(item, "panel", where, lambda v: isinstance(v, str), "a panel type name")
        try:
            panel = PanelType.from_wire(wire)
        except ValueError:
            self.fail(f"{where}.panel is {_show(wire)}, not a StatusScreenPanelType")
        transport = self.get(item, "transport", where, TRANSPORTS.__contains__,
                             '"soap" or "rest"')
        time = self.get(item, "time", where, _is_time, "an ISO 8601 time")
        status = self.get(item, "http_status", where, _is_status, "an HTTP status")
        ctype = self.get(item, "content_type", where, lambda v: isinstance(v, str) and bool(v),
                         "a content type")
        body = self.get(item, "body", where, lambda v: v is None or isinstance(v, str),
                        "the reply as text (or null)")
        rows = self.get(item, "rows", where, lambda v: isinstance(v, list), "a list of rows")
        summary = None
        if "datasets" in item:
            summary = self.get(item, "datasets", where, lambda v: isinstance(v, list),
                               "a list of data sets")
        datasets = self.datasets(panel, rows, summary, where)
        return CapturedPanel(panel, transport, datetime.fromisoformat(time), status, ctype,
                             None if body is None else body.encode("utf-8"), datasets)

    def datasets(self, panel: PanelType, rows: list[object], summary: list[object] | None,
                 where: str) -> tuple[DataSet, ...]:
        # data set index → (label, description) and position → value
        heads: dict[int, tuple[str | None, str | None]] = {}
        values: dict[int, dict[int, DataValue]] = {}
        for i, item in enumerate(rows):
            at = f"{where}.rows[{i}]"
            row = self.obj(item, at)
            self.get(row, "panel", at, lambda v: v == panel.wire_name, f'"{panel.wire_name}"')
            index = self.get(row, "dataset", at, _is_index, "an integer from 0")
            position = self.get(row, "position", at, _is_index, "an integer from 0")
            head = (self.get(row, "dataset_label", at, _is_text_or_null, "text or null"),
                    self.get(row, "dataset_description", at, _is_text_or_null, "text or null"))
            if heads.setdefault(index, head) != head:
                self.fail(f"{at} gives data set {index} another label or description than the "
                          "rows before it")
            value = self.get(row, "value", at, _is_number_or_null, "a number or null")
            label = self.get(row, "label", at, _is_text_or_null, "text or null")
            text = self.get(row, "description", at, _is_text_or_null, "text or null")
            if position in values.setdefault(index, {}):
                self.fail(f"{at} repeats position {position} of data set {index}")
            values[index][position] = DataValue(
                label, math.nan if value is None else float(value), text)
        for index, by_position in values.items():
            if max(by_position) != len(by_position) - 1:
                self.fail(f"{where}.rows: the positions of data set {index} are not 0 to "
                          f"{len(by_position) - 1} (a row is missing)")
        ordered = {i: tuple(v[p] for p in range(len(v))) for i, v in values.items()}
        if summary is None:
            count = max(heads, default=-1) + 1
            return tuple(DataSet(*heads.get(i, (None, None)), ordered.get(i, ()))
                         for i in range(count))
        return self.summarised(summary, heads, ordered, where)

    def summarised(self, summary: list[object], heads: Mapping[int, tuple[str | None, str | None]],
                   ordered: Mapping[int, tuple[DataValue, ...]], where: str
                   ) -> tuple[DataSet, ...]:
        if heads and max(heads) >= len(summary):
            self.fail(f"{where}.datasets lists {len(summary)} data sets, but its rows name data "
                      f"set {max(heads)}")
        out = []
        for i, item in enumerate(summary):
            at = f"{where}.datasets[{i}]"
            entry = self.obj(item, at)
            head = (self.get(entry, "label", at, _is_text_or_null, "text or null"),
                    self.get(entry, "description", at, _is_text_or_null, "text or null"))
            count = self.get(entry, "values", at, _is_index, "an integer from 0")
            values = ordered.get(i, ())
            if count != len(values):
                self.fail(f"{at} says {count} values, but the rows hold {len(values)}")
            if i in heads and heads[i] != head:
                self.fail(f"{at} gives another label or description than its rows")
            out.append(DataSet(*head, values))
        return tuple(out)
