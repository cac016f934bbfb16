"""Every response the API tests provoke is checked against the app's document.

``CheckedClient`` is falcon's ``TestClient`` plus one step: after each simulated
request it asks ``OpenApiChecker`` whether the document allows the answer (the
status is documented for the operation, the content type is one it lists, a
JSON body validates against its schema, documented required headers are there,
and a secured operation never succeeds without credentials). A test that
provokes anything the document does not say fails, so the document cannot
drift from what the code does as long as the tests exercise it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import falcon.testing
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing import Resource
from referencing.jsonschema import DRAFT202012

from imageapi.routes import ROUTES
from imageapi.routes.route import StaticRoute

DOCUMENT_PATH = "/api/v1/openapi.json"
DOCUMENT_URI = "urn:imageapi:openapi"
# Static files (Swagger UI's, the gallery's): routes, not API operations.
STATIC_PREFIXES = tuple(
    route.path + "/" for route in ROUTES if isinstance(route, StaticRoute)
)
ERROR_POINTER = "/components/schemas/Error"
CREDENTIAL_HEADERS = ("authorization", "x-api-key")


class OpenApiChecker:
    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(DOCUMENT_URI, resource)
        self._cookie_names = {
            scheme["name"]
            for scheme in document["components"]["securitySchemes"].values()
            if scheme.get("in") == "cookie"
        }
        # Literal paths win over templated ones (/sessions/current before /{id}).
        templates = sorted(document["paths"], key=lambda path: path.count("{"))
        self._paths = [(_path_pattern(path), path) for path in templates]

    def check(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        cookies: Mapping[str, str] | None,
        result: falcon.testing.Result,
    ) -> None:
        """Raise ``AssertionError`` if the document does not allow ``result``."""
        path = path.split("?", 1)[0]
        if path.startswith(STATIC_PREFIXES):
            return
        where = f"{method} {path} -> {result.status_code}"
        template = self._template(path)
        path_item = self._document["paths"].get(template, {})
        operation = path_item.get(method.lower())
        if operation is None:
            # No such operation (unknown route, wrong method, or a route a test
            # added on the fly): only an error body may come back.
            assert result.status_code >= 400, f"{where}: success on no operation"
            self._check_json(result, ERROR_POINTER, where)
            return
        responses = operation["responses"]
        status = str(result.status_code)
        assert status in responses, (
            f"{where}: status not documented (documented: {sorted(responses)})"
        )
        response = responses[status]
        pointer = f"/paths/{_escape(template)}/{method.lower()}/responses/{status}"
        if method.upper() == "HEAD":  # never a body; the headers are checked
            assert not result.content, f"{where}: a body in an answer to HEAD"
        else:
            self._check_content(result, response, pointer, where)
        self._check_headers(result, response, where)
        if result.status_code < 300 and operation.get("security") != []:
            assert self._has_credentials(headers, cookies), (
                f"{where}: a secured operation succeeded without credentials"
            )

    def _template(self, path: str) -> str | None:
        """The document's path template that ``path`` falls under, if any."""
        return next((t for pattern, t in self._paths if pattern.fullmatch(path)), None)

    def _check_content(self, result, response, pointer: str, where: str) -> None:
        content = response.get("content", {})
        if not content:
            assert not result.content, f"{where}: a body where none is documented"
            return
        media_type = _media_type(result.headers.get("content-type", ""))
        matching = [
            documented for documented in content if _matches(documented, media_type)
        ]
        assert matching, (
            f"{where}: content type {media_type!r} not documented ({sorted(content)})"
        )
        if media_type == "application/json":
            self._check_json(
                result, f"{pointer}/content/{_escape(matching[0])}/schema", where
            )

    def _check_json(self, result, pointer: str, where: str) -> None:
        media_type = _media_type(result.headers.get("content-type", ""))
        assert media_type == "application/json", f"{where}: not JSON ({media_type!r})"
        validator = Draft202012Validator(
            {"$ref": f"{DOCUMENT_URI}#{pointer}"},
            registry=self._registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        errors = [error.message for error in validator.iter_errors(result.json)]
        assert not errors, f"{where}: body does not match {pointer}: {errors}"

    def _check_headers(self, result, response, where: str) -> None:
        for name, header in response.get("headers", {}).items():
            if "$ref" in header:
                header = self._resolve(header["$ref"])
            if header.get("required"):
                assert name.lower() in result.headers, f"{where}: no {name} header"

    def _resolve(self, ref: str) -> dict[str, Any]:
        node: Any = self._document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def _has_credentials(self, headers, cookies) -> bool:
        lowered = {name.lower() for name in headers}
        cookie_header = {name.lower(): value for name, value in headers.items()}.get(
            "cookie", ""
        )
        return (
            any(name in lowered for name in CREDENTIAL_HEADERS)
            or bool(self._cookie_names & set(cookies or {}))
            or any(f"{name}=" in cookie_header for name in self._cookie_names)
        )


class CheckedClient(falcon.testing.TestClient):
    """``TestClient`` whose every response is checked with ``OpenApiChecker``.

    The document is the one the app itself serves, fetched on first use.
    """

    _checker: OpenApiChecker | None = None

    def simulate_request(
        self, method: str = "GET", path: str = "/", **kwargs: Any
    ) -> falcon.testing.Result:
        result = super().simulate_request(method, path, **kwargs)
        headers = {**(self._default_headers or {}), **dict(kwargs.get("headers") or {})}
        self.checker.check(method, path, headers, kwargs.get("cookies"), result)
        return result

    @property
    def checker(self) -> OpenApiChecker:
        if self._checker is None:
            document = falcon.testing.simulate_get(self.app, DOCUMENT_PATH)
            assert document.status_code == 200, document.text
            self._checker = OpenApiChecker(document.json)
        return self._checker


def _path_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    return re.compile(
        "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    )


def _escape(token: str) -> str:
    """A JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _matches(documented: str, actual: str) -> bool:
    """``image/*`` matches ``image/png``; ``*/*`` matches anything."""
    want_type, _, want_subtype = documented.partition("/")
    got_type, slash, got_subtype = actual.partition("/")
    return (
        bool(slash)
        and want_type in ("*", got_type)
        and want_subtype in ("*", got_subtype)
    )
