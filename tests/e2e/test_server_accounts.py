"""Accounts against the real server: granian, real HTTP, requests."""

from __future__ import annotations

import requests

from tests.helpers import PASSWORD


def test_register_login_me_logout_with_cookie_session(server):
    session = requests.Session()
    base = server.base_url
    email = "eve@example.com"
    created = session.post(
        f"{base}/api/user/register", data={"email": email, "password": PASSWORD}
    )
    assert created.status_code == 201, created.text
    again = session.post(
        f"{base}/api/user/register", data={"email": email, "password": PASSWORD}
    )
    assert again.status_code == 409
    login = session.post(
        f"{base}/api/user/login", data={"email": email, "password": PASSWORD}
    )
    assert login.status_code == 200
    assert session.cookies.get("auth_token") == login.json()["token"]
    me = session.get(f"{base}/api/v1/users/me")
    assert me.status_code == 200
    assert me.json()["email"] == email
    assert session.delete(f"{base}/api/v1/sessions/current").status_code == 204
    after = session.get(f"{base}/api/v1/users/me")
    assert after.status_code == 401
    assert set(after.json()) == {"title", "description"}


def test_bearer_token_works_across_workers(server):
    base = server.base_url
    requests.post(
        f"{base}/api/v1/users", json={"email": "fay@example.com", "password": PASSWORD}
    )
    token = requests.post(
        f"{base}/api/v1/sessions",
        json={"email": "fay@example.com", "password": PASSWORD},
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    # New connection each time, so both workers get to answer.
    for _ in range(6):
        assert requests.get(f"{base}/api/v1/users/me", headers=headers).ok
    requests.delete(f"{base}/api/v1/sessions/current", headers=headers)
    for _ in range(4):
        assert (
            requests.get(f"{base}/api/v1/users/me", headers=headers).status_code == 401
        )


def test_wrong_password_is_401_and_health_is_public(server):
    base = server.base_url
    wrong = requests.post(
        f"{base}/api/user/login", data={"email": "nobody@x.org", "password": "nope"}
    )
    assert wrong.status_code == 401
    assert requests.get(f"{base}/healthz").json() == {"status": "ok"}
    assert requests.get(f"{base}/readyz").status_code == 200
    assert (server.data_dir / "secret_key").exists()
