"""The data-set matching rule both transports share (the seam below the HTTP call)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from stats_client.errors import ConfigurationError
from stats_client.frames import DataSet, DataValue
from stats_client.matching import DatasetMatcher, requested_panels
from stats_client.panels import PanelType

DAY, WEEK, OWN = (PanelType.UserResponseTimePerDay, PanelType.UserReponseTimePerWeek,
                  PanelType.OwnOpenRequests)


def series(name: str) -> DataSet:
    return DataSet(name, None, (DataValue("2026-W48", 1.0, None),))


class Desk:
    """Answers GetStatistics from a table of data sets per panel, concatenated in request order,
    as the NetServer does; records each call's functions."""

    def __init__(self, shapes: dict[PanelType, tuple[DataSet, ...]]) -> None:
        self.shapes = shapes
        self.calls: list[tuple[PanelType, ...]] = []

    def __call__(self, panels: Sequence[PanelType]) -> tuple[DataSet, ...]:
        self.calls.append(tuple(panels))
        return tuple(ds for p in panels for ds in self.shapes[p])


def test_one_data_set_each_is_one_call_mapped_by_order() -> None:
    desk = Desk({OWN: (series("own"),), WEEK: (series("week"),)})
    got = DatasetMatcher("GetStatistics").fetch((OWN, WEEK), desk)
    assert desk.calls == [(OWN, WEEK)]
    assert [[d.label for d in p.datasets] for p in got] == [["own"], ["week"]]


def test_a_coincidental_count_never_shifts_panels_once_a_panel_was_seen_multi() -> None:
    """Regression: a panel answering 0 data sets beside one answering 2 makes the count agree
    with the functions asked for; mapping by order would then give DAY the week's first
    series and WEEK its second, shown as fresh data."""
    desk = Desk({OWN: (series("own"),), DAY: (series("d1"), series("d2")),
                 WEEK: (series("w1"), series("w2"))})
    matcher = DatasetMatcher("GetStatistics")
    matcher.fetch((OWN, DAY, WEEK), desk)  # learns: DAY and WEEK answer with several
    desk.shapes[DAY] = ()  # just after midnight: no series yet today
    desk.calls.clear()
    got = matcher.fetch((OWN, DAY, WEEK), desk)
    assert [p.datasets for p in got][1] == ()
    assert [d.label for d in got[2].datasets] == ["w1", "w2"]
    assert desk.calls == [(OWN,), (DAY,), (WEEK,)]


def test_a_panel_seen_alone_stays_alone_even_when_it_answers_one_set_again() -> None:
    desk = Desk({OWN: (series("own"),), PanelType.Hotlist: (series("hot"),),
                 WEEK: (series("w1"), series("w2"))})
    matcher = DatasetMatcher("GetStatistics")
    wanted = (OWN, PanelType.Hotlist, WEEK)
    matcher.fetch(wanted, desk)
    desk.shapes[WEEK] = (series("w1"),)
    matcher.fetch(wanted, desk)
    desk.calls.clear()
    matcher.fetch(wanted, desk)
    assert desk.calls == [(OWN, PanelType.Hotlist), (WEEK,)]


@pytest.mark.parametrize(("panels", "message"), [((), "No panels requested"),
                                                  ((99,), "Unknown panel type")])
def test_requests_are_checked(panels: tuple[int, ...], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        requested_panels(panels)  # type: ignore[arg-type]
