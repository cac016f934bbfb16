"""Listing: filters, keyset pagination and parameter errors."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from tests import samples
from tests.clocks import Clock
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.helpers import upload
from tests.openapi_checker import CheckedClient

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def library(config, make_app):
    """Alice's library of five images at known times, names, formats and tags."""
    clock = Clock(START)
    client = CheckedClient(make_app(config, clock=clock))
    api = ApiClient.signed_up(client, "alice@example.com")
    specs = [
        ("Cat on sofa.png", samples.png_bytes(), ["cat", "indoor"]),
        ("dog.jpg", samples.jpeg_bytes(), ["Dog", "outdoor"]),
        ("cat and dog.webp", samples.encoded(".webp"), ["cat", "dog"]),
        ("sunset.jpg", samples.jpeg_bytes(), ["outdoor"]),
        ("untagged.gif", samples.encoded(".gif"), []),
    ]
    ids = []
    for minute, (name, data, tags) in enumerate(specs, start=1):
        clock.now = START + timedelta(minutes=minute)  # 12:01, 12:02, ...
        result = upload(api, data, name=name, tags=tags)
        assert result.status_code == 201, result.text
        ids.append(result.json["id"])
    return api, ids


def names(result) -> list[str]:
    assert result.status_code == 200, result.text
    return [item["name"] for item in result.json["items"]]


def test_list_is_newest_first_with_null_cursor_on_last_page(library):
    api, _ = library
    result = api.get("/api/v1/images")
    assert names(result) == [
        "untagged.gif",
        "sunset.jpg",
        "cat and dog.webp",
        "dog.jpg",
        "Cat on sofa.png",
    ]
    assert result.json["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag=cat", ["cat and dog.webp", "Cat on sofa.png"]),
        ("tag=CAT", ["cat and dog.webp", "Cat on sofa.png"]),
        ("tag=cat&tag=dog", ["cat and dog.webp"]),
        (
            "tag=cat&tag=outdoor&tag_mode=any",
            ["sunset.jpg", "cat and dog.webp", "dog.jpg", "Cat on sofa.png"],
        ),
        ("tag=nosuchtag", []),
        ("tag=cat&tag=nosuchtag", []),
        ("format=jpeg", ["sunset.jpg", "dog.jpg"]),
        ("name=CAT", ["cat and dog.webp", "Cat on sofa.png"]),
        ("name=%25", []),
        ("created_after=2024-05-01T12:03:30Z", ["untagged.gif", "sunset.jpg"]),
        ("created_before=2024-05-01T12:02:30%2B00:00", ["dog.jpg", "Cat on sofa.png"]),
        (
            f"created_after={int(START.timestamp()) + 150}&created_before="
            f"{int(START.timestamp()) + 270}",
            ["sunset.jpg", "cat and dog.webp"],
        ),
    ],
)
def test_filters(library, query, expected):
    api, _ = library
    assert names(api.get("/api/v1/images", query_string=query)) == expected


def test_cursor_pages_through_everything_once(library):
    api, ids = library
    seen, cursor = [], None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get("/api/v1/images", query_string=query).json
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_cursor_is_stable_while_images_are_added(library):
    api, ids = library
    first = api.get("/api/v1/images", query_string="limit=2").json
    upload(api, samples.png_bytes(), name="newcomer.png")
    cursor = first["next_cursor"]
    second = api.get("/api/v1/images", query_string=f"limit=2&cursor={cursor}").json
    assert [item["id"] for item in second["items"]] == [ids[2], ids[1]]


def test_cursor_keeps_filters(library):
    api, _ = library
    page = api.get("/api/v1/images", query_string="tag=outdoor&limit=1").json
    rest = api.get(
        "/api/v1/images",
        query_string=f"tag=outdoor&limit=1&cursor={page['next_cursor']}",
    )
    assert names(rest) == ["dog.jpg"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=abc", "limit"),
        ("limit=1&limit=2", "limit"),
        ("tag_mode=some", "tag_mode"),
        ("created_after=yesterday", "created_after"),
        ("created_before=2024-13-45", "created_before"),
        ("format=bmp", "format"),
        ("cursor=abc", "cursor"),
        ("cursor=eyJhIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA", "cursor"),
        ("tga=cat", "tga"),
    ],
)
def test_invalid_query_parameters_are_400_naming_them(library, query, named):
    api, _ = library
    body = assert_error(api.get("/api/v1/images", query_string=query), 400)
    assert named in body["description"]


def test_tampered_cursor_is_400(library):
    api, _ = library
    cursor = api.get("/api/v1/images", query_string="limit=1").json["next_cursor"]
    payload, signature = cursor.split(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    result = api.get("/api/v1/images", query_string=f"cursor={forged}")
    assert "cursor" in assert_error(result, 400)["description"]


def test_limit_500_is_allowed(library):
    api, _ = library
    assert len(api.get("/api/v1/images", query_string="limit=500").json["items"]) == 5
