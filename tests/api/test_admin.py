"""Admin routes: refused to users, user list, disable, roles and quotas; CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import update

from imageapi.db.models import User
from tests.helpers import PASSWORD
from tests.helpers import ApiClient
from tests.helpers import assert_error

ADMIN_ROUTES = [
    ("GET", "/api/v1/admin/users"),
    ("PATCH", "/api/v1/admin/users/someone"),
    ("GET", "/api/v1/admin/usage"),
]


def promote(db, email: str) -> None:
    with db.write() as uow:
        uow.session.execute(
            update(User).where(User.email_key == email).values(role="admin")
        )
        uow.commit()


@pytest.fixture
def admin(client, db) -> ApiClient:
    admin = ApiClient.signed_up(client, "root@example.com")
    promote(db, admin.email)
    return admin


def user_id(api: ApiClient) -> str:
    return api.get("/api/v1/users/me").json["id"]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_admin_routes_are_403_for_users_and_401_anonymous(client, api, method, path):
    body = assert_error(api.request(method, path, json={"disabled": True}), 403)
    assert "administrator" in body["description"]
    assert_error(client.simulate_request(method, path), 401)


def test_admin_lists_users_with_quotas(admin, api, config):
    items = admin.get("/api/v1/admin/users").json["items"]
    by_email = {item["email"]: item for item in items}
    assert set(by_email) == {"root@example.com", "alice@example.com"}
    alice = by_email["alice@example.com"]
    assert alice["role"] == "user"
    assert alice["disabled"] is False
    assert alice["quotas"] == {
        "max_storage_bytes": None,
        "max_images": None,
        "max_uploads_per_day": None,
    }
    assert alice["effective_quotas"] == config.quotas.model_dump()
    assert by_email["root@example.com"]["role"] == "admin"


def test_admin_user_list_pages(admin, client):
    for number in range(3):
        ApiClient.signed_up(client, f"u{number}@example.com")
    first = admin.get("/api/v1/admin/users", params={"limit": 2}).json["items"]
    rest = admin.get("/api/v1/admin/users", params={"limit": 2, "offset": 2})
    emails = [item["email"] for item in first + rest.json["items"]]
    assert len(emails) == len(set(emails)) == 4
    assert_error(admin.get("/api/v1/admin/users", params={"limit": 0}), 400)


def test_disabling_stops_sessions_and_keys_at_once(admin, api, client):
    key = api.post("/api/v1/users/me/api-keys", json={"name": "k"}).json["key"]
    target = user_id(api)
    patched = admin.request(
        "PATCH", f"/api/v1/admin/users/{target}", json={"disabled": True}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json["disabled"] is True
    assert_error(api.get("/api/v1/users/me"), 401)
    assert_error(
        client.simulate_get("/api/v1/users/me", headers={"X-API-Key": key}), 401
    )
    login = client.simulate_post(
        "/api/v1/sessions", json={"email": api.email, "password": PASSWORD}
    )
    assert_error(login, 401)
    admin.request("PATCH", f"/api/v1/admin/users/{target}", json={"disabled": False})
    assert api.get("/api/v1/users/me").status_code == 200


def test_admin_sets_and_clears_per_user_quotas(admin, api):
    target = user_id(api)
    path = f"/api/v1/admin/users/{target}"
    body = {"max_storage_bytes": 1000, "max_images": 0, "max_uploads_per_day": 7}
    patched = admin.request("PATCH", path, json=body).json
    assert patched["quotas"] == body
    assert patched["effective_quotas"] == body
    cleared = admin.request("PATCH", path, json={"max_storage_bytes": None}).json
    assert cleared["quotas"]["max_storage_bytes"] is None
    assert cleared["quotas"]["max_uploads_per_day"] == 7


def test_users_see_their_own_effective_quotas_in_their_usage(admin, api, config):
    assert api.get("/api/v1/users/me/usage").json["quotas"] == (
        config.quotas.model_dump()
    )
    body = {"max_storage_bytes": 5000, "max_images": 3, "max_uploads_per_day": 0}
    admin.request("PATCH", f"/api/v1/admin/users/{user_id(api)}", json=body)
    assert api.get("/api/v1/users/me/usage").json["quotas"] == body


def test_admin_can_promote_a_user(admin, api):
    target = user_id(api)
    admin.request("PATCH", f"/api/v1/admin/users/{target}", json={"role": "admin"})
    assert api.get("/api/v1/admin/users").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"disabled": None},
        {"role": "root"},
        {"max_images": -1},
        {"max_images": "many"},
        {"email": "new@example.com"},
    ],
)
def test_patch_rejects_bad_bodies_with_422(admin, api, body):
    assert_error(
        admin.request("PATCH", f"/api/v1/admin/users/{user_id(api)}", json=body), 422
    )


def test_patch_unknown_user_is_404(admin):
    result = admin.request(
        "PATCH", "/api/v1/admin/users/nobody", json={"max_images": 1}
    )
    assert_error(result, 404)


@pytest.mark.parametrize("body", [{"disabled": True}, {"role": "user"}])
def test_admin_cannot_lock_themselves_out(admin, body):
    result = admin.request("PATCH", f"/api/v1/admin/users/{user_id(admin)}", json=body)
    assert_error(result, 422)
    assert admin.get("/api/v1/admin/users").status_code == 200


def test_cli_creates_an_admin_reading_the_password_from_stdin(config, client):
    env = {
        **os.environ,
        "IMAGEAPI_DATABASE_URL": config.resolved_database_url,
        "IMAGEAPI_DATA_DIR": str(config.data_dir),
        "IMAGEAPI_AUTH_ARGON2_TIME_COST": "1",
        "IMAGEAPI_AUTH_ARGON2_MEMORY_KIB": "64",
        "IMAGEAPI_AUTH_ARGON2_PARALLELISM": "1",
    }
    command = [sys.executable, "-m", "imageapi", "users", "create"]
    created = subprocess.run(
        [*command, "boss@example.com", "--admin"],
        input=PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    assert "admin" in created.stdout
    login = client.simulate_post(
        "/api/v1/sessions", json={"email": "boss@example.com", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.json['token']}"}
    assert (
        client.simulate_get("/api/v1/admin/users", headers=headers).status_code == 200
    )

    again = subprocess.run(
        [*command, "boss@example.com"],
        input=PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr
    short = subprocess.run(
        [*command, "weak@example.com"],
        input="short\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert short.returncode == 1
    assert "password" in short.stderr


@pytest.mark.parametrize(
    "query", ["offset=305352881390541733888", "offset=-1", "limit=0", "limit=1001"]
)
def test_admin_user_list_refuses_out_of_range_paging(admin, query):
    """A huge offset was a 500 (the database cannot hold it); found by schemathesis."""
    assert_error(admin.get(f"/api/v1/admin/users?{query}"), 400)


@pytest.mark.parametrize("field", ["max_storage_bytes", "max_images"])
def test_admin_quota_beyond_what_the_database_holds_is_refused(admin, api, field):
    me = api.get("/api/v1/users/me").json["id"]
    result = admin.request("PATCH", f"/api/v1/admin/users/{me}", json={field: 2**64})
    assert_error(result, 422)
