"""The earlier project's routes keep their shapes and answer with deprecation."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from tests import samples
from tests.clocks import Clock
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.helpers import upload
from tests.openapi_checker import CheckedClient


def legacy_upload(api, **kwargs):
    return upload(api, samples.png_bytes(), path="/api/images", **kwargs)


def assert_deprecated(result, successor: str) -> None:
    assert result.headers["deprecation"] == "true"
    assert f"<{successor}>" in result.headers["link"]
    assert "rel=successor-version" in result.headers["link"]


def test_upload_has_the_old_shape_plus_new_fields(api):
    result = legacy_upload(api, name="image_name.png", tags=["tags"])
    assert result.status_code == 201
    body = result.json
    assert body["img_id"] == body["id"]
    assert (body["content_type"], body["name"], body["tags"]) == (
        "image/png",
        "image_name.png",
        ["tags"],
    )
    assert body["size"] > 0
    assert_deprecated(result, "/api/v1/images")


def test_get_image_returns_its_bytes_and_delete_removes_it(api):
    data = samples.png_bytes(20, 10)
    image_id = upload(api, data, path="/api/images").json["img_id"]
    result = api.get(f"/api/image/{image_id}")
    assert (result.status_code, result.content) == (200, data)
    assert result.headers["content-type"] == "image/png"
    assert_deprecated(result, f"/api/v1/images/{image_id}/content")
    deleted = api.delete(f"/api/image/{image_id}")
    assert deleted.status_code == 204
    assert_error(api.get(f"/api/image/{image_id}"), 404)


def test_tag_routes_answer_as_before(api):
    image_id = legacy_upload(api, tags=["a"]).json["img_id"]
    base = f"/api/{image_id}/tags"
    got = api.get(base)
    assert (got.status_code, got.json) == (200, ["a"])
    assert_deprecated(got, f"/api/v1/images/{image_id}/tags")
    put = api.put(base, json=["b", "c"])
    assert (put.status_code, put.json) == (200, ["b", "c"])
    added = api.post(f"{base}/d")
    assert (added.status_code, added.json) == (201, ["b", "c", "d"])
    assert_deprecated(added, f"/api/v1/images/{image_id}/tags/d")
    again = api.post(f"{base}/D")
    assert (again.status_code, again.json) == (200, ["b", "c", "d"])
    removed = api.delete(f"{base}/c")
    assert (removed.status_code, removed.json) == (200, ["b", "d"])
    assert_error(api.delete(f"{base}/c"), 404)
    cleared = api.delete(base)
    assert (cleared.status_code, cleared.json) == (200, [])


DAY = datetime(2023, 3, 14, tzinfo=UTC)


@pytest.fixture
def dated(config, make_app):
    """Images on 13, 14 (twice) and 15 March 2023, UTC."""
    clock = Clock(DAY)
    long_sessions = config.with_overrides(auth={"token_ttl_seconds": 864000})
    app = make_app(long_sessions, clock=clock)
    api = ApiClient.signed_up(CheckedClient(app), "old@example.com")
    moments = [
        DAY - timedelta(hours=1),
        DAY,
        DAY + timedelta(hours=23, minutes=59),
        DAY + timedelta(days=1, hours=5),
    ]
    names = []
    for index, moment in enumerate(moments):
        clock.now = moment
        names.append(f"img{index}.png")
        legacy_upload(api, name=names[-1], tags=["even" if index % 2 == 0 else "odd"])
    return api


def listed(api, query: str = "") -> list[str]:
    result = api.get("/api/images", query_string=query)
    assert result.status_code == 200, result.text
    assert isinstance(result.json, list)
    assert_deprecated(result, "/api/v1/images")
    return [item["name"] for item in result.json]


def test_list_is_a_plain_array(dated):
    assert listed(dated) == ["img3.png", "img2.png", "img1.png", "img0.png"]
    assert listed(dated, "tag=odd") == ["img3.png", "img1.png"]
    assert listed(dated, "tag=none") == []


def test_date_matches_the_utc_day(dated):
    noon = int((DAY + timedelta(hours=12)).timestamp())
    assert listed(dated, f"date={noon}") == ["img2.png", "img1.png"]


def test_start_and_end_date_are_inclusive(dated):
    start = int(DAY.timestamp())
    end = int((DAY + timedelta(hours=23, minutes=59)).timestamp())
    assert listed(dated, f"start_date={start}&end_date={end}") == [
        "img2.png",
        "img1.png",
    ]


@pytest.mark.parametrize(
    "query", ["start_date=1", "end_date=1", "start_date=5&end_date=1", "date=soon"]
)
def test_bad_dates_are_400(dated, query):
    assert_error(dated.get("/api/images", query_string=query), 400)


def test_old_placeholder_bytes_are_refused(api):
    result = upload(api, b"image_bytes_data", path="/api/images")
    assert_error(result, 415)
