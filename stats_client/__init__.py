"""Everything that knows SuperOffice: settings, the client, frames, the poller.

Never imports streamlit.
"""

from .client import StatisticsClient, open_client
from .credentials import Credential
from .errors import (
    AuthenticationFailed,
    ConfigurationError,
    HistoryUnavailable,
    InvalidReply,
    NetServerUnreachable,
    ServiceError,
    StatsClientError,
)
from .frames import COLUMNS, DataSet, DataValue, PanelData, empty_frame, to_frame
from .history import HistoryStore, Lease, Location, Reading, Retention, locate
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
from .recorder import HistoryRecorder, HistoryStatus
from .settings import REST_STATISTICS_PATH, CredentialKind, Settings

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
    "Credential",
    "CredentialKind",
    "DataSet",
    "DataValue",
    "HistoryRecorder",
    "HistoryStatus",
    "HistoryStore",
    "HistoryUnavailable",
    "InvalidReply",
    "Lease",
    "Location",
    "NetServerUnreachable",
    "PanelData",
    "PanelKind",
    "PanelType",
    "Poller",
    "Reading",
    "Retention",
    "ServiceError",
    "Settings",
    "Snapshot",
    "StatisticsClient",
    "StatsClientError",
    "empty_frame",
    "locate",
    "open_client",
    "to_frame",
]
