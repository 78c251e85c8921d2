"""The tidy frame's invariants, for any reply the NetServer could send (property-based)."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stats_client import ALL_PANELS, COLUMNS, PanelType
from stats_client.cli import write_csv, write_json
from stats_client.frames import DataSet, DataValue, PanelData, empty_frame, panel_frame, to_frame

# Labels as a NetServer may send them: nil, empty, any Unicode (surrogates cannot travel in
# XML and are excluded), markup, very long.
texts = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(["<b>bold</b>", "&amp;", "<script>alert(1)</script>", "Støtte ☃ 日本語",
                     "x" * 5000, "", " ", "line\nbreak", 'quote " and , comma']),
)
numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0.0, -0.0, 5e-324, 1e308]))
values = st.builds(DataValue, texts, numbers, texts)
datasets = st.builds(DataSet, texts, texts, st.lists(values, max_size=8).map(tuple))


@st.composite
def replies(draw: st.DrawFn) -> list[PanelData]:
    """Distinct panels, each with zero or more data sets (some empty)."""
    panels = draw(st.lists(st.sampled_from(list(PanelType)), unique=True, max_size=6))
    return [PanelData(p, tuple(draw(st.lists(datasets, max_size=4)))) for p in panels]


def flat(reply: list[PanelData]) -> list[tuple[PanelData, int, DataSet, int, DataValue]]:
    return [(item, d, ds, pos, v) for item in reply for d, ds in enumerate(item.datasets)
            for pos, v in enumerate(ds.values)]


def same_float(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@settings(max_examples=100, deadline=None)
@given(replies())
def test_one_row_per_value_with_exact_columns(reply: list[PanelData]) -> None:
    frame = to_frame(reply)
    rows = flat(reply)
    assert list(frame.columns) == list(COLUMNS)
    assert dict(frame.dtypes.astype(str)) == COLUMNS
    assert len(frame) == len(rows)
    assert frame.index.tolist() == list(range(len(rows)))
    for i, (item, d, ds, pos, v) in enumerate(rows):
        assert frame.at[i, "panel"] == item.panel.wire_name
        assert (frame.at[i, "dataset"], frame.at[i, "position"]) == (d, pos)
        for column, expected in (("label", v.label), ("description", v.description),
                                 ("dataset_label", ds.label),
                                 ("dataset_description", ds.description)):
            # Nil stays missing (never "" or "None"); text, markup included, stays as is.
            got = frame.at[i, column]
            assert (got is pd.NA) if expected is None else got == expected
        assert same_float(frame.at[i, "value"], v.value)


@settings(max_examples=60, deadline=None)
@given(replies())
def test_positions_count_from_zero_within_each_data_set(reply: list[PanelData]) -> None:
    frame = to_frame(reply)
    for (_panel, _ds), rows in frame.groupby(["panel", "dataset"], sort=False):
        assert rows["position"].tolist() == list(range(len(rows)))


@settings(max_examples=60, deadline=None)
@given(replies())
def test_csv_round_trip_keeps_the_values(reply: list[PanelData]) -> None:
    frame = to_frame(reply)
    out = io.StringIO()
    write_csv(frame, out, raw=True)  # as it is (the safe form: tests/test_cli_safe_output.py)
    back = pd.read_csv(io.StringIO(out.getvalue()), dtype={"panel": "string", "label": "string",
                       "description": "string", "dataset_label": "string",
                       "dataset_description": "string"}, keep_default_na=False,
                       na_values={"value": [""]})
    assert len(back) == len(frame)
    if frame.empty:
        return
    assert back["panel"].tolist() == frame["panel"].tolist()
    assert back["dataset"].tolist() == frame["dataset"].tolist()
    assert back["position"].tolist() == frame["position"].tolist()
    assert np.array_equal(back["value"].to_numpy(float), frame["value"].to_numpy(float),
                          equal_nan=True)
    # CSV has one spelling for nil and empty: both read back as "".
    assert back["label"].tolist() == frame["label"].fillna("").tolist()


@settings(max_examples=60, deadline=None)
@given(replies())
def test_json_records_round_trip(reply: list[PanelData]) -> None:
    frame = to_frame(reply)
    out = io.StringIO()
    write_json(frame, out)
    records = json.loads(out.getvalue())  # strict JSON: no NaN or Infinity tokens
    assert len(records) == len(frame)
    for rec, (_item, d, ds, pos, v) in zip(records, flat(reply), strict=True):
        assert set(rec) == set(COLUMNS)
        assert (rec["dataset"], rec["position"]) == (d, pos)
        assert rec["label"] == v.label
        assert rec["dataset_label"] == ds.label
        assert rec["value"] == (v.value if math.isfinite(v.value) else None)


@pytest.mark.parametrize("reply", [
    [],
    [PanelData(PanelType.Hotlist, ())],
    [PanelData(PanelType.Hotlist, (DataSet(None, None, ()), DataSet("x", None, ())))],
])
def test_no_values_gives_the_empty_frame(reply: list[PanelData]) -> None:
    frame = to_frame(reply)
    assert frame.empty
    pd.testing.assert_frame_equal(frame, empty_frame())


def test_data_set_index_counts_empty_data_sets() -> None:
    """An empty data set keeps its number, so series stay matched to their labels."""
    reply = [PanelData(PanelType.UserReponseTimePerWeek, (
        DataSet("a", None, (DataValue("w1", 1.0, None),)),
        DataSet("b", None, ()),
        DataSet("c", None, (DataValue("w1", 3.0, None),)),
    ))]
    frame = to_frame(reply)
    assert frame["dataset"].tolist() == [0, 2]
    assert frame["dataset_label"].tolist() == ["a", "c"]


def test_panel_frame_selects_one_panel_with_a_fresh_index() -> None:
    reply = [PanelData(p, (DataSet(p.title, None, (DataValue("v", float(p), None),)),))
             for p in ALL_PANELS]
    frame = to_frame(reply)
    one = panel_frame(frame, PanelType.Hotlist)
    assert one.index.tolist() == [0]
    assert one["value"].tolist() == [float(PanelType.Hotlist)]
    assert panel_frame(frame, PanelType.None_).empty
