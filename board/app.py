"""The board as one ASGI app: Streamlit's `st.App` on the shipped dashboard.py, whose lifespan
starts the deployment before the server takes its first request and stops it at shutdown
(SIGTERM or Ctrl-C: the last poll written, the poll lease released).

    >>> options = streamlit_options(port=8501, address="127.0.0.1")
    >>> options["server.port"], options["client.showErrorDetails"]
    (8501, 'none')
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import anyio
import streamlit as st
from starlette.middleware import Middleware

from statusboard import site
from statusboard.access import DisplayIdMiddleware, DisplayKeyMiddleware, DisplayKeys
from statusboard.deployment import FIRST_POLL_WAIT_S, Deployment

log = logging.getLogger(__name__)


def make_app(deployment: Deployment, keys: DisplayKeys | None = None) -> st.App:
    """The ASGI app serving the board, with `deployment` started in its lifespan; with display
    `keys`, only to browsers that brought one (statusboard.access), checked before anything of
    Streamlit's runs; each browser named by its id cookie (the displays the alerts watch)."""

    @asynccontextmanager
    async def lifespan(_app: st.App) -> AsyncIterator[dict[str, Any]]:
        # Blocking work (opening the store, the first poll) on a worker thread: the event
        # loop stays free.
        await anyio.to_thread.run_sync(partial(deployment.start,
                                               wait_first_poll=FIRST_POLL_WAIT_S))
        try:
            yield {"deployment": deployment}
        finally:
            await anyio.to_thread.run_sync(deployment.stop)

    # The key first: a browser without one is turned away before anything else runs.
    middleware = [Middleware(DisplayKeyMiddleware, keys=keys)] \
        if keys is not None and keys.required else []
    middleware.append(Middleware(DisplayIdMiddleware))
    return st.App(site.entry_script(), lifespan=lifespan, middleware=middleware)


def streamlit_options(*, port: int, address: str) -> dict[str, Any]:
    """Streamlit's settings for the board: the shipped .streamlit/config.toml (theme, message
    caching, no file watcher, no error details), the listener, and no browser opened."""
    options = _flatten(tomllib.loads(site.streamlit_config().read_text("utf-8")))
    options.update({"server.port": port, "server.address": address, "server.headless": True,
                    "browser.gatherUsageStats": False})
    return options


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out
