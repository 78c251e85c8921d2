"""Which data set answers which requested panel: the rule both transports follow.

The WSDL does not say how a reply's data sets line up with the requested functions. Order is the
only guide, and only when the reply holds exactly one data set per function; otherwise each panel
is asked for in a call of its own. A panel seen answering with none or several data sets is asked
for alone from then on, for good: such a panel (a series per handler, say) may later answer with
none while another answers with two, and a count that agreed by coincidence would shift every
later panel silently. A steady desk costs 1 + k calls per poll (k such panels).

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
    """Maps data sets to panels; remembers the panels that must be asked for alone."""

    def __init__(self, what: str) -> None:
        self._what = what  # for the log line: "GetStatistics" or "The REST WebAPI"
        self._alone: set[PanelType] = set()  # seen answering with none or several data sets
        self._fallback_logged = False

    def fetch(self, wanted: tuple[PanelType, ...], call: Call) -> tuple[PanelData, ...]:
        """The data sets for each wanted panel, in order, using `call` for each request."""
        found: dict[int, tuple[DataSet, ...]] = {}
        together = [i for i, p in enumerate(wanted) if p not in self._alone]
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
                self._alone.add(panel)  # for good: see the module's docstring
        return tuple(PanelData(panel, found[i]) for i, panel in enumerate(wanted))
