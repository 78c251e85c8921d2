"""board.charts: pure chart builders checked against Vega-Lite's own JSON schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import jsonschema
import pandas as pd
import pytest

from board import charts, theme
from stats_client.frames import DataSet, DataValue, PanelData, panel_frame, to_frame
from stats_client.panels import ALL_PANELS, PanelType


@cache
def vega_lite_validator() -> jsonschema.Draft7Validator:
    """Vega-Lite's JSON schema as Altair ships it (the version its `to_dict()` targets)."""
    path = Path(alt.__file__).parent / "vegalite" / "v6" / "schema" / "vega-lite-schema.json"
    return jsonschema.Draft7Validator(json.loads(path.read_text()))


def assert_valid(spec: dict[str, Any]) -> None:
    vega_lite_validator().validate(spec)


def rows_of(panel: PanelType, *datasets: tuple[str | None, list[tuple[str | None, float]]],
            description: str | None = None) -> pd.DataFrame:
    sets = tuple(DataSet(label, description, tuple(DataValue(lbl, v, f"{lbl}: {v:g}")
                                                   for lbl, v in values))
                 for label, values in datasets)
    return to_frame([PanelData(panel, sets)])


def records(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows a spec carries (Altair puts them in top-level `datasets`)."""
    (values,) = spec["datasets"].values()
    return values


CAT = PanelType.OpenRequestsPerCategory
CREATED = PanelType.NumberOfCreatedRequestsPerWeek
RESPONSE = PanelType.UserReponseTimePerWeek  # the wire's own spelling


@pytest.mark.parametrize(("panel", "datasets", "shape"), [
    (CAT, (), "empty"),
    (CAT, (("Unassigned", [("Unassigned", 4.0)]),), "number"),
    (CAT, (("A", [("x", 1.0)]), ("B", [("y", 2.0)])), "number"),  # one value per data set
    (CAT, (("Open", [("Support", 3.0), ("Sales", 4.0)]),), "categories"),
    (CAT, (("Open", [("2026-W47", 3.0), ("2026-W48", 4.0)]),), "categories"),  # type decides
    (CREATED, (("Created", [("2026-W47", 9.0), ("2026-W48", 7.0)]),), "timeline"),
    (CREATED, (("Created", [("Uke 47", 9.0), ("Uke 48", 7.0)]),), "timeline"),
    (CREATED, (("Created", [("Q3", 9.0), ("Q4", 7.0)]),), "timeline"),  # unparsed: still time
    (CREATED, (("Created", [("2026-W48", 9.0)]),), "timeline"),  # one point is still a series
    (CREATED, (("Created", [("Support", 9.0), ("Sales", 7.0)]),), "timeline"),
    (RESPONSE, (("Åse", [("2026-W47", 1.5), ("2026-W48", 2.0)]),
                ("José", [("2026-W47", 2.5), ("2026-W48", 2.0)])), "timeline"),
    (RESPONSE, (("Åse", [("2026-W48", 1.5)]), ("José", [("2026-W48", 2.5)])), "handlers"),
    (RESPONSE, (("Åse", [("Åse", 1.5)]), ("José", [("José", 2.5)])), "handlers"),
    (RESPONSE, (("Response time", [("Åse", 1.5), ("José", 2.5)]),), "handlers"),
    (RESPONSE, (("Response time", [("This week", 1.5), ("Last week", 2.5)]),), "timeline"),
    (RESPONSE, (("2026-W47", [("Avg", 1.5)]), ("2026-W48", [("Avg", 2.5)])), "timeline"),
])
def test_shape_of(panel: PanelType, datasets: tuple[Any, ...], shape: str) -> None:
    assert charts.shape_of(rows_of(panel, *datasets)) == shape


@pytest.mark.parametrize(("values", "fmt"), [
    ([1.0, 20.0, 300.0], ",.0f"),
    ([1.5, 2.0], ",.1f"),
    ([9_999.0], ",.0f"),
    ([10_915.0, 9_000.0], ".3~s"),  # neighbouring bars' numbers must not touch
    ([float("nan"), 3.0], ",.0f"),
])
def test_value_format(values: list[float], fmt: str) -> None:
    assert charts.value_format(pd.Series(values, dtype="float64")) == fmt


@pytest.fixture(scope="module")
def drawable(demo_frame: pd.DataFrame) -> list[tuple[PanelType, pd.DataFrame]]:
    """Every panel of a real reply that is drawn as a chart (not a tile)."""
    out = [(p, panel_frame(demo_frame, p)) for p in ALL_PANELS]
    return [(p, rows) for p, rows in out if charts.shape_of(rows) in ("categories", "timeline")]


def test_the_demo_reply_has_both_chart_shapes(drawable: list[tuple[PanelType, Any]]) -> None:
    shapes = {charts.shape_of(rows) for _, rows in drawable}
    assert shapes == {"categories", "timeline"}
    assert len(drawable) >= 12


def test_every_chart_is_valid_vega_lite_and_carries_the_frame(
        drawable: list[tuple[PanelType, pd.DataFrame]]) -> None:
    for panel, rows in drawable:
        spec = charts.build_chart(rows, title=panel.title, width=618, height=484).to_dict()
        assert_valid(spec)
        got = records(spec)
        assert [(r["label"], r["value"]) for r in got] == list(
            zip(rows["label"], rows["value"], strict=True)), panel.name
        assert [r["description"] for r in got] == rows["description"].tolist(), panel.name
        assert spec["usermeta"]["panel"] == panel.wire_name
        assert spec["title"]["text"] == panel.title


def test_the_same_rows_give_byte_identical_specs(
        drawable: list[tuple[PanelType, pd.DataFrame]]) -> None:
    """What lets Streamlit send an unchanged chart as a short reference."""
    for panel, rows in drawable:
        first = json.dumps(charts.build_chart(rows, title="t", height=400).to_dict())
        again = json.dumps(charts.build_chart(rows.copy(), title="t", height=400).to_dict())
        assert first == again, panel.name
        assert "param_" not in first
        assert "view_" not in first


def test_tooltips_carry_the_descriptions() -> None:
    rows = rows_of(PanelType.OpenRequestsPerUser, ("Open", [("Åse", 4.0), ("José", 2.0)]))
    spec = charts.build_chart(rows, title="Open", height=300).to_dict()
    fields = {t["field"] for layer in spec["layer"] for t in layer["encoding"]["tooltip"]}
    assert {"label", "value", "description"} <= fields
    assert [r["description"] for r in records(spec)] == ["Åse: 4", "José: 2"]


def test_categories_keep_reply_order_on_an_explicit_nominal_axis() -> None:
    rows = rows_of(PanelType.OpenRequestsPerPriority,
                   ("Open", [("Low", 3.0), ("Medium", 9.0), ("High", 5.0), ("Critical", 1.0)]))
    spec = charts.build_chart(rows, title="Priority", height=400).to_dict()
    y = spec["layer"][0]["encoding"]["y"]
    assert y["type"] == "nominal"
    assert y["sort"] == ["Low", "Medium", "High", "Critical"]
    assert spec["layer"][0]["encoding"]["x"]["type"] == "quantitative"


@pytest.mark.parametrize(("count", "height", "series"), [
    (40, 300, 1),
    (12, 400, 1),
    (40, 484, 2),
    (3, 100, 1),  # the fewest: one bar and Others
])
def test_more_categories_than_fit_are_top_n_and_one_others_bar_holding_the_rest(
        count: int, height: int, series: int) -> None:
    sets = [(f"Set {s}", [(f"Handler {n:02d}", float(n * (s + 1))) for n in range(count)])
            for s in range(series)]
    rows = rows_of(PanelType.OpenRequestsPerUser, *sets)
    spec = charts.build_chart(rows, title="Handlers", height=height).to_dict()
    assert_valid(spec)
    got = records(spec)
    kept = list(dict.fromkeys(r["label"] for r in got))
    n = len(kept) - 1
    assert 1 <= n < count
    # the largest, in reply order, then Others
    assert kept == [f"Handler {k:02d}" for k in range(count - n, count)] + [f"Others ({count - n})"]
    for s in range(series):
        rest = [v for label, v in sets[s][1] if label not in kept]
        (others,) = [r for r in got
                     if r["label"].startswith("Others") and r["series"] == f"Set {s}"]
        assert others["value"] == sum(rest)
        assert "Handler 00" in others["description"]
    caption = f"Top {n} of {count} · Others ({count - n}) holds the rest"
    assert spec["title"]["subtitle"] == [caption]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == kept
    assert "largest" not in json.dumps(spec)


def test_everything_that_fits_is_drawn_without_others() -> None:
    rows = rows_of(PanelType.OpenRequestsPerPriority, ("Open", [("Low", 3.0), ("High", 5.0)]))
    spec = charts.build_chart(rows, title="Priority", height=400).to_dict()
    assert [r["label"] for r in records(spec)] == ["Low", "High"]
    assert "Others" not in json.dumps(spec)
    assert "subtitle" not in spec["title"]


def test_several_category_data_sets_are_grouped_bars_coloured_by_data_set() -> None:
    rows = rows_of(PanelType.OpenRequestsPerCategory,
                   ("This week", [("Support", 3.0), ("Sales", 4.0)]),
                   ("Last week", [("Support", 5.0), ("Sales", 1.0)]))
    spec = charts.build_chart(rows, title="Open", height=400).to_dict()
    enc = spec["layer"][0]["encoding"]
    assert enc["color"]["field"] == "series"
    assert enc["color"]["type"] == "nominal"
    assert enc["yOffset"]["field"] == "series"
    assert {r["series"] for r in records(spec)} == {"This week", "Last week"}
    assert_valid(spec)


def test_one_series_timeline_is_bars_spanning_each_period_on_a_utc_time_axis() -> None:
    rows = rows_of(PanelType.NumberOfCreatedRequestsPerWeek,
                   ("Created", [("2026-W47", 9.0), ("2026-W48", 7.0)]))
    spec = charts.build_chart(rows, title="Created", height=400).to_dict()
    bars = spec["layer"][0]
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["x"] == {**bars["encoding"]["x"], "field": "start", "type": "temporal"}
    assert bars["encoding"]["x"]["scale"] == {"type": "utc"}
    assert bars["encoding"]["x2"] == {"field": "end"}
    ticks = bars["encoding"]["x"]["axis"]["values"]
    assert [(t["month"], t["date"], t["hours"]) for t in ticks] == [(11, 19, 12), (11, 26, 12)]
    assert bars["encoding"]["x"]["axis"]["format"] == "W%V"
    got = records(spec)
    assert [(r["start"], r["end"]) for r in got] == [
        ("2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"),
        ("2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z")]
    assert spec["usermeta"]["granularity"] == "week"
    assert_valid(spec)


def test_several_series_timeline_is_one_coloured_line_per_data_set() -> None:
    rows = rows_of(PanelType.UserResponseTimePerMonth,
                   ("Åse", [("2026-10", 1.5), ("2026-11", 1.2)]),
                   ("José", [("2026-10", 2.5), ("2026-11", 2.0)]),
                   description="Average response time (hours)")
    spec = charts.build_chart(rows, title="Response", height=400).to_dict()
    assert spec["mark"]["type"] == "line"
    assert spec["encoding"]["color"]["field"] == "series"
    assert spec["encoding"]["x"]["field"] == "mid"
    assert spec["title"]["subtitle"] == ["Average response time (hours)"]
    assert [r["mid"] for r in records(spec)][:2] == ["2026-10-16T12:00:00Z",
                                                    "2026-11-16T00:00:00Z"]
    assert_valid(spec)


def test_tiles_are_not_charts() -> None:
    rows = rows_of(PanelType.UnassignedRequests, ("Unassigned", [("Unassigned", 4.0)]))
    with pytest.raises(ValueError, match="tile"):
        charts.build_chart(rows, title="Unassigned", height=300)


def test_width_and_height_are_the_whole_chart() -> None:
    rows = rows_of(PanelType.OpenRequestsPerOrigin, ("Open", [("E-mail", 3.0), ("Chat", 1.0)]))
    spec = charts.build_chart(rows, title="Origin", width=618, height=484).to_dict()
    assert (spec["width"], spec["height"]) == (618, 484)
    assert spec["autosize"] == {"type": "fit", "contains": "padding"}
    assert charts.build_chart(rows, title="Origin", height=484).to_dict()["width"] == "container"


def test_one_theme_big_type_dark_and_colour_blind_safe() -> None:
    rows = rows_of(PanelType.OpenRequestsPerOrigin, ("Open", [("E-mail", 3.0), ("Chat", 1.0)]))
    config = charts.build_chart(rows, title="Origin", height=300).to_dict()["config"]
    for key, value in json.loads(json.dumps(theme.vega_config())).items():  # all of the theme
        expected = config[key] | value if isinstance(value, dict) else value
        assert config[key] == expected, key
    assert config["axis"]["labelFontSize"] >= 16
    assert config["legend"]["labelFontSize"] >= 16
    assert config["background"] == theme.PALETTE["panel"]
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert set(config["range"]["category"]) <= okabe_ito
    assert theme.PALETTE["amber"] in okabe_ito
    assert theme.PALETTE["red"] in okabe_ito


def test_markup_and_nil_labels_survive_as_text() -> None:
    rows = rows_of(PanelType.Hotlist, ("Hotlist", [("<b>#1</b> & co", 3.0), (None, 1.0)]))
    spec = charts.build_chart(rows, title="Hot", height=300).to_dict()
    assert [r["label"] for r in records(spec)] == ["<b>#1</b> & co", "(no label)"]
    assert_valid(spec)
