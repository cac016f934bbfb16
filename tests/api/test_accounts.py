"""Registration, login, logout and the current user, in-process."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import text

from imageapi.db.engine import make_engine
from tests.helpers import PASSWORD
from tests.helpers import assert_error
from tests.openapi_checker import CheckedClient


def register(client, email="carol@example.com", password=PASSWORD, **kwargs):
    return client.simulate_post(
        "/api/v1/users", json={"email": email, "password": password}, **kwargs
    )


def test_register_returns_profile_with_aware_utc_timestamp(client):
    result = register(client)
    assert result.status_code == 201
    body = result.json
    assert set(body) >= {"id", "email", "created_at"}
    assert body["email"] == "carol@example.com"
    assert "password" not in str(body)
    created = datetime.fromisoformat(body["created_at"])
    assert created.tzinfo is not None
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)


def test_register_accepts_form_encoded_body(client):
    result = client.simulate_post(
        "/api/v1/users",
        body=f"email=dave%40example.com&password={PASSWORD.replace(' ', '+')}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert result.status_code == 201, result.text


def test_register_rejects_duplicate_email_whatever_its_case(client):
    assert register(client, "Erin@Example.com").status_code == 201
    assert_error(register(client, "erin@example.COM"), 409)


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("not-an-email", PASSWORD, "email"),
        ("", PASSWORD, "email"),
        ("frank@example.com", "short", "password"),
        ("frank@example.com", "", "password"),
    ],
)
def test_register_rejects_invalid_email_or_short_password(
    client, email, password, field
):
    body = assert_error(register(client, email, password), 422)
    assert field in body["description"]


@pytest.mark.parametrize("email", ["bob@nas.local", "st@then.test", "me@localhost"])
def test_register_accepts_self_hosted_and_special_use_domains(client, email):
    """Addresses are login names and we send no mail (found by schemathesis)."""
    result = register(client, email)
    assert result.status_code == 201, result.text
    assert result.json["email"] == email


def test_register_missing_field_is_422_naming_it(client):
    result = client.simulate_post("/api/v1/users", json={"email": "g@example.com"})
    assert "password" in assert_error(result, 422)["description"]


def test_register_malformed_json_is_400(client):
    result = client.simulate_post(
        "/api/v1/users", body="{nope", headers={"Content-Type": "application/json"}
    )
    assert_error(result, 400)


def test_register_unsupported_media_type_is_415(client):
    result = client.simulate_post(
        "/api/v1/users", body="email=x", headers={"Content-Type": "text/plain"}
    )
    assert_error(result, 415)


def test_register_non_object_json_is_422(client):
    assert_error(client.simulate_post("/api/v1/users", json=["a", "b"]), 422)


def test_rows_get_their_own_timestamps(client):
    first = register(client, "t1@example.com").json["created_at"]
    second = register(client, "t2@example.com").json["created_at"]
    assert second > first


def test_login_sets_http_only_lax_cookie_and_returns_token(client):
    register(client)
    result = client.simulate_post(
        "/api/v1/sessions", json={"email": "carol@example.com", "password": PASSWORD}
    )
    assert result.status_code == 200
    token = result.json["token"]
    assert len(token) >= 43  # 256 bits, URL-safe base64
    expires_at = datetime.fromisoformat(result.json["expires_at"])
    assert expires_at > datetime.now(UTC)
    header = result.headers["set-cookie"]
    cookie = SimpleCookie(header)["auth_token"]
    assert cookie.value == token
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == "3600"
    assert not cookie["secure"]


@pytest.mark.parametrize("path", ["/api/v1/sessions", "/api/user/login"])
def test_login_with_nul_in_email_is_401_not_500(client, path):
    """Found by schemathesis on PostgreSQL, whose text cannot hold NUL."""
    register(client)
    result = client.simulate_post(
        path, json={"email": "carol@example.com\x00", "password": PASSWORD}
    )
    assert_error(result, 401)


def test_login_secure_cookie_when_configured(config, make_app):
    secure = config.with_overrides(auth={"cookie_secure": True})
    client = CheckedClient(make_app(secure))
    register(client)
    result = client.simulate_post(
        "/api/v1/sessions", json={"email": "carol@example.com", "password": PASSWORD}
    )
    assert "Secure" in result.headers["set-cookie"]


def test_login_wrong_password_and_unknown_email_say_the_same(client):
    register(client)
    wrong_password = client.simulate_post(
        "/api/v1/sessions", json={"email": "carol@example.com", "password": "x" * 12}
    )
    unknown = client.simulate_post(
        "/api/v1/sessions", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert assert_error(wrong_password, 401) == assert_error(unknown, 401)


def test_me_with_bearer_and_with_cookie(client, api):
    by_bearer = api.get("/api/v1/users/me")
    assert by_bearer.status_code == 200
    assert by_bearer.json["email"] == "alice@example.com"
    by_cookie = client.simulate_get(
        "/api/v1/users/me", cookies={"auth_token": api.token}
    )
    assert by_cookie.json == by_bearer.json


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer forged-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
    ],
)
def test_me_without_valid_credentials_is_401(client, headers):
    assert_error(client.simulate_get("/api/v1/users/me", headers=headers), 401)


def test_logout_revokes_token_and_clears_cookie(client, api):
    result = api.delete("/api/v1/sessions/current")
    assert result.status_code == 204
    cleared = SimpleCookie(result.headers["set-cookie"])["auth_token"]
    assert cleared.value == ""
    assert_error(api.get("/api/v1/users/me"), 401)
    cookie_after = client.simulate_get(
        "/api/v1/users/me", cookies={"auth_token": api.token}
    )
    assert_error(cookie_after, 401)


def test_logout_leaves_other_sessions_alone(client, api):
    other_login = client.simulate_post(
        "/api/v1/sessions", json={"email": api.email, "password": PASSWORD}
    ).json["token"]
    api.delete("/api/v1/sessions/current")
    still = client.simulate_get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {other_login}"}
    )
    assert still.status_code == 200


def test_expired_token_is_refused(config, make_app):
    now = [datetime.now(UTC)]
    client = CheckedClient(make_app(config, clock=lambda: now[0]))
    register(client)
    token = client.simulate_post(
        "/api/v1/sessions", json={"email": "carol@example.com", "password": PASSWORD}
    ).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.simulate_get("/api/v1/users/me", headers=auth).status_code == 200
    now[0] += timedelta(seconds=3601)
    assert_error(client.simulate_get("/api/v1/users/me", headers=auth), 401)


def test_tokens_are_stored_only_as_hashes(api, config):
    engine = make_engine(config.resolved_database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM sessions")).scalars()
        stored = list(stored)
        hashes = connection.execute(text("SELECT password_hash FROM users")).scalars()
        password_hash = next(iter(hashes))
    engine.dispose()
    assert api.token not in stored
    assert all(len(value) == 64 for value in stored)
    assert password_hash.startswith("$argon2id$")
