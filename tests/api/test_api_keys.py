"""API keys: create (shown once), list without secrets, authenticate, revoke."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select

from imageapi.db.models import ApiKey
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.openapi_checker import CheckedClient


def create_key(api: ApiClient, name: str = "backup script") -> dict:
    result = api.post("/api/v1/users/me/api-keys", json={"name": name})
    assert result.status_code == 201, result.text
    return result.json


def test_create_returns_key_once_with_prefix(api):
    created = create_key(api)
    assert set(created) == {"id", "name", "key", "created_at"}
    assert created["name"] == "backup script"
    assert created["key"].startswith("iak_")
    assert len(created["key"]) >= 4 + 43
    listed = api.get("/api/v1/users/me/api-keys").json
    assert listed == [
        {
            "id": created["id"],
            "name": "backup script",
            "created_at": created["created_at"],
            "last_used_at": None,
        }
    ]
    assert created["key"] not in api.get("/api/v1/users/me/api-keys").text


def test_key_is_stored_only_as_its_hash(api, db):
    created = create_key(api)
    with db.read() as uow:
        stored = uow.session.scalars(select(ApiKey)).one()
    assert stored.key_hash != created["key"]
    assert len(stored.key_hash) == 64
    assert created["key"] not in stored.key_hash


@pytest.mark.parametrize("scheme", ["bearer", "x-api-key"])
def test_key_authenticates_like_a_session(client, api, scheme):
    key = create_key(api)["key"]
    headers = (
        {"Authorization": f"Bearer {key}"} if scheme == "bearer" else {"X-API-Key": key}
    )
    me = client.simulate_get("/api/v1/users/me", headers=headers)
    assert me.status_code == 200
    assert me.json["email"] == api.email


def test_revoked_key_stops_working_at_once(client, api):
    created = create_key(api)
    headers = {"X-API-Key": created["key"]}
    assert client.simulate_get("/api/v1/users/me", headers=headers).status_code == 200
    deleted = api.delete(f"/api/v1/users/me/api-keys/{created['id']}")
    assert deleted.status_code == 204
    assert_error(client.simulate_get("/api/v1/users/me", headers=headers), 401)
    assert api.get("/api/v1/users/me/api-keys").json == []
    assert_error(api.delete(f"/api/v1/users/me/api-keys/{created['id']}"), 404)


def test_other_users_key_cannot_be_seen_or_revoked(client, api, other_api):
    created = create_key(api)
    assert other_api.get("/api/v1/users/me/api-keys").json == []
    assert_error(other_api.delete(f"/api/v1/users/me/api-keys/{created['id']}"), 404)
    headers = {"X-API-Key": created["key"]}
    assert client.simulate_get("/api/v1/users/me", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "key", ["iak_forged", "iak_", "not-a-key-at-all", "iak_" + "A" * 43]
)
def test_unknown_keys_are_401(client, key):
    assert_error(
        client.simulate_get("/api/v1/users/me", headers={"X-API-Key": key}), 401
    )


@pytest.mark.parametrize(
    "body",
    # The last one was trimmed under the limit and accepted (found by schemathesis).
    [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": " x" * 51}],
)
def test_create_rejects_missing_or_bad_name(api, body):
    body = assert_error(api.post("/api/v1/users/me/api-keys", json=body), 422)
    assert "name" in body["description"]


def test_api_key_routes_need_credentials(client):
    assert_error(client.simulate_get("/api/v1/users/me/api-keys"), 401)
    assert_error(
        client.simulate_post("/api/v1/users/me/api-keys", json={"name": "x"}), 401
    )


def test_last_used_is_written_at_most_once_a_minute(config, make_app):
    now = [datetime(2030, 1, 1, 12, 0, tzinfo=UTC)]
    client = CheckedClient(
        make_app(config.with_overrides(usage={"enabled": False}), clock=lambda: now[0])
    )
    api = ApiClient.signed_up(client, "kay@example.com")
    key = create_key(api)["key"]

    def use_key_and_read_last_used() -> str:
        client.simulate_get("/api/v1/users/me", headers={"X-API-Key": key})
        return api.get("/api/v1/users/me/api-keys").json[0]["last_used_at"]

    first = use_key_and_read_last_used()
    assert first == "2030-01-01T12:00:00Z"
    now[0] += timedelta(seconds=59)
    assert use_key_and_read_last_used() == first
    now[0] += timedelta(seconds=2)
    assert use_key_and_read_last_used() == "2030-01-01T12:01:01Z"
