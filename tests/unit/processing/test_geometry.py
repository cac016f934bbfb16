"""Rendition sizes for every fit, before any pixel is touched."""

from __future__ import annotations

import pytest

from imageapi.errors import InvalidParameter
from imageapi.processing.geometry import plan
from imageapi.processing.options import RenditionOptions

SOURCE = (400, 200)


@pytest.mark.parametrize(
    ("options", "scaled", "box"),
    [
        (RenditionOptions(), (400, 200), (400, 200)),
        (RenditionOptions(width=100), (100, 50), (100, 50)),
        (RenditionOptions(height=50), (100, 50), (100, 50)),
        (RenditionOptions(width=100, height=100), (100, 50), (100, 50)),
        (RenditionOptions(width=100, height=100, fit="cover"), (200, 100), (100, 100)),
        (RenditionOptions(width=100, height=100, fit="contain"), (100, 50), (100, 100)),
        (RenditionOptions(width=100, height=100, fit="fill"), (100, 100), (100, 100)),
        (
            RenditionOptions(width=100, height=100, fit="outside"),
            (200, 100),
            (200, 100),
        ),
        # No upscaling unless asked, in every fit.
        (RenditionOptions(width=800), (400, 200), (400, 200)),
        (RenditionOptions(width=800, enlarge=True), (800, 400), (800, 400)),
        (RenditionOptions(width=800, height=800, fit="cover"), (400, 200), (400, 200)),
        (
            RenditionOptions(width=800, height=800, fit="contain"),
            (400, 200),
            (800, 800),
        ),
        (RenditionOptions(width=800, height=100, fit="fill"), (400, 100), (400, 100)),
        # The box describes the rotated result.
        (RenditionOptions(width=50, height=100, rotate=90), (100, 50), (100, 50)),
        # A crop is the source of the resize.
        (RenditionOptions(crop=(0, 0, 100, 100), width=10), (10, 10), (10, 10)),
    ],
)
def test_plan_for_each_fit(options, scaled, box):
    result = plan(SOURCE, options)
    assert (result.scaled, result.box) == (scaled, box)


def test_crop_outside_the_image_is_refused():
    with pytest.raises(InvalidParameter, match=r"^crop:"):
        plan(SOURCE, RenditionOptions(crop=(300, 0, 101, 10)))


def test_enlarging_past_the_largest_side_is_refused():
    options = RenditionOptions(width=8192, height=8192, fit="outside", enlarge=True)
    with pytest.raises(InvalidParameter, match=r"^enlarge:"):
        plan((100, 1), options)
