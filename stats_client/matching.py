"""Which data set answers which requested panel: the rule both transports follow.

The WSDL does not say how a reply's data sets line up with the requested functions. Order is the
only guide, and only when the reply holds exactly one data set per function; otherwise each panel
is asked for in a call of its own. Panels seen answering with other than one data set are
remembered and asked for alone from then on, so a steady desk costs 1 + k calls per poll.

    >>> matcher = DatasetMatcher("GetStatistics")
    >>> matcher.fetch((PanelType.OwnOpenRequests,), lambda panels: ())[0].datasets
    ()
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from .errors import ConfigurationError
from .frames import DataSet, PanelData
from .panels import PanelType

log = logging.getLogger(__name__)

Call = Callable[[Sequence[PanelType]], tuple[DataSet, ...]]


def requested_panels(panels: Sequence[PanelType]) -> tuple[PanelType, ...]:
    """Validate a request: known panel types, at least one."""
    try:
        wanted = tuple(PanelType(int(p)) for p in panels)  # type: ignore[call-arg]
    except ValueError as exc:
        raise ConfigurationError(f"Unknown panel type: {exc}.") from exc
    if not wanted:
        raise ConfigurationError("No panels requested; name at least one panel type.")
    return wanted


class DatasetMatcher:
    """Maps data sets to panels; keeps what it learnt about multi-data-set panels."""

    def __init__(self, what: str) -> None:
        self._what = what  # for the log line: "GetStatistics" or "The REST WebAPI"
        self._multi: set[PanelType] = set()
        self._fallback_logged = False

    def fetch(self, wanted: tuple[PanelType, ...], call: Call) -> tuple[PanelData, ...]:
        """The data sets for each wanted panel, in order, using `call` for each request."""
        found: dict[int, tuple[DataSet, ...]] = {}
        together = [i for i, p in enumerate(wanted) if p not in self._multi]
        if len(together) > 1:
            datasets = call([wanted[i] for i in together])
            if len(datasets) == len(together):
                found.update({i: (ds,) for i, ds in zip(together, datasets, strict=True)})
            elif not self._fallback_logged:
                self._fallback_logged = True
                log.info("%s answered %d functions with %d data sets, so data sets cannot be "
                         "matched to panels by order; asking for those panels one call each.",
                         self._what, len(together), len(datasets))
        for i, panel in enumerate(wanted):
            if i in found:
                continue
            datasets = call([panel])
            found[i] = datasets
            if len(datasets) != 1:
                self._multi.add(panel)
            else:
                self._multi.discard(panel)
        return tuple(PanelData(panel, found[i]) for i, panel in enumerate(wanted))
