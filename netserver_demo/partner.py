"""The demo SuperOffice Online login service: partner system-user login and its JWKS.

    POST /Login/api/PartnerSystemUser/Authenticate   signed system user token → JWT with a ticket
    GET  /login/.well-known/jwks                     the public key the JWTs are signed with

It has its own RSA key pair, generated when it is attached. Tests register an application
(its token and public key) and a tenant (context, system user token); tickets it issues are
valid for SOAP and REST GetStatistics on the same demo server.

    >>> partner = attach_partner(srv)                                   # doctest: +SKIP
    >>> partner.register_app("app-token", app_key.public_key())         # doctest: +SKIP
    >>> partner.register_tenant("Cust12345", "App-sys1", "app-token")   # doctest: +SKIP

Failure injection (`set_fault`) forces each refusal the real service gives, whatever the
request: unknown tenant, revoked approval, bad signature, clock skew (the service's clock runs
an hour ahead), and a JWT signed with a key that is not in the JWKS. Expired tickets are the
demo server's own `Fault.EXPIRED_TICKET`.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwt.algorithms import RSAAlgorithm

from stats_client import (
    AUTHENTICATE_PATH,
    CONTEXT_CLAIM,
    ISSUER,
    JWKS_PATH,
    SERIAL_CLAIM,
    TICKET_CLAIM,
)

from .request import Reply, Request
from .server import DemoNetServer

OPERATION = "PartnerSystemUserAuthenticate"
#: How long a ticket the service issues is valid (the JWT's exp), as SuperOffice Online's are.
TICKET_LIFETIME = timedelta(hours=6)
#: How far the signed time may be from the service's clock.
MAX_SKEW = timedelta(minutes=5)
_JSON = {"Content-Type": "application/json; charset=utf-8"}

MSG_UNKNOWN_TENANT = "Unknown context identifier '{ctx}'."
MSG_REVOKED = "The application is not approved for this customer, or the approval was revoked."
MSG_BAD_SIGNATURE = "The signature of the signed system token could not be verified."
MSG_CLOCK = "The timestamp of the signed system token is outside the allowed time window."
MSG_UNKNOWN_APP = "Unknown application token."
MSG_UNKNOWN_SYSTEM_USER = "Unknown system user token."
MSG_MALFORMED = "SignedSystemToken must be '<system user token>.<yyyyMMddHHmm>.<signature>'."


#: The tenant an OTHER_TENANT token names.
OTHER_CONTEXT = "Cust777"


class PartnerFault(Enum):
    NONE = "none"
    UNKNOWN_TENANT = "unknown-tenant"
    REVOKED = "revoked"
    BAD_SIGNATURE = "bad-signature"
    CLOCK_SKEW = "clock-skew"  # the service's clock runs an hour ahead of the client's
    BAD_JWT = "bad-jwt"  # the JWT is signed with a key that is not in the JWKS
    OTHER_TENANT = "other-tenant"  # the JWT names another tenant (ctx) than the one asked for


@dataclass
class _Tenant:
    system_user_token: str
    app_token: str
    approved: bool = True


def _utc(clock: Callable[[], datetime]) -> datetime:
    now = clock()
    return now.astimezone(UTC) if now.tzinfo is not None else now.replace(tzinfo=UTC)


class PartnerLogin:
    """The login service's state: applications, tenants, key pair, faults, issued tickets."""

    def __init__(self, server: DemoNetServer, *, key_bits: int = 2048,
                 clock: Callable[[], datetime] | None = None, serial: str = "4711") -> None:
        self.server = server
        self.clock = clock or server.clock
        self.serial = serial
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=key_bits)
        self.kid = secrets.token_hex(8)
        self._lock = threading.Lock()
        self._apps: dict[str, rsa.RSAPublicKey] = {}
        self._tenants: dict[str, _Tenant] = {}
        self._fault = PartnerFault.NONE
        self._rogue_key: rsa.RSAPrivateKey | None = None
        self.logins = 0  # tickets issued

    def __repr__(self) -> str:
        return f"PartnerLogin(kid={self.kid!r}, fault={self._fault.value!r})"

    @property
    def login_base(self) -> str:
        """What SUPEROFFICE_LOGIN_URL should be: the server's root, without the tenant path."""
        return f"http://127.0.0.1:{self.server.port}"

    # -- configuration -------------------------------------------------------------------------
    def register_app(self, app_token: str, public_key: rsa.RSAPublicKey) -> None:
        with self._lock:
            self._apps[app_token] = public_key

    def register_tenant(self, context: str, system_user_token: str, app_token: str) -> None:
        """The tenant's administrator approved the application: its system user token."""
        with self._lock:
            self._tenants[context.lower()] = _Tenant(system_user_token, app_token)

    def revoke(self, context: str) -> None:
        """The tenant's administrator withdrew the approval."""
        with self._lock:
            self._tenants[context.lower()].approved = False

    def set_fault(self, fault: PartnerFault | str) -> None:
        fault = PartnerFault(fault)
        with self._lock:
            self._fault = fault
            if fault is PartnerFault.BAD_JWT and self._rogue_key is None:
                self._rogue_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def clear_fault(self) -> None:
        self.set_fault(PartnerFault.NONE)

    # -- routes --------------------------------------------------------------------------------
    def jwks(self, req: Request) -> Reply:
        self.server.state.count("jwks")
        return 200, _JSON, json.dumps({"keys": [self.public_jwk()]}).encode()

    def public_jwk(self) -> dict[str, Any]:
        """The public key the JWTs are signed with, as the JWKS lists it."""
        jwk = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def authenticate(self, req: Request) -> Reply:
        self.server.state.count(OPERATION)
        try:
            doc = json.loads(req.body or b"{}")
        except ValueError:
            return 400, _JSON, json.dumps({"Message": "The request is invalid."}).encode()
        if not isinstance(doc, dict):
            return 400, _JSON, json.dumps({"Message": "The request is invalid."}).encode()
        with self._lock:
            fault = self._fault
        result = self._check(doc, fault)
        if isinstance(result, str):
            return self._answer(False, None, result)
        token = self._issue(result, fault)
        return self._answer(True, token, None)

    def _answer(self, ok: bool, token: str | None, error: str | None) -> Reply:
        body = {"IsSuccessful": ok, "Token": token, "ErrorMessage": error or ""}
        return 200, _JSON, json.dumps(body).encode()

    def _check(self, doc: Mapping[str, Any], fault: PartnerFault) -> str | tuple[str, str]:
        """(context, system user token) when the login is good, else the refusal message."""
        ctx = str(doc.get("ContextIdentifier") or "")
        app_token = str(doc.get("ApplicationToken") or "")
        signed = str(doc.get("SignedSystemToken") or "")
        if fault is PartnerFault.UNKNOWN_TENANT:
            return MSG_UNKNOWN_TENANT.format(ctx=ctx)
        if fault is PartnerFault.REVOKED:
            return MSG_REVOKED
        if fault is PartnerFault.BAD_SIGNATURE:
            return MSG_BAD_SIGNATURE
        with self._lock:
            public_key = self._apps.get(app_token)
            tenant = self._tenants.get(ctx.lower())
        if public_key is None:
            return MSG_UNKNOWN_APP
        if tenant is None:
            return MSG_UNKNOWN_TENANT.format(ctx=ctx)
        parts = signed.rsplit(".", 2)
        if len(parts) != 3:
            return MSG_MALFORMED
        system_user_token, stamp, signature = parts
        try:
            sig = base64.b64decode(signature, validate=True)
            public_key.verify(sig, f"{system_user_token}.{stamp}".encode(), padding.PKCS1v15(),
                              hashes.SHA256())
        except (InvalidSignature, binascii.Error, ValueError):
            return MSG_BAD_SIGNATURE
        try:
            signed_at = datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=UTC)
        except ValueError:
            return MSG_MALFORMED
        now = _utc(self.clock)
        if fault is PartnerFault.CLOCK_SKEW:
            now += timedelta(hours=1)
        # The stamp is truncated to the minute: allow that minute on top of the skew.
        if not (now - MAX_SKEW - timedelta(minutes=1) <= signed_at <= now + MAX_SKEW):
            return MSG_CLOCK
        if not secrets.compare_digest(system_user_token.encode(),
                                      tenant.system_user_token.encode()) \
                or tenant.app_token != app_token:
            return MSG_UNKNOWN_SYSTEM_USER
        if not tenant.approved:
            return MSG_REVOKED
        return ctx, system_user_token

    def _issue(self, login: tuple[str, str], fault: PartnerFault) -> str:
        ctx, _ = login
        srv = self.server
        ticket = srv.state.issue_ticket()  # the demo server's own registry: SOAP and REST accept it
        now = _utc(self.clock)
        claims = {
            "iss": ISSUER,
            "aud": f"spn:{self.serial}",
            "sub": "system user",
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + TICKET_LIFETIME).timestamp()),
            TICKET_CLAIM: ticket,
            CONTEXT_CLAIM: OTHER_CONTEXT if fault is PartnerFault.OTHER_TENANT else ctx,
            SERIAL_CLAIM: self.serial,
            "http://schemes.superoffice.net/identity/netserver_url":
                f"{srv.url}/Remote/Services87/",
            "http://schemes.superoffice.net/identity/webapi_url": f"{srv.url}/api/",
        }
        key = self._rogue_key if fault is PartnerFault.BAD_JWT and self._rogue_key else self._key
        with self._lock:
            self.logins += 1
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})


def attach_partner(server: DemoNetServer, **kwargs: Any) -> PartnerLogin:
    """Serve the partner login and JWKS on `server` (at the root, as the login host does)."""
    partner = PartnerLogin(server, **kwargs)
    server.add_route("POST", AUTHENTICATE_PATH, partner.authenticate)
    server.add_route("GET", JWKS_PATH, partner.jwks)
    return partner
