"""The web gallery's page: one HTML document, a client of the public API.

Its scripts learn the API's URLs from a JSON block in the page (route names to
``{field}`` templates from the route table), so they spell no path either.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from string import Template

import falcon

from imageapi.web.media import dumps

# HTML, CSS and ES modules: no build step, no third-party code.
GALLERY_ASSETS = Path(str(files("imageapi.web").joinpath("gallery")))


class GalleryPage:
    public_methods = frozenset({"GET"})

    def __init__(
        self, assets_url: str, docs_url: str, api_routes: Mapping[str, str]
    ) -> None:
        template = (GALLERY_ASSETS / "index.html").read_text()
        # "</" cannot occur in the JSON of route templates, but escape it anyway
        # so the data block can never close its own element.
        routes = dumps(dict(api_routes)).decode().replace("</", "<\\/")
        # Every module is needed at once: announce them all, so the browser
        # fetches them in parallel rather than import by import.
        preloads = "\n  ".join(
            f'<link rel="modulepreload" href="{assets_url}/{name}">'
            for name in sorted(
                module.relative_to(GALLERY_ASSETS).as_posix()
                for module in GALLERY_ASSETS.rglob("*.js")
            )
        )
        self._page = Template(template).substitute(
            assets=assets_url,
            preloads=preloads,
            docs_url=docs_url,
            routes=routes,
            login_url=api_routes["sessions"],
        )

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        # Content-Security-Policy and the other headers: middleware/security_headers.py
        resp.cache_control = ["no-cache"]
        resp.text = self._page
