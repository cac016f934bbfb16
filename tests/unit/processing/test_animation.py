"""Animated sources keep their frames when the output format can hold them."""

from __future__ import annotations

import pytest

from tests.unit.processing.conftest import render_params
from tests.unit.processing.imaging import BLUE
from tests.unit.processing.imaging import GREEN
from tests.unit.processing.imaging import RED
from tests.unit.processing.imaging import animation
from tests.unit.processing.imaging import decode
from tests.unit.processing.imaging import near
from tests.unit.processing.imaging import pixel


@pytest.fixture
def gif(tmp_path):
    return animation(tmp_path / "anim.gif", frames=3, width=40, height=30)


@pytest.mark.parametrize("output", ["gif", "webp"])
def test_every_frame_is_resized_and_kept(gif, output):
    result = render_params(
        gif, {"width": "20", "format": output, "flip": "1"}, source_format="gif"
    )
    frames = decode(result.data, all_frames=True)
    assert (result.width, result.height, result.pages) == (20, 15, 3)
    assert frames.get("n-pages") == 3
    assert frames.get("page-height") == 15
    assert frames.width == 20 and frames.height == 45
    # Frames stay in order (a flip of the whole strip would reverse them).
    for index, colour in enumerate((RED, GREEN, BLUE)):
        assert near(pixel(frames, 10, index * 15 + 7), colour)


def test_cover_and_crop_apply_to_each_frame(gif):
    params = {"crop": "10,0,30,30", "width": "10", "height": "10", "fit": "cover"}
    result = render_params(
        gif, {**params, "position": "attention"}, source_format="gif"
    )
    frames = decode(result.data, all_frames=True)
    assert (frames.get("n-pages"), frames.width, frames.get("page-height")) == (
        3,
        10,
        10,
    )


def test_a_format_without_animation_gets_the_first_frame(gif):
    result = render_params(gif, {"width": "20", "format": "jpeg"}, source_format="gif")
    image = decode(result.data)
    assert (image.width, image.height, result.pages) == (20, 15, 1)
    assert near(pixel(image, 10, 7), RED)


def test_auto_format_keeps_animation(gif):
    result = render_params(
        gif, {"format": "auto"}, source_format="gif", accept="image/avif,image/webp"
    )
    assert (result.format, result.pages) == ("webp", 3)
