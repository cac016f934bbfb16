"""API keys, admin views of users, and usage reports as JSON documents."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from imageapi.db.models import ApiKey
from imageapi.db.models import User
from imageapi.services.api_keys import IssuedApiKey
from imageapi.services.quotas import QUOTA_NAMES
from imageapi.services.quotas import Quotas
from imageapi.services.usage import UsageSummary
from imageapi.services.usage import UserTotals


def api_key_document(api_key: ApiKey) -> dict[str, Any]:
    return {
        "id": api_key.id,
        "name": api_key.name,
        "created_at": api_key.created_at,
        "last_used_at": api_key.last_used_at,
    }


def issued_api_key_document(issued: IssuedApiKey) -> dict[str, Any]:
    document = api_key_document(issued.api_key)
    del document["last_used_at"]
    return {**document, "key": issued.key}


def admin_user_document(user: User, effective: Quotas) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "disabled": user.disabled,
        "created_at": user.created_at,
        "quotas": {name: getattr(user, name) for name in QUOTA_NAMES},
        "effective_quotas": asdict(effective),
    }


def usage_document(summary: UsageSummary) -> dict[str, Any]:
    return {
        "from": summary.first,
        "to": summary.last,
        "totals": asdict(summary.totals),
        "by_day": [asdict(day) for day in summary.by_day],
        "by_route": [asdict(route) for route in summary.by_route],
    }


def all_usage_document(
    first: date, last: date, users: list[UserTotals]
) -> dict[str, Any]:
    return {
        "from": first,
        "to": last,
        "users": [
            {"user_id": row.user_id, "email": row.email, **asdict(row.totals)}
            for row in users
        ],
    }
