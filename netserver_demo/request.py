"""What a route of the demo NetServer receives and answers; the server and every route share it.

    >>> def hello(req: Request) -> Reply:
    ...     return 200, {"Content-Type": "text/plain"}, b"hello " + req.body
    >>> hello(Request("POST", "/hi", "", {}, b"you"))[2]
    b'hello you'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    """An HTTP request as a route sees it."""

    method: str
    path: str  # without the query string
    query: str
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str:
        """The header's value, its name matched case-insensitively; "" when absent."""
        low = name.lower()
        for key, value in self.headers.items():
            if key.lower() == low:
                return value
        return ""


#: (status, headers, body)
Reply = tuple[int, Mapping[str, str], bytes]

#: handler(request) -> (status, headers, body)
RouteHandler = Callable[[Request], Reply]
