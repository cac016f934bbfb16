"""Rendering from the working copy: when, and that it loses no visible quality."""

from __future__ import annotations

import pytest
import pyvips

from imageapi.processing.analysis import make_working_copy
from imageapi.processing.options import RenditionOptions
from imageapi.processing.pipeline import render
from imageapi.processing.source import choose_source
from imageapi.processing.source import copy_scale
from tests.unit.processing.imaging import decode
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import size
from tests.unit.processing.imaging import ssim

ORIGINAL = (1200, 900)
COPY = (480, 360)


@pytest.mark.parametrize(
    ("options", "from_copy"),
    [
        (RenditionOptions(width=256), True),
        (RenditionOptions(width=200, height=200, fit="cover"), True),
        (RenditionOptions(width=256, height=256, fit="cover"), False),  # 0.28x
        (RenditionOptions(height=225), True),  # exactly 1.6x below the copy
        (RenditionOptions(width=400), False),  # too close to the copy's size
        (RenditionOptions(width=1000), False),
        (RenditionOptions(), False),  # full size
        (RenditionOptions(format="webp"), False),
        # A crop needs the original's detail: its scale is what counts.
        (RenditionOptions(crop=(0, 0, 300, 300), width=75), True),
        (RenditionOptions(crop=(0, 0, 300, 300), width=200), False),
    ],
)
def test_choose_source_uses_the_copy_only_well_below_its_size(options, from_copy):
    assert choose_source(options, ORIGINAL, COPY) is from_copy


def test_without_a_copy_the_original_is_used():
    assert choose_source(RenditionOptions(width=10), ORIGINAL, None) is False


@pytest.fixture(scope="module")
def original_and_copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("copy")
    original = folder / "original.jpg"
    photo(*ORIGINAL, seed=5).jpegsave(str(original), Q=90)
    copy_path = folder / "copy.jpg"
    copy = make_working_copy(original, copy_path, max(COPY))
    assert (copy.width, copy.height) == COPY
    return original, copy_path, copy_scale(ORIGINAL, (copy.width, copy.height))


@pytest.mark.parametrize(
    "options",
    [
        RenditionOptions(width=300, format="png"),  # 1.6x below the copy
        RenditionOptions(width=200, height=200, fit="cover", format="png"),
        RenditionOptions(crop=(300, 200, 600, 500), width=150, format="png"),
        RenditionOptions(width=200, rotate=90, grayscale=True, format="png"),
    ],
)
def test_derivative_from_the_copy_matches_the_original(original_and_copy, options):
    original, copy_path, scale = original_and_copy
    assert choose_source(options, ORIGINAL, COPY)
    reference = decode(render(original, options, timeout_seconds=30).data)
    from_copy = decode(
        render(copy_path, options, source_scale=scale, timeout_seconds=30).data
    )
    assert size(from_copy) == size(reference)
    assert ssim(from_copy, reference) >= 0.99


def test_ssim_would_notice_a_visible_loss(original_and_copy):
    """The threshold means something: a softer or lossier result fails it."""
    original, _copy_path, _scale = original_and_copy
    options = RenditionOptions(width=300, format="png")
    reference = decode(render(original, options, timeout_seconds=30).data)
    lossy = pyvips.Image.new_from_buffer(reference.jpegsave_buffer(Q=40), "")
    assert ssim(lossy, reference) < 0.99
    assert ssim(reference.gaussblur(0.8), reference) < 0.99


def test_crop_uses_the_original_when_the_copy_cannot_map_back_exactly():
    original, copy = (4000, 3001), (1536, 1152)  # 1152 / 0.384 = 3000, not 3001
    bottom_strip = RenditionOptions(width=100, crop=(0, 2900, 4000, 101))
    assert not choose_source(bottom_strip, original, copy)
    assert choose_source(RenditionOptions(width=100), original, copy)
    exact = RenditionOptions(width=100, crop=(0, 2899, 4000, 101))
    assert choose_source(exact, (4000, 3000), (1536, 1152))
