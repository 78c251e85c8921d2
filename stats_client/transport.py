"""The HTTP side of the clients: zeep's transport with a size limit, a deadline, no body logs.

zeep's own transport reads whole replies into memory, has no operation timeout by default,
follows redirects with the body (ticket, password) and logs request bodies at DEBUG. This one
streams, stops past the limit or the deadline, refuses redirects, and reports replies that are
not SOAP at all (an HTML page, a 401) as `HttpReplyError` for the client to turn into a sentence.
`read_body` and `redirect_refusal` are shared with the REST client and the Online login.

    >>> t = LimitedTransport(timeout=10, max_reply_bytes=1 << 20)
    >>> t.operation_timeout
    10
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from zeep.exceptions import DTDForbidden
from zeep.transports import Transport
from zeep.utils import get_media_type

from .errors import InvalidReply, NetServerUnreachable, StatsClientError

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024
#: Media types a SOAP 1.1 reply may come with (no Content-Type: zeep assumes text/xml).
_XML_TYPES = frozenset({"text/xml", "application/xml", "application/soap+xml", "multipart/related"})
_DOCTYPE_MARKERS = tuple(
    variant
    for text in ("<!DOCTYPE", "<!doctype")
    for variant in (text.encode("ascii"), text.encode("utf-16-le"), text.encode("utf-16-be"))
)
#: Statuses that never carry a SOAP envelope worth parsing.
_NOT_SOAP_STATUSES = frozenset({401, 403, 404, 405, 407, 502, 503, 504})


class HttpReplyError(Exception):
    """The HTTP reply is not a SOAP envelope (wrong status or media type); internal only."""

    def __init__(self, status: int, media_type: str, url: str) -> None:
        super().__init__(f"HTTP {status} ({media_type or 'no content type'}) from {url}")
        self.status = status
        self.media_type = media_type
        self.url = url


class LimitedTransport(Transport):
    """A zeep transport that bounds every reply in size and time.

    `allowed_origin` (scheme://host:port) restricts WSDL and schema loading to the NetServer
    itself, so a server WSDL cannot make us fetch from elsewhere.
    """

    def __init__(self, *, timeout: float, max_reply_bytes: int, verify_tls: bool = True,
                 session: requests.Session | None = None,
                 allowed_origin: str | None = None) -> None:
        own_session = session is None
        session = session or requests.Session()
        session.verify = verify_tls
        super().__init__(  # type: ignore[no-untyped-call]  # zeep's __init__ has no hints
            cache=None, timeout=timeout, operation_timeout=timeout, session=session)
        self._close_session = own_session
        # zeep mounts a file:// adapter on the session; a reply or WSDL must never reach files.
        self.session.adapters.pop("file://", None)
        self.max_reply_bytes = max_reply_bytes
        self.allowed_origin = allowed_origin
        self.session.headers["User-Agent"] = "service-status-board (zeep)"

    # -- operations ------------------------------------------------------------------------
    # Redirects are never followed: requests would re-send a 307/308 body (ticket, password)
    # to wherever the Location points, and a redirected WSDL would dodge `allowed_origin`.
    def post(self, address: str, message: bytes | str,
             headers: dict[str, str]) -> requests.Response:
        # No debug log of `message`: the envelope carries the ticket and the password.
        deadline = time.monotonic() + self._timeout()
        response = self.session.post(address, data=message, headers=headers,
                                     timeout=self.operation_timeout, stream=True,
                                     allow_redirects=False)
        return self._finish(response, address, soap=True, deadline=deadline)

    def get(self, address: str, params: dict[str, Any] | None,
            headers: dict[str, str] | None) -> requests.Response:
        deadline = time.monotonic() + self._timeout()
        response = self.session.get(address, params=params, headers=headers,
                                    timeout=self.operation_timeout, stream=True,
                                    allow_redirects=False)
        return self._finish(response, address, soap=True, deadline=deadline)

    # -- WSDL and schema documents ---------------------------------------------------------
    def _load_remote_data(self, url: str) -> bytes:
        if self.allowed_origin is not None and origin(url) != self.allowed_origin:
            raise InvalidReply(
                f"The server's WSDL refers to a document on another server ({origin(url)}); "
                "it was not fetched. Unset SUPEROFFICE_USE_SERVER_WSDL to use the bundled WSDL."
            )
        deadline = time.monotonic() + self._timeout()
        response = self.session.get(url, timeout=self.load_timeout, stream=True,
                                    allow_redirects=False)
        response = self._finish(response, url, soap=False, deadline=deadline)
        if response.status_code != 200:
            raise HttpReplyError(response.status_code, _media_type(response), url)
        return response.content

    # -- shared ----------------------------------------------------------------------------
    def _timeout(self) -> float:
        return float(self.operation_timeout or self.load_timeout)

    def _finish(self, response: requests.Response, url: str, *, soap: bool,
                deadline: float) -> requests.Response:
        """Check status and media type, then read the body within the size and time limits."""
        try:
            refusal = redirect_refusal(response, url, where="The NetServer",
                                       check="use the final URL in SUPEROFFICE_URL")
            if refusal is not None:
                raise refusal
            media_type = _media_type(response)
            if response.status_code in _NOT_SOAP_STATUSES or (
                soap and media_type not in _XML_TYPES
            ):
                raise HttpReplyError(response.status_code, media_type, url)
            body = read_body(response, limit=self.max_reply_bytes, deadline=deadline,
                             too_large=lambda: _too_large(self.max_reply_bytes),
                             too_slow=lambda: NetServerUnreachable(
                                 f"The NetServer at {origin(response.url or url)} did not "
                                 f"finish its reply within {_seconds(self._timeout())}; check "
                                 "that it is not overloaded, or raise SUPEROFFICE_TIMEOUT."))
            if soap and has_doctype(body):
                # Refused before any parser sees it: no entity, external DTD or bomb is touched.
                raise DTDForbidden("unparsed", None, None)  # type: ignore[no-untyped-call]
        finally:
            response.close()
        # zeep reads `.content`; hand it the bytes already read (requests' documented cache).
        response._content = body
        response._content_consumed = True
        return response


# -- shared by every HTTP client in stats_client ------------------------------------------------
def read_body(response: requests.Response, *, limit: int, deadline: float,
              too_large: Callable[[], StatsClientError],
              too_slow: Callable[[], StatsClientError]) -> bytes:
    """A streamed body, refused past `limit` bytes or past `deadline` (time.monotonic()).

    requests' timeout bounds each socket read; the deadline bounds the whole reply, so a server
    that drips one byte at a time cannot hold the caller (the poller's only thread) for ever.
    Lower errors come out as requests' exceptions, as with `iter_content`.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large()
    parts: list[bytes] = []
    size = 0
    # read1 returns after one socket read, so the deadline is checked however slowly bytes
    # come; it also bounds what one compressed chunk may inflate to.
    while chunk := _read1(response):
        size += len(chunk)
        if size > limit:
            raise too_large()
        if time.monotonic() > deadline:
            raise too_slow()
        parts.append(chunk)
    return b"".join(parts)


def redirect_refusal(response: requests.Response, url: str, *, where: str,
                     check: str) -> InvalidReply | None:
    """InvalidReply for a 3xx answer (call with allow_redirects=False), else None.

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
    return InvalidReply(
        f"{where} at {origin(url)} answered HTTP {status}, a redirect {to}; redirects are not "
        f"followed, so that credentials are never sent elsewhere. Check the address: {check}."
    )


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


def has_doctype(body: bytes) -> bool:
    """Whether a reply declares a DTD (in UTF-8 or UTF-16), which no SOAP reply may do."""
    return any(marker in body for marker in _DOCTYPE_MARKERS)


def _media_type(response: requests.Response) -> str:
    content_type = response.headers.get("Content-Type")
    if not content_type:
        return "text/xml"
    return str(get_media_type(content_type)).lower()  # type: ignore[no-untyped-call]


def _too_large(limit: int) -> InvalidReply:
    return InvalidReply(
        f"The NetServer's reply is larger than {limit} bytes and was refused; "
        "raise SUPEROFFICE_MAX_REPLY_BYTES if the desk really is that large."
    )


def origin(url: str) -> str:
    """`scheme://host:port` of a URL, the port spelt out."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{parts.scheme}://{host}:{port}"


def _seconds(value: float | None) -> str:
    return "no time limit" if value is None else f"{value:g} s"
