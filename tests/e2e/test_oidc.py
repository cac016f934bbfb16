"""Single sign-on end to end: the real server, a real OpenID Connect provider
(``oidc-provider-mock``, its own process on loopback) and a browser that
follows redirects and keeps cookies (``requests.Session``).

The provider is reached through a small relay in this process that passes
everything on unchanged (the provider sees its own Host, so its issuer and
endpoints name the relay) unless a test tells it to answer the token request
with an ID token re-signed by a key the provider never published, or with a
503, as a broken provider would.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import func
from sqlalchemy import select

from imageapi.db import models
from imageapi.db.engine import make_engine
from tests.e2e.conftest import free_port
from tests.helpers import PASSWORD

pytestmark = pytest.mark.e2e

STARTUP_SECONDS = 30
TIMEOUT = 15  # seconds for any one HTTP call of these tests
ADMIN_GROUP = "imageapi-admins"


@dataclass
class Relay:
    """Passes requests to the provider; ``mode`` changes the token answer."""

    upstream: str
    url: str = ""
    mode: str = "pass"  # "pass", "forge" or "token_down"
    forged_with: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048))


def _relay_handler(relay: Relay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._relay()

        def do_POST(self) -> None:
            self._relay()

        def do_PUT(self) -> None:
            self._relay()

        def _relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            is_token = self.path.startswith("/oauth2/token")
            if is_token and relay.mode == "token_down":
                self._answer(503, {"Content-Type": "text/html"}, b"<h1>down</h1>")
                return
            upstream = requests.request(
                self.command,
                relay.upstream + self.path,
                data=body,
                headers=dict(self.headers.items()),
                allow_redirects=False,
                timeout=TIMEOUT,
            )
            content = upstream.content
            if is_token and relay.mode == "forge" and upstream.ok:
                content = _forged(content, relay.forged_with)
            headers = {
                name: value
                for name, value in upstream.headers.items()
                if name.lower() in ("content-type", "location", "set-cookie")
            }
            self._answer(upstream.status_code, headers, content)

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _forged(token_response: bytes, key: RSAKey) -> bytes:
    """The same token answer, its ID token re-signed by ``key`` under the
    provider's own key id (if it names one): only the signature can tell."""
    answer = json.loads(token_response)
    header_part, payload_part, _ = answer["id_token"].split(".")
    header = json.loads(base64.urlsafe_b64decode(header_part + "=="))
    claims = json.loads(base64.urlsafe_b64decode(payload_part + "=="))
    forged_header = {"alg": "RS256"}
    if "kid" in header:
        forged_header["kid"] = header["kid"]
    answer["id_token"] = jwt.encode(forged_header, claims, key)
    return json.dumps(answer).encode()


def _start_provider(*extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the OpenID Connect provider exited")
        try:
            discovery = f"{url}/.well-known/openid-configuration"
            if requests.get(discovery, timeout=1).ok:
                return process, url
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the OpenID Connect provider did not start in time")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def relay() -> Iterator[Relay]:
    process, upstream = _start_provider()
    relay = Relay(upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _relay_handler(relay))
    relay.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        server.shutdown()
        server.server_close()
        _stop(process)


@pytest.fixture(scope="module")
def expiring_provider() -> Iterator[str]:
    """A provider whose ID tokens expired two minutes before they are issued
    (beyond the one minute of clock skew the server tolerates)."""
    process, url = _start_provider("--token-max-age=-180")
    try:
        yield url
    finally:
        _stop(process)


@pytest.fixture
def server_env(relay: Relay, expiring_provider: str, request) -> dict[str, str]:
    relay.mode = "pass"
    providers = {
        "mock": {
            "issuer": relay.url,
            "client_id": "imageapi",
            "client_secret": "imageapi-secret",
            "display_name": "Mock SSO",
            "admin_claim": "groups",
            "admin_value": ADMIN_GROUP,
        },
        "expiring": {
            "issuer": expiring_provider,
            "client_id": "imageapi",
            "client_secret": "imageapi-secret",
        },
        "down": {"issuer": f"http://127.0.0.1:{free_port()}", "client_id": "x"},
    }
    return {
        "IMAGEAPI_WORKERS": "1",
        "IMAGEAPI_AUTH_OIDC_PROVIDERS": json.dumps(providers),
        **getattr(request, "param", {}),
    }


@dataclass
class Counts:
    users: int
    identities: int
    sessions: int


def _counts(database_url: str) -> Counts:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:

            def count(model: type) -> int:
                return connection.scalar(select(func.count()).select_from(model))

            return Counts(
                count(models.User), count(models.Identity), count(models.Session)
            )
    finally:
        engine.dispose()


def _set_provider_user(provider_url: str, subject: str, claims: dict) -> None:
    answer = requests.put(f"{provider_url}/users/{subject}", json=claims, timeout=5)
    assert answer.status_code == 204, answer.text


def _claims(email: str, *, verified: bool = True, groups=()) -> dict:
    return {"email": email, "email_verified": verified, "groups": list(groups)}


def _callback_url(
    browser: requests.Session, base: str, provider: str, subject: str, next_path=""
) -> str:
    """Start a login and pick ``subject`` on the provider's form; the URL the
    provider sends the browser back to (not followed yet)."""
    query = f"?{urlencode({'next': next_path})}" if next_path else ""
    form = browser.get(
        f"{base}/api/v1/auth/oidc/{provider}/login{query}", timeout=TIMEOUT
    )
    assert form.status_code == 200, form.text  # the provider's form
    assert form.history[0].status_code == 302
    picked = browser.post(
        form.url, data={"sub": subject}, allow_redirects=False, timeout=TIMEOUT
    )
    assert picked.status_code == 302, picked.text
    return picked.headers["Location"]


def _sign_in(
    browser: requests.Session, base: str, provider: str, subject: str, next_path=""
) -> requests.Response:
    callback = _callback_url(browser, base, provider, subject, next_path)
    return browser.get(callback, allow_redirects=False, timeout=TIMEOUT)


def _assert_error(answer: requests.Response, status: int, words: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"title", "description"}
    assert words in body["description"], body


def test_providers_are_listed_for_sign_in_buttons(server):
    answer = requests.get(f"{server.base_url}/api/v1/auth/providers", timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.json()[0] == {
        "name": "mock",
        "display_name": "Mock SSO",
        "login_url": "/api/v1/auth/oidc/mock/login",
    }
    assert [p["name"] for p in answer.json()] == ["mock", "expiring", "down"]


def test_first_sign_in_creates_the_account_and_the_second_reuses_it(
    server, relay, clean_database
):
    _set_provider_user(relay.url, "sub-ann", _claims("ann@example.com"))
    browser = requests.Session()
    signed_in = _sign_in(browser, server.base_url, "mock", "sub-ann", "/gallery?x=1")
    assert signed_in.status_code == 302, signed_in.text
    assert signed_in.headers["Location"] == "/gallery?x=1"
    assert "HttpOnly" in signed_in.headers["Set-Cookie"]
    me = browser.get(f"{server.base_url}/api/v1/users/me", timeout=TIMEOUT)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "ann@example.com"
    assert me.json()["role"] == "user"
    first_id = me.json()["id"]
    assert _counts(clean_database) == Counts(users=1, identities=1, sessions=1)

    again = requests.Session()
    assert _sign_in(again, server.base_url, "mock", "sub-ann").status_code == 302
    me_again = again.get(f"{server.base_url}/api/v1/users/me", timeout=TIMEOUT)
    assert me_again.json()["id"] == first_id
    assert _counts(clean_database) == Counts(users=1, identities=1, sessions=2)
    # The sign-on session is an ordinary token: it works as a bearer token too.
    token = again.cookies["auth_token"]
    bearer = requests.get(
        f"{server.base_url}/api/v1/users/me",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert bearer.json()["id"] == first_id


def test_admin_claim_gives_admin_and_losing_it_takes_it_back(server, relay):
    claims = _claims("root@example.com", groups=["staff", ADMIN_GROUP])
    _set_provider_user(relay.url, "sub-root", claims)
    browser = requests.Session()
    assert _sign_in(browser, server.base_url, "mock", "sub-root").status_code == 302
    me = browser.get(f"{server.base_url}/api/v1/users/me", timeout=TIMEOUT)
    assert me.json()["role"] == "admin"
    admin_only = browser.get(f"{server.base_url}/api/v1/admin/users", timeout=TIMEOUT)
    assert admin_only.status_code == 200, admin_only.text

    _set_provider_user(relay.url, "sub-root", _claims("root@example.com"))
    browser = requests.Session()
    assert _sign_in(browser, server.base_url, "mock", "sub-root").status_code == 302
    me = browser.get(f"{server.base_url}/api/v1/users/me", timeout=TIMEOUT)
    assert me.json()["role"] == "user"


def test_wrong_state_is_refused_and_creates_nothing(server, relay, clean_database):
    _set_provider_user(relay.url, "sub-bo", _claims("bo@example.com"))
    browser = requests.Session()
    callback = _callback_url(browser, server.base_url, "mock", "sub-bo")
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "not-the-state-we-sent"
    tampered = urlunsplit(parts._replace(query=urlencode(query)))
    answer = browser.get(tampered, allow_redirects=False, timeout=TIMEOUT)
    _assert_error(answer, 400, "state does not match")
    assert _counts(clean_database) == Counts(users=0, identities=0, sessions=0)

    # A callback with no login started in this browser (a forged link).
    stranger = requests.Session()
    answer = stranger.get(callback, allow_redirects=False, timeout=TIMEOUT)
    _assert_error(answer, 400, "No sign-in")
    assert _counts(clean_database) == Counts(users=0, identities=0, sessions=0)


def test_replayed_code_is_refused(server, relay, clean_database):
    _set_provider_user(relay.url, "sub-cy", _claims("cy@example.com"))
    browser = requests.Session()
    callback = _callback_url(browser, server.base_url, "mock", "sub-cy")
    state_cookie = browser.cookies["oidc_login"]
    first = browser.get(callback, allow_redirects=False, timeout=TIMEOUT)
    assert first.status_code == 302
    assert "oidc_login" not in browser.cookies  # cleared by the callback
    # An attacker who captured both the callback URL and the state cookie.
    attacker = requests.Session()
    attacker.cookies.set("oidc_login", state_cookie)
    replay = attacker.get(callback, allow_redirects=False, timeout=TIMEOUT)
    _assert_error(replay, 400, "refused the authorization code")
    assert "auth_token" not in attacker.cookies
    assert _counts(clean_database) == Counts(users=1, identities=1, sessions=1)


def test_id_token_signed_by_an_unpublished_key_is_refused(
    server, relay, clean_database
):
    _set_provider_user(relay.url, "sub-di", _claims("di@example.com"))
    relay.mode = "forge"
    answer = _sign_in(requests.Session(), server.base_url, "mock", "sub-di")
    _assert_error(answer, 400, "signature")
    assert answer.json()["title"] == "Sign-in failed"
    assert _counts(clean_database) == Counts(users=0, identities=0, sessions=0)


def test_expired_id_token_is_refused(server, expiring_provider, clean_database):
    _set_provider_user(expiring_provider, "sub-ed", _claims("ed@example.com"))
    answer = _sign_in(requests.Session(), server.base_url, "expiring", "sub-ed")
    _assert_error(answer, 400, "expired")
    assert _counts(clean_database) == Counts(users=0, identities=0, sessions=0)


def test_linking_needs_a_verified_email_and_the_password_once(
    server, relay, clean_database
):
    base = server.base_url
    registered = requests.post(
        f"{base}/api/v1/users",
        json={"email": "Flo@Example.com", "password": PASSWORD},
        timeout=TIMEOUT,
    )
    assert registered.status_code == 201
    account_id = registered.json()["id"]

    _set_provider_user(relay.url, "sub-flo", _claims("flo@example.com", verified=False))
    unverified = _sign_in(requests.Session(), base, "mock", "sub-flo")
    _assert_error(unverified, 403, "not verified")
    assert _counts(clean_database) == Counts(users=1, identities=0, sessions=0)

    _set_provider_user(relay.url, "sub-flo", _claims("flo@example.com"))
    browser = requests.Session()
    pending = _sign_in(browser, base, "mock", "sub-flo")
    assert pending.status_code == 200, pending.text
    assert pending.json()["status"] == "link_required"
    assert "auth_token" not in browser.cookies
    link_url = base + pending.json()["link_url"]
    token = pending.json()["link_token"]
    wrong = browser.post(
        link_url, json={"link_token": token, "password": "wrong pass"}, timeout=TIMEOUT
    )
    assert wrong.status_code == 401
    forged = browser.post(
        link_url,
        json={"link_token": token[:-4] + "AAAA", "password": PASSWORD},
        timeout=TIMEOUT,
    )
    _assert_error(forged, 401, "link token")
    assert _counts(clean_database) == Counts(users=1, identities=0, sessions=0)

    linked = browser.post(
        link_url, json={"link_token": token, "password": PASSWORD}, timeout=TIMEOUT
    )
    assert linked.status_code == 200, linked.text
    me = browser.get(f"{base}/api/v1/users/me", timeout=TIMEOUT)
    assert me.json()["id"] == account_id
    # From now on the provider alone signs this account in.
    later = requests.Session()
    assert _sign_in(later, base, "mock", "sub-flo").status_code == 302
    assert later.get(f"{base}/api/v1/users/me").json()["id"] == account_id
    assert _counts(clean_database) == Counts(users=1, identities=1, sessions=2)


@pytest.mark.parametrize(
    "server_env", [{"IMAGEAPI_AUTH_OIDC_CREATE_ACCOUNTS": "false"}], indirect=True
)
def test_closed_registration_creates_no_account(server, relay, clean_database):
    _set_provider_user(relay.url, "sub-gus", _claims("gus@example.com"))
    answer = _sign_in(requests.Session(), server.base_url, "mock", "sub-gus")
    _assert_error(answer, 403, "Registration is closed")
    assert _counts(clean_database) == Counts(users=0, identities=0, sessions=0)


def test_provider_down_is_a_502_with_a_clear_title(server, relay, clean_database):
    down = requests.get(
        f"{server.base_url}/api/v1/auth/oidc/down/login",
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    _assert_error(down, 502, "did not answer")
    assert down.json()["title"] == "Identity provider unavailable"

    _set_provider_user(relay.url, "sub-hal", _claims("hal@example.com"))
    relay.mode = "token_down"
    answer = _sign_in(requests.Session(), server.base_url, "mock", "sub-hal")
    _assert_error(answer, 502, "did not answer")
    assert _counts(clean_database) == Counts(users=0, identities=0, sessions=0)

    unknown = requests.get(
        f"{server.base_url}/api/v1/auth/oidc/nope/login", timeout=TIMEOUT
    )
    _assert_error(unknown, 404, "nope")


def test_next_must_be_a_path_on_this_site(server):
    for outside in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        answer = requests.get(
            f"{server.base_url}/api/v1/auth/oidc/mock/login",
            params={"next": outside},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert answer.status_code == 400, outside
        assert "next" in answer.json()["description"]


@pytest.mark.parametrize(
    "server_env", [{"IMAGEAPI_AUTH_PASSWORD_LOGIN": "false"}], indirect=True
)
def test_password_login_off_leaves_sign_on_and_api_keys(server, relay):
    base = server.base_url
    credentials = {"email": "ivy@example.com", "password": PASSWORD}
    assert requests.post(f"{base}/api/v1/users", json=credentials).status_code == 201
    for login in (f"{base}/api/v1/sessions", f"{base}/api/user/login"):
        answer = requests.post(login, json=credentials, timeout=TIMEOUT)
        _assert_error(answer, 403, "Password login is switched off")
        assert answer.json()["title"] == "Password login disabled"

    _set_provider_user(relay.url, "sub-jo", _claims("jo@example.com"))
    browser = requests.Session()
    assert _sign_in(browser, base, "mock", "sub-jo").status_code == 302
    key = browser.post(
        f"{base}/api/v1/users/me/api-keys", json={"name": "script"}, timeout=TIMEOUT
    )
    assert key.status_code == 201, key.text
    with_key = requests.get(
        f"{base}/api/v1/users/me",
        headers={"X-API-Key": key.json()["key"]},
        timeout=TIMEOUT,
    )
    assert with_key.json()["email"] == "jo@example.com"
