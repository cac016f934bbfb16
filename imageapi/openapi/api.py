"""imageapi's own document: our operation table, rendered for a given config."""

from __future__ import annotations

from typing import Any

from imageapi.config import Config
from imageapi.openapi.document import build_document
from imageapi.openapi.operations import OPERATIONS
from imageapi.openapi.operations import TAGS
from imageapi.processing.parameters import openapi_parameters

DESCRIPTION = """\
A self-hosted image service.

**Authentication**: register (`POST /api/v1/users`), then log in
(`POST /api/v1/sessions`). The answer carries a `token` to send as
`Authorization: Bearer <token>` and sets the same token as an HttpOnly cookie,
so a browser on this origin (this page included) is logged in at once.
Scripts can create an API key (`POST /api/v1/users/me/api-keys`) and send it
as `X-API-Key`.

**Errors** are always JSON `{"title", "description"}`, with the status code
that names the problem.
"""


def api_document(config: Config) -> dict[str, Any]:
    return build_document(
        OPERATIONS,
        cookie_name=config.auth.cookie_name,
        tags=TAGS,
        description=DESCRIPTION,
        transform_parameters=openapi_parameters(tuple(config.processing.presets)),
    )
