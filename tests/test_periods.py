"""stats_client.periods: how a NetServer might spell days, weeks and months, and their order."""

from __future__ import annotations

from datetime import date

import pytest

from stats_client.periods import Granularity, Period, Recurring, parse_period, time_order

W42 = (date(2026, 10, 12), date(2026, 10, 19), "week")
NOV = (date(2026, 11, 1), date(2026, 12, 1), "month")
DAY = (date(2026, 11, 27), date(2026, 11, 28), "day")


def as_tuple(got: Period | Recurring | None) -> object:
    if isinstance(got, Period):
        return (got.start, got.end, got.granularity)
    if isinstance(got, Recurring):
        return (got.number, got.granularity)
    return None


@pytest.mark.parametrize(("label", "grain", "expected"), [
    # ISO dates (and date-times), and the European day-first spellings
    ("2026-11-27", None, DAY),
    ("2026-11-27T00:00:00", "day", DAY),
    ("2026-11-27 00:00:00Z", "day", DAY),
    ("2026/11/27", None, DAY),
    ("27.11.2026", None, DAY),
    ("27-11-2026", "day", DAY),
    ("27/11/2026", "day", DAY),
    ("11/27/2026", "day", DAY),  # month first only when it cannot be a day first
    ("Fri 27.11.2026", "day", DAY),
    ("fredag 2026-11-27", "day", DAY),
    ("2026-11-23", "week", (date(2026, 11, 23), date(2026, 11, 30), "week")),  # week's first day
    ("2026-11-01", "month", NOV),
    ("2026-02-30", None, None),
    # ISO weeks
    ("2026-W42", None, W42),
    ("2026W42", "week", W42),
    ("2026-w42", "week", W42),
    ("2026-W48", None, (date(2026, 11, 23), date(2026, 11, 30), "week")),
    ("2026-W53", None, (date(2026, 12, 28), date(2027, 1, 4), "week")),  # 2026 has 53
    ("2025-W53", None, None),  # 2025 has only 52
    ("2026-W0", None, None),
    # week numbers, with or without a year, with or without the word (en, nb, nn, sv, da)
    ("Week 42", "week", (42, "week")),
    ("week 42", None, (42, "week")),
    ("Wk 42", "week", (42, "week")),
    ("W42", "week", (42, "week")),
    ("Uke 42", "week", (42, "week")),
    ("uke 42", None, (42, "week")),
    ("Veke 42", "week", (42, "week")),
    ("Vecka 42", "week", (42, "week")),
    ("v. 42", "week", (42, "week")),
    ("V42", "week", (42, "week")),
    ("v42", None, (42, "week")),
    ("Uge 42", "week", (42, "week")),
    ("42", "week", (42, "week")),
    ("Week 42 2026", "week", W42),
    ("Week 42, 2026", None, W42),
    ("Uke 42/2026", "week", W42),
    ("2026 uke 42", "week", W42),
    ("Vecka 42 - 2026", "week", W42),
    ("2026-42", "week", W42),
    ("2026-42", None, W42),  # past 12: a week even without the panel's word
    ("42/2026", "week", W42),
    ("42/2026", None, W42),
    ("2026-11", "week", (date(2026, 3, 9), date(2026, 3, 16), "week")),
    ("11", "week", (11, "week")),
    ("Week 54", "week", None),
    ("Uke 0", "week", None),
    ("42", None, None),  # a bare number needs the panel to say what it counts
    ("42", "day", None),
    # months: names and abbreviations (en, nb, sv, da), with or without a year
    ("November", "month", (11, "month")),
    ("Nov", "month", (11, "month")),
    ("nov.", None, (11, "month")),
    ("november 2026", None, NOV),
    ("Nov 2026", "month", NOV),
    ("nov. 2026", "month", NOV),
    ("2026 november", "month", NOV),
    ("okt", "month", (10, "month")),
    ("Oct", "month", (10, "month")),
    ("mai", "month", (5, "month")),
    ("maj", "month", (5, "month")),
    ("May", "month", (5, "month")),
    ("desember", "month", (12, "month")),
    ("December", "month", (12, "month")),
    ("des", "month", (12, "month")),
    ("marts", "month", (3, "month")),
    ("mars", "month", (3, "month")),
    ("Sept", "month", (9, "month")),
    ("augusti 2026", "month", (date(2026, 8, 1), date(2026, 9, 1), "month")),
    ("11/2026", "month", NOV),
    ("11/2026", None, NOV),
    ("2026-11", "month", NOV),
    ("2026-11", None, NOV),
    (" 2026-11 ", None, NOV),
    ("11.2026", "month", NOV),
    ("11", "month", (11, "month")),
    ("13", "month", None),
    ("2026-13", "month", None),
    ("2026-13", None, (date(2026, 3, 23), date(2026, 3, 30), "week")),  # no month 13: a week
    ("2024-02", None, (date(2024, 2, 1), date(2024, 3, 1), "month")),  # leap February
    # weekdays (a per-day panel without dates)
    ("Monday", "day", (1, "day")),
    ("man", "day", (1, "day")),
    ("Tis", "day", (2, "day")),
    ("lørdag", "day", (6, "day")),
    ("söndag", "day", (7, "day")),
    # not periods
    ("Support", None, None),
    ("Åse Berg", "week", None),
    ("Q4", "month", None),
    ("", None, None),
    (None, None, None),
    (48, "week", None),
])
def test_parse_period(label: object, grain: Granularity | None, expected: object) -> None:
    assert as_tuple(parse_period(label, grain)) == expected


@pytest.mark.parametrize(("labels", "grain", "ordered", "kind", "dated"), [
    (["2026-W47", "2026-W48"], "week", ["2026-W47", "2026-W48"], "week", True),
    (["2026-W48", "2026-W47"], "week", ["2026-W47", "2026-W48"], "week", True),  # newest first
    (["Week 52 2025", "Week 1 2026", "Week 2 2026"], "week",
     ["Week 52 2025", "Week 1 2026", "Week 2 2026"], "week", True),
    (["27.11.2026", "2026-11-26", "Thu 2026-11-26"], "day",
     ["2026-11-26", "Thu 2026-11-26", "27.11.2026"], "day", True),  # ties keep reply order
    (["11/2026", "10/2026", "12/2026"], "month", ["10/2026", "11/2026", "12/2026"], "month", True),
    # without a year only the sequence tells: kept as sent, or reversed when it counts down
    (["Uke 51", "Uke 52", "Uke 1", "Uke 2"], "week", ["Uke 51", "Uke 52", "Uke 1", "Uke 2"],
     "week", False),
    (["Uke 2", "Uke 1", "Uke 52", "Uke 51"], "week", ["Uke 51", "Uke 52", "Uke 1", "Uke 2"],
     "week", False),
    (["okt", "nov", "des", "jan"], "month", ["okt", "nov", "des", "jan"], "month", False),
    (["42", "43", "44"], "week", ["42", "43", "44"], "week", False),
    (["Mon", "Tue", "Wed", "Thu", "Fri", "Mon"], "day",
     ["Mon", "Tue", "Wed", "Thu", "Fri"], "day", False),  # distinct labels
    # not all periods, or not one granularity: as sent, labels unchanged
    (["2026-W48", "2026-11"], None, ["2026-W48", "2026-11"], None, False),
    (["Q3", "Q4", "Q1"], "month", ["Q3", "Q4", "Q1"], None, False),
    (["2026-11", "Other"], "month", ["2026-11", "Other"], None, False),
    ([], "week", [], None, False),
])
def test_time_order(labels: list[object], grain: Granularity | None, ordered: list[str],
                    kind: str | None, dated: bool) -> None:
    got = time_order(labels, grain)
    assert list(got.labels) == ordered
    assert got.granularity == kind
    assert got.parsed is (kind is not None)
    assert (got.periods is not None) is dated
    if got.periods is not None:
        assert set(got.periods) == set(ordered)
