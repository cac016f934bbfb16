"""imageapi's own document: the route table, rendered for a given config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from imageapi.config import Config
from imageapi.openapi.document import build_document
from imageapi.processing.parameters import openapi_parameters
from imageapi.routes import ROUTES
from imageapi.routes import TAGS
from imageapi.routes.urls import Urls


def api_document(config: Config, urls: Urls) -> dict[str, Any]:
    users, sessions = urls.url_for("users"), urls.url_for("sessions")
    api_keys = urls.url_for("api_keys")
    description = f"""\
A self-hosted image service.

**Authentication**: register (`POST {users}`), then log in
(`POST {sessions}`). The answer carries a `token` to send as
`Authorization: Bearer <token>` and sets the same token as an HttpOnly cookie,
so a browser on this origin (this page included) is logged in at once.
Scripts can create an API key (`POST {api_keys}`) and send it
as `X-API-Key`.

**Errors** are always JSON `{{"title", "description"}}`, with the status code
that names the problem.
"""
    return build_document(
        {route.path: route.operations for route in ROUTES if route.operations},
        cookie_name=config.auth.cookie_name,
        tags=TAGS,
        description=description,
        security_descriptions={
            "cookieAuth": f"Set (HttpOnly) by `POST {sessions}`.",
            "bearerAuth": f"The `token` returned by `POST {sessions}`, or an API key.",
            "apiKeyAuth": f"A key from `POST {api_keys}`.",
        },
        transform_parameters=[
            _default_in_words(parameter)
            for parameter in openapi_parameters(tuple(config.processing.presets))
        ],
    )


def _default_in_words(parameter: Mapping[str, Any]) -> dict[str, Any]:
    """A transform parameter's default, told in its description, not its schema.

    Generated clients (and Swagger UI's form) send a schema default as if the
    caller had chosen it; a chosen ``fit``, ``enlarge`` or ``position`` needs a
    size (or ``fit=cover``) and overrides a preset's. Left out, the server
    applies the same default.
    """
    schema = dict(parameter["schema"])
    if "default" not in schema:
        return dict(parameter)
    default = schema.pop("default")
    description = f"{parameter['description']} Default: `{default}`."
    return {**parameter, "schema": schema, "description": description}
