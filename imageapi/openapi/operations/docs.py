"""This document and the Swagger UI page that renders it."""

from __future__ import annotations

from typing import Any

from imageapi.openapi.operation import HTML
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response

DOCUMENT = Response("The OpenAPI 3.1 document.", model=dict[str, Any])
PAGE = Response(
    "Swagger UI, with its assets served by this service.",
    content={HTML: {"type": "string"}},
)


def _document(path: str, operation_id: str) -> Operation:
    return Operation(
        "GET",
        path,
        operation_id=operation_id,
        summary="This OpenAPI document",
        tags=("docs",),
        public=True,
        responses={200: DOCUMENT},
    )


def _page(path: str, operation_id: str) -> Operation:
    return Operation(
        "GET",
        path,
        operation_id=operation_id,
        summary="Swagger UI for this document",
        tags=("docs",),
        public=True,
        responses={200: PAGE},
    )


OPERATIONS = (
    _document("/api/v1/openapi.json", "getOpenApiDocument"),
    _document("/apidoc/openapi.json", "getApidocOpenApiDocument"),
    _page("/apidoc/swagger", "getSwaggerUi"),
    _page("/api/apidoc/swagger", "getApiSwaggerUi"),
)
