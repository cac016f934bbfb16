"""Limits from imageapi/limits.py, enforced over HTTP with real images."""

from __future__ import annotations

import pyvips

from tests import samples
from tests.api.transforms import app_with
from tests.api.transforms import fetch
from tests.api.transforms import upload_image
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.helpers import encode_multipart
from tests.helpers import upload
from tests.unit.processing.imaging import animation

MIB = 1024 * 1024


def _client(make_app, config, email="limits@example.com", **limits) -> ApiClient:
    return ApiClient.signed_up(app_with(make_app, config, limits=limits), email)


def _post_form(api: ApiClient, fields: list):
    body, content_type = encode_multipart(fields)
    return api.post("/api/v1/images", body=body, headers={"Content-Type": content_type})


def _image_part(name: str = "photo.png") -> tuple:
    return ("image", (name, samples.png_bytes(8, 8), "image/png"))


def test_upload_form_with_too_many_parts_is_400(config, make_app):
    api = _client(make_app, config, max_form_parts=3)
    tags = [("tags", f"tag{n}") for n in range(3)]
    assert_error(_post_form(api, [_image_part(), *tags]), 400)
    assert _post_form(api, [_image_part(), *tags[:2]]).status_code == 201


def test_upload_form_field_over_its_size_is_400(config, make_app):
    api = _client(make_app, config, max_form_field_bytes=100)
    assert_error(_post_form(api, [_image_part(), ("tags", "x" * 101)]), 400)
    assert _post_form(api, [_image_part(), ("tags", "x" * 60)]).status_code == 201


def test_upload_part_with_oversized_headers_is_400(config, make_app):
    api = _client(make_app, config, max_part_header_bytes=200)
    assert_error(_post_form(api, [_image_part("a" * 300 + ".png")]), 400)
    assert _post_form(api, [_image_part("a" * 20 + ".png")]).status_code == 201


def test_upload_over_the_frame_limit_is_422(config, make_app, tmp_path):
    api = _client(make_app, config, max_frames=2)
    three = animation(tmp_path / "three.gif", frames=3).read_bytes()
    body = assert_error(upload(api, three, content_type="image/gif"), 422)
    assert "3 frames" in body["description"]
    two = animation(tmp_path / "two.gif", frames=2).read_bytes()
    assert upload(api, two, content_type="image/gif").status_code == 201


def test_upload_over_the_side_limit_is_422_before_decoding(config, make_app):
    api = _client(make_app, config, max_side_pixels=1000)
    body = assert_error(upload(api, samples.png_header_claiming(1001, 10)), 422)
    assert "1000" in body["description"]
    assert upload(api, samples.png_bytes(1000, 2)).status_code == 201


def test_rotating_an_animation_over_the_memory_bound_is_422(config, make_app, tmp_path):
    """3 frames at 400x300 held in memory for the rotation: about 1.4 MiB."""
    api = _client(make_app, config, max_request_memory_bytes=MIB)
    gif = animation(tmp_path / "anim.gif", frames=3, width=40, height=30)
    stored = upload_image(api, pyvips.Image.new_from_file(str(gif), n=-1), ".gif")
    query = "width=300&height=400&enlarge&rotate=90"
    body = assert_error(fetch(api, stored, query), 422)
    assert str(MIB) in body["description"]
    # Without the rotation the result is 300x225, 3 frames: under 1 MiB; a
    # still format holds one frame.
    assert fetch(api, stored, "width=300&height=400&enlarge").status_code == 200
    assert fetch(api, stored, f"{query}&format=png").status_code == 200


def test_rotating_a_still_over_a_lowered_memory_bound_is_422(config, make_app):
    """600x450 pixels x 4 bytes is just over 1 MiB."""
    api = _client(make_app, config, max_request_memory_bytes=MIB)
    stored = upload_image(api, samples.gradient(40, 30))
    assert_error(fetch(api, stored, "width=600&enlarge&rotate=180"), 422)
    assert fetch(api, stored, "width=590&enlarge&rotate=180").status_code == 200


def test_animated_rendition_over_the_memory_bound_is_422(config, make_app, tmp_path):
    """Animation savers hold every frame: 12 x 200x150 x 4 bytes is 1.4 MiB."""
    api = _client(make_app, config, max_request_memory_bytes=MIB)
    gif = animation(tmp_path / "anim.gif", frames=12, width=200, height=150)
    stored = upload_image(api, pyvips.Image.new_from_file(str(gif), n=-1), ".gif")
    body = assert_error(fetch(api, stored, "width=200"), 422)
    assert "memory" in body["description"]
    assert fetch(api, stored, "width=100").status_code == 200  # a quarter of it
    assert fetch(api, stored, "width=200&format=png").status_code == 200


def test_jpeg_ending_right_after_its_header_is_refused(config, make_app):
    """633 bytes claiming 10000x10000: libjpeg only warns and fills in grey."""
    api = _client(make_app, config)
    hostile = samples.jpeg_ending_after_header(10000, 10000)
    body = assert_error(upload(api, hostile, content_type="image/jpeg"), 415)
    assert "truncated or corrupt" in body["description"]
    whole = samples.jpeg_bytes(300, 200)
    assert upload(api, whole, content_type="image/jpeg").status_code == 201


def test_progressive_jpeg_over_the_memory_bound_is_422_before_decoding(
    config, make_app
):
    """2000x2000 progressive, 4:2:0: 2 bytes x 1.5 planes x 4 M pixels = 12 MB."""
    api = _client(make_app, config, max_request_memory_bytes=8 * MIB)
    progressive = samples.progressive_jpeg_bytes(2000, 2000)
    body = assert_error(upload(api, progressive, content_type="image/jpeg"), 422)
    assert "progressive" in body["description"]
    baseline = pyvips.Image.black(2000, 2000, bands=3).jpegsave_buffer()
    assert upload(api, baseline, content_type="image/jpeg").status_code == 201


def test_tiff_over_the_default_page_limit_is_422(config, make_app):
    api = _client(make_app, config)
    pages = samples.multipage_tiff_bytes(1001)
    body = assert_error(upload(api, pages, content_type="image/tiff"), 422)
    assert "more than 1000 frames or pages" in body["description"]
    fewer = samples.multipage_tiff_bytes(20)
    assert upload(api, fewer, content_type="image/tiff").status_code == 201
