"""The operation table: one module per noun, gathered here in document order.

To document a new route, add an ``Operation`` to its noun's module (or a new
module listed below) naming the models its resource validates and returns;
``tests/api/test_openapi.py`` fails until every route is described.
"""

from __future__ import annotations

from imageapi.openapi.operations import accounts
from imageapi.openapi.operations import docs
from imageapi.openapi.operations import health
from imageapi.openapi.operations import images
from imageapi.openapi.operations import legacy
from imageapi.openapi.operations import tags
from imageapi.openapi.operations import usage

OPERATIONS = (
    *accounts.OPERATIONS,
    *images.OPERATIONS,
    *tags.OPERATIONS,
    *usage.OPERATIONS,
    *health.OPERATIONS,
    *docs.OPERATIONS,
    *legacy.OPERATIONS,
)

TAGS = {
    "accounts": "Register and see your account.",
    "sessions": "Log in (a token and an HttpOnly cookie) and log out.",
    "images": "Upload, list and filter, download and delete your images.",
    "tags": "Tag your images and see your tags.",
    "api-keys": "Keys for scripts: `X-API-Key` (or bearer), until revoked.",
    "usage": "What you used: requests, bytes, storage.",
    "admin": "Accounts, quotas and everyone's usage; administrators only.",
    "health": "Liveness and readiness probes for orchestrators.",
    "docs": "This document and its Swagger UI.",
    "legacy": "The earlier project's routes, kept for its clients: use /api/v1.",
}
