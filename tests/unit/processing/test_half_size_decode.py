"""An original JPEG resized to between 1/4 and 1/2.4 of its size is decoded at
half size (DCT scaling): which renders take the shortcut, and that their
pixels still match those of a full decode."""

from __future__ import annotations

import statistics

import pytest
import pyvips

from imageapi.processing.options import RenditionOptions
from imageapi.processing.pipeline import render
from tests.unit.processing.imaging import decode
from tests.unit.processing.imaging import ssim
from tests.unit.processing.photos import PHOTOS

ORIGINAL = (1920, 1080)


def rendered(path, width, **options):
    result = render(
        path,
        RenditionOptions(width=width, format="png"),
        timeout_seconds=30,
        **options,
    )
    return decode(result.data)


def resized(image: pyvips.Image, reference: pyvips.Image) -> pyvips.Image:
    return image.thumbnail_image(reference.width, height=reference.height, size="force")


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    folder = tmp_path_factory.mktemp("originals")
    paths = []
    for name, make in PHOTOS.items():
        path = folder / f"{name}.jpg"
        make(*ORIGINAL, seed=5).jpegsave(str(path), Q=90)
        paths.append(path)
    return paths


def test_a_resize_to_1_2x_below_half_size_decodes_at_half_size(originals):
    path = originals[0]
    result = rendered(path, 800)  # 1920 / 2 = 1.2 x 800
    half = resized(pyvips.Image.new_from_file(str(path), shrink=2), result)
    whole = resized(pyvips.Image.new_from_file(str(path)), result)
    assert (result - half).abs().max() == 0
    assert (result - whole).abs().max() > 0


@pytest.mark.parametrize(
    ("width", "original"),
    [
        (801, None),  # half size would leave less than 1.2x
        (480, None),  # 4x: thumbnail() shrinks on load by itself
        (800, (3840, 2160)),  # from a level (already resampled once), 2.4x
    ],
)
def test_other_resizes_are_left_to_thumbnail(originals, width, original):
    path = originals[0]
    result = rendered(path, width, original=original)
    expected = pyvips.Image.thumbnail(
        str(path), result.width, height=result.height, size="force"
    )
    assert (result - expected).abs().max() == 0


@pytest.mark.parametrize("width", [800, 700, 560])
def test_half_size_decodes_match_full_decodes(originals, width):
    """The same bar as the pyramid's guard (lossless output, mean SSIM of the
    three kinds of photo >= 0.99, none below 0.985)."""
    scores = []
    for path in originals:
        result = rendered(path, width)
        whole = resized(pyvips.Image.new_from_file(str(path)), result)
        scores.append(ssim(result, whole))
    assert statistics.mean(scores) >= 0.99
    assert min(scores) >= 0.985
