"""Tags of an image, single tags, and the tag cloud."""

from __future__ import annotations

import pytest

from tests import samples
from tests.helpers import assert_error
from tests.helpers import upload


@pytest.fixture
def image_id(api):
    return upload(api, samples.png_bytes(), tags=["Cat", "sofa"]).json["id"]


def test_get_replace_and_clear_tags(api, image_id):
    path = f"/api/v1/images/{image_id}/tags"
    assert api.get(path).json == ["Cat", "sofa"]
    assert api.put(path, json={"tags": ["b", "a"]}).json == ["b", "a"]
    assert api.put(path, json=["x"]).json == ["x"]
    assert api.get(f"/api/v1/images/{image_id}").json["tags"] == ["x"]
    assert api.put(path, json=[]).json == []
    api.put(path, json=["y"])
    assert api.delete(path).status_code == 204
    assert api.get(path).json == []


def test_tags_are_trimmed_deduplicated_and_case_insensitive(api, image_id):
    path = f"/api/v1/images/{image_id}/tags"
    result = api.put(path, json=["  Cat ", "cat", "CAT", "über-straße", "a:b/c.d_e f"])
    assert result.json == ["Cat", "über-straße", "a:b/c.d_e f"]


def test_first_spelling_of_a_tag_stays(api, image_id):
    other = upload(api, samples.png_bytes(), tags=["CAT"]).json
    assert other["tags"] == ["Cat"]


@pytest.mark.parametrize(
    "bad", ["", "   ", "x" * 65, "semi;colon", "<script>", "tab\there", 5, None]
)
def test_bad_tag_is_422_naming_it(api, image_id, bad):
    result = api.put(f"/api/v1/images/{image_id}/tags", json=["fine", bad])
    body = assert_error(result, 422)
    if isinstance(bad, str) and bad.strip():
        assert repr(bad)[1:-1][:20] in body["description"]


def test_at_most_100_tags(api, image_id):
    path = f"/api/v1/images/{image_id}/tags"
    assert api.put(path, json=[f"t{n}" for n in range(100)]).status_code == 200
    assert_error(api.put(f"{path}/one-more"), 422)
    assert_error(api.put(path, json=[f"t{n}" for n in range(101)]), 422)


def test_tags_body_must_be_json(api, image_id):
    path = f"/api/v1/images/{image_id}/tags"
    assert_error(api.put(path, body="a,b", headers={"Content-Type": "text/plain"}), 415)
    assert_error(
        api.put(path, body="[oops", headers={"Content-Type": "application/json"}), 400
    )
    assert_error(api.put(path, json={"tags": "cat"}), 422)
    assert_error(api.put(path, json={"labels": ["a"]}), 422)
    assert_error(api.put(path, json="cat"), 422)


def test_add_and_remove_one_tag(api, image_id):
    base = f"/api/v1/images/{image_id}/tags"
    added = api.put(f"{base}/garden")
    assert added.status_code == 201
    assert added.json == ["Cat", "sofa", "garden"]
    again = api.put(f"{base}/GARDEN")
    assert again.status_code == 200
    assert again.json == ["Cat", "sofa", "garden"]
    assert api.delete(f"{base}/cat").status_code == 204
    assert api.get(base).json == ["sofa", "garden"]
    assert_error(api.delete(f"{base}/cat"), 404)


def test_tag_with_slash_and_unicode_in_path(api, image_id):
    base = f"/api/v1/images/{image_id}/tags"
    assert api.put(f"{base}/caf%C3%A9").status_code == 201
    assert "café" in api.get(base).json
    assert api.delete(f"{base}/CAF%C3%89").status_code == 204


def test_tag_cloud_counts_most_used_first_with_prefix(api):
    for tags in (["cat", "garden"], ["Cat"], ["cat", "car"], ["dog"]):
        upload(api, samples.png_bytes(), tags=tags)
    cloud = api.get("/api/v1/tags").json
    assert cloud[0] == {"tag": "cat", "count": 3}
    assert {entry["tag"]: entry["count"] for entry in cloud} == {
        "cat": 3,
        "garden": 1,
        "car": 1,
        "dog": 1,
    }
    prefixed = api.get("/api/v1/tags", query_string="prefix=CA").json
    assert prefixed == [{"tag": "cat", "count": 3}, {"tag": "car", "count": 1}]
    assert_error(api.get("/api/v1/tags", query_string="sort=x"), 400)


def test_tag_cloud_forgets_tags_no_image_uses(api, image_id):
    api.delete(f"/api/v1/images/{image_id}")
    assert api.get("/api/v1/tags").json == []


def test_tag_whose_folded_key_outgrows_the_limit_is_refused(api):
    """ "ß" * 64 folds to 128 characters, which the tag key column cannot hold:
    a 500 on PostgreSQL before, a 422 now."""
    result = upload(api, samples.png_bytes(), tags=["ß" * 64])
    assert_error(result, 422)
    assert upload(api, samples.png_bytes(), tags=["ß" * 32]).status_code == 201
