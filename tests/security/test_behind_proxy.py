"""Behind a TLS proxy (``trust_forwarded_headers``): the scheme and host the
client used come from X-Forwarded-Proto and X-Forwarded-Host."""

from __future__ import annotations

import requests

from tests.helpers import PASSWORD

SERVER_ENV = {"IMAGEAPI_TRUST_FORWARDED_HEADERS": "true"}
PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "images.example.org"}


def test_cookie_is_secure_and_hsts_is_sent_over_https(live):
    account = {"email": "tls@example.com", "password": PASSWORD}
    requests.post(live.url("/api/v1/users"), json=account, headers=PROXIED)
    login = requests.post(live.url("/api/v1/sessions"), json=account, headers=PROXIED)
    assert login.status_code == 200, login.text
    cookie = login.headers["Set-Cookie"]
    assert "Secure" in cookie and "SameSite=Lax" in cookie
    assert login.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = requests.get(live.url("/healthz"))
    assert "Strict-Transport-Security" not in plain.headers


def test_the_origin_is_compared_with_the_forwarded_one(live):
    account = {"email": "origin@example.com", "password": PASSWORD}
    requests.post(live.url("/api/v1/users"), json=account, headers=PROXIED)
    login = requests.post(live.url("/api/v1/sessions"), json=account, headers=PROXIED)
    # The proxy speaks HTTP to us: the Secure cookie goes back by hand.
    browser = requests.Session()
    browser.headers.update(PROXIED)
    browser.headers["Cookie"] = f"auth_token={login.json()['token']}"
    keys = live.url("/api/v1/users/me/api-keys")
    own = {"Origin": "https://images.example.org"}
    assert browser.post(keys, json={"name": "a"}, headers=own).status_code == 201
    # The same host over plain HTTP is another origin.
    other = {"Origin": "http://images.example.org"}
    assert browser.post(keys, json={"name": "b"}, headers=other).status_code == 403
    assert [key["name"] for key in browser.get(keys).json()] == ["a"]
