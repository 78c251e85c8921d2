"""The HTTP edge's pure parts: the one `redact`, reasons for failed connections, status errors.

Requests over loopback (redirects, size limits, deadlines, cut connections) are tested through
its three callers: tests/test_client.py (zeep), tests/test_rest.py and tests/test_online.py.
"""

from __future__ import annotations

import traceback

import pytest
import requests

from netserver_demo import DemoNetServer
from stats_client import (
    AuthenticationFailed,
    InvalidReply,
    NetServerUnreachable,
    Settings,
    open_client,
)
from stats_client.errors import StatsClientError
from stats_client.http import Peer, connection_reason, redact, status_error, unreachable
from stats_client.panels import PanelType

REDACTIONS = [
    # text, secrets, shown
    ("ticket 7T:abc refused", ["7T:abc"], "ticket *** refused"),
    ("a b c", ["a", "ab"], "a b c"),  # secrets under three characters are not searched for
    ("key abc and abcdef", ["abc", "abcdef"], "key *** and ***"),  # the longest goes whole
    ("line\none\r\n  two", [], "line one two"),
    (None, ["x"], ""),
    ("x" * 400, [], "x" * 300 + "…"),
]


@pytest.mark.parametrize(("text", "secrets", "shown"), REDACTIONS)
def test_redact_blanks_secrets_and_keeps_one_short_line(text: str | None, secrets: list[str],
                                                        shown: str) -> None:
    assert redact(text, secrets) == shown


REASONS = [
    (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
    (OSError("[Errno -2] Name or service not known"), "the host name does not resolve"),
    (ConnectionResetError(104, "Connection reset by peer"),
     "the connection was closed in the middle of the reply"),
    (OSError("Network is unreachable"), "the network is unreachable"),
    (OSError("something else"), "the connection failed"),
]


@pytest.mark.parametrize(("exc", "reason"), REASONS)
def test_connection_failures_are_named(exc: OSError, reason: str) -> None:
    assert connection_reason(requests.ConnectionError(exc)) == reason


PEER = Peer("the REST WebAPI", "https://host/Cust1/api", expects="JSON",
            missing="Check SUPEROFFICE_URL.")
STATUSES: list[tuple[int, str, type[StatsClientError], str]] = [
    (401, "text/html", AuthenticationFailed, "The REST WebAPI at https://host/Cust1/api refused "
                                             "the credentials (HTTP 401). Check the token."),
    (403, "", AuthenticationFailed, "refused access (HTTP 403)"),
    (404, "text/html", InvalidReply, "(HTTP 404). Check SUPEROFFICE_URL."),
    (503, "text/html", NetServerUnreachable, "is unavailable (HTTP 503"),
    (500, "text/html", InvalidReply, "HTTP 500 with an HTML page instead of JSON"),
    (500, "", InvalidReply, "HTTP 500 with 'untyped' content"),
]


@pytest.mark.parametrize(("status", "media", "error", "says"), STATUSES)
def test_statuses_without_a_usable_reply_become_one_error_each(
        status: int, media: str, error: type[StatsClientError], says: str) -> None:
    got = status_error(status, media, PEER, refusal_hint="Check the token.")
    assert type(got) is error
    assert says in str(got)


def test_tls_and_timeouts_name_the_place_and_what_to_check() -> None:
    tls = unreachable(requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate "
                                                   "verify failed"), PEER, 5)
    late = unreachable(requests.exceptions.ReadTimeout("slow"), PEER, 2.5)
    assert "TLS handshake failed" in str(tls)
    assert "SUPEROFFICE_VERIFY_TLS" in str(tls)
    assert str(late).startswith("The REST WebAPI at https://host/Cust1/api did not answer "
                                "within 2.5 s")


def test_https_to_a_plain_http_port_says_to_check_the_scheme_and_port(
        demo_server: DemoNetServer) -> None:
    """Regression: it said the certificate was not trusted, also with SUPEROFFICE_VERIFY_TLS
    off, and sent the administrator chasing certificates."""
    url = demo_server.url.replace("http://", "https://")
    for verify in (True, False):
        with open_client(Settings(url, verify_tls=verify)) as client, \
                pytest.raises(NetServerUnreachable) as info:
            client.fetch([PanelType.Hotlist])
        assert "the server did not answer in TLS" in str(info.value)
        assert "Check the address's scheme and port" in str(info.value)
        assert "certificate" not in str(info.value)


@pytest.mark.parametrize("header", ["SOTicket 7T:edge-secret\nX-Injected: 1",
                                    "Bearer edge-secret\r\n"])
def test_a_header_that_cannot_be_sent_is_a_sentence_that_chains_no_secret(header: str) -> None:
    """Regression (issue 17): requests' InvalidHeader quotes the header's value; it was
    mapped to "the connection failed" and chained, so a traceback held the credential. (A
    ticket the login service sends can still hold one, whatever Settings refuses.)"""
    from stats_client.http import bounded_request, new_session

    with DemoNetServer() as srv:
        session = new_session(verify_tls=True, agent="test")
        with pytest.raises(InvalidReply) as caught:
            bounded_request(session, "POST", srv.url, peer=Peer("the REST WebAPI", srv.url),
                            timeout=5, limit=1024, headers={"Authorization": header})
    err = caught.value
    assert "was not sent: a credential in its headers holds a line break" in str(err)
    assert err.__cause__ is None
    assert err.__context__ is None
    assert "edge-secret" not in "".join(traceback.format_exception(err))
