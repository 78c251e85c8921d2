"""The demo's shape variants: the same desk, its periods spelt and response times grouped as other
NetServers might, served over real loopback HTTP."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
import pytest

from netserver_demo import SHAPES, DemoNetServer, HelpDeskModel, Shaped
from netserver_demo.cli import build_parser
from stats_client import (
    ALL_PANELS,
    PanelData,
    PanelKind,
    PanelType,
    Settings,
    open_client,
    to_frame,
)
from stats_client.periods import Period, Recurring, parse_period
from stats_client.timeline import GRAIN, RESPONSE_TIME

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # Friday of ISO week 48
VARIANTS = [s for s in SHAPES if s != "standard"]
RESPONSE = sorted(RESPONSE_TIME)

# (variant, panel, newest label): the spellings each variant sends
NEWEST = [
    ("alt", PanelType.NumberOfCreatedRequestsPerDay, "27.11.2026"),
    ("alt", PanelType.NumberOfCreatedRequestsPerWeek, "Week 48"),
    ("alt", PanelType.NumberOfCreatedRequestsPerMonth, "November"),
    ("nordic", PanelType.NumberOfCreatedRequestsPerDay, "2026-11-27T00:00:00"),
    ("nordic", PanelType.NumberOfCreatedRequestsPerWeek, "Uke 48"),
    ("nordic", PanelType.NumberOfCreatedRequestsPerMonth, "nov 2026"),
    ("nordic", PanelType.UserReponseTimePerWeek, "Uke 48"),
]


def labels(shape: str, panel: PanelType) -> list[str | None]:
    sets = Shaped(HelpDeskModel(), shape).datasets(panel, NOW)
    return [v.label for ds in sets for v in ds.values]


@pytest.mark.parametrize(("shape", "panel", "newest"), NEWEST)
def test_variants_spell_periods_their_own_way(shape: str, panel: PanelType, newest: str) -> None:
    assert labels(shape, panel)[-1] == newest


@pytest.mark.parametrize("shape", VARIANTS)
@pytest.mark.parametrize("panel", list(GRAIN))
def test_every_period_label_is_one_the_board_reads_as_the_same_period(
    shape: str, panel: PanelType
) -> None:
    standard = labels("standard", panel)
    if shape in ("alt", "hostile") and panel in RESPONSE:  # one data set, named after now
        (ds,) = Shaped(HelpDeskModel(), shape).datasets(panel, NOW)
        pairs = [(ds.label, standard[-1])]
    else:
        pairs = list(zip(labels(shape, panel), standard, strict=True))
    grain = GRAIN[panel]
    for label, iso in pairs:
        assert label != iso
        parsed = parse_period(label, grain)
        assert isinstance(parsed, Period | Recurring), label
        assert parsed.granularity == grain, label
        own = parse_period(iso, grain)
        assert isinstance(own, Period)
        if isinstance(parsed, Period):  # a dated label is the model's own period
            assert parsed == own
        else:  # "Week 48", "November": the same week or month of the year
            week = own.start.isocalendar().week
            assert parsed.number == (week if grain == "week" else own.start.month), label


@pytest.mark.parametrize("shape", VARIANTS)
@pytest.mark.parametrize("panel", [p for p in ALL_PANELS if p not in RESPONSE])
def test_variants_keep_the_numbers(shape: str, panel: PanelType) -> None:
    def numbers(s: str) -> list[float]:
        return [v.value for ds in Shaped(HelpDeskModel(seed=7), s).datasets(panel, NOW)
                for v in ds.values]

    assert numbers(shape) == numbers("standard")


@pytest.mark.parametrize("panel", RESPONSE)
def test_alt_response_times_are_one_value_per_handler_with_a_silent_handler(
    panel: PanelType,
) -> None:
    standard = Shaped(HelpDeskModel(), "standard").datasets(panel, NOW)
    (ds,) = Shaped(HelpDeskModel(), "alt").datasets(panel, NOW)
    *answered, silent = ds.values
    assert [v.label for v in answered] == [s.label for s in standard]
    assert [v.value for v in answered] == [s.values[-1].value for s in standard]
    assert math.isnan(silent.value)
    assert silent.label not in {s.label for s in standard}
    assert ds.label == labels("alt", PanelType(panel - 10))[-1]  # the current period, spelt


@pytest.mark.parametrize("panel", RESPONSE)
def test_nordic_response_times_keep_a_series_per_handler_with_one_nan(panel: PanelType) -> None:
    standard = Shaped(HelpDeskModel(), "standard").datasets(panel, NOW)
    nordic = Shaped(HelpDeskModel(), "nordic").datasets(panel, NOW)
    assert [ds.label for ds in nordic] == [ds.label for ds in standard]
    values = [v.value for ds in nordic for v in ds.values]
    assert [math.isnan(v) for v in values].count(True) == 1
    assert math.isnan(nordic[-1].values[-1].value)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_variant_is_the_same_for_the_same_seed_and_time(shape: str) -> None:
    def reply(seed: int) -> str:
        return repr([Shaped(HelpDeskModel(seed=seed), shape).datasets(p, NOW) for p in ALL_PANELS])

    assert reply(42) == reply(42)
    assert reply(42) != reply(43)


def test_an_unknown_variant_names_the_choices() -> None:
    with pytest.raises(ValueError, match="standard, alt, nordic"):
        DemoNetServer(shapes="odd")


@pytest.mark.parametrize("transport", ["soap", "rest"])
@pytest.mark.parametrize("shape", VARIANTS)
def test_a_variant_goes_over_the_wire_nan_included(
    demo_server_factory: Callable[..., DemoNetServer], shape: str, transport: str,
) -> None:
    srv = demo_server_factory(clock=lambda: NOW, shapes=shape)
    with open_client(Settings(url=srv.url, transport=transport)) as client:
        frame = client.fetch_frame(ALL_PANELS)
    expected = to_frame(PanelData(p, srv.source.datasets(p, NOW)) for p in ALL_PANELS)
    pd.testing.assert_frame_equal(frame, expected)
    timeline = frame[frame["panel"].isin([p.wire_name for p in ALL_PANELS
                                          if p.kind is PanelKind.TIMELINE])]
    assert timeline["value"].isna().sum() == 3  # one per response-time panel


def test_simulate_takes_a_shape_variant() -> None:
    assert build_parser().parse_args(["--shapes", "alt"]).shapes == "alt"
    assert build_parser().parse_args([]).shapes == "standard"
