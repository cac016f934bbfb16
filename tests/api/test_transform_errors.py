"""Refused transforms: a 400 naming the parameter, the pixel limit, never a 500."""

from __future__ import annotations

import pytest

from tests import samples
from tests.api.transforms import app_with
from tests.api.transforms import fetch
from tests.api.transforms import upload_image
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.helpers import upload
from tests.unit.processing.imaging import quadrants

BAD = [
    ("width=0", "width"),
    ("width=8193", "width"),
    ("width=-5", "width"),
    ("width=abc", "width"),
    ("width=1.5", "width"),
    ("width=10&width=20", "width"),
    ("height=0", "height"),
    ("height=99999", "height"),
    ("fit=cover", "fit"),
    ("width=10&fit=squeeze", "fit"),
    ("enlarge", "enlarge"),
    ("width=10&enlarge=maybe", "enlarge"),
    ("width=10&height=10&position=top", "position"),
    ("width=10&fit=cover&position=middle", "position"),
    ("position=top", "position"),
    ("width=10&background=red", "background"),
    ("width=10&background=12345", "background"),
    ("crop=1,2,3", "crop"),
    ("crop=0,0,0,10", "crop"),
    ("crop=a,b,c,d", "crop"),
    ("crop=70,0,20,10", "crop"),
    ("crop=0,30,10,20", "crop"),
    ("rotate=45", "rotate"),
    ("rotate=-90", "rotate"),
    ("flip=yes", "flip"),
    ("flop=2", "flop"),
    ("grayscale=on", "grayscale"),
    ("blur=0.1", "blur"),
    ("blur=101", "blur"),
    ("blur=soft", "blur"),
    ("sharpen=11", "sharpen"),
    ("sharpen=0.1", "sharpen"),
    ("format=bmp", "format"),
    ("format=JPEG", "format"),
    ("quality=0", "quality"),
    ("quality=101", "quality"),
    ("format=png&quality=50", "quality"),
    ("preset=huge", "preset"),
    ("preset=", "preset"),
    ("width=8192&crop=0,0,1,40&enlarge", "enlarge"),
    ("colour=red", "colour"),
    ("widht=10", "widht"),
    ("download=perhaps&width=10", "download"),
]


@pytest.fixture
def image(api):
    return upload_image(api, quadrants(80, 40))


@pytest.mark.parametrize(("query", "parameter"), BAD, ids=[q for q, _ in BAD])
def test_bad_parameters_are_400_naming_the_parameter(api, image, query, parameter):
    body = assert_error(fetch(api, image, query), 400)
    assert parameter in body["description"]


def test_upload_over_the_pixel_limit_is_refused(config, make_app):
    client = app_with(make_app, config, limits={"max_pixels": 1000})
    api = ApiClient.signed_up(client, "limits@example.com")
    assert_error(upload(api, samples.png_bytes(40, 30)), 422)
    assert upload(api, samples.png_bytes(30, 30)).status_code == 201


def test_transforming_a_source_over_the_pixel_limit_is_422(
    config, make_app, api, image
):
    """A limit lowered after upload still guards the decoder; the original
    itself can still be downloaded."""
    strict = app_with(make_app, config, limits={"max_pixels": 1000})
    same_user = ApiClient(strict, api.email, api.token)
    body = assert_error(fetch(same_user, image, "width=10"), 422)
    assert "1000" in body["description"]
    assert same_user.get(image["links"]["content"]).status_code == 200
