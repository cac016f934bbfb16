"""A second user never sees, changes or learns about the first user's images."""

from __future__ import annotations

import pytest

from tests import samples
from tests.helpers import assert_error
from tests.helpers import upload


@pytest.fixture
def alices_image(api):
    return upload(api, samples.png_bytes(), tags=["private"]).json


ROUTES = [
    ("GET", "/api/v1/images/{id}", None),
    ("DELETE", "/api/v1/images/{id}", None),
    ("GET", "/api/v1/images/{id}/content", None),
    ("GET", "/api/v1/images/{id}/tags", None),
    ("PUT", "/api/v1/images/{id}/tags", ["stolen"]),
    ("DELETE", "/api/v1/images/{id}/tags", None),
    ("PUT", "/api/v1/images/{id}/tags/stolen", None),
    ("DELETE", "/api/v1/images/{id}/tags/private", None),
    ("GET", "/api/image/{id}", None),
    ("DELETE", "/api/image/{id}", None),
    ("GET", "/api/{id}/tags", None),
    ("PUT", "/api/{id}/tags", ["stolen"]),
    ("DELETE", "/api/{id}/tags", None),
    ("POST", "/api/{id}/tags/stolen", None),
    ("DELETE", "/api/{id}/tags/private", None),
]


@pytest.mark.parametrize(("method", "template", "body"), ROUTES)
def test_other_users_image_is_404_everywhere(
    api, other_api, alices_image, method, template, body
):
    path = template.format(id=alices_image["id"])
    kwargs = {"json": body} if body is not None else {}
    result = other_api.request(method, path, **kwargs)
    assert_error(result, 404)
    unknown = other_api.request(method, template.format(id="no-such-image"), **kwargs)
    assert_error(unknown, 404)
    # ... and Alice's image is untouched.
    assert api.get(f"/api/v1/images/{alices_image['id']}").json == alices_image


def test_lists_and_tag_clouds_are_per_user(api, other_api, alices_image):
    assert other_api.get("/api/v1/images").json == {"items": [], "next_cursor": None}
    assert (
        other_api.get("/api/v1/images", query_string="tag=private").json["items"] == []
    )
    assert other_api.get("/api/v1/tags").json == []
    assert other_api.get("/api/images").json == []


def test_same_tag_name_is_separate_per_user(api, other_api, alices_image):
    mine = upload(other_api, samples.png_bytes(), tags=["PRIVATE"]).json
    assert mine["tags"] == ["PRIVATE"]
    assert api.get("/api/v1/tags").json == [{"tag": "private", "count": 1}]


def test_cursor_from_another_user_leaks_nothing(api, other_api):
    for _ in range(3):
        upload(api, samples.png_bytes())
    cursor = api.get("/api/v1/images", query_string="limit=1").json["next_cursor"]
    page = other_api.get("/api/v1/images", query_string=f"cursor={cursor}").json
    assert page["items"] == []
