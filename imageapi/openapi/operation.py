"""Declarative description of an operation: what a route accepts and answers.

An entry names the pydantic models that the resource uses to validate its input
(``query``, ``body``) and that describe its output, so the document is generated
from the same code that does the work rather than kept by hand beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from pydantic import BaseModel

from imageapi.schemas.errors import Error

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
HTML = "text/html"
OCTET_STREAM = "application/octet-stream"

# "Raw bytes" (no JSON body to validate): contentMediaType is the OpenAPI 3.1
# spelling; client generators still go by 3.0's ``format: binary``.
BINARY: dict[str, Any] = {
    "type": "string",
    "format": "binary",
    "contentMediaType": OCTET_STREAM,
}
# An image's bytes: the server sends the image's own type (``image/*``).
# Client generators know no wildcard image type and would drop the download
# function, so the generic "bytes" type is listed too.
IMAGE_BYTES: dict[str, dict[str, Any]] = {"image/*": BINARY, OCTET_STREAM: BINARY}


@dataclass(frozen=True)
class Header:
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = True


@dataclass(frozen=True)
class Response:
    """One status of an operation.

    Attributes:
        description: what this status means for the caller.
        model: the type of the JSON body (a pydantic model or any type pydantic
            can describe, e.g. ``list[str]``); ``None`` for no JSON body.
        content: other media types and their schemas, e.g. ``{"image/*": BINARY}``.
        headers: response headers worth documenting.
        links: OpenAPI links by name, e.g. ``{"GetImage": {"operationId":
            "getImage", "parameters": {"image_id": "$response.body#/id"}}}``;
            schemathesis follows them in its stateful phase.
    """

    description: str
    model: Any = None
    content: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    headers: Mapping[str, Header] = field(default_factory=dict)
    links: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Body:
    """A request body validated by ``model``, documented in each of ``media_types``.

    ``accepts_form``: the resource also reads the same fields form-encoded (as
    HTML forms and ``curl -d`` send them). The document says so in the body's
    description but lists only JSON: a client generator offered two media
    types for one body writes code that does not run.
    ``encoding`` is OpenAPI's per-part encoding for multipart bodies, e.g.
    ``{"image": {"contentType": "image/*"}}``.
    """

    model: Any  # a pydantic model, or any type pydantic can describe
    media_types: tuple[str, ...] = (JSON,)
    description: str = ""
    required: bool = True
    encoding: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    accepts_form: bool = False


@dataclass(frozen=True)
class Operation:
    """One method on one route, as the document describes it (the route, in
    ``imageapi/routes/``, holds the path).

    Attributes:
        method: HTTP method, upper case.
        operation_id: unique, stable name (clients generate method names from it).
        public: no credentials needed (the resource lists the method in
            ``public_methods``); otherwise cookie or bearer auth is required.
        path_params: optional model describing the URI fields (descriptions,
            patterns); its fields must be exactly the template's fields.
        query: the model that validates the query string; each field is a
            parameter.
        body: the request body.
        request_headers: optional request headers the operation reads
            (``Range``, ``If-None-Match``...), by name.
        transforms: also takes the transform query parameters (their table is
            ``processing/parameters.py``; the presets come from the config).
        responses: by status. Errors every operation of its kind can answer
            (401 when authenticated, 400/415/422 for a body, 400 for a query)
            are added by the generator unless given here.
        deprecated: kept for the earlier project's clients.
    """

    method: str
    operation_id: str
    summary: str
    tags: tuple[str, ...]
    responses: Mapping[int, Response]
    description: str = ""
    public: bool = False
    path_params: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: Body | None = None
    request_headers: Mapping[str, Header] = field(default_factory=dict)
    transforms: bool = False
    deprecated: bool = False


def error(description: str, headers: Mapping[str, Header] | None = None) -> Response:
    """A response whose body is the shared ``Error`` document."""
    return Response(description, model=Error, headers=headers or {})
