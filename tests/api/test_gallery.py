"""The gallery's page and assets as the server sends them (the browser tests
are in tests/e2e/test_gallery_browser.py)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from imageapi.resources.gallery import GALLERY_ASSETS


class _Page(HTMLParser):
    """The page's asset URLs, its route data and whether it has inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.routes_json = ""
        self.inline_script = False
        self.handlers: list[str] = []
        self._in_data = False
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [name for name in attributes if name.startswith("on")]
        if tag == "script":
            self._in_data = attributes.get("type") == "application/json"
            self._in_script = not self._in_data and "src" not in attributes
            if "src" in attributes:
                self.assets.append(attributes["src"])
        if tag == "link" and attributes.get("rel") != "modulepreload":
            self.assets.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_data = self._in_script = False

    def handle_data(self, data):
        if self._in_data:
            self.routes_json += data
        elif self._in_script and data.strip():
            self.inline_script = True


def test_gallery_page_is_html_with_a_strict_policy(client):
    page = client.simulate_get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "://" not in page.text  # nothing from another origin


def test_gallery_page_has_no_inline_script_and_names_the_api_routes(client):
    text = client.simulate_get("/").text
    parser = _Page()
    parser.feed(text)
    assert not parser.inline_script
    assert parser.handlers == []
    routes = json.loads(parser.routes_json)
    assert routes["images"] == "/api/v1/images"
    assert routes["image_content"] == "/api/v1/images/{image_id}/content"
    assert routes["signed_urls"].endswith("/signed-urls")
    # The login form works without scripts too: a real form to the API.
    assert re.search(r'<form[^>]+method="post" action="/api/v1/sessions"', text)


def test_gallery_assets_are_served_with_their_types(client):
    parser = _Page()
    parser.feed(client.simulate_get("/").text)
    expected = {".js": "javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    assert len(parser.assets) == 3
    for url in parser.assets:
        asset = client.simulate_get(url)
        assert asset.status_code == 200, url
        assert expected[url[url.rindex(".") :]] in asset.headers["content-type"], url
    # Every module the page imports is in the package, and served.
    for module in GALLERY_ASSETS.rglob("*.js"):
        name = module.relative_to(GALLERY_ASSETS).as_posix()
        assert client.simulate_get(f"/gallery/{name}").status_code == 200, name


def test_gallery_assets_route_does_not_escape_its_folder(client):
    assert client.simulate_get("/gallery/../../../etc/passwd").status_code == 404
