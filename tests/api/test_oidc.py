"""Single sign-on in process, with a fake provider client behind the
``OidcClient`` interface: the HTTP contract of each route (statuses, cookies,
bodies checked against the API document). The protocol itself, against a real
provider, is in tests/e2e/test_oidc.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from imageapi.auth.oidc import ProviderRefused
from imageapi.config import Config
from tests.helpers import PASSWORD
from tests.openapi_checker import CheckedClient

ISSUER = "https://sso.example.com"


class FakeOidcClient:
    """Answers as a provider would for the person in ``claims``."""

    issuer = ISSUER

    def __init__(self) -> None:
        self.claims: dict[str, Any] = {}
        self.refuse = ""

    def authorization_request(
        self, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        self.nonce = nonce
        return f"{ISSUER}/authorize?state={state}&redirect_uri={redirect_uri}"

    def verified_claims(
        self, code: str, redirect_uri: str, code_verifier: str, nonce: str
    ) -> dict[str, Any]:
        if self.refuse:
            raise ProviderRefused(self.refuse)
        assert nonce == self.nonce
        return {"iss": ISSUER, "sub": "sub-1", **self.claims}


@pytest.fixture
def provider() -> FakeOidcClient:
    return FakeOidcClient()


def _client(config: Config, make_app, provider, **auth) -> CheckedClient:
    settings = {"issuer": ISSUER, "client_id": "imageapi", "display_name": "SSO"}
    config = config.with_overrides(auth={**auth, "oidc_providers": {"sso": settings}})
    return CheckedClient(make_app(config, oidc_clients={"sso": provider}))


def _login(client: CheckedClient, next_path: str = "/") -> tuple[str, str]:
    """The state the provider would send back, and the login's cookie."""
    started = client.simulate_get(
        "/api/v1/auth/oidc/sso/login", params={"next": next_path}
    )
    assert started.status_code == 302
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    cookie = started.cookies["oidc_login"]
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    return state, cookie.value


def test_providers_list_names_and_login_urls(config, make_app, provider):
    client = _client(config, make_app, provider)
    listed = client.simulate_get("/api/v1/auth/providers")
    assert listed.json == [
        {
            "name": "sso",
            "display_name": "SSO",
            "login_url": "/api/v1/auth/oidc/sso/login",
        }
    ]


def test_callback_signs_in_and_goes_to_next(config, make_app, provider):
    client = _client(config, make_app, provider)
    provider.claims = {"email": "kim@example.com", "email_verified": True}
    state, cookie = _login(client, "/images?tag=cat")
    done = client.simulate_get(
        "/api/v1/auth/oidc/sso/callback",
        params={"code": "c", "state": state, "session_state": "theirs"},
        cookies={"oidc_login": cookie},
    )
    assert done.status_code == 302, done.text
    assert done.headers["Location"] == "/images?tag=cat"
    token = done.cookies["auth_token"].value
    me = client.simulate_get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.json["email"] == "kim@example.com"


def test_callback_for_a_password_account_asks_for_a_link(config, make_app, provider):
    client = _client(config, make_app, provider)
    client.simulate_post(
        "/api/v1/users", json={"email": "lu@example.com", "password": PASSWORD}
    )
    provider.claims = {"email": "lu@example.com", "email_verified": "true"}
    state, cookie = _login(client)
    pending = client.simulate_get(
        "/api/v1/auth/oidc/sso/callback",
        params={"code": "c", "state": state},
        cookies={"oidc_login": cookie},
    )
    assert pending.status_code == 200
    assert pending.json["status"] == "link_required"
    assert "auth_token" not in pending.cookies
    linked = client.simulate_post(
        pending.json["link_url"],
        json={"link_token": pending.json["link_token"], "password": PASSWORD},
    )
    assert linked.status_code == 200
    assert linked.cookies["auth_token"].value == linked.json["token"]


def test_refused_token_is_a_400_without_a_session(config, make_app, provider):
    client = _client(config, make_app, provider)
    provider.refuse = "The ID token has expired."
    state, cookie = _login(client)
    failed = client.simulate_get(
        "/api/v1/auth/oidc/sso/callback",
        params={"code": "c", "state": state},
        cookies={"oidc_login": cookie},
    )
    assert failed.status_code == 400
    assert failed.json == {
        "title": "Sign-in failed",
        "description": "The ID token has expired.",
    }
    assert "auth_token" not in failed.cookies
    assert failed.cookies["oidc_login"].value == ""  # cleared: one try per login


def test_provider_error_is_a_400(config, make_app, provider):
    client = _client(config, make_app, provider)
    state, cookie = _login(client)
    denied = client.simulate_get(
        "/api/v1/auth/oidc/sso/callback",
        params={"error": "access_denied", "state": state},
        cookies={"oidc_login": cookie},
    )
    assert denied.status_code == 400
    assert "access_denied" in denied.json["description"]


def test_password_login_off_is_403_on_both_login_routes(config, make_app, provider):
    client = _client(config, make_app, provider, password_login=False)
    credentials = {"email": "mo@example.com", "password": PASSWORD}
    assert client.simulate_post("/api/v1/users", json=credentials).status_code == 201
    for path in ("/api/v1/sessions", "/api/user/login"):
        refused = client.simulate_post(path, json=credentials)
        assert refused.status_code == 403
        assert refused.json["title"] == "Password login disabled"


def test_disabled_account_cannot_sign_on(config, make_app, provider, db):
    client = _client(config, make_app, provider)
    provider.claims = {"email": "ned@example.com", "email_verified": True}
    state, cookie = _login(client)
    params = {"code": "c", "state": state}
    first = client.simulate_get(
        "/api/v1/auth/oidc/sso/callback", params=params, cookies={"oidc_login": cookie}
    )
    assert first.status_code == 302
    with db.write() as uow:
        uow.users.get_by_email("ned@example.com").disabled = True
        uow.commit()
    state, cookie = _login(client)
    again = client.simulate_get(
        "/api/v1/auth/oidc/sso/callback",
        params={"code": "c", "state": state},
        cookies={"oidc_login": cookie},
    )
    assert again.status_code == 403
    assert again.json["description"] == "This account is disabled."
    assert "auth_token" not in again.cookies
