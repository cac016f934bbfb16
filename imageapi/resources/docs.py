"""The OpenAPI document and the Swagger UI page (public, no authentication)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any

import falcon
from swagger_ui_bundle import swagger_ui_path

from imageapi.web.media import dumps

# Swagger UI's JS and CSS, from the installed swagger-ui-bundle-v2 package.
SWAGGER_UI_ASSETS = Path(str(swagger_ui_path))
# Our own script that starts it (no inline script: see the CSP in
# middleware/security_headers.py).
SWAGGER_UI_SCRIPTS = Path(str(files("imageapi.web").joinpath("static/scripts")))


class OpenApiDocument:
    public_methods = frozenset({"GET"})

    def __init__(self, document: dict[str, Any]) -> None:
        self._body = dumps(document)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._body


class SwaggerUi:
    public_methods = frozenset({"GET"})

    def __init__(self, spec_url: str, assets_url: str, scripts_url: str) -> None:
        template = files("imageapi.web").joinpath("static/swagger.html").read_text()
        self._page = Template(template).substitute(
            spec_url=spec_url, assets=assets_url, scripts=scripts_url
        )

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self._page
