"""Quotas on real uploads: 403 naming the quota, nothing stored, exact in parallel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import falcon.testing
import pytest
from sqlalchemy import func
from sqlalchemy import select

from imageapi.app import create_app
from imageapi.db.models import Image
from tests import samples
from tests.api.test_admin import promote
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.helpers import upload
from tests.openapi_checker import CheckedClient

PNG = samples.png_bytes(32, 24)


def stored_files(config) -> int:
    root = config.data_dir / "images"
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def image_count(db) -> int:
    with db.read() as uow:
        return uow.session.scalar(select(func.count(Image.id)))


@pytest.fixture
def quota_client(config, usage_recorder):
    def build(**quotas) -> falcon.testing.TestClient:
        limited = config.with_overrides(quotas=quotas)
        return CheckedClient(create_app(limited, usage_recorder=usage_recorder))

    return build


@pytest.mark.parametrize("path", ["/api/v1/images", "/api/images"])
def test_image_quota_refuses_the_next_upload_and_stores_nothing(
    quota_client, config, db, path
):
    api = ApiClient.signed_up(quota_client(max_images=2), "ann@example.com")
    for _ in range(2):
        assert upload(api, PNG, path=path).status_code == 201
    files_before = stored_files(config)
    body = assert_error(upload(api, PNG, path=path), 403)
    assert "max_images" in body["description"]
    assert image_count(db) == 2
    assert stored_files(config) == files_before


def test_storage_quota_counts_bytes_exactly(quota_client, db):
    api = ApiClient.signed_up(
        quota_client(max_storage_bytes=2 * len(PNG) - 1), "bea@example.com"
    )
    assert upload(api, PNG).status_code == 201
    body = assert_error(upload(api, PNG), 403)
    assert "max_storage_bytes" in body["description"]
    api.delete(f"/api/v1/images/{api.get('/api/v1/images').json['items'][0]['id']}")
    assert upload(api, PNG).status_code == 201


def test_daily_upload_quota_counts_uploads_today(quota_client):
    api = ApiClient.signed_up(quota_client(max_uploads_per_day=1), "cid@example.com")
    assert upload(api, PNG).status_code == 201
    assert "max_uploads_per_day" in assert_error(upload(api, PNG), 403)["description"]


def test_admin_override_applies_to_the_next_upload(quota_client, db):
    client = quota_client(max_images=1)
    api = ApiClient.signed_up(client, "dee@example.com")
    admin = ApiClient.signed_up(client, "root@example.com")
    promote(db, admin.email)
    assert upload(api, PNG).status_code == 201
    assert_error(upload(api, PNG), 403)
    me = api.get("/api/v1/users/me").json["id"]
    admin.request("PATCH", f"/api/v1/admin/users/{me}", json={"max_images": 0})
    assert upload(api, PNG).status_code == 201


def test_a_quota_set_on_an_unlimited_user_applies_to_the_next_upload(quota_client, db):
    """An upload of a user without quotas skips the quota queries; the user
    it goes by is read afresh with each request, so an admin's new quota
    counts from the very next upload."""
    client = quota_client()
    api = ApiClient.signed_up(client, "fay@example.com")
    admin = ApiClient.signed_up(client, "boss@example.com")
    promote(db, admin.email)
    assert upload(api, PNG).status_code == 201
    assert upload(api, PNG).status_code == 201
    me = api.get("/api/v1/users/me").json["id"]
    admin.request("PATCH", f"/api/v1/admin/users/{me}", json={"max_images": 2})
    assert "max_images" in assert_error(upload(api, PNG), 403)["description"]


def test_parallel_uploads_cannot_overshoot_the_quota(quota_client, config, db):
    api = ApiClient.signed_up(quota_client(max_images=3), "eve@example.com")
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: upload(api, PNG).status_code, range(8)))
    assert sorted(statuses) == [201] * 3 + [403] * 5
    assert image_count(db) == 3
    assert stored_files(config) == 3


def test_usage_reports_images_and_storage_from_real_uploads(api, usage_recorder):
    for size in (16, 24):
        assert upload(api, samples.png_bytes(size, size)).status_code == 201
    usage_recorder.flush()
    report = api.get("/api/v1/users/me/usage").json
    sizes = [item["size"] for item in api.get("/api/v1/images").json["items"]]
    assert report["totals"]["images"] == 2
    assert report["totals"]["storage_bytes"] == sum(sizes)
    routes = {row["route"]: row for row in report["by_route"]}
    posted = routes["POST /api/v1/images"]
    assert posted["requests"] == 2
    assert posted["bytes_in"] > sum(sizes)  # multipart framing on top of the bytes
