"""The route table: every URL, the resource that answers it and its operations.

Each route is declared once, as a ``Route`` in its noun's module (listed below
in document order). ``add_routes`` gives them to Falcon, ``api_document``
(``routes/document.py``) renders their operations as the OpenAPI ``paths``,
and ``Urls`` builds the URLs that answers carry (``Location``, links,
``Link: rel=successor-version``) from the route names, so no other module
spells a path. ``tests/api/test_openapi.py`` fails if a route goes
undocumented, ``tests/unit/test_route_table.py`` if a path is spelled outside
this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import falcon

from imageapi.routes import accounts
from imageapi.routes import docs
from imageapi.routes import duplicates
from imageapi.routes import gallery
from imageapi.routes import health
from imageapi.routes import images
from imageapi.routes import legacy
from imageapi.routes import oidc
from imageapi.routes import publishing
from imageapi.routes import tags
from imageapi.routes import usage
from imageapi.routes.route import V1
from imageapi.routes.route import Route
from imageapi.routes.route import RouteContext
from imageapi.routes.route import StaticRoute
from imageapi.routes.urls import Urls

if TYPE_CHECKING:
    from imageapi.app import Services

ROUTES: tuple[Route | StaticRoute, ...] = (
    *accounts.ROUTES,
    *oidc.ROUTES,
    *images.ROUTES,
    *publishing.ROUTES,
    *duplicates.ROUTES,
    *tags.ROUTES,
    *usage.ROUTES,
    *health.ROUTES,
    *docs.ROUTES,
    *gallery.ROUTES,
    *legacy.ROUTES,
)

TAGS = {
    "accounts": "Register and see your account.",
    "sessions": "Log in (a token and an HttpOnly cookie), with a password or "
    "single sign-on (OpenID Connect), and log out.",
    "images": "Upload, list and filter, download and delete your images.",
    "publishing": "Signed URLs anyone can fetch (CDN-friendly), and their key.",
    "tags": "Tag your images and see your tags.",
    "api-keys": "Keys for scripts: `X-API-Key` (or bearer), until revoked.",
    "usage": "What you used: requests, bytes, storage.",
    "admin": "Accounts, quotas and everyone's usage; administrators only.",
    "health": "Liveness and readiness probes for orchestrators.",
    "docs": "This document and its Swagger UI.",
    "gallery": "The web gallery: a browser client of this API.",
    "legacy": f"The earlier project's routes, kept for its clients: use {V1}.",
}


def add_routes(
    app: falcon.App, services: Services, urls: Urls, document: dict[str, Any]
) -> None:
    """Every route of the table, each with a resource built from ``services``."""
    context = RouteContext(services=services, urls=urls, document=document)
    for route in ROUTES:
        if isinstance(route, StaticRoute):
            app.add_static_route(route.path, str(route.directory))
        else:
            app.add_route(route.path, route.resource(context))
