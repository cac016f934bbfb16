"""Usage accounting and reports, in-process: exact counts after a scripted run."""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select

from imageapi.app import create_app
from imageapi.db.models import UsageCounter
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.openapi_checker import CheckedClient
from tests.rows import add_image

ME = "/api/v1/users/me"
USAGE = "/api/v1/users/me/usage"


class Derivative:
    """Stands in for the content route: marks its response as a derivative.

    It answers as the documented route does (the client checks every answer
    against the OpenAPI document).
    """

    def on_get(self, req, resp, image_id):
        req.context.derivative_served = True
        resp.content_type = "image/png"
        resp.set_header("ETag", '"x"')
        resp.last_modified = datetime(2024, 1, 1, tzinfo=UTC)
        resp.cache_control = ["private"]
        resp.accept_ranges = "bytes"
        resp.set_header("X-Content-Type-Options", "nosniff")
        resp.data = b"x" * 1234


def counters(db) -> list[UsageCounter]:
    with db.read() as uow:
        return list(uow.session.scalars(select(UsageCounter)))


def test_scripted_sequence_gives_exact_counts(
    app, client, api, other_api, db, usage_recorder
):
    app.add_route("/api/v1/images/{image_id}/content", Derivative())
    bytes_out = Counter()

    def call(who: ApiClient, method: str, path: str, **kwargs):
        result = who.request(method, path, **kwargs)
        bytes_out[who.email] += len(result.content)
        return result

    for _ in range(3):
        call(api, "GET", ME)
    key_body = b'{"name": "nightly"}'
    created = call(
        api,
        "POST",
        "/api/v1/users/me/api-keys",
        body=key_body,
        headers={"Content-Type": "application/json"},
    )
    call(api, "DELETE", "/api/v1/users/me/api-keys/nope")
    call(api, "GET", "/api/v1/images/abc/content")
    call(api, "GET", "/api/v1/images/def/content")
    with_key = ApiClient(client, api.email, created.json["key"])
    for _ in range(2):
        bytes_out[api.email] += len(
            client.simulate_get(ME, headers={"X-API-Key": with_key.token}).content
        )
    call(other_api, "GET", ME)
    # Anonymous and bad credentials: 401s that must not count for anyone.
    client.simulate_get(ME)
    client.simulate_get(ME, headers={"Authorization": "Bearer forged"})
    client.simulate_get(ME, headers={"X-API-Key": "iak_forged"})
    usage_recorder.flush()

    report = api.get(USAGE).json
    totals = report["totals"]
    assert totals == {
        "requests": 9,
        "bytes_in": len(key_body),
        "bytes_out": bytes_out[api.email],
        "images": 0,
        "storage_bytes": 0,
        "derivatives_served": 2,
        "processing_ms": totals["processing_ms"],
    }
    routes = {row["route"]: row for row in report["by_route"]}
    assert {route: row["requests"] for route, row in routes.items()} == {
        "GET /api/v1/users/me": 5,
        "POST /api/v1/users/me/api-keys": 1,
        "DELETE /api/v1/users/me/api-keys/{key_id}": 1,
        "GET /api/v1/images/{image_id}/content": 2,
    }
    assert routes["GET /api/v1/images/{image_id}/content"]["bytes_out"] == 2 * 1234
    assert routes["POST /api/v1/users/me/api-keys"]["bytes_in"] == len(key_body)
    assert report["by_day"] == [
        {
            "day": datetime.now(UTC).date().isoformat(),
            "requests": 9,
            "bytes_in": len(key_body),
            "bytes_out": bytes_out[api.email],
        }
    ]
    assert [(row["api_key_id"], row["requests"]) for row in report["by_api_key"]] == [
        (None, 7),
        (created.json["id"], 2),
    ]
    bob = other_api.get(USAGE).json["totals"]
    assert (bob["requests"], bob["bytes_out"]) == (1, bytes_out[other_api.email])

    by_credential = Counter()
    for row in counters(db):
        by_credential[(row.api_key_id, row.status_class)] += row.requests
    assert by_credential == {
        ("", "2xx"): 3 + 1 + 2 + 1,
        ("", "4xx"): 1,
        (created.json["id"], "2xx"): 2,
    }


def test_unauthenticated_requests_are_never_counted(client, db, usage_recorder):
    ApiClient.signed_up(client, "zed@example.com")  # register + login: public
    for headers in ({}, {"Authorization": "Bearer nope"}, {"X-API-Key": "iak_x"}):
        assert_error(client.simulate_get(ME, headers=headers), 401)
    client.simulate_get("/healthz")
    client.simulate_get("/api/v1/no-such-route")
    usage_recorder.flush()
    assert counters(db) == []


def test_counts_are_per_utc_day_and_ranges_filter_them(config, usage_recorder):
    now = [datetime(2030, 3, 1, 23, 59, 59, tzinfo=UTC)]
    client = CheckedClient(
        create_app(config, clock=lambda: now[0], usage_recorder=usage_recorder)
    )
    api = ApiClient.signed_up(client, "dan@example.com")
    api.get(ME)
    now[0] += timedelta(seconds=1)
    api.get(ME)
    api.get(ME)
    usage_recorder.flush()
    days = api.get(USAGE).json["by_day"]
    assert [(day["day"], day["requests"]) for day in days] == [
        ("2030-03-01", 1),
        ("2030-03-02", 2),
    ]
    only_first = api.get(USAGE, params={"from": "2030-03-01", "to": "2030-03-01"})
    assert only_first.json["totals"]["requests"] == 1
    assert only_first.json["from"] == only_first.json["to"] == "2030-03-01"
    default = api.get(USAGE).json
    assert (default["from"], default["to"]) == ("2030-02-01", "2030-03-02")


@pytest.mark.parametrize(
    "params",
    [
        {"from": "yesterday"},
        {"to": "2030-13-01"},
        {"from": "2030-03-02", "to": "2030-03-01"},
        {"from": "2020-01-01", "to": "2030-01-01"},
        # Only YYYY-MM-DD, as documented: these were read as unix times and
        # datetimes (found by schemathesis).
        {"to": "0"},
        {"from": "2030-03-01T00:00:00"},
    ],
)
def test_bad_usage_ranges_are_400(api, params):
    assert_error(api.get(USAGE, params=params), 400)


def test_accounting_can_be_switched_off(config, db, usage_recorder):
    off = config.with_overrides(usage={"enabled": False})
    client = CheckedClient(create_app(off, usage_recorder=usage_recorder))
    api = ApiClient.signed_up(client, "off@example.com")
    api.get(ME)
    usage_recorder.flush()
    assert counters(db) == []


def test_admin_usage_lists_every_user(client, api, other_api, db, usage_recorder):
    from tests.api.test_admin import promote

    promote(db, api.email)
    other_api.get(ME)
    other_api.get(ME)
    usage_recorder.flush()
    report = api.get("/api/v1/admin/usage").json
    by_email = {row["email"]: row for row in report["users"]}
    assert set(by_email) == {api.email, other_api.email}
    assert by_email[other_api.email]["requests"] == 2
    assert by_email[api.email]["requests"] == 0
    assert set(by_email[api.email]) >= {
        "user_id",
        "requests",
        "bytes_in",
        "bytes_out",
        "images",
        "storage_bytes",
        "derivatives_served",
    }


def test_images_and_storage_totals_come_from_the_images_table(api, other_api, db):
    alice = api.get(ME).json["id"]
    add_image(db, alice, 1000)
    add_image(db, alice, 234)
    add_image(db, other_api.get(ME).json["id"], 99)
    totals = api.get(USAGE).json["totals"]
    assert (totals["images"], totals["storage_bytes"]) == (2, 1234)
