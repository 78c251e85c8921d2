"""Everything that knows SuperOffice: settings, clients, frames, the poller.

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
from .online import (
    AUTHENTICATE_PATH,
    CONTEXT_CLAIM,
    ISSUER,
    JWKS_PATH,
    SERIAL_CLAIM,
    TICKET_CLAIM,
)
from .panels import ALL_PANELS, PanelKind, PanelType
from .poller import Poller, Snapshot
from .rest import RestClient
from .settings import REST_STATISTICS_PATH, Settings

__all__ = [
    "ALL_PANELS",
    "AUTHENTICATE_PATH",
    "COLUMNS",
    "CONTEXT_CLAIM",
    "ISSUER",
    "JWKS_PATH",
    "REST_STATISTICS_PATH",
    "SERIAL_CLAIM",
    "TICKET_CLAIM",
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
