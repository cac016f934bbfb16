"""Phone photos in HEIC: metadata, the original as uploaded, every transform.

The samples are encoded here with pillow-heif, as a phone writes them: pixels
stored sideways with a rotation (EXIF orientation 6), EXIF with camera, time
and GPS, and a Display P3 ICC profile.
"""

from __future__ import annotations

import pytest
import pyvips

from tests import samples
from tests.api.transforms import app_with
from tests.api.transforms import decoded
from tests.api.transforms import fetch
from tests.api.transforms import stored_keys
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.helpers import upload
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import quadrants
from tests.unit.processing.imaging import size
from tests.unit.processing.imaging import ssim

LEVELS_SIDE = 128  # levels this small (128, 64, 32) leave most sizes to the source
STORED = (240, 160)  # as encoded, before the rotation
UPRIGHT = (160, 240)


def p3(image: pyvips.Image) -> pyvips.Image:
    """``image``'s sRGB colours re-expressed in Display P3, with the profile."""
    return image.icc_transform("p3", input_profile="srgb", embedded=False)


@pytest.fixture
def phone_api(make_app, config) -> ApiClient:
    client = app_with(
        make_app, config, processing={"working_copy_max_side": LEVELS_SIDE}
    )
    return ApiClient.signed_up(client, "alice@example.com")


@pytest.fixture
def scene() -> pyvips.Image:
    """The photo as the sensor stored it (sideways), in Display P3."""
    return p3(photo(*STORED, seed=7))


@pytest.fixture
def phone_heic(scene) -> bytes:
    return samples.heic_of(
        scene,
        exif=samples.camera_exif(orientation=6),
        icc=scene.get("icc-profile-data"),
    )


@pytest.fixture
def uploaded(phone_api, phone_heic) -> dict:
    result = upload(
        phone_api, phone_heic, name="IMG_0001.HEIC", content_type="image/heic"
    )
    assert result.status_code == 201, result.text
    return result.json


@pytest.fixture
def same_pixels_as_png(phone_api, phone_heic) -> dict:
    """A PNG of exactly the pixels the HEIC decodes to, upright, same profile."""
    image = samples.decode_heic(phone_heic)
    result = upload(
        phone_api, image.pngsave_buffer(), name="same.png", content_type="image/png"
    )
    assert result.status_code == 201, result.text
    return result.json


def test_upload_reports_heic_upright(uploaded):
    assert uploaded["format"] == "heic"
    assert uploaded["content_type"] == "image/heic"
    assert (uploaded["width"], uploaded["height"]) == UPRIGHT
    assert uploaded["blurhash"]


def test_metadata_has_camera_time_place_and_upright_size(phone_api, uploaded):
    body = phone_api.get(uploaded["links"]["metadata"]).json
    assert body["exif"]["make"] == "Apple"
    assert body["exif"]["model"] == "iPhone 15 Pro"
    assert body["exif"]["taken_at"] == "2024-05-06T05:08:09Z"
    assert body["exif"]["gps"]["latitude"] == pytest.approx(48 + 51 / 60 + 30 / 3600)
    assert body["exif"]["gps"]["longitude"] == pytest.approx(2 + 17 / 60 + 40 / 3600)
    assert (body["width"], body["height"]) == UPRIGHT
    assert body["format"] == "heic"
    assert body["orientation"] == 1  # the pixels are decoded upright
    assert body["pages"] == 1


def test_original_is_served_as_uploaded(phone_api, uploaded, phone_heic):
    result = phone_api.get(uploaded["links"]["content"])
    assert result.status_code == 200
    assert result.headers["content-type"] == "image/heic"
    assert result.content == phone_heic


@pytest.mark.parametrize(
    ("query", "expected_size", "loader"),
    [
        ("width=32", (32, 48), "jpegload"),  # from the 128-px level
        ("width=256", UPRIGHT, "jpegload"),  # not enlarged
        ("width=150", (150, 225), "jpegload"),  # beyond the pyramid
        ("width=80&format=webp", (80, 120), "webpload"),
        ("format=png", UPRIGHT, "pngload"),
        ("rotate=90&width=120", (120, 80), "jpegload"),
        ("crop=10,20,100,50", (100, 50), "jpegload"),
        ("crop=0,0,160,240&width=100&flip", (100, 150), "jpegload"),
    ],
)
def test_transforms_decode_at_the_right_size(
    phone_api, uploaded, query, expected_size, loader
):
    image = decoded(fetch(phone_api, uploaded, query))
    assert size(image) == expected_size
    assert image.get("vips-loader") == f"{loader}_buffer"


@pytest.mark.parametrize(
    "query",
    [
        "width=40",  # from the 128-px level
        "width=150",  # from the render source
        "rotate=270&width=120",
        "crop=30,40,90,120",
    ],
)
def test_transforms_match_the_same_transform_of_a_png(
    phone_api, uploaded, same_pixels_as_png, query
):
    lossless = f"{query}&format=png"  # compare the sources, not two JPEG encodes
    from_heic = decoded(fetch(phone_api, uploaded, lossless))
    from_png = decoded(fetch(phone_api, same_pixels_as_png, lossless))
    assert size(from_heic) == size(from_png)
    assert ssim(from_heic, from_png) > 0.99
    assert (from_heic - from_png).abs().avg() < 1.5


def test_transform_converts_the_icc_profile_to_srgb(phone_api):
    colours = quadrants(80, 40)
    in_p3 = p3(colours)
    data = samples.heic_of(in_p3, icc=in_p3.get("icc-profile-data"))
    result = upload(phone_api, data, name="p3.heic", content_type="image/heic")
    assert result.status_code == 201, result.text
    rendered = decoded(fetch(phone_api, result.json, "format=png"))
    assert (rendered - colours).abs().avg() < 4
    assert (in_p3 - colours).abs().avg() > 20  # what ignoring the profile gives


def test_a_sequence_gives_its_first_image(phone_api):
    first, second = photo(90, 60, seed=1), photo(90, 60, seed=2)
    data = samples.heic_of(first, second)
    result = upload(phone_api, data, name="burst.heic", content_type="image/heic")
    assert result.status_code == 201, result.text
    assert (result.json["width"], result.json["height"]) == (90, 60)
    rendered = decoded(fetch(phone_api, result.json, "format=png"))
    assert (rendered - first).abs().avg() < 3
    assert (rendered - second).abs().avg() > 10


def test_alpha_is_kept(phone_api):
    clear = photo(60, 40).bandjoin_const([128])
    data = samples.heic_of(clear)
    result = upload(phone_api, data, name="clear.heic", content_type="image/heic")
    assert result.status_code == 201, result.text
    rendered = decoded(fetch(phone_api, result.json, "format=png"))
    assert rendered.hasalpha()
    assert abs(rendered[3].avg() - 128) < 3


def test_truncated_heic_is_refused_and_nothing_is_kept(phone_api, config, phone_heic):
    broken = phone_heic[: len(phone_heic) * 2 // 3]
    result = upload(phone_api, broken, name="cut.heic", content_type="image/heic")
    body = assert_error(result, 415)
    assert "HEIC" in body["description"]
    assert "truncated" in body["description"]
    assert stored_keys(config) == set()


def test_non_image_lists_exactly_the_accepted_formats(phone_api):
    result = upload(phone_api, b"just text", name="a.txt", content_type="text/plain")
    body = assert_error(result, 415)
    assert "(JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC)" in body["description"]


def test_listing_filters_heic(phone_api, uploaded):
    upload(phone_api, samples.png_bytes(), name="a.png", content_type="image/png")
    listed = phone_api.get("/api/v1/images?format=heic").json["items"]
    assert [item["id"] for item in listed] == [uploaded["id"]]


def test_delete_removes_the_render_source(phone_api, config, uploaded):
    assert any(key.startswith("sources/") for key in stored_keys(config))
    assert phone_api.delete(uploaded["links"]["self"]).status_code == 204
    assert stored_keys(config) == set()


def test_pixel_limit_applies_before_decoding(make_app, config):
    client = app_with(make_app, config, limits={"max_pixels": 40 * 30 - 1})
    api = ApiClient.signed_up(client, "bob@example.com")
    result = upload(api, samples.heic_bytes(40, 30), name="big.heic")
    body = assert_error(result, 422)
    assert "pixels" in body["description"]
    assert stored_keys(config) == set()
