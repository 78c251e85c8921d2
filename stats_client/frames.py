"""Pure functions: plain records of a GetStatistics reply → one tidy DataFrame.

One row per `StatisticsDataValue`:

    panel               string   wire name of the panel type (e.g. "OpenRequestsPerCategory")
    dataset             int64    index of the StatisticsDataSet within its panel, from 0
    dataset_label       string   the data set's Label (series name), <NA> when nil
    dataset_description string   the data set's Description, <NA> when nil
    position            int64    index of the value within its data set, from 0
    label               string   the value's Label (category or period), <NA> when nil
    value               float64  the value's Value (NaN survives)
    description         string   the value's Description (tooltip text), <NA> when nil

    >>> to_frame([PanelData(PanelType.UnassignedRequests,
    ...     (DataSet("Unassigned", None, (DataValue("Unassigned", 4.0, None),)),))]).value.tolist()
    [4.0]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .panels import PanelType


@dataclass(frozen=True, slots=True)
class DataValue:
    label: str | None
    value: float
    description: str | None


@dataclass(frozen=True, slots=True)
class DataSet:
    label: str | None
    description: str | None
    values: tuple[DataValue, ...]


@dataclass(frozen=True, slots=True)
class PanelData:
    """The data sets the NetServer returned for one requested panel type."""

    panel: PanelType
    datasets: tuple[DataSet, ...]


COLUMNS: dict[str, str] = {
    "panel": "string",
    "dataset": "int64",
    "dataset_label": "string",
    "dataset_description": "string",
    "position": "int64",
    "label": "string",
    "value": "float64",
    "description": "string",
}


def empty_frame() -> pd.DataFrame:
    """A frame with the tidy columns and dtypes and no rows."""
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in COLUMNS.items()})


def to_frame(panels: Iterable[PanelData]) -> pd.DataFrame:
    """Flatten panel data into the tidy frame, in reply order."""
    cols: dict[str, list[object]] = {name: [] for name in COLUMNS}
    for item in panels:
        for ds_index, ds in enumerate(item.datasets):
            for pos, val in enumerate(ds.values):
                cols["panel"].append(item.panel.wire_name)
                cols["dataset"].append(ds_index)
                cols["dataset_label"].append(ds.label)
                cols["dataset_description"].append(ds.description)
                cols["position"].append(pos)
                cols["label"].append(val.label)
                cols["value"].append(float(val.value))
                cols["description"].append(val.description)
    if not cols["panel"]:
        return empty_frame()
    return pd.DataFrame(
        {name: pd.Series(cols[name], dtype=dtype) for name, dtype in COLUMNS.items()})


def panel_frame(frame: pd.DataFrame, panel: PanelType) -> pd.DataFrame:
    """The rows of one panel, index reset."""
    return frame.loc[frame["panel"] == panel.wire_name].reset_index(drop=True)
