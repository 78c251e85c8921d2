"""A webhook on loopback for the alerts' and digests' tests: Apprise's json:// target posts
each message to it, and it keeps them.

    >>> r = Receiver()
    >>> r.url.startswith("json://127.0.0.1:")
    True
    >>> r.close()
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """A webhook on loopback: every JSON body posted to it, and a status to answer with."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.status = 200
        self.refused = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if owner.status == 200:
                    owner.messages.append(json.loads(body))
                else:
                    owner.refused += 1
                self.send_response(owner.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"json://127.0.0.1:{self.server.server_port}/hook"

    def titles(self) -> list[str]:
        return [m["title"] for m in self.messages]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
