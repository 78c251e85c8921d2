"""SuperOffice Online system users: key files, signing, JWT checks, and the whole login flow
over loopback HTTP against the demo server's partner login service (renewal and every failure)."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from jwt.algorithms import RSAAlgorithm

from harness.clock import T0, ManualClock
from netserver_demo import DemoNetServer, Fault
from netserver_demo.partner import PartnerFault, PartnerLogin, attach_partner
from stats_client import AuthenticationFailed, ConfigurationError, InvalidReply
from stats_client.client import open_client
from stats_client.credentials import SystemUserTicket, system_user_auth
from stats_client.errors import NetServerUnreachable
from stats_client.online import (
    AUTHENTICATE_PATH,
    CONTEXT_CLAIM,
    ISSUER,
    JWKS_PATH,
    SERIAL_CLAIM,
    TICKET_CLAIM,
    JwtError,
    SystemUserAuth,
    load_private_key,
    rsa_key_to_xml,
    sign_system_token,
    verify_jwt,
)
from stats_client.panels import PanelType
from stats_client.poller import Poller
from stats_client.settings import Settings

APP_TOKEN = "APPTOKEN-s3cr3t-0001"
SYSTEM_USER_TOKEN = "StatusBoard-SYSUSER-s3cr3t-77"
CONTEXT = "Cust12345"


# -- keys: app_key and other_key come from conftest (one per session) --------------------------
def _pem(key: rsa.RSAPrivateKey, fmt: serialization.PrivateFormat) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


@pytest.fixture(scope="module")
def key_files(app_key: rsa.RSAPrivateKey, tmp_path_factory: pytest.TempPathFactory
              ) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("keys")
    files = {
        "pkcs8.pem": _pem(app_key, serialization.PrivateFormat.PKCS8),
        "pkcs1.pem": _pem(app_key, serialization.PrivateFormat.TraditionalOpenSSL),
        "key.xml": rsa_key_to_xml(app_key),
        # As .NET's ToXmlString writes it: a BOM, line breaks and indentation.
        "dotnet.xml": b"\xef\xbb\xbf" + rsa_key_to_xml(app_key).replace(b"><", b">\r\n  <"),
    }
    out = {}
    for name, data in files.items():
        (d / name).write_bytes(data)
        out[name] = d / name
    return out


# -- private key files -----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["pkcs8.pem", "pkcs1.pem", "key.xml", "dotnet.xml"])
def test_key_files_in_every_form_load_the_same_key(
        name: str, key_files: dict[str, Path], app_key: rsa.RSAPrivateKey) -> None:
    key = load_private_key(key_files[name])
    assert key.private_numbers() == app_key.private_numbers()


def _xml(**fields: str) -> bytes:
    return ("<RSAKeyValue>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
            + "</RSAKeyValue>").encode()


BAD_KEY_FILES: list[tuple[str, bytes | None, str]] = [
    ("missing", None, "does not exist"),
    ("empty", b"", "neither a PEM"),
    ("garbage", b"hello, this is not a key", "neither a PEM"),
    ("broken-pem", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
     "not a readable private key"),
    ("xxe", b'<?xml version="1.0"?><!DOCTYPE k [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<RSAKeyValue><Modulus>&x;</Modulus></RSAKeyValue>", "declares a DTD"),
    ("entity-bomb", b'<!DOCTYPE k [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
                    b"<RSAKeyValue><D>&b;</D></RSAKeyValue>", "declares a DTD"),
    ("xml-missing-fields", _xml(Modulus="AQAB", Exponent="AQAB"), "Modulus, Exponent, D"),
    ("xml-bad-base64", _xml(Modulus="!!", Exponent="AQAB", D="x", P="x", Q="x", DP="x",
                            DQ="x", InverseQ="x"), "in base64"),
    ("xml-inconsistent", _xml(Modulus="AQAB", Exponent="AQAB", D="AQAB", P="AQAB", Q="AQAB",
                              DP="AQAB", DQ="AQAB", InverseQ="AQAB"), "not a valid"),
    ("xml-other-root", b"<KeyValue><Modulus>AQAB</Modulus></KeyValue>", "not a valid"),
    ("too-large", b"-----BEGIN" + b"A" * 70_000, "larger than"),
]


@pytest.mark.parametrize(("name", "content", "says"), BAD_KEY_FILES,
                         ids=[c[0] for c in BAD_KEY_FILES])
def test_bad_key_files_are_a_configuration_error_naming_the_variable_and_path(
        name: str, content: bytes | None, says: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.key"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigurationError) as info:
        load_private_key(path)
    message = str(info.value)
    assert "SUPEROFFICE_PRIVATE_KEY" in message
    assert str(path) in message
    assert says in message
    assert "root:" not in message  # the XXE target was never read


def test_encrypted_ec_and_directory_keys_are_refused_with_a_reason(tmp_path: Path) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    enc = tmp_path / "enc.pem"
    enc.write_bytes(rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pass phrase")))
    ec_file = tmp_path / "ec.pem"
    ec_file.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    cases = [(enc, "passphrase"), (ec_file, "not an RSA key"), (tmp_path, "directory")]
    for path, says in cases:
        with pytest.raises(ConfigurationError, match=says):
            load_private_key(path)


def test_an_unreadable_key_file_names_the_cause(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        # root reads any file; a path through a regular file is unreadable for everyone.
        path = tmp_path / "file" / "key.pem"
        (tmp_path / "file").write_bytes(b"x")
    else:
        path = tmp_path / "locked.pem"
        path.write_bytes(b"x")
        path.chmod(0)
    with pytest.raises(ConfigurationError, match="SUPEROFFICE_PRIVATE_KEY") as info:
        load_private_key(path)
    assert "cannot be read" in str(info.value) or "does not exist" in str(info.value)


def test_a_key_error_never_shows_the_key(tmp_path: Path, app_key: rsa.RSAPrivateKey) -> None:
    # A valid PEM key followed by rubbish is still a key file: its contents must not leak.
    pem = _pem(app_key, serialization.PrivateFormat.PKCS8)
    body = pem.splitlines()[1].decode()
    path = tmp_path / "damaged.pem"
    path.write_bytes(pem.replace(b"-----END PRIVATE KEY-----", b""))
    with pytest.raises(ConfigurationError) as info:
        load_private_key(path)
    assert body not in str(info.value)
    assert body not in repr(info.value)


# -- signing ---------------------------------------------------------------------------------
@pytest.mark.parametrize("when", [
    datetime(2026, 1, 2, 3, 4, 59, tzinfo=UTC),
    datetime(2026, 1, 2, 4, 4, 59, tzinfo=UTC) .astimezone(
        __import__("datetime").timezone(timedelta(hours=1))),
])
def test_signed_token_is_token_dot_utc_minute_dot_rsa_sha256_signature(
        when: datetime, app_key: rsa.RSAPrivateKey) -> None:
    signed = sign_system_token("App-abc.def", app_key, when)
    token, stamp, sig = signed.rsplit(".", 2)
    assert token == "App-abc.def"
    expected_stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M")
    assert stamp == expected_stamp
    app_key.public_key().verify(base64.b64decode(sig), f"{token}.{stamp}".encode(),
                                padding.PKCS1v15(), hashes.SHA256())


# -- JWT verification ------------------------------------------------------------------------
def _claims(now: datetime = T0, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER, "aud": "spn:4711", SERIAL_CLAIM: "4711", TICKET_CLAIM: "7T:abc",
        CONTEXT_CLAIM: CONTEXT, "iat": int(now.timestamp()), "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=10)).timestamp()),
    }
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def _token(claims: Any, key: rsa.RSAPrivateKey, kid: str | None = "k1") -> str:
    """An RS256 JWT as a login service signs it (built with PyJWT, not with our code)."""
    headers = {"kid": kid} if kid is not None else None
    if isinstance(claims, dict):
        return jwt.encode(claims, key, algorithm="RS256", headers=headers)
    # Claims that are not a JSON object: PyJWT's JWS layer signs any bytes.
    return jwt.PyJWS().encode(json.dumps(claims).encode(), key, algorithm="RS256",
                              headers=headers)


def _jwks(key: rsa.RSAPrivateKey, kid: str = "k1") -> dict[str, Any]:
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": kid, "alg": "RS256", "use": "sig"}]}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def test_a_good_jwt_verifies_and_gives_its_claims(app_key: rsa.RSAPrivateKey) -> None:
    assert verify_jwt(_token(_claims(), app_key), _jwks(app_key), now=T0)[TICKET_CLAIM] == "7T:abc"


def test_a_jwt_without_kid_is_tried_with_every_key(app_key: rsa.RSAPrivateKey,
                                                   other_key: rsa.RSAPrivateKey) -> None:
    keys = {"keys": [*_jwks(other_key, "k0")["keys"], *_jwks(app_key, "k1")["keys"]]}
    assert verify_jwt(_token(_claims(), app_key, kid=None), keys, now=T0)


@pytest.mark.parametrize("now", [T0 + timedelta(minutes=14), T0 - timedelta(minutes=4)])
def test_exp_and_nbf_allow_a_few_minutes_of_leeway(now: datetime,
                                                   app_key: rsa.RSAPrivateKey) -> None:
    assert verify_jwt(_token(_claims(), app_key), _jwks(app_key), now=now)


def _forge(header: dict[str, Any], claims: dict[str, Any], sig: bytes = b"x") -> str:
    return ".".join(_b64(p) for p in (json.dumps(header).encode(),
                                      json.dumps(claims).encode(), sig))


def _bad_tokens(key: rsa.RSAPrivateKey, other: rsa.RSAPrivateKey) -> list[tuple[str, str, str]]:
    good = _token(_claims(), key)
    h, c, s = good.split(".")
    tampered = json.loads(base64.urlsafe_b64decode(c + "=="))
    tampered[TICKET_CLAIM] = "7T:stolen"
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    # The classic confusion: an HMAC "signed" with the public key, which everyone has.
    hmac_header = _b64(json.dumps({"alg": "HS256", "kid": "k1"}).encode())
    hmac_body = _b64(json.dumps(_claims()).encode())
    hmac_sig = jwt.get_algorithm_by_name("HS256").sign(
        f"{hmac_header}.{hmac_body}".encode(), public_pem)
    malformed = "it is not a well-formed signed JWT"
    return [
        ("other-key", _token(_claims(), other), "signature does not match"),
        ("tampered-claims", f"{h}.{_b64(json.dumps(tampered).encode())}.{s}",
         "signature does not match"),
        ("alg-none", _forge({"alg": "none", "kid": "k1"}, _claims(), b""), "not signed with RS256"),
        ("alg-none-sig", _forge({"alg": "none", "kid": "k1"}, _claims()), "not signed with RS256"),
        ("alg-hs256", _forge({"alg": "HS256", "kid": "k1"}, _claims()), "not signed with RS256"),
        ("hs256-with-public-key", f"{hmac_header}.{hmac_body}.{_b64(hmac_sig)}",
         "not signed with RS256"),
        ("unknown-kid", _token(_claims(), key, "k9"), "no key"),
        ("expired", _token(_claims(now=T0 - timedelta(hours=1)), key), "expired"),
        ("not-yet", _token(_claims(nbf=int((T0 + timedelta(hours=1)).timestamp())), key),
         "not valid yet"),
        ("no-exp", _token(_claims(exp=None), key), "no expiry"),
        ("wrong-iss", _token(_claims(iss="Evil Corp"), key), "someone other than SuperOffice"),
        ("no-iss", _token(_claims(iss=None), key), "no issuer"),
        ("wrong-aud", _token(_claims(aud="spn:9999"), key), "audience"),
        # SuperOffice's own SystemUser client requires the serial: without it, no audience check.
        ("no-serial", _token(_claims(**{SERIAL_CLAIM: None}), key), "no serial"),
        ("no-serial-no-aud", _token(_claims(**{SERIAL_CLAIM: None, "aud": None}), key),
         "no serial"),
        ("empty-serial", _token(_claims(**{SERIAL_CLAIM: ""}), key), "no serial"),
        ("two-parts", "abc.def", malformed),
        ("not-json", "YWJj.ZGVm.Z2hp", malformed),
        ("claims-array", _token([1, 2], key), malformed),
    ]


def test_jwts_that_do_not_verify_are_refused_with_the_reason(
        app_key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey) -> None:
    for name, token, says in _bad_tokens(app_key, other_key):
        with pytest.raises(JwtError, match=says):
            verify_jwt(token, _jwks(app_key), now=T0)
        assert name  # the table names each case for the reader


# -- the whole flow over HTTP ----------------------------------------------------------------
class Online:
    """A demo NetServer with its partner login service, and a tenant that approved the app."""

    def __init__(self, srv: DemoNetServer, partner: PartnerLogin, clock: ManualClock,
                 key_path: Path) -> None:
        self.srv, self.partner, self.clock, self.key_path = srv, partner, clock, key_path

    def settings(self, **changes: Any) -> Settings:
        values: dict[str, Any] = {
            "url": self.srv.url, "app_token": APP_TOKEN, "system_user_token": SYSTEM_USER_TOKEN,
            "private_key_path": str(self.key_path), "context": CONTEXT,
            "login_url": self.partner.login_base, "transport": "rest", "timeout": 5}
        values.update(changes)
        return Settings(**values)

    def auth(self, **changes: Any) -> SystemUserAuth:
        return system_user_auth(self.settings(**changes), clock=self.clock)

    def client(self, clock: ManualClock | None = None, transport: str = "rest",
               **changes: Any) -> Any:
        return open_client(self.settings(transport=transport, **changes),
                           clock=clock or self.clock)


@pytest.fixture
def online(app_key: rsa.RSAPrivateKey, key_files: dict[str, Path],
           clock: ManualClock) -> Iterator[Online]:
    srv = DemoNetServer(port=0, app_token=APP_TOKEN, ticket="7T:fixed-ticket-only",
                        clock=clock).start()
    partner = attach_partner(srv)
    partner.register_app(APP_TOKEN, app_key.public_key())
    partner.register_tenant(CONTEXT, SYSTEM_USER_TOKEN, APP_TOKEN)
    try:
        yield Online(srv, partner, clock, key_files["pkcs8.pem"])
    finally:
        srv.stop()


PANELS = (PanelType.StatusScreen, PanelType.OpenRequestsPerCategory)


def test_system_user_gets_a_verified_ticket_that_rest_and_soap_accept(online: Online) -> None:
    auth = online.auth()
    ticket = auth.ticket()
    assert ticket.startswith("7T:")
    assert online.partner.logins == 1
    shared = SystemUserTicket(auth)
    rest = open_client(online.settings(), credential=shared)
    soap = open_client(online.settings(transport="soap"), credential=shared)
    with rest, soap:
        assert rest.fetch_frame(PANELS).shape[0] > 0
        assert soap.fetch_frame(PANELS).shape[0] > 0
    assert online.partner.logins == 1  # SOAP used the same cached ticket
    assert online.srv.call_count("GetStatistics") == 1


@pytest.mark.parametrize("name", ["pkcs1.pem", "dotnet.xml"])
def test_either_key_format_logs_in(name: str, online: Online,
                                   key_files: dict[str, Path]) -> None:
    assert online.auth(private_key_path=str(key_files[name])).ticket()


@pytest.mark.parametrize("transport", ["rest", "soap"])
def test_the_ticket_is_cached_and_renewed_at_five_hours_not_before(transport: str,
                                                                   online: Online) -> None:
    with online.client(transport=transport) as client:
        client.fetch_frame(PANELS)
        auth = client.credential.auth
        first_renewal = auth.renews_at
        assert first_renewal == T0 + timedelta(hours=5)
        for _ in range(4):  # polls every hour for four hours, plus a bit
            online.clock.advance(hours=1, minutes=14)
            client.fetch_frame(PANELS)
        assert online.partner.logins == 1
        online.clock.now = T0 + timedelta(hours=5)
        client.fetch_frame(PANELS)
        assert online.partner.logins == 2
        assert auth.renews_at == T0 + timedelta(hours=10)
        assert client.status_info()["ticket_renews_at"] == "2026-11-25 19:30:00 UTC"


@pytest.mark.parametrize("transport", ["rest", "soap"])
def test_an_expired_ticket_is_renewed_without_a_failed_poll(transport: str,
                                                            online: Online) -> None:
    with online.client(transport=transport) as client:
        poller = Poller(lambda: client.fetch_frame(PANELS), interval=30, clock=online.clock)
        first = poller.poll_once()
        assert first.error is None
        old = client.credential.current()
        online.clock.advance(minutes=20)
        online.srv.set_fault(Fault.EXPIRED_TICKET)  # the NetServer forgets every ticket
        second = poller.poll_once()
        assert second.error is None, second.error
        assert second.failures == 0
        assert second.seq == 2
        assert online.partner.logins == 2
        assert client.credential.current() != old
        online.clock.advance(seconds=30)
        assert poller.poll_once().seq == 3  # and the new ticket keeps working
        assert online.partner.logins == 2


@pytest.mark.parametrize("transport", ["rest", "soap"])
def test_a_fresh_ticket_refused_again_is_an_error_not_a_login_loop(transport: str,
                                                                   online: Online) -> None:
    with online.client(transport=transport) as client:
        client.fetch_frame(PANELS)
        online.srv.set_fault(Fault.EXPIRED_TICKET)
        # The login just happened: a refusal now points at the setup, not at the ticket's age.
        with pytest.raises(AuthenticationFailed, match="SUPEROFFICE_CONTEXT"):
            client.fetch_frame(PANELS)
        assert online.partner.logins == 1


def _poll_for(client: Any, clock: ManualClock, *, minutes: int, every_s: int = 30) -> list[str]:
    """Poll every `every_s` seconds for `minutes`; the error of each failed poll."""
    errors = []
    for _ in range(minutes * 60 // every_s):
        clock.advance(seconds=every_s)
        try:
            client.fetch_frame(PANELS)
        except AuthenticationFailed as exc:
            errors.append(str(exc))
    return errors


@pytest.mark.parametrize("transport", ["rest", "soap"])
def test_a_netserver_refusing_every_ticket_costs_a_handful_of_logins_an_hour(
        transport: str, online: Online, demo_server_factory: Any) -> None:
    # The NetServer is not the one the tickets are for (as when SUPEROFFICE_CONTEXT names
    # another tenant): it refuses every ticket the login service issues, until the fault clears.
    netserver = demo_server_factory(clock=online.clock)
    netserver.set_fault(Fault.EXPIRED_TICKET)
    with online.client(transport=transport, url=netserver.url) as client:
        errors = _poll_for(client, online.clock, minutes=60)
        assert len(errors) == 120  # every poll failed, with a sentence
        first_hour = online.partner.logins
        assert 2 <= first_hour <= 5  # it was 25 an hour, one per minute at 30 s polls
        assert all("SUPEROFFICE_CONTEXT" in e for e in errors)
        waiting = [e for e in errors if "No new ticket is asked for until" in e]
        assert len(waiting) > 100
        assert re.search(r"until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", waiting[-1])
        # While it waits, no GetStatistics goes out with a ticket known to be refused.
        calls = netserver.call_count("GetStatistics") + netserver.call_count("REST GetStatistics")
        assert calls <= 2 * first_hour
        _poll_for(client, online.clock, minutes=60)
        assert online.partner.logins - first_hour <= 1  # then about once an hour
        assert "next login attempt" in client.status_info()["ticket_renewal"]

        netserver.clear_fault()  # the setup is fixed: the next attempt gets through
        errors = _poll_for(client, online.clock, minutes=61)
        assert 0 < len(errors) < 120  # waited out the hold, then recovered
        logins = online.partner.logins
        assert not _poll_for(client, online.clock, minutes=10)
        assert online.partner.logins == logins  # the working ticket is kept

        # A ticket that worked is renewed at once when refused; when the new one is refused
        # too, the wait starts again from its first step (5 minutes), not from the hour.
        netserver.set_fault(Fault.EXPIRED_TICKET)
        errors = _poll_for(client, online.clock, minutes=1)
        assert online.partner.logins == logins + 1
        assert len(errors) == 2
        holding = client.credential.auth.holding_until
        assert holding is not None
        assert holding - online.clock.now <= timedelta(minutes=5)
        _poll_for(client, online.clock, minutes=5)
        assert online.partner.logins == logins + 2


def test_a_failed_renewal_keeps_the_current_ticket_until_it_expires(online: Online) -> None:
    with online.client() as client:
        client.fetch_frame(PANELS)
        online.partner.set_fault(PartnerFault.UNKNOWN_TENANT)  # the login service misbehaves
        online.clock.advance(hours=5, minutes=1)
        client.fetch_frame(PANELS)  # still served with the five-hour-old ticket
        online.clock.advance(minutes=1)
        client.fetch_frame(PANELS)  # no new attempt within five minutes of the failure
        assert online.srv.call_count("PartnerSystemUserAuthenticate") == 2
        online.partner.clear_fault()
        online.clock.advance(minutes=5)
        client.fetch_frame(PANELS)
        assert online.partner.logins == 2
        online.partner.set_fault(PartnerFault.REVOKED)
        online.clock.advance(hours=6, minutes=1)  # past the six hours: no ticket left
        with pytest.raises(AuthenticationFailed, match="approval"):
            client.fetch_frame(PANELS)


# Each way the login can fail: (how to cause it, error class, words the sentence must hold).
def _unknown_tenant(o: Online) -> dict[str, Any]:
    return {"context": "Cust99999"}


def _revoked(o: Online) -> dict[str, Any]:
    o.partner.revoke(CONTEXT)
    return {}


def _wrong_key(o: Online) -> dict[str, Any]:
    return {"private_key_path": str(o.key_path.parent / "other.pem")}


def _skewed_clock(o: Online) -> dict[str, Any]:
    return {"_clock": ManualClock(T0 - timedelta(minutes=20))}


def _fault(fault: PartnerFault) -> Any:
    def cause(o: Online) -> dict[str, Any]:
        o.partner.set_fault(fault)
        return {}
    return cause


def _wrong_app_token(o: Online) -> dict[str, Any]:
    return {"app_token": "APPTOKEN-unknown-9"}


def _wrong_system_user(o: Online) -> dict[str, Any]:
    return {"system_user_token": "StatusBoard-SYSUSER-wrong-00"}


LOGIN_FAILURES = [
    ("unknown-tenant", _unknown_tenant, AuthenticationFailed, ["tenant", "SUPEROFFICE_CONTEXT"]),
    ("unknown-tenant-fault", _fault(PartnerFault.UNKNOWN_TENANT), AuthenticationFailed,
     ["tenant", "SUPEROFFICE_CONTEXT"]),
    ("revoked", _revoked, AuthenticationFailed, ["approv", "administrator"]),
    ("revoked-fault", _fault(PartnerFault.REVOKED), AuthenticationFailed, ["revoked"]),
    ("bad-signature", _wrong_key, AuthenticationFailed, ["SUPEROFFICE_PRIVATE_KEY"]),
    ("bad-signature-fault", _fault(PartnerFault.BAD_SIGNATURE), AuthenticationFailed,
     ["SUPEROFFICE_PRIVATE_KEY"]),
    ("clock-skew", _skewed_clock, AuthenticationFailed, ["clock", "UTC"]),
    ("clock-skew-fault", _fault(PartnerFault.CLOCK_SKEW), AuthenticationFailed, ["clock"]),
    ("jwt-does-not-verify", _fault(PartnerFault.BAD_JWT), AuthenticationFailed,
     ["did not verify", "SUPEROFFICE_LOGIN_URL"]),
    ("wrong-app-token", _wrong_app_token, AuthenticationFailed, ["SUPEROFFICE_APP_TOKEN"]),
    ("wrong-system-user-token", _wrong_system_user, AuthenticationFailed,
     ["SUPEROFFICE_SYSTEM_USER_TOKEN"]),
]


@pytest.mark.parametrize(("name", "cause", "error", "words"), LOGIN_FAILURES,
                         ids=[f[0] for f in LOGIN_FAILURES])
def test_each_login_failure_is_a_clear_sentence_without_secrets(
        name: str, cause: Any, error: type[Exception], words: list[str], online: Online,
        other_key: rsa.RSAPrivateKey, caplog: pytest.LogCaptureFixture) -> None:
    (online.key_path.parent / "other.pem").write_bytes(
        _pem(other_key, serialization.PrivateFormat.PKCS8))
    caplog.set_level(logging.DEBUG)
    changes = cause(online)
    clock = changes.pop("_clock", None)
    with online.client(clock=clock, **changes) as client, pytest.raises(error) as info:
        client.fetch_frame(PANELS)
    message = str(info.value)
    for word in words:
        assert word in message
    assert online.srv.call_count("REST GetStatistics") == 0  # never called without a ticket
    issued = list(online.srv.state.issued_tickets())
    _assert_no_secrets([message, repr(info.value), caplog.text, repr(client),
                        json.dumps(client.status_info())], issued)


def test_login_service_down_or_not_json_gives_the_right_kind(online: Online) -> None:
    html = online.settings(login_url=online.srv.url + "/nowhere")
    with pytest.raises(InvalidReply, match="HTTP 404"), \
            open_client(html, clock=online.clock) as client:
        client.fetch_frame(PANELS)
    down = online.settings(login_url="http://127.0.0.1:9")
    with pytest.raises(NetServerUnreachable, match="login service"), \
            open_client(down, clock=online.clock) as client:
        client.fetch_frame(PANELS)


@pytest.mark.parametrize(("status", "method", "path", "operation"), [
    (307, "POST", AUTHENTICATE_PATH, "PartnerSystemUserAuthenticate"),
    (308, "POST", AUTHENTICATE_PATH, "PartnerSystemUserAuthenticate"),
    (308, "GET", JWKS_PATH, "jwks"),
], ids=["login-307", "login-308", "jwks-308"])
def test_login_redirects_are_refused_and_the_target_gets_nothing(
        status: int, method: str, path: str, operation: str, online: Online,
        app_key: rsa.RSAPrivateKey, demo_server_factory: Any) -> None:
    # A genuine login service elsewhere: a followed redirect would show in its counts.
    target = demo_server_factory(app_token=APP_TOKEN)
    elsewhere = attach_partner(target)
    elsewhere.register_app(APP_TOKEN, app_key.public_key())
    elsewhere.register_tenant(CONTEXT, SYSTEM_USER_TOKEN, APP_TOKEN)
    location = f"{target.url}{path}?token={SYSTEM_USER_TOKEN}"
    online.srv.add_route(method, path, lambda req: (status, {"Location": location}, b""))
    auth = online.auth()
    with pytest.raises(InvalidReply) as info:
        auth.ticket()
    assert target.call_count(operation) == 0
    assert target.counts() == {}
    assert target.last_request_headers == {}
    message = str(info.value)
    assert f"HTTP {status}, a redirect to http://127.0.0.1:{target.port};" in message
    assert "SUPEROFFICE_LOGIN_URL" in message
    assert "?" not in message
    _assert_no_secrets([message, repr(info.value)], list(online.srv.state.issued_tickets()))


def test_a_jwt_for_another_tenant_is_not_used(online: Online) -> None:
    # The login service answers a token for Cust777 while we asked for Cust12345.
    online.partner.set_fault(PartnerFault.OTHER_TENANT)
    with pytest.raises(AuthenticationFailed, match="another tenant"):
        online.auth().ticket()


def test_status_info_says_when_the_ticket_is_renewed_and_nothing_secret(online: Online) -> None:
    with online.client() as client:
        before = client.status_info()
        assert before["credential"] == "system user"
        assert before["ticket_renews_at"] == ""
        client.fetch_frame(PANELS)
        info = client.status_info()
    assert info["transport"] == "rest"
    assert info["ticket_renews_at"] == "2026-11-25 14:30:00 UTC"
    assert info["context"] == CONTEXT
    assert all(isinstance(v, str) for v in info.values())
    _assert_no_secrets([json.dumps(info), repr(client)], list(online.srv.state.issued_tickets()))


def _assert_no_secrets(texts: list[str], tickets: list[str]) -> None:
    secrets = [APP_TOKEN, SYSTEM_USER_TOKEN, *tickets]
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert "PRIVATE KEY" not in text


def test_jwks_is_fetched_once_and_again_only_when_a_token_does_not_verify(
        online: Online) -> None:
    auth = online.auth()
    auth.ticket()
    online.clock.advance(hours=5)
    auth.ticket()
    assert online.partner.logins == 2
    assert online.srv.call_count("jwks") == 1
    online.partner.set_fault(PartnerFault.BAD_JWT)
    online.clock.advance(hours=6, minutes=1)
    with pytest.raises(AuthenticationFailed, match="did not verify"):
        auth.ticket()
    assert online.srv.call_count("jwks") == 2  # looked again in case the keys were rotated


def test_cli_fetch_as_a_system_user_over_both_transports(online: Online,
                                                         capsys: pytest.CaptureFixture[str],
                                                         caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    import io

    from stats_client.cli import main

    online.clock.now = datetime.now(UTC)  # the CLI signs with the real clock
    caplog.set_level(logging.DEBUG)
    env = {
        "SUPEROFFICE_URL": online.srv.url, "SUPEROFFICE_APP_TOKEN": APP_TOKEN,
        "SUPEROFFICE_SYSTEM_USER_TOKEN": SYSTEM_USER_TOKEN,
        "SUPEROFFICE_PRIVATE_KEY": str(online.key_path), "SUPEROFFICE_CONTEXT": CONTEXT,
        "SUPEROFFICE_LOGIN_URL": online.partner.login_base,
    }
    outputs = []
    for transport in ("soap", "rest"):
        out, err = io.StringIO(), io.StringIO()
        code = main(["-v", "fetch", "--panels", "UnassignedRequests", "--format", "json",
                     "--transport", transport], env=env, stdout=out, stderr=err)
        assert code == 0, err.getvalue()
        outputs += [out.getvalue(), err.getvalue()]
        assert json.loads(out.getvalue())[0]["panel"] == "UnassignedRequests"
    assert online.partner.logins == 2
    captured = capsys.readouterr()
    _assert_no_secrets([*outputs, captured.out, captured.err, caplog.text],
                       list(online.srv.state.issued_tickets()))
