"""The Status page's panel types, as the WSDL names and numbers them.

    >>> PanelType.from_wire("UserReponseTimePerWeek").title
    'Response time per week'
"""

from __future__ import annotations

from enum import Enum, IntEnum


class PanelKind(Enum):
    """How a panel's data is shaped, which decides how it is drawn."""

    CATEGORIES = "categories"  # one value per category, handler, status …: bars
    TIMELINE = "timeline"  # one value per day, week or month: a time axis
    NUMBER = "number"  # a single count: a big-number tile
    COUNTS = "counts"  # the Status tile: several named counts, each a big number


class PanelType(IntEnum):
    """`StatusScreenPanelType`; member names are the wire names (typo included)."""

    title: str
    kind: PanelKind

    def __new__(cls, number: int, title: str, kind: PanelKind) -> PanelType:
        member = int.__new__(cls, number)
        member._value_ = number
        member.title = title
        member.kind = kind
        return member

    # fmt: off
    None_ = (0, "None", PanelKind.NUMBER)
    OpenRequestsPerCategory = (1, "Open requests per category", PanelKind.CATEGORIES)
    OpenRequestsPerTopCategory = (2, "Open requests per top category", PanelKind.CATEGORIES)
    OpenRequestsPerUser = (3, "Open requests per handler", PanelKind.CATEGORIES)
    OpenRequestsPerUserGroup = (4, "Open requests per user group", PanelKind.CATEGORIES)
    OpenRequestsPerPriority = (5, "Open requests per priority", PanelKind.CATEGORIES)
    OpenRequestsPerStatus = (6, "Open requests per status", PanelKind.CATEGORIES)
    OpenRequestsPerOrigin = (7, "Open requests per origin", PanelKind.CATEGORIES)
    NumberOfCreatedRequestsPerDay = (11, "Created requests per day", PanelKind.TIMELINE)
    NumberOfCreatedRequestsPerWeek = (12, "Created requests per week", PanelKind.TIMELINE)
    NumberOfCreatedRequestsPerMonth = (13, "Created requests per month", PanelKind.TIMELINE)
    UserResponseTimePerDay = (21, "Response time per day", PanelKind.TIMELINE)
    UserReponseTimePerWeek = (22, "Response time per week", PanelKind.TIMELINE)
    UserResponseTimePerMonth = (23, "Response time per month", PanelKind.TIMELINE)
    OwnOpenRequests = (101, "Own open requests", PanelKind.NUMBER)
    UnassignedRequests = (102, "Unassigned requests", PanelKind.NUMBER)
    Hotlist = (103, "Hotlist", PanelKind.CATEGORIES)
    StatusScreen = (111, "Status", PanelKind.COUNTS)
    # fmt: on

    @property
    def wire_name(self) -> str:
        """The name sent in `GetStatistics/Functions` (`None_` is `None` on the wire)."""
        return "None" if self is PanelType.None_ else self.name

    @classmethod
    def from_wire(cls, name: str) -> PanelType:
        """The member for a wire name or its number; raises ValueError naming the choices."""
        text = name.strip()
        if text == "None":
            return cls.None_
        try:
            if text.isdigit():
                return cls(int(text))  # type: ignore[call-arg]  # Enum lookup, not __new__
            return cls[text]
        except (KeyError, ValueError):
            choices = ", ".join(p.wire_name for p in ALL_PANELS)
            raise ValueError(f"unknown panel type {name!r}; expected one of: {choices}") from None


#: Every panel type a dashboard can ask for: all but `None`.
ALL_PANELS: tuple[PanelType, ...] = tuple(p for p in PanelType if p is not PanelType.None_)
