"""PanelType: every wire name and number from the WSDL, titles, kinds, parsing."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from stats_client import ALL_PANELS, PanelKind, PanelType

WIRE = {
    "None": 0, "OpenRequestsPerCategory": 1, "OpenRequestsPerTopCategory": 2,
    "OpenRequestsPerUser": 3, "OpenRequestsPerUserGroup": 4, "OpenRequestsPerPriority": 5,
    "OpenRequestsPerStatus": 6, "OpenRequestsPerOrigin": 7, "NumberOfCreatedRequestsPerDay": 11,
    "NumberOfCreatedRequestsPerWeek": 12, "NumberOfCreatedRequestsPerMonth": 13,
    "UserResponseTimePerDay": 21, "UserReponseTimePerWeek": 22, "UserResponseTimePerMonth": 23,
    "OwnOpenRequests": 101, "UnassignedRequests": 102, "Hotlist": 103, "StatusScreen": 111,
}
WSDL = Path(__file__).resolve().parent.parent / "stats_client" / "wsdl" / "services87.wsdl"
XS = "{http://www.w3.org/2001/XMLSchema}"


@pytest.mark.parametrize(("name", "number"), WIRE.items())
def test_wire_names_and_numbers(name: str, number: int) -> None:
    panel = PanelType.from_wire(name)
    assert (panel.wire_name, int(panel)) == (name, number)
    assert PanelType.from_wire(str(number)) is panel
    assert PanelType.from_wire(f"  {name} ") is panel


def test_enum_matches_the_bundled_wsdl() -> None:
    tree = etree.parse(str(WSDL), etree.XMLParser(resolve_entities=False, no_network=True))
    (simple,) = [el for el in tree.iter(f"{XS}simpleType")
                 if el.get("name") == "StatusScreenPanelType"]
    names = [e.get("value") for e in simple.iter(f"{XS}enumeration")]
    assert names == [p.wire_name for p in PanelType]


def test_all_panels_is_every_panel_but_none_in_number_order() -> None:
    assert PanelType.None_ not in ALL_PANELS
    assert len(ALL_PANELS) == 17
    assert list(ALL_PANELS) == sorted(ALL_PANELS)


@pytest.mark.parametrize("panel", list(PanelType), ids=lambda p: p.wire_name)
def test_each_panel_has_a_title_and_kind(panel: PanelType) -> None:
    assert panel.title.strip() == panel.title
    assert panel.title
    assert isinstance(panel.kind, PanelKind)


def test_titles_are_distinct_and_the_typo_is_only_on_the_wire() -> None:
    assert len({p.title for p in PanelType}) == len(PanelType)
    assert PanelType.UserReponseTimePerWeek.title == "Response time per week"


@pytest.mark.parametrize("bad", ["Nope", "99", "", "openrequestspercategory", "-1"])
def test_unknown_names_list_the_choices(bad: str) -> None:
    with pytest.raises(ValueError, match="OpenRequestsPerCategory") as info:
        PanelType.from_wire(bad)
    assert "StatusScreen" in str(info.value)
