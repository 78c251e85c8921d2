"""What the GetStatistics endpoints answer from: the model in a shape variant, or a capture.

Both transports answer through `answer_statistics`, so a recorded body, the MALFORMED fault and
the order of data sets are decided once for SOAP and REST.

    >>> from stats_client import DataSet, PanelType
    >>> class One:
    ...     def datasets(self, panel, now): return (DataSet(panel.title, None, ()),)
    ...     def recorded(self, transport, panels): return None
    >>> count = lambda sets: b"%d data sets" % len(sets)
    >>> answer_statistics(One(), "rest", [PanelType.Hotlist] * 2, None, count, "text/plain", False)
    (200, {'Content-Type': 'text/plain'}, b'2 data sets')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal, Protocol

from stats_client import DataSet, PanelType

from .request import Reply
from .state import RawReply

Transport = Literal["soap", "rest"]
TRANSPORTS: tuple[Transport, ...] = ("soap", "rest")


class DataSource(Protocol):
    """The data sets of each panel, and the exact reply recorded for a request, if any."""

    def datasets(self, panel: PanelType, now: datetime) -> tuple[DataSet, ...]:
        """The StatisticsDataSets one panel answers with at `now`."""
        ...

    def recorded(self, transport: Transport, panels: Sequence[PanelType]) -> RawReply | None:
        """The reply to send byte for byte for this request; None to write one."""
        ...


def answer_statistics(
    source: DataSource,
    transport: Transport,
    panels: Sequence[PanelType],
    now: datetime,
    write: Callable[[list[DataSet]], bytes],
    content_type: str,
    malformed: bool,
) -> Reply:
    """The successful GetStatistics reply: recorded, or the panels' data sets in request order
    written by `write`; cut in half when `malformed` (Fault.MALFORMED)."""
    recorded = source.recorded(transport, panels)
    if recorded is None:
        body = write([ds for p in panels for ds in source.datasets(p, now)])
        status = 200
    else:
        body, status, content_type = recorded
    if malformed:
        body = body[: max(1, len(body) // 2)]
    return status, {"Content-Type": content_type}, body
