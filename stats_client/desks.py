"""Desks: a desk is one NetServer site or tenant, named by where its numbers come from.

Its key is the site's URL, normalised (scheme and host in lower case, no default port, the path
up to the site or tenant in lower case, no `/Remote/Services87/….svc`), with the Online tenant
when the URL does not already end with it. Transport and credentials do not change it: the same
site over SOAP and over REST is one desk, and a new password is the same desk. The in-process
demo NetServer is the desk `demo`. Every stored row, lease, snapshot and metric carries its
desk, so nothing is ever drawn for a desk it did not come from.

    >>> from stats_client.settings import Settings
    >>> desk_key(Settings(url="HTTPS://CRM.example.com:443/Cust1/Remote/Services87/"
    ...                        "CustomerService.svc"))
    'https://crm.example.com/cust1'
    >>> lease_name("https://crm.example.com/cust1")
    'poll 4ced2a4c52b95411'
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from .settings import Settings

#: The in-process demo NetServer's desk.
DEMO = "demo"
#: Rows a store kept from before desks existed: kept and exportable, never drawn for a desk.
UNATTRIBUTED = "unattributed"

_DEFAULT_PORTS = {"http": 80, "https": 443}


def desk_key(settings: Settings) -> str:
    """The desk `settings` poll: the normalised site URL (and the Online tenant)."""
    parts = urlsplit(settings.site_url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = parts.path.rstrip("/").lower()
    key = f"{scheme}://{netloc}{path}"
    context = (settings.context or "").strip().lower()
    if context and path.rsplit("/", 1)[-1] != context:
        key += f"#{context}"
    return key


def lease_name(desk: str) -> str:
    """The poll lease of `desk`: short and fixed in length, whatever the URL."""
    return "poll " + hashlib.blake2b(desk.encode(), digest_size=8).hexdigest()
