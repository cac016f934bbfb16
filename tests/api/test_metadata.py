"""GET .../metadata and the taken_after / taken_before list filters."""

from __future__ import annotations

import blurhash
import pytest
import pyvips

from tests.api.transforms import upload_image
from tests.helpers import assert_error
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import quadrants


def camera_photo(taken: str | None, *, offset: str | None = None) -> pyvips.Image:
    """A JPEG-bound image with EXIF that libvips writes on save."""
    image = photo(120, 80).copy()
    image.set_type(pyvips.GValue.gstr_type, "exif-ifd0-Make", "Acme")
    image.set_type(pyvips.GValue.gstr_type, "exif-ifd0-Model", "Snapper 3000")
    if taken:
        image.set_type(pyvips.GValue.gstr_type, "exif-ifd2-DateTimeOriginal", taken)
    if offset:
        image.set_type(pyvips.GValue.gstr_type, "exif-ifd2-OffsetTimeOriginal", offset)
    image.set_type(pyvips.GValue.gstr_type, "exif-ifd3-GPSLatitude", "48/1 51/1 30/1")
    image.set_type(pyvips.GValue.gstr_type, "exif-ifd3-GPSLatitudeRef", "N")
    image.set_type(pyvips.GValue.gstr_type, "exif-ifd3-GPSLongitude", "2/1 17/1 40/1")
    image.set_type(pyvips.GValue.gstr_type, "exif-ifd3-GPSLongitudeRef", "E")
    return image


def test_metadata_of_a_camera_jpeg(api):
    image = upload_image(
        api, camera_photo("2023:05:17 14:03:22", offset="+02:00"), ".jpg"
    )
    result = api.get(image["links"]["metadata"])
    assert result.status_code == 200
    body = result.json
    assert body["exif"]["make"] == "Acme"
    assert body["exif"]["model"] == "Snapper 3000"
    assert body["exif"]["taken_at"] == "2023-05-17T12:03:22Z"
    assert body["exif"]["gps"]["latitude"] == pytest.approx(48 + 51 / 60 + 30 / 3600)
    assert body["exif"]["gps"]["longitude"] == pytest.approx(2 + 17 / 60 + 40 / 3600)
    assert {key: body[key] for key in body if key != "exif"} == {
        "width": 120,
        "height": 80,
        "format": "jpeg",
        "pages": 1,
        "has_alpha": False,
        "orientation": 1,
        "colour_space": "srgb",
    }


def test_metadata_without_exif_and_with_alpha(api):
    rgba = quadrants(40, 20).bandjoin(128)
    body = api.get(upload_image(api, rgba)["links"]["metadata"]).json
    assert (body["format"], body["has_alpha"]) == ("png", True)
    assert body["exif"] == {"make": None, "model": None, "taken_at": None, "gps": None}


def test_blurhash_decodes_to_the_image_colours(api):
    image = upload_image(api, quadrants(80, 40))
    assert blurhash.components(image["blurhash"]) == (4, 3)
    pixels = blurhash.decode(image["blurhash"], 8, 4)
    top_left, top_right = pixels[0][0], pixels[0][7]
    assert top_left[0] > top_left[1] + 40  # red
    assert top_right[1] > top_right[0] + 40  # green
    assert api.get(image["links"]["self"]).json["blurhash"] == image["blurhash"]


def test_taken_filters(api):
    early = upload_image(api, camera_photo("2019:03:01 10:00:00"), ".jpg")
    late = upload_image(api, camera_photo("2023:08:01 10:00:00"), ".jpg")
    upload_image(api, camera_photo(None), ".jpg")  # no time taken: never matches

    def listed(query: str) -> list[str]:
        result = api.get(f"/api/v1/images?{query}")
        assert result.status_code == 200, result.text
        return [item["id"] for item in result.json["items"]]

    assert listed("taken_after=2020-01-01T00:00:00Z") == [late["id"]]
    assert listed("taken_before=2020-01-01") == [early["id"]]
    assert listed("taken_after=1546300800&taken_before=1700000000") == [
        late["id"],
        early["id"],
    ]
    assert listed("taken_after=2023-08-01T10:00:00Z") == []  # exclusive
    assert len(listed("")) == 3
    assert_error(api.get("/api/v1/images?taken_after=yesterday"), 400)


def test_metadata_of_another_users_image_is_404(api, other_api):
    image = upload_image(api, quadrants(40, 20))
    assert_error(other_api.get(image["links"]["metadata"]), 404)
    assert_error(api.get("/api/v1/images/nope/metadata"), 404)
