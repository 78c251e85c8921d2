"""Everything that knows SuperOffice: settings, clients, frames, the poller, the demo server.

Never imports streamlit.
"""

from .client import StatsClient, open_client
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
from .rest import RestClient
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
    "RestClient",
    "ServiceError",
    "Settings",
    "Snapshot",
    "StatsClient",
    "StatsClientError",
    "empty_frame",
    "open_client",
    "to_frame",
]
