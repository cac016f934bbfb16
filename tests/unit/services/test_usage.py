"""UsageService: the date range a report may cover, and what it adds up."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest

from imageapi.errors import InvalidParameter
from imageapi.services.usage import MAX_DAYS
from imageapi.services.usage import UsageService
from tests.rows import add_image
from tests.rows import add_user


@pytest.fixture
def usage(db, clock) -> UsageService:
    return UsageService(db, clock)


def test_the_default_range_is_the_last_30_days_up_to_today(usage, clock):
    today = clock().date()
    assert usage.date_range(None, None) == (today - timedelta(days=29), today)


def test_a_reversed_or_too_long_range_is_refused(usage):
    first = date(2030, 1, 1)
    with pytest.raises(InvalidParameter, match="'from' must not be after 'to'"):
        usage.date_range(first, first - timedelta(days=1))
    usage.date_range(first, first + timedelta(days=MAX_DAYS - 1))
    with pytest.raises(InvalidParameter, match=f"at most {MAX_DAYS} days"):
        usage.date_range(first, first + timedelta(days=MAX_DAYS))


def test_saved_counts_add_up_per_day_and_route(db, usage, clock):
    user_id = add_user(db).id
    add_image(db, user_id, size=700)
    today = clock().date()
    row = {
        "user_id": user_id,
        "day": today,
        "api_key_id": "",
        "route": "GET /api/v1/images",
        "status_class": "2xx",
        "requests": 2,
        "bytes_in": 0,
        "bytes_out": 50,
        "processing_ms": 3,
        "derivatives_served": 0,
    }
    usage.save_counts([row])
    usage.save_counts([{**row, "requests": 1, "bytes_out": 10}])
    summary = usage.summary(user_id)
    assert (summary.totals.requests, summary.totals.bytes_out) == (3, 60)
    assert (summary.totals.images, summary.totals.storage_bytes) == (1, 700)
    assert [(day.day, day.requests) for day in summary.by_day] == [(today, 3)]
    assert [route.route for route in summary.by_route] == ["GET /api/v1/images"]
