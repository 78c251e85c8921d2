"""Everything that knows SuperOffice: settings, the SOAP client, frames, the poller, the demo server.

Never imports streamlit.
"""

from .errors import (
    AuthenticationFailed,
    ConfigurationError,
    InvalidReply,
    NetServerUnreachable,
    ServiceError,
    StatsClientError,
)
from .frames import COLUMNS, DataSet, DataValue, PanelData, empty_frame, to_frame
from .panels import ALL_PANELS, PanelKind, PanelType
from .poller import Poller, Snapshot
from .settings import Settings

__all__ = [
    "ALL_PANELS",
    "COLUMNS",
    "AuthenticationFailed",
    "ConfigurationError",
    "DataSet",
    "DataValue",
    "InvalidReply",
    "NetServerUnreachable",
    "PanelData",
    "PanelKind",
    "PanelType",
    "Poller",
    "ServiceError",
    "Settings",
    "Snapshot",
    "StatsClientError",
    "empty_frame",
    "to_frame",
]
