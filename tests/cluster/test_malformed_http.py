"""Requests nginx cannot parse get JSON errors like the application's.

Behind nginx (deploy/nginx.conf) a malformed request never reaches an
instance: nginx answers it, from the error pages the file declares.
"""

from __future__ import annotations

import json

import pytest

from tests.security.conftest import raw_request

pytestmark = pytest.mark.e2e

MALFORMED = {
    "a bad request line": (b"GARBAGE", 400),
    "a header without a colon": (b"GET / HTTP/1.1\r\nHost: x\r\nnot a header", 400),
    "a URI longer than nginx's buffers": (
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x",
        414,
    ),
    "a header longer than nginx's buffers": (
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000,
        431,
    ),
    "a bad Content-Length": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc", 400),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_requests_get_a_json_error(cluster, case):
    head, expected = MALFORMED[case]
    status, headers, body = raw_request(cluster.nginx.port, head)
    assert status == expected
    assert headers["content-type"] == "application/json"
    error = json.loads(body)
    assert set(error) == {"title", "description"}
