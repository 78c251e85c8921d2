"""The demo NetServer: a real HTTP server that speaks NetServer Services87 SOAP 1.1, backed by a
seeded, time-driven help-desk model, with fault injection for tests and demonstrations.

    >>> from stats_client.simulator import DemoNetServer, Fault
    >>> with DemoNetServer() as srv:                  # doctest: +SKIP
    ...     srv.set_fault(Fault.DOWN)
"""

from .cli import main
from .model import DATASETS_PER_PANEL, STATUS_TILE, HelpDeskModel
from .server import (
    EXC_APP_TOKEN,
    EXC_SECURITY,
    EXC_SERVICE,
    EXC_SESSION_EXPIRED,
    DemoNetServer,
    Fault,
    Request,
    RouteHandler,
)

__all__ = [
    "DATASETS_PER_PANEL",
    "EXC_APP_TOKEN",
    "EXC_SECURITY",
    "EXC_SERVICE",
    "EXC_SESSION_EXPIRED",
    "STATUS_TILE",
    "DemoNetServer",
    "Fault",
    "HelpDeskModel",
    "Request",
    "RouteHandler",
    "main",
]
