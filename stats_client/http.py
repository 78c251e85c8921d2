"""The one HTTP edge: sessions, bounded requests, lower errors → ours, and `redact`.

Every request stats_client makes (zeep's SOAP calls and WSDL loads, the REST WebAPI, the
SuperOffice Online login and its JWKS) goes through `bounded_request`:

- redirects are never followed: requests would re-send a 307/308 body (ticket, password, signed
  token) to wherever the Location points; a redirect is refused with a sentence instead;
- the body is streamed and refused past a size limit or past a whole-reply deadline;
- requests' and urllib3's errors become `NetServerUnreachable`, raised from the cause.

A `Peer` names who answers in the sentences ("the REST WebAPI at …") and what to check.

    >>> redact("ticket 7T:abc refused", ["7T:abc"])
    'ticket *** refused'
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from .errors import AuthenticationFailed, InvalidReply, NetServerUnreachable, StatsClientError

_CHUNK = 64 * 1024
_REDACTED = "***"
#: Server text is cut to this length for one line on a wall screen or in a log.
_MAX_SHOWN = 300


@dataclass(frozen=True, slots=True)
class Peer:
    """Who answers a request, in the words of our error sentences (never a secret)."""

    name: str  # "the NetServer", "the REST WebAPI", "the SuperOffice Online login service"
    where: str  # the address shown: no query, no credentials
    check: str = "SUPEROFFICE_URL and that the server is running"  # when it cannot be reached
    redirect_check: str = "use the final URL in SUPEROFFICE_URL"
    size_hint: str = "raise SUPEROFFICE_MAX_REPLY_BYTES if the desk really is that large"
    expects: str = "the reply it should send"  # "a SOAP reply", "JSON"
    missing: str = "Check SUPEROFFICE_URL."  # what to check when nothing answers there (404)

    @property
    def subject(self) -> str:
        """"The NetServer at https://…", to begin a sentence."""
        return f"{self.name[:1].upper()}{self.name[1:]} at {self.where}"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One reply as it came off the wire (for `capture`): status, Content-Type, body bytes."""

    status: int
    content_type: str
    body: bytes = field(repr=False)


#: Sees each reply `bounded_request` read whole (the wires record the last one).
Observer = Callable[[Exchange], None]


def new_session(*, verify_tls: bool, agent: str,
                session: requests.Session | None = None) -> requests.Session:
    """A session (or the given one) set up for the edge: TLS verification and our user agent.

    No `max_redirects=0`: requests would raise TooManyRedirects for any 3xx even when not
    following it, losing the status; `bounded_request` refuses redirects itself.
    """
    session = session or requests.Session()
    session.verify = verify_tls
    session.headers["User-Agent"] = f"service-status-board ({agent})"
    return session


def bounded_request(session: requests.Session, method: str, url: str, *, peer: Peer,
                    timeout: float, limit: int,
                    before_body: Callable[[requests.Response], None] | None = None,
                    observe: Observer | None = None, **kwargs: Any) -> requests.Response:
    """One request whose reply is read whole within `limit` bytes and `timeout` seconds.

    `before_body` sees the status and headers first and may raise to refuse the reply unread;
    `observe` sees the reply read (status, Content-Type, body).
    The returned response is closed, its `.content` the bytes read. Redirects and lower
    errors raise the `errors` family (see the module's docstring).
    """
    deadline = time.monotonic() + timeout
    try:
        response = _send(session, method, url, peer, timeout=timeout, **kwargs)
        try:
            refusal = redirect_refusal(response, url, peer)
            if refusal is not None:
                raise refusal
            if before_body is not None:
                before_body(response)
            body = read_body(response, limit=limit, deadline=deadline, peer=peer,
                             timeout=timeout)
        finally:
            response.close()
    except requests.RequestException as exc:
        raise unreachable(exc, peer, timeout) from exc
    # Callers (zeep among them) read `.content`: hand them the bytes already read, as
    # requests' own cache does.
    response._content = body
    response._content_consumed = True
    if observe is not None:
        observe(Exchange(response.status_code, response.headers.get("Content-Type") or "", body))
    return response


def _send(session: requests.Session, method: str, url: str, peer: Peer, *, timeout: float,
          **kwargs: Any) -> requests.Response:
    """The request, unread. A header that cannot be sent (a line break or control character in
    a ticket or token) is refused with a sentence that has no cause and no context: requests'
    own error quotes the header's value, the credential itself."""
    try:
        return session.request(method, url, timeout=timeout, stream=True,
                               allow_redirects=False, **kwargs)
    except requests.exceptions.InvalidHeader:
        pass  # raised below, outside this handler, so that nothing chains the secret
    raise InvalidReply(
        f"The request to {peer.name} at {peer.where} was not sent: a credential in its headers "
        "holds a line break or another character HTTP does not allow (from the settings, or "
        "a ticket the login service sent). Check the SUPEROFFICE_* credentials.")


def read_body(response: requests.Response, *, limit: int, deadline: float, peer: Peer,
              timeout: float) -> bytes:
    """A streamed body, refused past `limit` bytes or past `deadline` (time.monotonic()).

    requests' timeout bounds each socket read; the deadline bounds the whole reply, so a server
    that drips one byte at a time cannot hold the caller (the poller's only thread) for ever.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(peer, limit)
    parts: list[bytes] = []
    size = 0
    # read1 returns after one socket read, so the deadline is checked however slowly bytes
    # come; it also bounds what one compressed chunk may inflate to.
    while chunk := _read1(response):
        size += len(chunk)
        if size > limit:
            raise _too_large(peer, limit)
        if time.monotonic() > deadline:
            raise NetServerUnreachable(
                f"{peer.subject} did not finish its reply within {timeout:g} s; check that it "
                "is not overloaded, or raise SUPEROFFICE_TIMEOUT.")
        parts.append(chunk)
    return b"".join(parts)


def redirect_refusal(response: requests.Response, url: str, peer: Peer) -> InvalidReply | None:
    """InvalidReply for a 3xx answer (sent with allow_redirects=False), else None.

    The message names only the target's origin: a Location may carry a ticket in its query.
    """
    status = response.status_code
    if not 300 <= status < 400:
        return None
    location = response.headers.get("Location")
    try:
        target = origin(urljoin(url, location)) if location else None
    except ValueError:  # a port that is not a number
        target = None
    to = f"to {target}" if target else "with no usable Location"
    name = f"{peer.name[:1].upper()}{peer.name[1:]}"
    return InvalidReply(
        f"{name} at {origin(url)} answered HTTP {status}, a redirect {to}; redirects are not "
        f"followed, so that credentials are never sent elsewhere. Check the address: "
        f"{peer.redirect_check}."
    )


# -- lower errors → ours ---------------------------------------------------------------------------
def unreachable(exc: BaseException, peer: Peer, timeout: float) -> NetServerUnreachable:
    """The sentence for a request that failed below HTTP: TLS, timeout, connection."""
    if isinstance(exc, requests.exceptions.SSLError):
        if "certificate" in repr(exc).lower():
            return NetServerUnreachable(
                f"Cannot reach {peer.name} at {peer.where}: the TLS handshake failed "
                "(certificate not trusted or not valid for this host). Check the server's "
                "certificate, or SUPEROFFICE_VERIFY_TLS for a test server.")
        return NetServerUnreachable(  # e.g. https:// to a port that speaks plain HTTP
            f"Cannot reach {peer.name} at {peer.where}: the TLS handshake failed (the server "
            "did not answer in TLS). Check the address's scheme and port: https:// to a port "
            "that serves plain http:// fails this way.")
    if isinstance(exc, requests.exceptions.Timeout):
        return NetServerUnreachable(
            f"{peer.subject} did not answer within {timeout:g} s; check that it is running and "
            "not overloaded, or raise SUPEROFFICE_TIMEOUT.")
    return NetServerUnreachable(
        f"Cannot reach {peer.name} at {peer.where}: {connection_reason(exc)}. "
        f"Check {peer.check}.")


def connection_reason(exc: BaseException) -> str:
    """Why a connection failed, in words, read from the exception chain's text."""
    text = repr(exc).lower()
    if "refused" in text:
        return "connection refused"
    if any(s in text for s in ("name or service not known", "nodename nor servname",
                               "getaddrinfo", "nameresolution", "name resolution",
                               "failed to resolve")):
        return "the host name does not resolve"
    if any(s in text for s in ("reset", "aborted", "disconnected", "broken pipe",
                               "incompleteread", "incomplete", "prematurely", "chunked")):
        return "the connection was closed in the middle of the reply"
    if "unreachable" in text:
        return "the network is unreachable"
    return "the connection failed"


#: Statuses that carry no reply worth parsing, whatever the body: `status_error` words them.
PLAIN_STATUSES = frozenset({401, 403, 404, 405, 407, 502, 503, 504})


def status_error(status: int, media: str, peer: Peer, *, refusal_hint: str,
                 said: str = "") -> StatsClientError:
    """The error for an HTTP status that carries no usable reply (`said`: the server's words)."""
    said_part = f" ({said})" if said else ""
    if status in (401, 403, 407):
        what = "refused the credentials" if status == 401 else "refused access"
        return AuthenticationFailed(
            f"{peer.subject} {what} (HTTP {status}){said_part}. {refusal_hint}")
    if status in (404, 405):
        return InvalidReply(f"Nothing answers for {peer.name} at {peer.where} (HTTP {status}). "
                            f"{peer.missing}")
    if status in (502, 503, 504):
        return NetServerUnreachable(
            f"{peer.subject} is unavailable (HTTP {status} from the server or a proxy in front "
            "of it). Check that it is running.")
    return unexpected_media(status, media, peer)


def unexpected_media(status: int, media: str, peer: Peer) -> InvalidReply:
    """A reply of the wrong kind: an HTML page, a JSON body where XML belongs, and so on."""
    what = "an HTML page" if "html" in media else f"'{media or 'untyped'}' content"
    return InvalidReply(
        f"{peer.subject} answered HTTP {status} with {what} instead of {peer.expects}. Check "
        "that the address points at it and not at a web page or proxy.")


def media_type(response: requests.Response, default: str = "") -> str:
    """The reply's media type, lower case, without parameters."""
    content_type = response.headers.get("Content-Type") or ""
    return content_type.split(";", 1)[0].strip().lower() or default


# -- secrets ---------------------------------------------------------------------------------------
def redact(text: str | None, secrets: Iterable[str | None]) -> str:
    """`text` with every secret replaced by ***, flattened to one line and shortened for display.

    Secrets shorter than three characters are not searched for: replacing every "a" would say
    nothing and hide all.
    """
    out = " ".join(_replace_secrets(text or "", _searched(secrets)).split())
    return out[:_MAX_SHOWN] + ("…" if len(out) > _MAX_SHOWN else "")


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """The whole of `text` (a reply body) with every secret replaced by ***, also where it is
    spelt as XML or JSON escape it; nothing else changed.

    >>> scrub('<T>a&amp;b-secret</T>', ["a&b-secret"])
    '<T>***</T>'
    """
    spellings = set()
    for secret in _searched(secrets):
        spellings |= {secret, html.escape(secret, quote=False), html.escape(secret),
                      json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return _replace_secrets(text, spellings)


def _searched(secrets: Iterable[str | None]) -> set[str]:
    return {s for s in secrets if s and len(s) >= 3}


def _replace_secrets(text: str, secrets: set[str]) -> str:
    # Longest first, so that a secret containing another is replaced whole.
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, _REDACTED)
    return text


# -- helpers ---------------------------------------------------------------------------------------
def origin(url: str) -> str:
    """`scheme://host:port` of a URL, the port spelt out."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{parts.scheme}://{host}:{port}"


def _read1(response: requests.Response) -> bytes:
    """Up to one chunk of decoded body; urllib3's errors as requests' (as iter_content does)."""
    try:
        return bytes(response.raw.read1(_CHUNK, decode_content=True))
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc) from exc
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError, OSError) as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc


def _too_large(peer: Peer, limit: int) -> InvalidReply:
    return InvalidReply(f"The reply from {peer.name} at {peer.where} is larger than {limit} "
                        f"bytes and was refused; {peer.size_hint}.")
