"""Errors are always JSON; health and readiness probes."""

from __future__ import annotations

import pytest

from tests import samples
from tests.helpers import assert_error
from tests.helpers import upload


def test_unknown_route_is_404_json(client):
    body = assert_error(client.simulate_get("/no/such/route"), 404)
    assert "/no/such/route" in body["description"]


def test_unknown_api_route_is_404_even_without_credentials(client):
    assert_error(client.simulate_get("/api/v1/nothing-here"), 404)


def test_wrong_method_is_405_json(client):
    assert_error(client.simulate_patch("/healthz"), 405)
    assert_error(client.simulate_get("/api/v1/sessions"), 405)


def test_html_accepting_client_still_gets_json_errors(client):
    result = client.simulate_get("/nowhere", headers={"Accept": "text/html"})
    assert_error(result, 404)


def test_unexpected_exception_is_500_json_with_request_id(app, client, caplog):
    class Broken:
        public_methods = frozenset({"GET"})

        def on_get(self, req, resp):
            raise RuntimeError("secret internal detail /var/lib/x")

    app.add_route("/broken", Broken())
    result = client.simulate_get("/broken", headers={"X-Request-ID": "req-42"})
    body = assert_error(result, 500)
    assert "secret internal detail" not in result.text
    assert "Traceback" not in result.text
    assert "req-42" in body["description"]
    assert result.headers["x-request-id"] == "req-42"
    assert any("req-42" in record.getMessage() for record in caplog.records)


def test_request_id_is_generated_when_absent_or_unsafe(client):
    generated = client.simulate_get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    unsafe = client.simulate_get("/healthz", headers={"X-Request-ID": "a b\x01"})
    assert unsafe.headers["x-request-id"] != "a b\x01"


def test_healthz_needs_no_auth(client):
    result = client.simulate_get("/healthz")
    assert result.status_code == 200
    assert result.json == {"status": "ok"}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/images/%00", 404),
        ("/api/v1/images/%00/content", 404),
        ("/api/v1/images/%00/tags", 404),
        ("/api/image/%00", 404),
        ("/api/v1/users/me/api-keys/%00", 404),
    ],
)
def test_nul_in_a_path_names_nothing(api, path, status):
    """PostgreSQL cannot compare text holding NUL: these were 500s there."""
    method = "DELETE" if "api-keys" in path else "GET"
    assert_error(api.request(method, path), status)


def test_filters_holding_nul_match_nothing(api):
    """Were 500s on PostgreSQL (found by schemathesis: GET /api/v1/tags?prefix=)."""
    stored = upload(api, samples.png_bytes(), tags=["cat"])
    assert stored.status_code == 201
    assert api.get("/api/v1/tags?prefix=%00").json == []
    assert api.get("/api/v1/images?name=a%00").json["items"] == []
    assert api.get("/api/v1/images?tag=cat&tag=%00").json["items"] == []
    any_of = api.get("/api/v1/images?tag=cat&tag=%00&tag_mode=any").json
    assert [item["id"] for item in any_of["items"]] == [stored.json["id"]]
