"""The HTTP server in front of the app: slow clients, bad HTTP, shutdown."""

from __future__ import annotations

import json
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from imageapi.limits import Limits
from tests.e2e.test_server_availability import FromAddress
from tests.trickling import SLOW_HEADERS
from tests.trickling import TricklingSockets
from tests.trickling import slow_login_body

pytestmark = pytest.mark.e2e

SLOW_SOCKETS = 200
SLOW_BODIES = 500
NORMAL_REQUESTS = 20
WORKERS = 2  # as the server fixture starts it
ADDRESS_BODY_READS = Limits().max_address_body_reads


def raw_exchange(server, data: bytes) -> bytes:
    """Send ``data`` as is and read until the server closes the connection."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def head_and_body(response: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines)
    return status_line, headers, body


def test_normal_requests_are_answered_while_many_clients_trickle_headers(server):
    slow = TricklingSockets(
        server.host, server.port, SLOW_SOCKETS, SLOW_HEADERS, byte=b"a"
    )
    try:

        def health(_: int) -> int:
            return requests.get(f"{server.base_url}/healthz", timeout=60).status_code

        with ThreadPoolExecutor(NORMAL_REQUESTS) as pool:
            statuses = list(pool.map(health, range(NORMAL_REQUESTS)))
    finally:
        slow.close()
    assert statuses == [200] * NORMAL_REQUESTS


def test_normal_requests_are_answered_while_many_clients_trickle_bodies(server):
    credentials = {"email": "steady@example.com", "password": "a long password"}
    users = f"{server.base_url}/api/v1/users"
    assert requests.post(users, json=credentials, timeout=60).status_code == 201
    slow = TricklingSockets(
        server.host, server.port, SLOW_BODIES, slow_login_body(1000)
    )
    try:
        # Each worker reads as many bodies from one address as it allows;
        # every other trickler is refused at once, its body unread.
        held = WORKERS * ADDRESS_BODY_READS
        answers = slow.answers(SLOW_BODIES - held, timeout=60)
        assert len(answers) >= SLOW_BODIES - held
        for answer in answers:
            status_line, headers, body = head_and_body(answer)
            assert status_line == "HTTP/1.1 429 Too Many Requests", answer[:200]
            assert "from your address" in json.loads(body)["description"]
            assert int(headers["retry-after"]) >= 1

        def health(_: int) -> int:
            return requests.get(f"{server.base_url}/healthz", timeout=60).status_code

        with ThreadPoolExecutor(NORMAL_REQUESTS) as pool:
            statuses = list(pool.map(health, range(NORMAL_REQUESTS)))
        # A client at another address sends bodies as usual.
        elsewhere = requests.Session()
        elsewhere.mount("http://", FromAddress("127.0.0.2"))
        login = elsewhere.post(
            f"{server.base_url}/api/v1/sessions", json=credentials, timeout=60
        )
    finally:
        slow.close()
    assert statuses == [200] * NORMAL_REQUESTS
    assert login.status_code == 200, login.text
    # Closed sockets end their reads: the address gets its places back.
    for _ in range(100):
        again = requests.post(
            f"{server.base_url}/api/v1/sessions", json=credentials, timeout=60
        )
        if again.status_code != 429:
            break
        time.sleep(0.1)
    assert again.status_code == 200, again.text


UNPARSABLE = {
    b"NOT HTTP AT ALL\r\n\r\n": "400 Bad Request",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n": "400 Bad Request",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    + b"".join(b"X-Many-%d: y\r\n" % number for number in range(120))
    + b"\r\n": "431 Request Header Fields Too Large",
    # Over 65,534 bytes, as the OpenAPI document says.
    b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n": "414 URI Too Long",
}


def test_unparsable_requests_get_a_bare_status_and_no_page(server):
    # granian answers these itself, before the app, and has no way to change
    # that answer: no body at all (not our JSON, but no HTML page either);
    # docs/security.md says which.
    for request_bytes, status in UNPARSABLE.items():
        answer = raw_exchange(server, request_bytes)
        status_line, headers, body = head_and_body(answer)
        assert status_line == f"HTTP/1.1 {status}", request_bytes[:40]
        assert headers["content-length"] == "0"
        assert body == b""


def test_large_headers_get_json_431_from_the_app(server):
    limit = Limits().max_header_bytes
    large = b"X-Large: " + b"a" * limit + b"\r\n"
    answer = raw_exchange(
        server,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + large + b"\r\n",
    )
    status_line, headers, body = head_and_body(answer)
    assert status_line == "HTTP/1.1 431 Request Header Fields Too Large"
    assert headers["content-type"] == "application/json"
    assert f"at most {limit}" in json.loads(body)["description"]
    # Just under the limit, the request is served.
    fits = {"X-Large": "a" * (limit - 200)}
    response = requests.get(f"{server.base_url}/healthz", headers=fits, timeout=10)
    assert response.status_code == 200


def test_long_request_line_reaches_the_app_and_gets_json(server):
    path = "/api/v1/" + "a" * 20_000
    response = requests.get(server.base_url + path, timeout=10)
    assert response.status_code == 404
    assert set(response.json()) == {"title", "description"}


def test_sigterm_finishes_the_request_in_flight_and_exits_0(server):
    body = json.dumps({"email": "late@example.com", "password": "a long password"})
    head = (
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((server.host, server.port), timeout=20) as sock:
        # A first request on the connection proves a worker holds it.
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        sock.sendall(head + body[:10].encode())
        time.sleep(1)  # lets the worker start reading the body
        server.process.send_signal(signal.SIGTERM)
        time.sleep(1)
        sock.sendall(body[10:].encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    status_line, _, answer = head_and_body(received)
    assert status_line == "HTTP/1.1 201 Created"
    assert json.loads(answer)["email"] == "late@example.com"
    assert server.process.wait(timeout=15) == 0
