"""The demo NetServer: a real HTTP server that speaks NetServer Services87 SOAP 1.1 and the REST
WebAPI, backed by a seeded, time-driven help-desk model, with fault injection for tests and
demonstrations, and a demo SuperOffice Online partner login.

It uses only the data side's public names (`stats_client`), never its internals.

    >>> from netserver_demo import DemoNetServer, Fault
    >>> with DemoNetServer() as srv:                  # doctest: +SKIP
    ...     srv.set_fault(Fault.DOWN)

Modules, each depending only on those above it:

    request   Request, Reply, RouteHandler: what a route receives and answers
    state     DemoState: tickets, application token, users, the fault, counters; Fault
    source    DataSource: what GetStatistics answers from; one reply path for both transports
    model     HelpDeskModel: the seeded data behind every panel
    shapes    Shaped, SHAPES: the model spelt and grouped as other NetServers might (--shapes)
    replay    Capture, load_capture, ReplayError: a capture file's replies served again
    soap      SOAP 1.1 wire format and the Services87 endpoint
    rest      the REST WebAPI GetStatistics endpoint
    server    DemoNetServer: the HTTP server composing the routes
    partner   the Online partner login (RS256 JWTs via PyJWT) and its JWKS
    cli       `python -m netserver_demo`: the server with a control port
"""

from .cli import main
from .model import DATASETS_PER_PANEL, STATUS_TILE, HelpDeskModel
from .partner import PartnerFault, PartnerLogin, attach_partner
from .replay import Capture, CapturedPanel, ReplayError, load_capture, parse_capture
from .request import Reply, Request, RouteHandler
from .server import DemoNetServer
from .shapes import SHAPES, Shaped
from .source import DataSource
from .state import (
    EXC_APP_TOKEN,
    EXC_SECURITY,
    EXC_SERVICE,
    EXC_SESSION_EXPIRED,
    DemoState,
    ExceptionInfo,
    Fault,
)

__all__ = [
    "DATASETS_PER_PANEL",
    "EXC_APP_TOKEN",
    "EXC_SECURITY",
    "EXC_SERVICE",
    "EXC_SESSION_EXPIRED",
    "SHAPES",
    "STATUS_TILE",
    "Capture",
    "CapturedPanel",
    "DataSource",
    "DemoNetServer",
    "DemoState",
    "ExceptionInfo",
    "Fault",
    "HelpDeskModel",
    "PartnerFault",
    "PartnerLogin",
    "ReplayError",
    "Reply",
    "Request",
    "RouteHandler",
    "Shaped",
    "attach_partner",
    "load_capture",
    "main",
    "parse_capture",
]
