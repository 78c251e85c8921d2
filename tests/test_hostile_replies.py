"""Hostile replies over real HTTP: DTDs, XXE, entity bombs, oversized, endless and dripping bodies.

Each must end in InvalidReply (or NetServerUnreachable for a drip) quickly, without reading a
file, fetching a URL or growing memory.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import socket
import stat
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zeep
import zeep.exceptions
from cryptography.hazmat.primitives.asymmetric import rsa
from zeep.loader import parse_xml

from netserver_demo import DemoNetServer
from netserver_demo import soap as demo_soap
from stats_client import InvalidReply, NetServerUnreachable, PanelType, Settings, StatsClientError
from stats_client.client import open_client
from stats_client.frames import DataSet, DataValue
from stats_client.online import SystemUserAuth
from stats_client.soap import zeep_settings

MARKER = "XXE-MARKER-7f3a9c"
MB = 1024 * 1024


def reply_with(label_xml: bytes) -> bytes:
    """A valid statistics reply whose one value label is `label_xml`, raw."""
    body = demo_soap.statistics_reply([DataSet("s", None, (DataValue("@@", 1.0, None),))])
    return body.replace(b"@@", label_xml)


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(MARKER)
    return path


@pytest.fixture
def sentinel(demo_server_factory: Callable[..., DemoNetServer]) -> tuple[str, list[str]]:
    """A loopback server that records every request: proof that no external fetch happens."""
    srv = demo_server_factory()
    hits: list[str] = []
    for path in ("/evil.dtd", "/evil.xml"):
        srv.add_route("GET", path, lambda req: (hits.append(req.path), (200, {}, b""))[1])
    return srv.url, hits


def hostile_bodies(secret_file: Path, sentinel_url: str) -> dict[str, bytes]:
    uri = secret_file.as_uri()
    laughs = b"".join(
        b'<!ENTITY l%d "%s">' % (i, (b"&l%d;" % (i - 1)) * 10) for i in range(1, 11)
    )
    head = b'<?xml version="1.0" encoding="utf-8"?>'
    return {
        "doctype only": head + b"<!DOCTYPE s:Envelope>" + reply_with(b"x"),
        "internal entity": head + b'<!DOCTYPE x [<!ENTITY e "expanded">]>' + reply_with(b"&e;"),
        "external file entity (XXE)":
            head + f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{uri}">]>'.encode() + reply_with(b"&xxe;"),
        "external file as DTD": head + f'<!DOCTYPE x SYSTEM "{uri}">'.encode() + reply_with(b"x"),
        "parameter entity over http":
            head + f'<!DOCTYPE x [<!ENTITY % p SYSTEM "{sentinel_url}/evil.dtd"> %p;]>'.encode()
            + reply_with(b"x"),
        "external entity over http":
            head + f'<!DOCTYPE x [<!ENTITY h SYSTEM "{sentinel_url}/evil.xml">]>'.encode()
            + reply_with(b"&h;"),
        "billion laughs":
            head + b'<!DOCTYPE x [<!ENTITY l0 "lol">' + laughs + b"]>" + reply_with(b"&l10;"),
        "quadratic blowup":
            head + b'<!DOCTYPE x [<!ENTITY a "' + b"A" * 50_000 + b'">]>'
            + reply_with(b"&a;" * 50_000),
        "XXE in UTF-16":
            ('<?xml version="1.0" encoding="utf-16"?>'
             f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{uri}">]>'
             + reply_with(b"&xxe;").decode()).encode("utf-16"),
    }


CASES = ["doctype only", "internal entity", "external file entity (XXE)", "external file as DTD",
         "parameter entity over http", "external entity over http", "billion laughs",
         "quadratic blowup", "XXE in UTF-16"]


@pytest.mark.parametrize("case", CASES)
def test_hostile_xml_is_refused_unread(
        demo_server: DemoNetServer, secret_file: Path, sentinel: tuple[str, list[str]],
        caplog: pytest.LogCaptureFixture, case: str) -> None:
    sentinel_url, hits = sentinel
    demo_server.serve_raw(hostile_bodies(secret_file, sentinel_url)[case])
    caplog.set_level(logging.DEBUG)
    with open_client(Settings(demo_server.url)) as client:
        gc.collect()
        tracemalloc.start()
        try:
            with pytest.raises(InvalidReply, match="document type declaration") as info:
                client.fetch([PanelType.Hotlist])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 8 * MB  # nothing was expanded (a bomb takes gigabytes)
    assert hits == []
    shown = [str(info.value), repr(info.value.__cause__), *(r.getMessage() for r in caplog.records)]
    assert all(MARKER not in text for text in shown)
    assert "expanded" not in str(info.value)


@pytest.mark.parametrize("case", CASES)
def test_zeep_settings_alone_also_refuse_them(secret_file: Path,
                                              sentinel: tuple[str, list[str]], case: str) -> None:
    """The second line: were the transport's DOCTYPE check bypassed, zeep's parser refuses."""
    sentinel_url, hits = sentinel
    body = hostile_bodies(secret_file, sentinel_url)[case]
    with pytest.raises((zeep.exceptions.DTDForbidden, zeep.exceptions.EntitiesForbidden,
                        zeep.exceptions.XMLSyntaxError)) as info:
        parse_xml(body, zeep.Transport(), settings=zeep_settings())
    assert MARKER not in repr(info.value)
    assert hits == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")
def test_xxe_never_opens_the_file(demo_server: DemoNetServer, tmp_path: Path) -> None:
    """An entity pointing at a named pipe: any attempt to read it would open the pipe."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    opened = threading.Event()
    done = threading.Event()

    def watch() -> None:  # a reader on the pipe lets a non-blocking writer open it
        while not done.is_set():
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.005)
                continue
            opened.set()
            os.write(fd, MARKER.encode())
            os.close(fd)
            return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    body = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "{fifo.as_uri()}">]>'
            .encode() + reply_with(b"&xxe;"))
    demo_server.serve_raw(body)
    try:
        with open_client(Settings(demo_server.url)) as client, pytest.raises(InvalidReply):
            client.fetch([PanelType.Hotlist])
        with pytest.raises(zeep.exceptions.DTDForbidden):
            parse_xml(body, zeep.Transport(), settings=zeep_settings())
        # No wait needed: opening the pipe to read blocks until the watcher opens it to write
        # (and sets `opened`), so a parser that had opened it could not have returned yet.
    finally:
        done.set()
        watcher.join(timeout=2)
    assert not opened.is_set()


# -- size ------------------------------------------------------------------------------------
def big_reply(values: int) -> bytes:
    ds = DataSet("big", None, tuple(DataValue(f"label {i}", float(i), f"d{i}")
                                    for i in range(values)))
    return demo_soap.statistics_reply([ds])


def test_reply_over_the_limit_is_refused(demo_server: DemoNetServer) -> None:
    body = big_reply(2_000)
    assert len(body) > 64 * 1024
    demo_server.serve_raw(body)
    with open_client(Settings(demo_server.url, max_reply_bytes=64 * 1024)) as client, \
            pytest.raises(InvalidReply) as info:
        client.fetch([PanelType.Hotlist])
    assert str(info.value) == (
        f"The reply from the NetServer at {demo_server.url}/Remote/Services87/CustomerService.svc"
        " is larger than 65536 bytes and was refused; "
        "raise SUPEROFFICE_MAX_REPLY_BYTES if the desk really is that large."
    )


def test_reply_under_the_limit_is_read(demo_server: DemoNetServer) -> None:
    body = big_reply(2_000)
    demo_server.serve_raw(body)
    with open_client(Settings(demo_server.url, max_reply_bytes=len(body))) as client:
        (got,) = client.fetch([PanelType.Hotlist])
    assert len(got.datasets[0].values) == 2_000


class RawServer:
    """A loopback TCP server that answers every request with `respond(sock)`, for replies no
    HTTP framework would send: no Content-Length and no end, a byte per tick, a gzip bomb."""

    def __init__(self, respond: Callable[[socket.socket], None],
                 requests_seen: list[bytes] | None = None) -> None:
        self._respond = respond
        self.requests_seen = requests_seen if requests_seen is not None else []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.sent = 0
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self._sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            with conn:
                self.requests_seen.append(_read_request(conn))
                with contextlib.suppress(OSError):  # the client hung up: what tests want
                    self._respond(conn)

    def send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        self.sent += len(data)

    def close(self) -> None:
        self.stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


def _read_request(conn: socket.socket) -> bytes:
    """Read one request; return its request line (e.g. b"GET /path HTTP/1.1")."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += conn.recv(65536)
    return head.split(b"\r\n", 1)[0]


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[RawServer, socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def make(respond: Callable[[RawServer, socket.socket], None],
             requests_seen: list[bytes] | None = None) -> RawServer:
        holder: list[RawServer] = []
        srv = RawServer(lambda conn: respond(holder[0], conn), requests_seen)
        holder.append(srv)
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.close()


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nConnection: close\r\n"


def test_endless_reply_without_length_stops_at_the_limit(
        raw_server: Callable[..., RawServer]) -> None:
    def endless(srv: RawServer, conn: socket.socket) -> None:
        srv.send(conn, HEAD + b"\r\n" + b"<s:Envelope>")
        while not srv.stop.is_set():
            srv.send(conn, b"<x>" * 20_000)

    srv = raw_server(endless)
    gc.collect()
    tracemalloc.start()
    try:
        with open_client(Settings(srv.url, max_reply_bytes=MB)) as client, \
                pytest.raises(InvalidReply, match="larger than 1048576 bytes"):
            client.fetch([PanelType.Hotlist])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6 * MB


def test_gzip_bomb_is_stopped_at_the_limit(raw_server: Callable[..., RawServer]) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    zeros = b"\0" * MB
    bomb = b"".join(packer.compress(zeros) for _ in range(64)) + packer.flush()
    assert len(bomb) < MB // 8  # 64 MB inflated

    def gzipped(srv: RawServer, conn: socket.socket) -> None:
        srv.send(conn, HEAD + b"Content-Encoding: gzip\r\n"
                 + f"Content-Length: {len(bomb)}\r\n\r\n".encode() + bomb)

    srv = raw_server(gzipped)
    gc.collect()
    tracemalloc.start()
    try:
        with open_client(Settings(srv.url, max_reply_bytes=MB)) as client, \
                pytest.raises(InvalidReply, match="larger than"):
            client.fetch([PanelType.Hotlist])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MB


def _drip(head: bytes) -> Callable[[RawServer, socket.socket], None]:
    """Send `head`, then a space every 20 ms: each read is quick, the reply never ends."""
    def drip(srv: RawServer, conn: socket.socket) -> None:
        srv.send(conn, head + b"\r\n")
        # Bounded, so that a regression fails instead of hanging: a client without the
        # deadline then gets a whole (useless) reply and another error than the deadline's.
        ends = time.monotonic() + 4
        while not srv.stop.is_set() and time.monotonic() < ends:
            srv.send(conn, b" ")
            time.sleep(0.02)
    return drip


def test_dripping_reply_hits_the_deadline(raw_server: Callable[..., RawServer]) -> None:
    srv = raw_server(_drip(HEAD))
    with open_client(Settings(srv.url, timeout=0.5)) as client, \
            pytest.raises(NetServerUnreachable, match=r"did not finish its reply within 0\.5 s"):
        client.fetch([PanelType.Hotlist])


JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"


def test_dripping_rest_reply_hits_the_deadline(raw_server: Callable[..., RawServer]) -> None:
    srv = raw_server(_drip(JSON_HEAD))
    with open_client(Settings(srv.url, transport="rest", timeout=0.5)) as client, \
            pytest.raises(NetServerUnreachable, match=r"did not finish its reply within 0\.5 s"):
        client.fetch([PanelType.Hotlist])


def _online_auth(login_base: str) -> SystemUserAuth:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return SystemUserAuth(system_user_token="SYS-token", private_key=key, app_token="APP",
                          context="Cust12345", login_base=login_base, timeout=0.5)


def test_dripping_online_login_hits_the_deadline(raw_server: Callable[..., RawServer]) -> None:
    srv = raw_server(_drip(JSON_HEAD))
    auth = _online_auth(srv.url)
    with pytest.raises(NetServerUnreachable, match=r"did not finish its reply within 0\.5 s"):
        auth.ticket()
    auth.close()


def test_dripping_jwks_hits_the_deadline(raw_server: Callable[..., RawServer]) -> None:
    """The login answers at once with a token; the keys to verify it drip."""
    reply = json.dumps({"IsSuccessful": True, "Token": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
                        "ErrorMessage": ""}).encode()
    paths: list[bytes] = []

    def login_then_drip(srv: RawServer, conn: socket.socket) -> None:
        if paths and paths[-1].startswith(b"GET "):
            _drip(JSON_HEAD)(srv, conn)
        else:
            srv.send(conn, JSON_HEAD + f"Content-Length: {len(reply)}\r\n\r\n".encode() + reply)

    srv = raw_server(login_then_drip, requests_seen=paths)
    auth = _online_auth(srv.url)
    with pytest.raises(NetServerUnreachable, match=r"did not finish its reply within 0\.5 s"):
        auth.ticket()
    assert [p.split(b" ")[0] for p in paths] == [b"POST", b"GET"]
    auth.close()


def test_connection_cut_mid_reply(raw_server: Callable[..., RawServer]) -> None:
    body = big_reply(200)

    def cut(srv: RawServer, conn: socket.socket) -> None:
        srv.send(conn, HEAD + f"Content-Length: {len(body)}\r\n\r\n".encode()
                 + body[: len(body) // 2])

    srv = raw_server(cut)
    with open_client(Settings(srv.url)) as client, pytest.raises(StatsClientError) as info:
        client.fetch([PanelType.Hotlist])
    assert isinstance(info.value, NetServerUnreachable)
    assert "closed in the middle of the reply" in str(info.value)
