"""This document, the Swagger UI page that renders it, and the page's assets."""

from __future__ import annotations

from typing import Any

from imageapi.openapi.operation import HTML
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.resources.docs import SWAGGER_UI_ASSETS
from imageapi.resources.docs import SWAGGER_UI_SCRIPTS
from imageapi.resources.docs import OpenApiDocument
from imageapi.resources.docs import SwaggerUi
from imageapi.routes.route import Route
from imageapi.routes.route import RouteContext
from imageapi.routes.route import StaticRoute
from imageapi.routes.route import v1

DOCUMENT = Response("The OpenAPI 3.1 document.", model=dict[str, Any])
PAGE = Response(
    "Swagger UI, with its assets served by this service.",
    content={HTML: {"type": "string"}},
)


def _document(name: str, path: str, operation_id: str) -> Route:
    operation = Operation(
        "GET",
        operation_id=operation_id,
        summary="This OpenAPI document",
        tags=("docs",),
        public=True,
        responses={200: DOCUMENT},
    )
    return Route(name, path, lambda ctx: OpenApiDocument(ctx.document), (operation,))


def _swagger_ui(ctx: RouteContext) -> SwaggerUi:
    urls = ctx.urls
    return SwaggerUi(
        urls.url_for("openapi_document"),
        urls.url_for("swagger_assets"),
        urls.url_for("swagger_scripts"),
    )


def _page(name: str, path: str, operation_id: str) -> Route:
    operation = Operation(
        "GET",
        operation_id=operation_id,
        summary="Swagger UI for this document",
        tags=("docs",),
        public=True,
        responses={200: PAGE},
    )
    return Route(name, path, _swagger_ui, (operation,))


ROUTES = (
    _document("openapi_document", v1("/openapi.json"), "getOpenApiDocument"),
    _document(
        "apidoc_openapi_document", "/apidoc/openapi.json", "getApidocOpenApiDocument"
    ),
    _page("swagger_ui", "/apidoc/swagger", "getSwaggerUi"),
    _page("api_swagger_ui", "/api/apidoc/swagger", "getApiSwaggerUi"),
    StaticRoute("swagger_assets", "/apidoc/static", SWAGGER_UI_ASSETS),
    # Inside the assets' prefix: Falcon tries static routes latest first.
    StaticRoute("swagger_scripts", "/apidoc/static/imageapi", SWAGGER_UI_SCRIPTS),
)
