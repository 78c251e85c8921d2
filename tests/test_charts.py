"""board.charts: pure chart builders checked against Vega-Lite's own JSON schema."""

from __future__ import annotations

import json
import re
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
    sizes = {f"{part}.{key}": size for part, block in config.items() if isinstance(block, dict)
             for key, size in block.items() if key.endswith("FontSize")}
    assert sizes["axis.labelFontSize"] == sizes["legend.labelFontSize"] == theme.TYPE["axis"]
    assert min(sizes.values()) >= theme.MIN_TEXT_PX, sizes
    assert config["background"] == theme.PALETTE["panel"]
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert set(config["range"]["category"]) <= okabe_ito
    assert theme.PALETTE["amber"] in okabe_ito
    assert theme.PALETTE["red"] in okabe_ito


def test_the_type_scale_has_no_size_below_the_floor() -> None:
    assert min(theme.TYPE.values()) == theme.MIN_TEXT_PX == 24
    assert theme.TYPE["number"] >= 88


def test_the_page_css_takes_every_text_size_from_the_type_scale() -> None:
    """Font sizes are written once, in theme.TYPE: the CSS only names them."""
    css = theme.CSS_FILE.read_text()
    sizes = re.findall(r"font-size:\s*([^;}]+)", css)
    assert sizes
    assert [s for s in sizes if not re.fullmatch(r"var\(--sb-type-[a-z-]+\)( !important)?",
                                                 s.strip())] == []
    names = {n.replace("_", "-") for n in theme.TYPE}
    assert set(re.findall(r"--sb-type-([a-z-]+)", css)) <= names
    page = theme.page_css()
    assert all(f"--sb-type-{n}: {theme.TYPE[n.replace('-', '_')]}px;" in page for n in names)


def test_charts_render_as_svg_so_their_text_can_be_measured(
        drawable: list[tuple[PanelType, pd.DataFrame]]) -> None:
    for panel, rows in drawable:
        spec = charts.build_chart(rows, title=panel.title, width=934, height=318).to_dict()
        assert spec["usermeta"]["embedOptions"] == {"renderer": "svg"}, panel.name
        assert spec["usermeta"]["panel"] == panel.wire_name


def test_category_bars_carry_their_numbers_instead_of_a_value_axis() -> None:
    rows = rows_of(PanelType.OpenRequestsPerOrigin,
                   ("Open", [("E-mail", 123.0), ("Chat", 41.0), ("SMS", 10.0)]))
    spec = charts.build_chart(rows, title="Origin", width=934, height=318).to_dict()
    bars, numbers = spec["layer"][:2]
    assert bars["encoding"]["x"]["axis"] is None
    assert numbers["mark"]["type"] == "text"
    assert numbers["encoding"]["text"]["field"] == "value"
    # The scale ends past the longest bar, so its number stays inside the chart.
    assert bars["encoding"]["x"]["scale"]["domainMax"] > 123.0


@pytest.mark.parametrize(("width", "points", "numbers"), [
    (934, 12, True),  # two abreast: a number on each of twelve weeks
    (934, 14, False),  # fourteen numbers of four digits would touch
    (618, 12, False),  # three abreast: the numbers would touch; a value axis instead
    (934, 30, False),
])
def test_time_bars_carry_numbers_where_they_fit_else_a_value_axis(
        width: int, points: int, numbers: bool) -> None:
    rows = rows_of(PanelType.NumberOfCreatedRequestsPerWeek,
                   ("Created", [(f"2026-W{w:02d}", 2_000.0 + w) for w in range(1, points + 1)]))
    spec = charts.build_chart(rows, title="Created", width=width, height=318).to_dict()
    bars = spec["layer"][0]
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert bool(texts) is numbers
    assert (bars["encoding"]["y"]["axis"] is None) is numbers
    assert len(records(spec)) == points  # the data keeps every point either way


def test_markup_and_nil_labels_survive_as_text() -> None:
    rows = rows_of(PanelType.Hotlist, ("Hotlist", [("<b>#1</b> & co", 3.0), (None, 1.0)]))
    spec = charts.build_chart(rows, title="Hot", height=300).to_dict()
    assert [r["label"] for r in records(spec)] == ["<b>#1</b> & co", "(no label)"]
    assert_valid(spec)


# -- time panels: every point, in time order, whatever the spelling -----------------------------
TIME_PANELS = {g: [p for p, grain in charts.GRAIN.items() if grain == g]
               for g in ("day", "week", "month")}
WEEKS = range(20, 50)  # 30 weeks: more than fit as bars or as axis labels
MONTHS_NB = ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"]
WEEKDAYS_NB = ["man", "tir", "ons", "tor", "fre", "lør", "søn"]


def spelled(fmt: str, numbers: Any) -> list[str]:
    return [fmt.format(n=n) for n in numbers]


@pytest.mark.parametrize(("grain", "labels", "ordered", "axis"), [
    ("week", spelled("2026-W{n:02d}", WEEKS), None, "time"),
    ("week", spelled("2026-W{n:02d}", WEEKS)[::-1], spelled("2026-W{n:02d}", WEEKS), "time"),
    ("week", spelled("Week {n} 2026", WEEKS), None, "time"),
    ("week", spelled("{n}/2026", WEEKS), None, "time"),
    ("week", spelled("2026-{n}", WEEKS), None, "time"),
    ("week", spelled("Week {n}", WEEKS), None, "ordered"),
    ("week", spelled("Uke {n}", WEEKS), None, "ordered"),
    ("week", spelled("Vecka {n}", WEEKS), None, "ordered"),
    ("week", spelled("Uge {n}", WEEKS), None, "ordered"),
    ("week", spelled("v{n}", WEEKS), None, "ordered"),
    ("week", spelled("{n}", WEEKS), None, "ordered"),
    ("week", spelled("Uke {n}", [*range(40, 53), *range(1, 18)]), None, "ordered"),  # new year
    ("week", spelled("Uke {n}", [*range(40, 53), *range(1, 18)])[::-1],
     spelled("Uke {n}", [*range(40, 53), *range(1, 18)]), "ordered"),
    ("day", [f"2026-11-{d:02d}" for d in range(1, 31)], None, "time"),
    ("day", [f"{d}.11.2026" for d in range(1, 31)], None, "time"),
    # a label sent twice is one period, and both its points are kept
    ("day", WEEKDAYS_NB * 2, WEEKDAYS_NB, "ordered"),
    ("month", [f"{m}/2026" for m in range(1, 13)], None, "time"),
    ("month", [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 13)],
     None, "time"),
    ("month", [f"{m} 2026" for m in MONTHS_NB], None, "time"),
    ("month", MONTHS_NB[9:] + MONTHS_NB[:9], None, "ordered"),
    ("month", ["October", "November", "December", "January"], None, "ordered"),
    ("week", spelled("P{n}", WEEKS), None, "as sent"),  # not periods: as sent, as spelled
    ("month", ["Q1", "Q2", "Q3", "Q4"], None, "as sent"),
])
def test_time_panels_keep_every_point_in_time_order_and_never_say_largest(
        grain: str, labels: list[str], ordered: list[str] | None, axis: str) -> None:
    ordered = ordered or list(dict.fromkeys(labels))
    values = [(label, float(n % 7 + 1)) for n, label in enumerate(labels)]
    for panel in TIME_PANELS[grain]:
        rows = rows_of(panel, ("Series", values))
        assert charts.shape_of(rows) == "timeline", panel.name
        spec = charts.build_chart(rows, title=panel.title, width=618, height=400).to_dict()
        assert_valid(spec)
        got = records(spec)
        assert sorted((r["label"], r["value"]) for r in got) == sorted(values), panel.name
        assert list(dict.fromkeys(r["label"] for r in got)) == ordered, panel.name
        text = json.dumps(spec)
        assert "largest" not in text
        assert "Others" not in text
        assert spec["usermeta"]["panel_shape"] == "timeline"
        assert spec["usermeta"]["axis"] == axis
        assert spec["usermeta"]["points"] == len(labels)
        assert spec["title"]["text"] == panel.title
        x = spec["layer"][0]["encoding"]["x"]
        assert x["axis"]["labelOverlap"] == "greedy"
        if axis != "time":
            assert x["type"] == "nominal"
            assert x["sort"] == ordered
            shown = x["axis"]["values"]
            assert set(shown) <= set(ordered)
            assert shown[-1] == ordered[-1]  # the newest period keeps its label
        else:
            assert x["type"] == "temporal"
            assert spec["usermeta"]["granularity"] == grain


def test_more_points_than_fit_thin_the_axis_labels_never_the_data() -> None:
    labels = spelled("Uke {n}", range(1, 53))
    rows = rows_of(PanelType.NumberOfCreatedRequestsPerWeek,
                   ("Created", [(label, 5.0) for label in labels]))
    narrow = charts.build_chart(rows, title="Created", width=618, height=400).to_dict()
    wide = charts.build_chart(rows, title="Created", width=1880, height=400).to_dict()
    shown = [s["layer"][0]["encoding"]["x"]["axis"]["values"] for s in (narrow, wide)]
    assert 2 <= len(shown[0]) < len(shown[1]) < 52
    assert shown[0][-1] == shown[1][-1] == "Uke 52"
    assert len(records(narrow)) == len(records(wide)) == 52

    iso = rows_of(PanelType.NumberOfCreatedRequestsPerDay,
                  ("Created", [(f"2026-{m:02d}-{d:02d}", 1.0) for m in (10, 11) for d in
                               range(1, 29)]))
    spec = charts.build_chart(iso, title="Created", width=618, height=400).to_dict()
    ticks = spec["layer"][0]["encoding"]["x"]["axis"]["values"]
    assert 2 <= len(ticks) < 56
    assert (ticks[-1]["month"], ticks[-1]["date"]) == (11, 28)
    assert len(records(spec)) == 56


def test_several_series_on_week_numbers_are_lines_keeping_every_point() -> None:
    weeks = spelled("Vecka {n}", [*range(45, 53), 1, 2])
    rows = rows_of(PanelType.UserReponseTimePerWeek,
                   ("Åse", [(w, 1.0 + n / 10) for n, w in enumerate(weeks)]),
                   ("José", [(w, 2.0 + n / 10) for n, w in enumerate(weeks)]))
    assert charts.shape_of(rows) == "timeline"
    spec = charts.build_chart(rows, title="Response time per week", height=400).to_dict()
    assert_valid(spec)
    assert spec["mark"]["type"] == "line"
    assert spec["encoding"]["x"]["sort"] == weeks
    assert spec["encoding"]["color"]["field"] == "series"
    assert len(records(spec)) == 20


def test_a_server_that_sends_one_data_set_per_period_is_one_series() -> None:
    rows = rows_of(PanelType.NumberOfCreatedRequestsPerWeek,
                   ("Uke 48", [("Created", 7.0)]), ("Uke 47", [("Created", 9.0)]))
    spec = charts.build_chart(rows, title="Created", height=400).to_dict()
    assert [(r["label"], r["value"], r["series"]) for r in records(spec)] == [
        ("Uke 47", 9.0, "Created"), ("Uke 48", 7.0, "Created")]


# -- response times given per handler: a comparison, titled so ----------------------------------
@pytest.mark.parametrize(("datasets", "title", "expected_title", "period"), [
    ((("Åse", [("2026-W48", 1.5)]), ("José", [("2026-W48", 2.5)])),
     RESPONSE.title, "Response time per week by handler", "2026-W48"),
    ((("Åse", [("Åse", 1.5)]), ("José", [("José", 2.5)])),
     RESPONSE.title, "Response time per week by handler", None),
    ((("Response time", [("Åse", 1.5), ("José", 2.5)]),),
     RESPONSE.title, "Response time per week by handler", None),
    ((("Åse", [("Uke 48", 1.5)]), ("José", [("Uke 48", 2.5)])),
     "Svartid", "Svartid · by handler", "Uke 48"),
    ((("Åse", [("Avg", 1.5)]), ("José", [("Avg", 2.5)])),
     "Response time by handler", "Response time by handler", None),
])
def test_a_response_time_panel_given_per_handler_is_a_handler_comparison(
        datasets: tuple[Any, ...], title: str, expected_title: str, period: str | None) -> None:
    rows = rows_of(RESPONSE, *datasets, description="Average response time (hours)")
    assert charts.shape_of(rows) == "handlers"
    spec = charts.build_chart(rows, title=title, height=400).to_dict()
    assert_valid(spec)
    assert spec["title"]["text"] == expected_title
    assert [(r["label"], r["value"]) for r in records(spec)] == [("Åse", 1.5), ("José", 2.5)]
    assert spec["layer"][0]["encoding"]["y"]["field"] == "label"
    assert spec["usermeta"] == {**spec["usermeta"], "panel_shape": "categories", "by": "handler"}
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "Average response time (hours)" in subtitle
    if period is not None:
        assert period in subtitle
    else:
        assert "Avg" not in subtitle


def test_many_handlers_keep_the_slowest_and_others_is_their_mean() -> None:
    sets = [(f"Handler {chr(65 + n)}", [("2026-W48", float(n))]) for n in range(20)]
    rows = rows_of(RESPONSE, *sets)
    spec = charts.build_chart(rows, title=RESPONSE.title, height=300).to_dict()
    got = records(spec)
    others = got[-1]
    k = int(others["label"].removeprefix("Others (").removesuffix(")"))
    assert len(got) - 1 + k == 20
    assert others["value"] == pytest.approx(sum(range(k)) / k)
    assert f"Others ({k}) is the mean of the rest" in spec["title"]["subtitle"][0]


# -- missing values: "n/a" where the mark would be -----------------------------------------------
NAN = float("nan")


def na_layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [layer for layer in spec.get("layer", [])
            if layer["mark"].get("text") == "n/a"]


@pytest.mark.parametrize(("panel", "datasets", "baseline"), [
    (PanelType.OpenRequestsPerUser, (("Open", [("Åse", 4.0), ("José", NAN), ("Kim", 2.0)]),),
     "x"),
    (PanelType.OpenRequestsPerCategory, (("Now", [("Support", NAN), ("Sales", 4.0)]),
                                         ("Before", [("Support", 1.0), ("Sales", NAN)])), "x"),
    (PanelType.NumberOfCreatedRequestsPerWeek,
     (("Created", [("2026-W47", 9.0), ("2026-W48", NAN)]),), "y"),
    (PanelType.NumberOfCreatedRequestsPerWeek,
     (("Created", [("Uke 47", NAN), ("Uke 48", 3.0)]),), "y"),
    (PanelType.UserResponseTimePerMonth, (("Åse", [("2026-10", 1.5), ("2026-11", NAN)]),
                                          ("José", [("2026-10", NAN), ("2026-11", 2.0)])), "y"),
    (PanelType.UserResponseTimePerMonth, (("Åse", [("okt", 1.5), ("nov", NAN)]),
                                          ("José", [("okt", 2.0), ("nov", 2.0)])), "y"),
    (RESPONSE, (("Åse", [("2026-W48", NAN)]), ("José", [("2026-W48", 2.5)])), "x"),
])
def test_a_missing_value_is_written_na_at_the_baseline(
        panel: PanelType, datasets: tuple[Any, ...], baseline: str) -> None:
    rows = rows_of(panel, *datasets)
    spec = charts.build_chart(rows, title="t", height=400).to_dict()
    assert_valid(spec)
    got = records(spec)
    assert len(got) == len(rows)  # the missing value's row is kept, not dropped
    assert [r["note"] for r in got] == ["n/a" if r["value"] is None else "" for r in got]
    assert any(r["value"] is None for r in got)
    (layer,) = na_layers(spec)
    assert layer["transform"] == [{"filter": {"field": "note", "equal": "n/a"}}]
    assert layer["encoding"][baseline] == {"datum": 0, "type": "quantitative"}


def test_no_missing_value_no_na_layer() -> None:
    rows = rows_of(PanelType.OpenRequestsPerUser, ("Open", [("Åse", 4.0), ("José", 0.0)]))
    spec = charts.build_chart(rows, title="t", height=400).to_dict()
    assert na_layers(spec) == []
    assert "n/a" not in json.dumps(spec)


def test_a_time_panel_with_a_nil_label_keeps_that_point_as_sent() -> None:
    rows = rows_of(PanelType.NumberOfCreatedRequestsPerWeek,
                   ("Created", [("Uke 47", 9.0), (None, 7.0), ("Uke 48", 3.0)]))
    spec = charts.build_chart(rows, title="Created", height=400).to_dict()
    assert_valid(spec)
    labels = ["Uke 47", "(no label)", "Uke 48"]
    assert [r["label"] for r in records(spec)] == labels
    assert spec["layer"][0]["encoding"]["x"]["sort"] == labels
