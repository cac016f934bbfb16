"""The web gallery: its page at ``/`` and its static assets.

The page is a client of the API like any other: it reads the same routes,
with the same cookie session, and is told their URLs here.
"""

from __future__ import annotations

from imageapi.openapi.operation import HTML
from imageapi.openapi.operation import Header
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.resources.gallery import GALLERY_ASSETS
from imageapi.resources.gallery import GalleryPage
from imageapi.routes.route import Route
from imageapi.routes.route import RouteContext
from imageapi.routes.route import StaticRoute

# The API routes the gallery calls, by name.
API_ROUTES = (
    "users",
    "current_user",
    "sessions",
    "current_session",
    "images",
    "image",
    "image_metadata",
    "image_content",
    "image_tags",
    "image_tag",
    "tags",
    "api_keys",
    "api_key",
    "usage",
    "admin_users",
    "admin_user",
    "admin_usage",
    "openapi_document",
    "signed_urls",
    "signing_key",
    "auth_providers",
)


def _page(ctx: RouteContext) -> GalleryPage:
    urls = ctx.urls
    routes = {name: urls.template(name) for name in API_ROUTES}
    return GalleryPage(
        urls.url_for("gallery_assets"), urls.url_for("swagger_ui"), routes
    )


ROUTES = (
    Route(
        "gallery",
        "/",
        _page,
        (
            Operation(
                "GET",
                operation_id="getGallery",
                summary="The web gallery (HTML; its scripts use this API)",
                tags=("gallery",),
                public=True,
                responses={
                    200: Response(
                        "The gallery's page; it works with the session cookie.",
                        content={HTML: {"type": "string"}},
                        headers={
                            "Content-Security-Policy": Header(
                                "Only this origin's scripts, styles and images."
                            )
                        },
                    )
                },
            ),
        ),
    ),
    StaticRoute("gallery_assets", "/gallery", GALLERY_ASSETS),
)
