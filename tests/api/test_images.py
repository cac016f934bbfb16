"""Upload, read, list and delete images, in-process against a real database."""

from __future__ import annotations

import hashlib
from datetime import UTC
from datetime import datetime

import pytest

from tests import samples
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.helpers import encode_multipart
from tests.helpers import upload
from tests.openapi_checker import CheckedClient


def test_upload_returns_resource_with_detected_format(api):
    data = samples.png_bytes(40, 30)
    result = upload(api, data, name="holiday.png", tags=["beach", "Sun"])
    assert result.status_code == 201, result.text
    image = result.json
    assert result.headers["location"] == f"/api/v1/images/{image['id']}"
    assert image["name"] == "holiday.png"
    assert (image["format"], image["content_type"]) == ("png", "image/png")
    assert (image["width"], image["height"]) == (40, 30)
    assert image["size"] == len(data)
    assert image["sha256"] == hashlib.sha256(data).hexdigest()
    assert image["tags"] == ["beach", "Sun"]
    assert image["links"] == {
        "self": f"/api/v1/images/{image['id']}",
        "content": f"/api/v1/images/{image['id']}/content",
        "metadata": f"/api/v1/images/{image['id']}/metadata",
        "tags": f"/api/v1/images/{image['id']}/tags",
    }
    assert isinstance(image["blurhash"], str) and len(image["blurhash"]) >= 6
    assert datetime.fromisoformat(image["created_at"]).tzinfo == UTC
    assert image["created_at"].endswith("Z")


def test_image_ids_are_opaque(api):
    first = upload(api, samples.png_bytes()).json["id"]
    second = upload(api, samples.png_bytes()).json["id"]
    assert not first.isdigit()
    assert len(first) >= 16
    assert first != second


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [
        (".jpg", "jpeg"),
        (".webp", "webp"),
        (".gif", "gif"),
        (".tif", "tiff"),
        (".avif", "avif"),
    ],
)
def test_upload_detects_every_accepted_format_from_bytes(api, suffix, expected):
    data = samples.encoded(suffix)
    # The client claims PNG and a misleading name; neither is trusted.
    result = upload(api, data, name="lies.png", content_type="image/png")
    assert result.status_code == 201, result.text
    assert result.json["format"] == expected


def test_heic_is_stored(api):
    # Decoded by pillow-heif: the bundled libvips has no HEVC decoder.
    result = upload(api, samples.heic_bytes(40, 30), name="phone.heic")
    assert result.status_code == 201, result.text
    assert (result.json["format"], result.json["content_type"]) == (
        "heic",
        "image/heic",
    )
    assert (result.json["width"], result.json["height"]) == (40, 30)


def test_dimensions_follow_exif_orientation(api):
    data = samples.jpeg_bytes(60, 20, orientation=6)
    image = upload(api, data, name="rotated.jpg").json
    assert (image["width"], image["height"]) == (20, 60)


@pytest.mark.parametrize(
    "data",
    [
        b"image_bytes_data",
        b"just some text\n" * 10,
        b"<html><body>not an image</body></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        b"",
    ],
    ids=["placeholder", "text", "html", "svg", "pdf", "empty"],
)
def test_upload_refuses_non_images_with_415(api, data, config):
    assert_error(upload(api, data), 415)
    assert _stored_files(config) == []


def test_upload_refuses_truncated_image(api, config):
    data = samples.jpeg_bytes(200, 200)
    assert_error(upload(api, data[: len(data) // 2]), 415)
    assert _stored_files(config) == []


def test_upload_refuses_too_many_pixels_before_decoding(api, config):
    data = samples.png_header_claiming(20_000, 20_000)
    body = assert_error(upload(api, data), 422)
    assert "pixels" in body["description"]
    assert _stored_files(config) == []


def test_upload_over_size_limit_is_413(config, make_app):
    small = config.with_overrides(limits={"max_upload_bytes": 1000})
    api = ApiClient.signed_up(CheckedClient(make_app(small)), "z@x.io")
    assert_error(upload(api, samples.png_bytes(200, 200)), 413)
    assert upload(api, samples.png_bytes(4, 4)).status_code == 201


def test_upload_without_image_part_is_400(api):
    body, content_type = encode_multipart(
        [("tags", (None, '["a"]', "application/json"))]
    )
    result = api.post(
        "/api/v1/images", body=body, headers={"Content-Type": content_type}
    )
    assert "image" in assert_error(result, 400)["description"]


def test_upload_that_is_not_multipart_is_415(api):
    assert_error(api.post("/api/v1/images", json={"image": "x"}), 415)


def test_upload_with_malformed_multipart_is_400(api):
    result = api.post(
        "/api/v1/images",
        body=b"--xyz\r\nnot headers\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert_error(result, 400)


@pytest.mark.parametrize(
    "tags_part", ['{"a": 1}', "[1, 2]", '"cat"', "[not json", '["ok", null]']
)
def test_tags_part_must_be_json_array_of_strings(api, tags_part, config):
    fields = [
        ("image", ("a.png", samples.png_bytes(), "image/png")),
        ("tags", (None, tags_part, "application/json")),
    ]
    body, content_type = encode_multipart(fields)
    result = api.post(
        "/api/v1/images", body=body, headers={"Content-Type": content_type}
    )
    assert_error(result, 422)
    assert _stored_files(config) == []


def test_repeated_plain_tags_fields_are_accepted(api):
    fields = [
        ("tags", "first"),
        ("image", ("a.png", samples.png_bytes(), "image/png")),
        ("tags", "second"),
    ]
    body, content_type = encode_multipart(fields)
    result = api.post(
        "/api/v1/images", body=body, headers={"Content-Type": content_type}
    )
    assert result.status_code == 201, result.text
    assert result.json["tags"] == ["first", "second"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\cat.png", "cat.png"),
        ("  spaced name.png  ", "spaced name.png"),
        ("bell\x07.png", "bell.png"),
        ("", "image"),
        ("ünïcødé 写真.png", "ünïcødé 写真.png"),
    ],
)
def test_file_names_are_sanitised(api, given, stored):
    assert upload(api, samples.png_bytes(), name=given).json["name"] == stored


def test_get_and_delete_image(api, config):
    image = upload(api, samples.png_bytes()).json
    assert api.get(f"/api/v1/images/{image['id']}").json == image
    assert len(_stored_files(config)) == 1
    assert api.delete(f"/api/v1/images/{image['id']}").status_code == 204
    assert_error(api.get(f"/api/v1/images/{image['id']}"), 404)
    assert_error(api.delete(f"/api/v1/images/{image['id']}"), 404)
    assert _stored_files(config) == []


def test_unknown_image_is_404(api):
    assert_error(api.get("/api/v1/images/does-not-exist"), 404)


def test_images_need_a_session(client):
    assert_error(client.simulate_get("/api/v1/images"), 401)
    assert_error(client.simulate_post("/api/v1/images"), 401)


def _stored_files(config) -> list:
    root = config.data_dir / "images"
    files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    uploads = config.data_dir / "uploads"
    leftovers = list(uploads.iterdir()) if uploads.exists() else []
    return files + leftovers
