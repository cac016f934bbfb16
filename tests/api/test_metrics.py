"""GET /metrics: Prometheus text that counts what the app did, and who may read it."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from imageapi.db.base import utcnow
from tests.api.transforms import app_with
from tests.api.transforms import fetch
from tests.api.transforms import upload_image
from tests.helpers import PASSWORD
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.unit.processing.imaging import photo


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """(sample name, labels) -> value, for every sample of the exposition."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_requests_by_route_template_renders_cache_and_uploads(api):
    image = upload_image(api, photo(300, 200), ".jpg")
    for _ in range(3):
        assert fetch(api, image, "width=100&format=webp").status_code == 200
    api.get(f"/api/v1/images/{image['id']}")
    api.client.simulate_get("/no/such/thing")
    wrong = {"email": api.email, "password": PASSWORD + "x"}
    assert api.client.simulate_post("/api/v1/sessions", json=wrong).status_code == 401

    result = api.client.simulate_get("/metrics")

    assert result.status_code == 200
    assert result.headers["content-type"].startswith("text/plain")
    found = samples(result.text)
    content = "/api/v1/images/{image_id}/content"
    assert (
        value(
            found,
            "imageapi_http_requests_total",
            method="GET",
            route=content,
            status="200",
        )
        == 3
    )
    assert (
        value(
            found,
            "imageapi_http_requests_total",
            method="GET",
            route="unmatched",
            status="404",
        )
        == 1
    )
    assert (
        value(
            found,
            "imageapi_http_requests_total",
            method="POST",
            route="/api/v1/sessions",
            status="401",
        )
        == 1
    )
    # No label holds a raw path with an id in it.
    assert not any(image["id"] in str(labels) for _, labels in found)
    assert (
        value(
            found,
            "imageapi_http_request_duration_seconds_count",
            method="GET",
            route=content,
        )
        == 3
    )
    derivative = fetch(api, image, "width=100&format=webp").content
    # Three derivative responses were counted before this fourth one.
    assert value(
        found, "imageapi_http_response_body_bytes_total", method="GET", route=content
    ) == 3 * len(derivative)
    assert value(found, "imageapi_render_duration_seconds_count", format="webp") == 1
    assert value(found, "imageapi_derivative_cache_lookups_total", result="miss") == 1
    assert value(found, "imageapi_derivative_cache_lookups_total", result="hit") == 2
    assert value(found, "imageapi_derivative_cache_bytes_total", event="stored") == len(
        derivative
    )
    # The first hit read the file and kept it; the second was served from memory.
    assert value(found, "imageapi_derivative_memory_hits_total") == 1
    assert value(found, "imageapi_derivative_memory_bytes") == len(derivative)
    assert value(found, "imageapi_uploads_total") == 1
    assert value(found, "imageapi_upload_bytes_total") == image["size"]
    assert value(found, "imageapi_login_failures_total") == 1
    assert value(found, "imageapi_render_slots") == 2
    assert value(found, "imageapi_render_slots_in_use") == 0


def test_metrics_need_the_token_when_one_is_set(config, make_app):
    client = app_with(make_app, config, metrics={"token": "scrape-me-please"})
    assert_error(client.simulate_get("/metrics"), 401)
    wrong = {"Authorization": "Bearer nope"}
    assert_error(client.simulate_get("/metrics", headers=wrong), 401)
    right = {"Authorization": "Bearer scrape-me-please"}
    assert client.simulate_get("/metrics", headers=right).status_code == 200


def test_metrics_are_off_on_a_public_address_without_a_token(config, make_app):
    client = app_with(make_app, config, host="0.0.0.0")
    assert_error(client.simulate_get("/metrics"), 404)
    disabled = app_with(make_app, config, metrics={"enabled": False})
    assert_error(disabled.simulate_get("/metrics"), 404)


def test_login_throttles_are_counted(config, make_app):
    client = app_with(make_app, config, limits={"login_failures": 1})
    ApiClient.signed_up(client, "carol@example.com")
    wrong = {"email": "carol@example.com", "password": "wrong password!"}
    assert client.simulate_post("/api/v1/sessions", json=wrong).status_code == 401
    assert client.simulate_post("/api/v1/sessions", json=wrong).status_code == 429
    found = samples(client.simulate_get("/metrics").text)
    assert value(found, "imageapi_login_throttles_total") == 1
    assert value(found, "imageapi_login_failures_total") == 1


def test_metrics_show_the_upload_job_queue(api, db):
    image = upload_image(api, photo(300, 200), ".jpg")
    found = samples(api.client.simulate_get("/metrics").text)
    assert value(found, "imageapi_jobs_waiting") == 0.0  # the upload ran its job
    with db.write() as uow:
        for _ in range(2):
            uow.jobs.add("derive", image["id"], utcnow())
        uow.commit()
    found = samples(api.client.simulate_get("/metrics").text)
    assert value(found, "imageapi_jobs_waiting") == 2.0
    assert value(found, "imageapi_jobs_running") == 0.0
