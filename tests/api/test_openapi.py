"""The OpenAPI document: valid 3.1, one path per route, honest about security.

Response bodies are checked against it by ``tests/openapi_checker.py`` on every
request the API tests make; the tests at the end prove that checker can fail.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import falcon.inspect
import falcon.testing
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from imageapi.openapi.document import openapi_path
from imageapi.resources.docs import SWAGGER_UI_ASSETS
from imageapi.routes import ROUTES
from imageapi.routes.document import api_document
from imageapi.routes.urls import Urls
from tests.openapi_checker import CheckedClient
from tests.openapi_checker import OpenApiChecker

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def document(client) -> dict:
    result = client.simulate_get("/api/v1/openapi.json")
    assert result.status_code == 200
    return result.json


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    OpenAPIV31SpecValidator(document).validate()


def test_document_paths_are_exactly_the_app_routes(app, document):
    """No exclusions: the docs routes are documented like any other."""
    routes = {
        openapi_path(route.path): {m.method for m in route.methods if not m.internal}
        for route in falcon.inspect.inspect_routes(app)
    }
    documented = {
        path: {method.upper() for method in item if method in METHODS}
        for path, item in document["paths"].items()
    }
    assert documented == routes


def test_document_is_served_at_both_paths_and_built_from_config(client, config):
    first = client.simulate_get("/api/v1/openapi.json")
    second = client.simulate_get("/apidoc/openapi.json")
    assert first.json == second.json == api_document(config, Urls(ROUTES))


def test_cookie_scheme_follows_the_configured_cookie_name(config, make_app):
    client = CheckedClient(make_app(config.with_overrides(auth={"cookie_name": "sid"})))
    schemes = client.simulate_get("/api/v1/openapi.json").json["components"][
        "securitySchemes"
    ]
    assert schemes["cookieAuth"]["in"] == "cookie"
    assert schemes["cookieAuth"]["name"] == "sid"
    assert schemes["bearerAuth"]["scheme"] == "bearer"


def test_documented_security_is_what_the_app_enforces(client, document):
    """Without credentials a secured operation is 401; a public one never is."""
    for path, method, operation in operations(document):
        concrete = re.sub(r"\{\w+\}", "0", path)
        result = client.simulate_request(method.upper(), concrete)
        if operation.get("security") == []:
            assert result.status_code != 401, (path, method)
        else:
            assert result.status_code == 401, (path, method)


def test_operations_have_unique_ids_summaries_and_described_tags(document):
    described = {tag["name"] for tag in document["tags"]}
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))
    for path, method, operation in operations(document):
        assert operation["summary"], (path, method)
        assert set(operation["tags"]) <= described, (path, method)


def test_only_the_earlier_projects_routes_are_deprecated(document):
    deprecated = {
        (path, method)
        for path, method, operation in operations(document)
        if operation.get("deprecated")
    }
    legacy = {
        (path, method)
        for path, method, _ in operations(document)
        if not path.startswith(("/api/v1/", "/api/apidoc/"))
        and path.startswith("/api/")
    }
    assert ("/api/image/{img_id}", "get") in legacy
    assert len(legacy) == 11
    assert deprecated == legacy


def test_every_error_response_is_the_shared_error_schema(document):
    error = {"$ref": "#/components/schemas/Error"}
    assert set(document["components"]["schemas"]["Error"]["required"]) == {
        "title",
        "description",
    }
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if status == "414":  # granian's, before the app: no body
                assert "content" not in response
            elif int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == error or _extends_error(document, schema), (
                    path,
                    method,
                    status,
                )


def _extends_error(document: dict, schema: dict) -> bool:
    """An error body with extra fields (the 409 of a refused duplicate):
    the shared Error's fields, all required, plus its own."""
    schemas = document["components"]["schemas"]
    extended = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    error = schemas["Error"]
    return set(error["required"]) <= set(extended["required"]) and all(
        extended["properties"][name] == value
        for name, value in error["properties"].items()
    )


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href")]


@pytest.mark.parametrize("path", ["/apidoc/swagger", "/api/apidoc/swagger"])
def test_swagger_ui_page_and_its_assets_are_served_locally(client, path):
    page = client.simulate_get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-spec-url="/api/v1/openapi.json"' in page.text
    assert "://" not in page.text  # nothing from another host: works offline
    assert "<script>" not in page.text  # no inline script: the CSP forbids it
    parser = _Assets()
    parser.feed(page.text)
    expected_types = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    assert len(parser.urls) == 4
    for url in parser.urls:
        asset = client.simulate_get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert expected_types[suffix] in asset.headers["content-type"], url
        if not url.startswith("/apidoc/static/imageapi/"):
            name = url.removeprefix("/apidoc/static/")
            assert asset.content == (SWAGGER_UI_ASSETS / name).read_bytes(), url
        else:
            script = asset.text
    assert "validatorUrl: null" in script
    assert "persistAuthorization: false" in script


def test_swagger_ui_assets_route_does_not_escape_its_folder(client):
    result = client.simulate_get("/apidoc/static/../../../../etc/passwd")
    assert result.status_code == 404


# The checker itself: each rule must be able to fail.


def _result(status: str, body: bytes, content_type: str = "application/json"):
    headers = [("content-type", content_type), ("x-request-id", "r1")]
    return falcon.testing.Result([body], status, headers)


@pytest.fixture
def checker(document) -> OpenApiChecker:
    return OpenApiChecker(document)


def test_checker_accepts_a_documented_answer(checker):
    checker.check("GET", "/healthz", {}, None, _result("200 OK", b'{"status":"ok"}'))


@pytest.mark.parametrize(
    ("method", "path", "headers", "result", "complaint"),
    [
        ("GET", "/healthz", {}, _result("201 Created", b"{}"), "not documented"),
        ("GET", "/healthz", {}, _result("200 OK", b'{"status":"no"}'), "match"),
        ("GET", "/healthz", {}, _result("200 OK", b'{"status":"ok","x":1}'), "match"),
        ("GET", "/healthz", {}, _result("200 OK", b"ok", "text/plain"), "content"),
        (
            "GET",
            "/api/v1/users/me",
            {},
            _result(
                "200 OK",
                b'{"id":"a","email":"a@b.c","role":"user",'
                b'"created_at":"2024-01-01T00:00:00Z"}',
            ),
            "without credentials",
        ),
        (
            "GET",
            "/api/v1/users/me",
            {"Authorization": "Bearer x"},
            _result(
                "200 OK",
                b'{"id":"a","email":"a@b.c","role":"user","created_at":"yesterday"}',
            ),
            "date-time",
        ),
        ("PATCH", "/healthz", {}, _result("200 OK", b"{}"), "no operation"),
        (
            "GET",
            "/nowhere",
            {},
            _result("404 Not Found", b'{"title":"x"}'),
            "description",
        ),
    ],
)
def test_checker_rejects_what_the_document_does_not_allow(
    checker, method, path, headers, result, complaint
):
    with pytest.raises(AssertionError, match=complaint):
        checker.check(method, path, headers, None, result)


def test_checker_requires_documented_headers(checker):
    login = falcon.testing.Result(
        [b'{"token":"t","expires_at":"2030-01-01T00:00:00Z"}'],
        "200 OK",
        [("content-type", "application/json"), ("x-request-id", "r1")],
    )
    with pytest.raises(AssertionError, match="Set-Cookie"):
        checker.check("POST", "/api/v1/sessions", {}, None, login)
