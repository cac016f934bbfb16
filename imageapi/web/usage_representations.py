"""API keys, admin views of users, and usage reports as JSON documents.

Each goes through its response model in ``schemas/usage.py``, the one the
OpenAPI document describes.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from imageapi.domain import ApiKey
from imageapi.domain import User
from imageapi.schemas.usage import AdminUserOut
from imageapi.schemas.usage import AllUsageOut
from imageapi.schemas.usage import ApiKeyOut
from imageapi.schemas.usage import IssuedApiKeyOut
from imageapi.schemas.usage import UsageOut
from imageapi.schemas.usage import UserUsageOut
from imageapi.services.api_keys import IssuedApiKey
from imageapi.services.quotas import QUOTA_NAMES
from imageapi.services.quotas import Quotas
from imageapi.services.usage import UsageSummary
from imageapi.services.usage import UserTotals


def api_key_document(api_key: ApiKey) -> dict[str, Any]:
    return ApiKeyOut(
        id=api_key.id,
        name=api_key.name,
        created_at=api_key.created_at,
        last_used_at=api_key.last_used_at,
    ).model_dump()


def issued_api_key_document(issued: IssuedApiKey) -> dict[str, Any]:
    api_key = issued.api_key
    return IssuedApiKeyOut(
        id=api_key.id, name=api_key.name, created_at=api_key.created_at, key=issued.key
    ).model_dump()


def admin_user_document(user: User, effective: Quotas) -> dict[str, Any]:
    return AdminUserOut(
        id=user.id,
        email=user.email,
        role=user.role,
        disabled=user.disabled,
        created_at=user.created_at,
        quotas={name: getattr(user, name) for name in QUOTA_NAMES},
        effective_quotas=asdict(effective),
    ).model_dump()


def usage_document(summary: UsageSummary, quotas: Quotas) -> dict[str, Any]:
    return UsageOut(
        first=summary.first,
        last=summary.last,
        totals=asdict(summary.totals),
        by_day=[asdict(day) for day in summary.by_day],
        by_route=[asdict(route) for route in summary.by_route],
        by_api_key=[asdict(key) for key in summary.by_api_key],
        quotas=asdict(quotas),
    ).model_dump(by_alias=True)


def all_usage_document(
    first: date, last: date, users: list[UserTotals]
) -> dict[str, Any]:
    return AllUsageOut(
        first=first,
        last=last,
        users=[
            UserUsageOut(user_id=row.user_id, email=row.email, **asdict(row.totals))
            for row in users
        ],
    ).model_dump(by_alias=True)
