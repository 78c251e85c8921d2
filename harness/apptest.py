"""Reading what a Streamlit AppTest run drew: the charts' Vega-Lite specs with their data."""

from __future__ import annotations

import json
from typing import Any

from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df


def charts(at: Any) -> dict[str, dict[str, Any]]:
    """Panel wire name → the chart's Vega-Lite spec with its data put back in (Streamlit moves
    the data out of the spec into Arrow tables)."""
    out = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        spec["datasets"] = {
            ds.name: convert_arrow_bytes_to_pandas_df(ds.data.data).to_dict("records")
            for ds in element.proto.datasets}
        out[spec["usermeta"]["panel"]] = spec
    return out


def records(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every data row of a chart (its named datasets; layers share them)."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]
