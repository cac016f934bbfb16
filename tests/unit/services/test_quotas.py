"""QuotaService.check_upload against real image rows in the test database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from imageapi.config import QuotaConfig
from imageapi.errors import QuotaExceeded
from imageapi.services.quotas import QuotaService
from tests.rows import NOW
from tests.rows import add_image
from tests.rows import add_user
from tests.rows import image_row


def service(db, **defaults) -> QuotaService:
    return QuotaService(db, QuotaConfig(**defaults), clock=lambda: NOW)


def test_unlimited_by_default(db):
    user = add_user(db)
    for _ in range(3):
        add_image(db, user.id, 10**9)
    service(db).check_upload(user.id, 10**12)


def test_storage_quota_allows_exactly_the_limit_and_refuses_one_byte_more(db):
    user = add_user(db)
    add_image(db, user.id, 600)
    quotas = service(db, max_storage_bytes=1000)
    quotas.check_upload(user.id, 400)
    with pytest.raises(QuotaExceeded) as raised:
        quotas.check_upload(user.id, 401)
    assert raised.value.status == 403
    assert "max_storage_bytes" in raised.value.description


def test_image_count_quota(db):
    user = add_user(db)
    add_image(db, user.id, 1)
    quotas = service(db, max_images=2)
    quotas.check_upload(user.id, 1)
    add_image(db, user.id, 1)
    with pytest.raises(QuotaExceeded, match="max_images"):
        quotas.check_upload(user.id, 1)


def test_daily_uploads_count_only_this_utc_day(db):
    user = add_user(db)
    midnight = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    add_image(db, user.id, 1, created_at=midnight - timedelta(microseconds=1))
    add_image(db, user.id, 1, created_at=midnight)
    quotas = service(db, max_uploads_per_day=2)
    quotas.check_upload(user.id, 1)
    add_image(db, user.id, 1, created_at=NOW)
    with pytest.raises(QuotaExceeded, match="max_uploads_per_day"):
        quotas.check_upload(user.id, 1)


def test_user_override_beats_default_and_zero_means_unlimited(db):
    generous = add_user(db, max_images=0)
    strict = add_user(db, max_images=1)
    for user in (generous, strict):
        add_image(db, user.id, 1)
    quotas = service(db, max_images=5)
    quotas.check_upload(generous.id, 1)
    with pytest.raises(QuotaExceeded, match="max_images"):
        quotas.check_upload(strict.id, 1)


def test_other_users_images_do_not_count(db):
    user, other = add_user(db), add_user(db)
    add_image(db, other.id, 900)
    service(db, max_storage_bytes=1000, max_images=1).check_upload(user.id, 1000)


def test_check_inside_the_callers_write_unit_of_work(db):
    user = add_user(db, max_images=1)
    quotas = service(db)
    with db.write() as uow:
        quotas.check_upload(user.id, 1, uow=uow)
        uow.session.add(image_row(user.id, 1))
        uow.commit()
    with db.write() as uow, pytest.raises(QuotaExceeded, match="max_images"):
        quotas.check_upload(user.id, 1, uow=uow)
