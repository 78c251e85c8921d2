"""SuperOffice Online system-user tickets: sign, log in as partner, verify the JWT, cache, renew.

A tenant administrator approves the application once; that yields a long-lived *system user
token*. To get a ticket (valid 6 hours, usable over SOAP and REST) we sign
`"<token>.<UTC yyyyMMddHHmm>"` with the application's RSA key, post it to the partner login
service, verify the JWT it answers with against the service's JWKS, and read the ticket claim.

    >>> key = load_private_key("app.pem")                                    # doctest: +SKIP
    >>> auth = SystemUserAuth(system_user_token="App-x1", private_key=key,   # doctest: +SKIP
    ...                       app_token="…", context="Cust12345",
    ...                       login_base="https://sod.superoffice.com")
    >>> auth.ticket()                                                        # doctest: +SKIP
    '7T:…'

Each ticket request creates a credentials record on the tenant, so tickets are cached: renewed
proactively at `renew_after` (5 h), or at once when the NetServer refuses one that worked. When
fresh tickets are refused too (a setup problem, such as a context for another tenant), new ones
are asked for after a growing wait (5 min, doubling, at most an hour), never in a loop.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import jwt
import requests
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from .errors import AuthenticationFailed, ConfigurationError, InvalidReply, StatsClientError
from .http import Peer, bounded_request, media_type, new_session, redact, status_error

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

TICKET_CLAIM = "http://schemes.superoffice.net/identity/ticket"
CONTEXT_CLAIM = "http://schemes.superoffice.net/identity/ctx"
SERIAL_CLAIM = "http://schemes.superoffice.net/identity/serial"
#: The `iss` SuperOffice puts in system-user JWTs (SuperOffice.SystemUser.Client checks it too).
ISSUER = "SuperOffice AS"
AUTHENTICATE_PATH = "/Login/api/PartnerSystemUser/Authenticate"
JWKS_PATH = "/login/.well-known/jwks"

TICKET_LIFETIME = timedelta(hours=6)
RENEW_AFTER = timedelta(hours=5)
#: A ticket refused within this span of being issued was never any good: it is not renewed at
#: once (the refusal points at the setup, not at the ticket's age).
REFUSED_RENEW_GAP = timedelta(seconds=60)
#: After a fresh ticket is refused, the wait before asking for another: doubling from the first
#: to the most, so that a NetServer refusing every ticket costs about one login an hour.
REFUSED_HOLD_FIRST = timedelta(minutes=5)
REFUSED_HOLD_MAX = timedelta(hours=1)
#: After a failed renewal while the old ticket is still valid, wait this long before trying again.
RETRY_AFTER_FAILURE = timedelta(minutes=5)
#: JWT exp/nbf leeway, as the .NET token handler allows by default.
LEEWAY = timedelta(minutes=5)
MAX_KEY_FILE_BYTES = 64 * 1024
MAX_LOGIN_REPLY_BYTES = 256 * 1024
_KEY_VAR = "SUPEROFFICE_PRIVATE_KEY"
_NOT_JSON = object()
_LOGIN_REFUSAL_HINT = ("Check SUPEROFFICE_APP_TOKEN, SUPEROFFICE_SYSTEM_USER_TOKEN and "
                       "SUPEROFFICE_CONTEXT.")


def utcnow() -> datetime:
    return datetime.now(UTC)


# -- private keys ----------------------------------------------------------------------------


def load_private_key(path: str | Path) -> rsa.RSAPrivateKey:
    """Read an RSA private key from a PEM file or a .NET `<RSAKeyValue>` XML file.

    Errors name SUPEROFFICE_PRIVATE_KEY and the path, never the key's contents.
    """
    p = Path(path).expanduser()
    where = f"{_KEY_VAR} ({str(p)!r})"
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigurationError(f"The private key file named by {where} does not exist; "
                                 "check the path.") from None
    except IsADirectoryError:
        raise ConfigurationError(f"{where} names a directory, not a private key file.") from None
    except OSError as exc:
        raise ConfigurationError(f"The private key file named by {where} cannot be read "
                                 f"({exc.strerror or type(exc).__name__}); check its "
                                 "permissions.") from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise ConfigurationError(f"{where} is larger than {MAX_KEY_FILE_BYTES} bytes; it is not "
                                 "an RSA private key file.")
    return parse_private_key(data, where=where)


def parse_private_key(data: bytes, *, where: str = _KEY_VAR) -> rsa.RSAPrivateKey:
    """PEM (PKCS#1 or PKCS#8, unencrypted) or .NET RSAKeyValue XML → an RSA private key."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return _parse_rsa_xml(text, where)
    if b"-----BEGIN" in text:
        try:
            key = serialization.load_pem_private_key(text, password=None)
        except TypeError:
            raise ConfigurationError(f"The private key in {where} is encrypted with a "
                                     "passphrase; export it without one.") from None
        except (ValueError, UnsupportedAlgorithm):
            raise ConfigurationError(f"{where} holds a PEM block that is not a readable private "
                                     "key; check that it is the application's RSA private "
                                     "key.") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ConfigurationError(f"The key in {where} is not an RSA key; SuperOffice "
                                     "signs with RSA.")
        return key
    raise ConfigurationError(f"{where} is neither a PEM private key nor a .NET <RSAKeyValue> "
                             "XML file; check that it is the application's RSA private key.")


_RSA_XML_FIELDS = ("Modulus", "Exponent", "D", "P", "Q", "DP", "DQ", "InverseQ")


def _parse_rsa_xml(data: bytes, where: str) -> rsa.RSAPrivateKey:
    bad = ConfigurationError(f"{where} is not a valid .NET <RSAKeyValue> private key; it needs "
                             "Modulus, Exponent, D, P, Q, DP, DQ and InverseQ in base64.")
    # A key file has no business declaring a DTD; refusing it up front rules out entity tricks.
    if re.search(rb"<!(DOCTYPE|ENTITY)", data, re.IGNORECASE):
        raise ConfigurationError(f"{where} declares a DTD or entities; a key file must not. "
                                 "It was not read.")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise bad from None
    if etree.QName(root).localname != "RSAKeyValue":
        raise bad
    numbers: dict[str, int] = {}
    for name in _RSA_XML_FIELDS:
        el = root.find(name)
        if el is None or not (el.text or "").strip():
            raise bad
        try:
            raw = base64.b64decode("".join(el.text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise bad from None
        numbers[name] = int.from_bytes(raw, "big")
    try:
        public = rsa.RSAPublicNumbers(numbers["Exponent"], numbers["Modulus"])
        private = rsa.RSAPrivateNumbers(
            p=numbers["P"], q=numbers["Q"], d=numbers["D"], dmp1=numbers["DP"],
            dmq1=numbers["DQ"], iqmp=numbers["InverseQ"], public_numbers=public,
        )
        return private.private_key()
    except (ValueError, UnsupportedAlgorithm):
        raise bad from None


def rsa_key_to_xml(key: rsa.RSAPrivateKey) -> bytes:
    """The .NET `<RSAKeyValue>` form of a private key (tests and key conversion use it)."""
    nums = key.private_numbers()
    pub = nums.public_numbers

    def b64(n: int, size: int | None = None) -> str:
        length = size or max(1, (n.bit_length() + 7) // 8)
        return base64.b64encode(n.to_bytes(length, "big")).decode()

    size = (pub.n.bit_length() + 7) // 8
    half = (size + 1) // 2
    parts = {
        "Modulus": b64(pub.n, size), "Exponent": b64(pub.e), "P": b64(nums.p, half),
        "Q": b64(nums.q, half), "DP": b64(nums.dmp1, half), "DQ": b64(nums.dmq1, half),
        "InverseQ": b64(nums.iqmp, half), "D": b64(nums.d, size),
    }
    body = "".join(f"<{k}>{v}</{k}>" for k, v in parts.items())
    return f"<RSAKeyValue>{body}</RSAKeyValue>".encode()


# -- signing ---------------------------------------------------------------------------------


def sign_system_token(system_user_token: str, key: rsa.RSAPrivateKey, when: datetime) -> str:
    """`"<token>.<UTC yyyyMMddHHmm>.<base64 RSA-SHA256 signature of the first two parts>"`."""
    stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M")
    message = f"{system_user_token}.{stamp}"
    signature = key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return f"{message}.{base64.b64encode(signature).decode('ascii')}"


# -- JWT verification (PyJWT, plus SuperOffice's own rules) ----------------------------------------


class JwtError(Exception):
    """The JWT did not verify; the message ends a sentence saying why. Internal."""


#: PyJWT's refusals in our words; the first class that matches wins.
_JWT_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.InvalidSignatureError,
     "its signature does not match the login service's published keys"),
    (jwt.InvalidAlgorithmError, "it is not signed with RS256"),
    (jwt.InvalidIssuerError, "it was issued by someone other than SuperOffice (iss)"),
    (jwt.DecodeError, "it is not a well-formed signed JWT (three base64url parts with a JSON "
                      "header and JSON claims)"),
)
_MISSING_CLAIMS = {
    "exp": "it has no expiry (exp)",
    "iss": "it names no issuer (iss)",
    SERIAL_CLAIM: "it has no serial number claim, so its audience (aud) cannot be checked",
}


def _jwt_reason(exc: jwt.PyJWTError) -> str:
    """The one place a PyJWT error becomes our reason."""
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return _MISSING_CLAIMS.get(exc.claim, f"it lacks the {exc.claim} claim")
    for kind, reason in _JWT_REASONS:
        if isinstance(exc, kind):
            return reason
    return f"it was refused ({type(exc).__name__})"


def jwt_kid(token: str) -> str | None:
    """The `kid` of a JWT's header (unverified: it only picks the key), or None."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        return None
    return str(kid) if kid is not None else None


def _signing_keys(jwks: Mapping[str, Any], kid: str | None) -> list[jwt.PyJWK]:
    """The JWKS's RSA keys with this `kid` (every RSA key when the token names none)."""
    keys = []
    for jwk in jwks.get("keys", []):
        if not (isinstance(jwk, Mapping) and jwk.get("kty") == "RSA"):
            continue
        if kid is not None and jwk.get("kid") != kid:
            continue
        try:
            keys.append(jwt.PyJWK(dict(jwk), algorithm="RS256"))
        except jwt.PyJWTError:
            continue  # an unusable key cannot have signed anything
    return keys


def verify_jwt(token: str, jwks: Mapping[str, Any], *, now: datetime,
               leeway: timedelta = LEEWAY, issuer: str | None = ISSUER) -> dict[str, Any]:
    """Verify an RS256 JWT against a JWKS with PyJWT; return its claims, or raise JwtError.

    PyJWT checks the algorithm (RS256 only: never `none` or an HMAC chosen by the token), the
    signature, the issuer and the required claims. On top come SuperOffice's rules: the serial
    claim is required and the audience is `spn:<serial>`. The time window is checked against
    `now`, the clock that also schedules renewals, as PyJWT reads the system clock only.
    """
    keys = _signing_keys(jwks, jwt_kid(token))
    if not keys:
        raise JwtError("no key in the login service's JWKS matches it")
    required = ["exp", SERIAL_CLAIM, *(["iss"] if issuer is not None else [])]
    options: Any = {"require": required, "verify_aud": False, "verify_exp": False,
                    "verify_nbf": False, "verify_iat": False}
    problem: jwt.PyJWTError | None = None
    for key in keys:
        try:
            claims = jwt.decode(token, key, algorithms=["RS256"], issuer=issuer,
                                options=options)
            break
        except jwt.InvalidSignatureError as exc:
            problem = exc  # another key with this kid may have signed it
        except jwt.PyJWTError as exc:
            raise JwtError(_jwt_reason(exc)) from None
    else:
        raise JwtError(_jwt_reason(problem or jwt.InvalidSignatureError()))
    # SuperOffice's SystemUser client requires the serial and checks aud == "spn:<serial>";
    # without the serial there would be no audience check at all.
    serial = claims[SERIAL_CLAIM]
    if not isinstance(serial, str | int) or isinstance(serial, bool) or str(serial) == "":
        raise JwtError(_MISSING_CLAIMS[SERIAL_CLAIM])
    aud = claims.get("aud")
    if f"spn:{serial}" not in (aud if isinstance(aud, list) else [aud]):
        raise JwtError("its audience (aud) does not match its serial number")
    _check_time_window(claims, now, leeway)
    return claims


def _check_time_window(claims: Mapping[str, Any], now: datetime, leeway: timedelta) -> None:
    try:
        exp = float(claims["exp"])
        nbf = float(claims.get("nbf", "-inf"))
    except (TypeError, ValueError):
        raise JwtError("its exp or nbf is not a time") from None
    ts, slack = now.timestamp(), leeway.total_seconds()
    if ts > exp + slack:
        raise JwtError("it has expired")
    if ts < nbf - slack:
        raise JwtError("it is not valid yet (nbf)")


# -- the ticket source -----------------------------------------------------------------------


class SystemUserAuth:
    """Obtains, caches and renews a system-user ticket; thread-safe.

    `ticket()` gives the current ticket (renewing when due); `refused(ticket)` is called by a
    transport when the NetServer refused that ticket and gives a new one or raises.
    """

    kind = "system user"

    def __init__(self, *, system_user_token: str, private_key: rsa.RSAPrivateKey,
                 app_token: str, context: str, login_base: str, timeout: float = 10.0,
                 verify_tls: bool = True, clock: Clock = utcnow,
                 session: requests.Session | None = None,
                 renew_after: timedelta = RENEW_AFTER,
                 ticket_lifetime: timedelta = TICKET_LIFETIME) -> None:
        self._token = system_user_token
        self._key = private_key
        self._app_token = app_token
        self.context = context
        self.login_base = login_base.rstrip("/")
        self.timeout = timeout
        self._clock = clock
        self._own_session = session is None
        self._session = new_session(verify_tls=verify_tls, agent="login", session=session)
        self._peer = Peer(
            "the SuperOffice Online login service", self.login_base,
            check="SUPEROFFICE_ENV (or SUPEROFFICE_LOGIN_URL) and the network",
            redirect_check="use the final URL in SUPEROFFICE_LOGIN_URL, or check SUPEROFFICE_ENV",
            size_hint="check SUPEROFFICE_ENV or SUPEROFFICE_LOGIN_URL", expects="JSON",
            missing="Check SUPEROFFICE_ENV or SUPEROFFICE_LOGIN_URL.")
        self.renew_after = renew_after
        self.ticket_lifetime = ticket_lifetime
        self._lock = threading.Lock()
        self._ticket: str | None = None
        self._obtained_at: datetime | None = None
        self._last_failure: datetime | None = None
        # Refused-ticket bookkeeping: how often the current ticket was handed out by ticket(),
        # whether it replaced a refused one, how many fresh tickets in a row were refused, and
        # until when no new one is asked for (with the sentence to say meanwhile).
        self._uses = 0
        self._after_refusal = False
        self._refused_streak = 0
        self._hold_until: datetime | None = None
        self._hold_message = ""
        self._jwks: dict[str, Any] | None = None
        self.logins = 0  # successful partner logins, for tests and the Connection screen

    def __repr__(self) -> str:
        return f"SystemUserAuth(context={self.context!r}, login_base={self.login_base!r})"

    @property
    def authenticate_url(self) -> str:
        return self.login_base + AUTHENTICATE_PATH

    @property
    def jwks_url(self) -> str:
        return self.login_base + JWKS_PATH

    # -- public --------------------------------------------------------------------------------
    def ticket(self) -> str:
        """The cached ticket, renewed first when it is due (or absent)."""
        with self._lock:
            now = self._clock()
            if self._ticket is None or self._obtained_at is None:
                self._check_hold(now)
                return self._hand_out(self._renew(now, after_refusal=self._refused_streak > 0))
            age = now - self._obtained_at
            if age >= self.renew_after:
                if age < self.ticket_lifetime and not self._may_retry(now):
                    return self._hand_out(self._ticket)
                try:
                    return self._hand_out(self._renew(now, after_refusal=False))
                except StatsClientError as exc:
                    if age < self.ticket_lifetime:
                        # The old ticket still has time left: keep the screen alive with it.
                        log.warning("System user ticket renewal failed; still using the current "
                                    "ticket until it expires: %s", exc)
                        return self._hand_out(self._ticket)
                    raise
            return self._hand_out(self._ticket)

    def refused(self, ticket: str) -> str:
        """The NetServer refused `ticket`: a new one at once if it had worked, else wait.

        A ticket that was just issued, or that replaced a refused one and was never seen to
        work, is not replaced at once: AuthenticationFailed says until when no new one is asked
        for, and each such refusal in a row doubles that wait, up to an hour.
        """
        with self._lock:
            now = self._clock()
            if self._ticket is not None and ticket != self._ticket:
                return self._ticket  # another thread renewed meanwhile
            self._check_hold(now)
            issued = self._obtained_at or now
            if self._renews_at_once(now):
                log.info("The NetServer refused the system user ticket; asking for a new one.")
                self._ticket = None
                return self._renew(now, after_refusal=True)
            self._refused_streak += 1
            wait = min(REFUSED_HOLD_FIRST * 2 ** (self._refused_streak - 1), REFUSED_HOLD_MAX)
            self._ticket = None
            self._hold_until = now + wait
            when = "moments" if now - issued < REFUSED_RENEW_GAP else \
                f"{int((now - issued).total_seconds() // 60)} min"
            self._hold_message = (
                f"The NetServer refused a system user ticket issued {when} ago; check that "
                "SUPEROFFICE_CONTEXT names the same tenant as SUPEROFFICE_URL, and that the "
                "system user may use Customer Service. No new ticket is asked for until "
                f"{_iso(self._hold_until)}."
            )
            log.warning("%s", self._hold_message)
            raise AuthenticationFailed(self._hold_message)

    def may_renew_at_once(self) -> bool:
        """Whether `refused()` would ask for a new ticket now rather than wait (and raise)."""
        with self._lock:
            now = self._clock()
            held = self._hold_until is not None and now < self._hold_until
            return not held and self._renews_at_once(now)

    def _renews_at_once(self, now: datetime) -> bool:
        issued = self._obtained_at or now
        worked = self._uses >= 2  # handed out again with no refusal in between
        return now - issued >= REFUSED_RENEW_GAP and (worked or not self._after_refusal)

    @property
    def renews_at(self) -> datetime | None:
        """When the ticket will be renewed (or, after refusals, asked for again); None before
        the first one."""
        if self._hold_until is not None and self._ticket is None:
            return self._hold_until
        return None if self._obtained_at is None else self._obtained_at + self.renew_after

    @property
    def holding_until(self) -> datetime | None:
        """Until when no ticket is asked for because fresh ones were refused; else None."""
        return self._hold_until if self._ticket is None else None

    @property
    def expires_at(self) -> datetime | None:
        return None if self._obtained_at is None else self._obtained_at + self.ticket_lifetime

    def status_info(self) -> dict[str, str]:
        """Plain strings for the Connection screen; never the ticket or the tokens."""
        renews = self.renews_at
        return {
            "ticket_source": "SuperOffice Online system user",
            "context": self.context,
            "login_service": self.login_base,
            "ticket_obtained_at": _iso(self._obtained_at),
            "ticket_renews_at": _iso(renews),
            "ticket_expires_at": _iso(self.expires_at),
        }

    def close(self) -> None:
        if self._own_session:
            self._session.close()

    # -- internals -----------------------------------------------------------------------------
    def _may_retry(self, now: datetime) -> bool:
        return self._last_failure is None or now - self._last_failure >= RETRY_AFTER_FAILURE

    def _check_hold(self, now: datetime) -> None:
        if self._hold_until is not None and now < self._hold_until:
            raise AuthenticationFailed(self._hold_message)

    def _hand_out(self, ticket: str) -> str:
        self._uses += 1
        if self._uses >= 2:  # the previous hand-out was not refused: this ticket works
            self._refused_streak = 0
            self._after_refusal = False
        return ticket

    def _renew(self, now: datetime, *, after_refusal: bool) -> str:
        try:
            ticket = self._login(now)
        except StatsClientError:
            self._last_failure = now
            raise
        self._ticket = ticket
        self._obtained_at = now
        self._last_failure = None
        self._uses = 0
        self._after_refusal = after_refusal
        self._hold_until = None
        if not after_refusal:
            self._refused_streak = 0
        self.logins += 1
        log.info("Obtained a system user ticket for %s; it will be renewed at %s.",
                 self.context, _iso(self.renews_at))
        return ticket

    def _secrets(self) -> tuple[str | None, ...]:
        return (self._token, self._app_token, self._ticket)

    def _login(self, now: datetime) -> str:
        signed = sign_system_token(self._token, self._key, now)
        payload = {"SignedSystemToken": signed, "ApplicationToken": self._app_token,
                   "ContextIdentifier": self.context, "ReturnTokenType": "JWT"}
        reply, date_header = self._post_json(self.authenticate_url, payload)
        if not isinstance(reply, dict):
            raise InvalidReply(f"The SuperOffice Online login service at {self.login_base} "
                               "answered with something other than a JSON object; check "
                               "SUPEROFFICE_ENV or SUPEROFFICE_LOGIN_URL.")
        if not reply.get("IsSuccessful"):
            raise self._login_refused(str(reply.get("ErrorMessage") or ""), now, date_header,
                                      (signed,))
        token = reply.get("Token")
        if not isinstance(token, str) or not token:
            raise InvalidReply("The SuperOffice Online login service said the login succeeded "
                               "but sent no token; try again later.")
        claims = self._verify(token, now)
        ticket = claims.get(TICKET_CLAIM)
        if not isinstance(ticket, str) or not ticket:
            raise AuthenticationFailed("The SuperOffice Online login token carries no ticket "
                                       "claim; check that SUPEROFFICE_CONTEXT is a tenant "
                                       "that approved this application.")
        ctx = claims.get(CONTEXT_CLAIM)
        if isinstance(ctx, str) and ctx.lower() != self.context.lower():
            raise AuthenticationFailed("The SuperOffice Online login token is for another "
                                       "tenant than SUPEROFFICE_CONTEXT; it was not used.")
        return ticket

    def _verify(self, token: str, now: datetime) -> dict[str, Any]:
        """The token's claims, verified with the cached JWKS; the keys are fetched again once
        when it does not verify (they may have been rotated or replaced under the same kid)."""
        fetched = self._jwks is None
        jwks = self._fetch_jwks() if self._jwks is None else self._jwks
        try:
            return verify_jwt(token, jwks, now=now)
        except JwtError as first:
            problem = first
        if not fetched:
            try:
                return verify_jwt(token, self._fetch_jwks(), now=now)
            except JwtError as again:
                problem = again
        raise AuthenticationFailed(
            f"The ticket token from the SuperOffice Online login service did not verify: "
            f"{problem}. Check that SUPEROFFICE_ENV (or SUPEROFFICE_LOGIN_URL) points at the "
            "genuine SuperOffice login service and that this machine's clock is right."
        )

    def _fetch_jwks(self) -> dict[str, Any]:
        reply = self._exchange("GET", self.jwks_url)
        try:
            jwks = json.loads(reply.content) if reply.status_code == 200 else None
        except ValueError:
            jwks = None
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise InvalidReply(f"The SuperOffice Online login service's signing keys "
                               f"({self.jwks_url}) could not be read (HTTP "
                               f"{reply.status_code}); check SUPEROFFICE_ENV or "
                               "SUPEROFFICE_LOGIN_URL.")
        self._jwks = jwks
        return jwks

    def _post_json(self, url: str, payload: Mapping[str, Any]) -> tuple[Any, str | None]:
        reply = self._exchange("POST", url, json=dict(payload),
                               headers={"Accept": "application/json"})
        try:
            doc = json.loads(reply.content)
        except ValueError:
            doc = _NOT_JSON
        # A refusal is a refusal whatever the status it comes with (400, 401, 403, 500 …).
        refused = isinstance(doc, dict) and doc.get("IsSuccessful") is False
        if reply.status_code != 200 and not refused:
            raise status_error(reply.status_code, media_type(reply), self._peer,
                               refusal_hint=_LOGIN_REFUSAL_HINT)
        if doc is _NOT_JSON:
            raise InvalidReply(f"The SuperOffice Online login service at {self.login_base} did "
                               "not answer with JSON; check SUPEROFFICE_ENV or "
                               "SUPEROFFICE_LOGIN_URL.")
        return doc, reply.headers.get("Date")

    def _exchange(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One bounded request through the HTTP edge (no redirects: a 307/308 would carry the
        signed token and the application token to wherever its Location points)."""
        return bounded_request(self._session, method, url, peer=self._peer,
                               timeout=self.timeout, limit=MAX_LOGIN_REPLY_BYTES, **kwargs)

    def _login_refused(self, message: str, now: datetime, date_header: str | None,
                       extra_secrets: tuple[str, ...]) -> AuthenticationFailed:
        said = redact(message, (*self._secrets(), *extra_secrets))
        low = message.lower()
        if any(w in low for w in ("clock", "skew", "timestamp", "time window", "too old",
                                  "in the future")):
            head = _clock_sentence(_skew(now, date_header))
        elif "signature" in low:
            head = ("The login service could not verify the signed system user token; check "
                    "that SUPEROFFICE_PRIVATE_KEY is the private key of the application whose "
                    "SUPEROFFICE_APP_TOKEN is set")
        elif any(w in low for w in ("revoked", "approv", "consent", "not authorized",
                                    "unauthorized", "deactivated")):
            head = ("The tenant's approval of this application is missing or was revoked; ask "
                    "the tenant's administrator to approve the application again in "
                    "SuperOffice, then check SUPEROFFICE_SYSTEM_USER_TOKEN")
        elif any(w in low for w in ("context", "tenant", "customer")):
            head = (f"The login service does not know the tenant {self.context!r}; check "
                    "SUPEROFFICE_CONTEXT (for example Cust12345) and SUPEROFFICE_ENV")
        elif "application" in low or "client" in low:
            head = ("The login service refused the application token; check "
                    "SUPEROFFICE_APP_TOKEN")
        elif "system user" in low or "token" in low:
            head = ("The login service refused the system user token; check "
                    "SUPEROFFICE_SYSTEM_USER_TOKEN and SUPEROFFICE_CONTEXT")
        elif (skew := _skew(now, date_header)) is not None and skew > 300:
            head = _clock_sentence(skew)
        else:
            head = ("The SuperOffice Online login service refused the system user login; check "
                    "SUPEROFFICE_SYSTEM_USER_TOKEN, SUPEROFFICE_PRIVATE_KEY, "
                    "SUPEROFFICE_APP_TOKEN and SUPEROFFICE_CONTEXT")
        tail = f" (the service said: {said})." if said else "."
        return AuthenticationFailed(head + tail)


def _clock_sentence(skew: float | None) -> str:
    head = ("The login service refused the signed token's time; check this machine's clock: "
            "it must be within a few minutes of UTC")
    if skew is not None and skew > 60:
        head += f", and it differs from the service's by about {round(skew / 60)} min"
    return head


def _skew(now: datetime, date_header: str | None) -> float | None:
    """Seconds between our clock and the server's HTTP Date, if it sent one."""
    if not date_header:
        return None
    try:
        theirs = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return None
    if theirs.tzinfo is None:
        theirs = theirs.replace(tzinfo=UTC)
    return abs((now - theirs).total_seconds())


def _iso(when: datetime | None) -> str:
    return "" if when is None else when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
