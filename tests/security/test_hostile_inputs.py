"""Hostile input on every route and method of the route table, over real HTTP.

Every operation declared in ``imageapi/routes/`` gets hostile path fields,
query strings, bodies and credentials. Whatever comes in, the server answers
below 500, every error is a JSON ``{"title", "description"}`` body, and
nothing is half-written: after all of it, the library, the stored files, the
tags and the API keys are as they were.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
import requests

from imageapi.routes import ROUTES
from imageapi.routes.route import Route
from tests import samples
from tests.security.conftest import LiveServer

# A thousand requests from one user: the per-minute limit would answer most
# of them with 429 before they reach anything worth testing.
SERVER_ENV = {"IMAGEAPI_LIMITS_REQUESTS_PER_MINUTE": "0"}
FIELD = re.compile(r"{(\w+)(?::\w+)?}")
HOSTILE_SEGMENTS = (
    "%2e%2e",
    "%2E",
    "%00",
    "%ff%fe",
    "%C3",
    "' OR '1'='1",
    "<script>alert(1)<%2Fscript>",
    "-1",
    "9" * 40,
    "a" * 1500,
    "%25%32%65",
    "%E2%80%AE",
)
HOSTILE_QUERIES = ("zzz=1", "%ff=1", "a=%00", "=", "&&&", "x=%C3%28")
HOSTILE_QUERY_VALUES = (
    "",
    "%00",
    "%ff",
    "-1",
    "1e309",
    "NaN",
    "-62135596800",
    "253402300800",
    "0001-01-01T00:00:00%2B14:00",
    "9999-12-31T23:59:59-14:00",
    "%2e%2e",
    "x" * 3000,
)
HOSTILE_JSON = (
    b"{",
    b"null",
    b'"text"',
    b"1e999999",
    b"[" * 5000 + b"]" * 5000,
    b'{"a": "\\u0000"}',
    b'{"\\ud800": 1}',
    b"\xff\xfe{}",
    b"",
)
HOSTILE_CREDENTIALS = (
    {"Authorization": "Bearer " + "A" * 5000},
    {"Authorization": "Basic Zm9vOmJhcg=="},
    {"Authorization": "Bearer iak_%00'--"},
    {"X-API-Key": "iak_' OR 1=1 --"},
    {"Cookie": "auth_token=" + "%ff" * 50},
)
# Bodies each operation with a body gets, besides HOSTILE_JSON.
SPECIFIC_BODIES: dict[str, tuple[object, ...]] = {
    "registerUser": (
        {"email": "x", "password": "password123"},
        {"email": "n@example.com", "password": "short"},
        {"email": "n\u0000@example.com", "password": "password123"},
        {"email": ["a"], "password": {"b": 1}},
    ),
    "createSession": ({"email": 1, "password": True}, {"email": "a"}),
    "createApiKey": ({"name": ""}, {"name": " "}, {"name": "k" * 1000}, {"name": 7}),
    "replaceImageTags": (
        [".."],
        ["ok", 1],
        {"tags": "x"},
        ["t" * 65],
        ["a\u0000b"],
        [f"t{i}" for i in range(101)],
    ),
    "adminUpdateUser": (
        {"disabled": 0.0},
        {"max_images": True},
        {"max_images": -1},
        {"max_images": 10**30},
        {"role": "god"},
        {},
    ),
}


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    operation_id: str
    path: str
    query: str = ""
    body: bytes | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    credentials: bool = True

    @property
    def id(self) -> str:
        detail = self.query or (self.body or b"")[:24].decode("latin-1")
        return f"{self.method} {self.path[:60]} {detail[:40]} {dict(self.headers)}"[
            :140
        ]


def _routes() -> list[Route]:
    return [route for route in ROUTES if isinstance(route, Route)]


def _fill(path: str, values: dict[str, str]) -> str:
    return FIELD.sub(
        lambda match: values.get(match.group(1), "{" + match.group(1) + "}"), path
    )


def cases() -> list[Case]:
    """Hostile requests for every operation; ``{image_id}`` and the other
    fields are filled with real values when the case runs."""
    result = []
    for route in _routes():
        fields = FIELD.findall(route.path)
        for operation in route.operations:
            method, op_id = operation.method, operation.operation_id
            base = dict(route=route.name, method=method, operation_id=op_id)
            for field in fields:
                for segment in HOSTILE_SEGMENTS:
                    path = _fill(route.path, {field: segment})
                    result.append(Case(**base, path=path))
            if method == "GET":
                # Reads only: a mutation with a stray parameter might succeed.
                for query in HOSTILE_QUERIES:
                    result.append(Case(**base, path=route.path, query=query))
                if operation.query is not None:
                    for name, info in operation.query.model_fields.items():
                        for value in HOSTILE_QUERY_VALUES:
                            query = f"{info.alias or name}={value}"
                            result.append(Case(**base, path=route.path, query=query))
            if operation.body is not None:
                for body in _bodies(op_id):
                    result.append(
                        Case(
                            **base, path=route.path, body=body[0], content_type=body[1]
                        )
                    )
            for credentials in HOSTILE_CREDENTIALS:
                result.append(
                    Case(
                        **base,
                        path=route.path,
                        headers=tuple(credentials.items()),
                        credentials=False,
                    )
                )
            if op_id in ("getImageContent", "legacyGetImage"):
                for header in (
                    ("Range", "bytes=999999999999999999999-"),
                    ("Range", "bytes=5-1,0-0,-0"),
                    ("If-None-Match", '"' + "x" * 4000 + '"'),
                    ("Accept", "image/*;q=NaN, */*;q=-1"),
                ):
                    result.append(Case(**base, path=route.path, headers=(header,)))
                for query in ("width=-1", "width=99999", "format=exe", "blur=1e309"):
                    result.append(Case(**base, path=route.path, query=query))
    return result


def _bodies(operation_id: str) -> list[tuple[bytes, str]]:
    if operation_id in ("uploadImage", "legacyUploadImage"):
        return _hostile_uploads()
    bodies = [(body, "application/json") for body in HOSTILE_JSON]
    bodies += [
        (json.dumps(body).encode(), "application/json")
        for body in SPECIFIC_BODIES.get(operation_id, ())
    ]
    bodies += [
        (b"name=%ff&email=%00", "application/x-www-form-urlencoded"),
        (b"{}", "text/plain"),
        (b"{}", "application/json; charset=latin-1"),
    ]
    return bodies


def _multipart(*parts: bytes, boundary: bytes = b"XyZ") -> bytes:
    return b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts) + (
        b"--" + boundary + b"--\r\n"
    )


def _image_part(data: bytes, name: bytes = b"image", filename: bytes = b"a.png"):
    return (
        b'Content-Disposition: form-data; name="'
        + name
        + b'"; filename="'
        + filename
        + b'"\r\nContent-Type: image/png\r\n\r\n'
        + data
    )


def _hostile_uploads() -> list[tuple[bytes, str]]:
    form = "multipart/form-data; boundary=XyZ"
    png = samples.png_bytes(8, 8)
    tags = b'Content-Disposition: form-data; name="tags"\r\n\r\n'
    uploads = [
        _multipart(),
        _multipart(_image_part(b"")),
        _multipart(_image_part(b"not an image at all")),
        _multipart(_image_part(samples.png_header_claiming(100_000, 100_000))),
        _multipart(_image_part(png[: len(png) // 2])),
        _multipart(_image_part(png), _image_part(png)),
        _multipart(_image_part(png, name=b"picture")),
        _multipart(_image_part(png), tags + b'[".."]'),
        _multipart(_image_part(png), tags + b"[1, 2]"),
        _multipart(_image_part(png), tags + b"\xff\xfe"),
        _multipart(_image_part(png), tags + b"[" * 3000),
        _multipart(_image_part(png, filename=b"a\xff.png")),
        _multipart(_image_part(png, name=b"\xff")),
        b"--XyZ\r\n" + _image_part(png),  # never closed
        b"garbage without boundaries",
    ]
    result = [(body, form) for body in uploads]
    result += [
        (png, "image/png"),
        (_multipart(_image_part(png)), "multipart/form-data"),  # no boundary
        (_multipart(_image_part(png)), "multipart/form-data; boundary=" + "b" * 300),
    ]
    return result


CASES = cases()


@dataclass
class World:
    live: LiveServer
    owner: requests.Session
    admin: requests.Session
    values: dict[str, str]
    before: dict[str, object]


def snapshot(world_live: LiveServer, owner: requests.Session, image_id: str):
    images = owner.get(world_live.url("/api/v1/images"), params={"limit": 100})
    keys = owner.get(world_live.url("/api/v1/users/me/api-keys"))
    tags = owner.get(world_live.url(f"/api/v1/images/{image_id}/tags"))
    files = sorted(
        str(path.relative_to(world_live.data_dir))
        for path in world_live.data_dir.rglob("*")
        if path.is_file() and "uploads" not in path.parts
    )
    return {
        "images": [image["id"] for image in images.json()["items"]],
        "keys": [key["id"] for key in keys.json()],
        "tags": tags.json(),
        "files": files,
    }


@pytest.fixture(scope="module")
def world(live: LiveServer) -> World:
    owner = live.account("owner@example.com")
    admin = live.account("admin@example.com", admin=True)
    created = owner.post(
        live.url("/api/v1/images"),
        files={"image": ("a.png", samples.png_bytes(), "image/png")},
        data={"tags": '["cat"]'},
    )
    assert created.status_code == 201, created.text
    image_id = created.json()["id"]
    key = owner.post(live.url("/api/v1/users/me/api-keys"), json={"name": "k"})
    assert key.status_code == 201
    user_id = owner.get(live.url("/api/v1/users/me")).json()["id"]
    values = {
        "image_id": image_id,
        "img_id": image_id,
        "tag": "cat",
        "key_id": key.json()["id"],
        "user_id": user_id,
    }
    return World(live, owner, admin, values, snapshot(live, owner, image_id))


def test_there_are_enough_hostile_inputs_and_every_operation_gets_some():
    assert len(CASES) >= 200
    operations = {
        (route.name, operation.method)
        for route in _routes()
        for operation in route.operations
    }
    assert {(case.route, case.method) for case in CASES} == operations


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input_gets_a_json_answer_below_500(world: World, case: Case):
    session = world.admin if "admin" in case.route else world.owner
    headers = dict(session.headers) if case.credentials else {}
    headers.pop("Authorization", None) if not case.credentials else None
    headers.update(case.headers)
    if case.content_type:
        headers["Content-Type"] = case.content_type
    url = world.live.url(_fill(case.path, world.values))
    if case.query:
        url += "?" + case.query
    answer = requests.request(
        case.method, url, data=case.body, headers=headers, timeout=60
    )
    assert answer.status_code < 500, (answer.status_code, answer.text[:300])
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith("application/json"), (
            answer.status_code,
            answer.text[:300],
        )
        if case.method != "HEAD":  # a HEAD answer has the headers, no body
            assert set(answer.json()) == {"title", "description"}


def test_nothing_was_half_written(world: World):
    image_id = world.values["image_id"]
    assert snapshot(world.live, world.owner, image_id) == world.before
    assert list((world.live.data_dir / "uploads").glob("upload-*")) == []
    assert "unhandled error" not in world.live.log()
