"""The pyramid: its levels, which one a derivative uses, and that the result
looks like the one rendered from the original."""

from __future__ import annotations

import statistics

import pytest
import pyvips

from imageapi.processing.options import RenditionOptions
from imageapi.processing.pipeline import render
from imageapi.processing.pyramid import Level
from imageapi.processing.pyramid import build_pyramid
from imageapi.processing.pyramid import choose_level
from imageapi.processing.pyramid import level_sides
from tests.unit.processing.imaging import animation
from tests.unit.processing.imaging import decode
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import size
from tests.unit.processing.imaging import ssim
from tests.unit.processing.photos import PHOTOS

ORIGINAL = (4000, 3000)
LEVELS = (Level(2048, 1536, "jpeg"), Level(1024, 768, "jpeg"), Level(512, 384, "jpeg"))


def longest(level: Level | None) -> int | None:
    return level.longest if level else None


@pytest.mark.parametrize(
    ("options", "chosen"),
    [
        (RenditionOptions(width=256), 512),  # exactly half the 512-px level
        (RenditionOptions(width=257), 1024),
        (RenditionOptions(width=256, height=256, fit="cover"), 1024),  # 341x256
        (RenditionOptions(height=384), 1024),
        (RenditionOptions(width=800, format="webp"), 2048),
        (RenditionOptions(width=1024), 2048),
        (RenditionOptions(width=1025), None),
        (RenditionOptions(), None),  # full size
        (RenditionOptions(rotate=90, height=250), 512),  # the box is rotated
        # A crop needs the original's detail: its scale is what counts.
        (RenditionOptions(crop=(0, 0, 1000, 1000), width=60), 512),
        (RenditionOptions(crop=(0, 0, 1000, 1000), width=250), 2048),
        (RenditionOptions(crop=(0, 0, 1000, 1000), width=600), None),
    ],
)
def test_the_smallest_level_with_twice_the_pixels_is_chosen(options, chosen):
    assert longest(choose_level(options, ORIGINAL, LEVELS)) == chosen
    assert longest(choose_level(options, ORIGINAL, LEVELS[::-1])) == chosen


def test_without_levels_the_original_is_used():
    assert choose_level(RenditionOptions(width=10), ORIGINAL, ()) is None


def test_crop_skips_a_level_that_cannot_map_back_exactly():
    original = (1000, 751)
    # 601 / 0.8 = 751.25, while 150 / 0.2 = 750: one pixel short.
    levels = (Level(800, 601, "jpeg"), Level(200, 150, "jpeg"))
    bottom_strip = RenditionOptions(width=50, crop=(0, 700, 1000, 51))
    assert longest(choose_level(bottom_strip, original, levels)) == 800
    assert longest(choose_level(RenditionOptions(width=50), original, levels)) == 200


def test_level_sides_halve_the_largest_twice():
    assert level_sides(2048) == (2048, 1024, 512)
    assert level_sides(100) == (100, 50)  # none below 32 px
    assert level_sides(0) == ()


@pytest.mark.parametrize(
    ("width", "levels"),
    [
        (767, []),
        (768, [512]),
        (1535, [512]),
        (1536, [1024, 512]),
        (3072, [2048, 1024, 512]),
    ],
)
def test_a_level_is_made_only_for_originals_half_as_large_again(
    tmp_path, width, levels
):
    # Below 1.5x a level's side, decoding the original shrunk on load costs
    # about what decoding the level would.
    original = photo(width, 40).copy_memory()
    made = build_pyramid(original, tmp_path, max_side=2048).levels
    assert [level.longest for level in made] == levels


def test_build_pyramid_from_a_file_writes_upright_jpeg_levels(tmp_path):
    original = tmp_path / "original.jpg"
    sideways = photo(1000, 600, seed=2).copy()
    sideways.set_type(pyvips.GValue.gint_type, "orientation", 6)  # 90° clockwise
    sideways.jpegsave(str(original), Q=90)

    pyramid = build_pyramid(original, tmp_path, max_side=640)

    assert [(lv.width, lv.height, lv.format) for lv in pyramid.levels] == [
        (384, 640, "jpeg"),
        (192, 320, "jpeg"),
        (96, 160, "jpeg"),
    ]
    for level in pyramid.levels:
        written = pyvips.Image.new_from_file(str(tmp_path / str(level.longest)))
        assert size(written) == (level.width, level.height)
        assert not written.get_typeof("orientation")  # upright, no EXIF left


def test_build_pyramid_keeps_alpha_losslessly_and_skips_levels_too_big(tmp_path):
    clear = photo(300, 200).bandjoin(128).copy(interpretation="srgb")
    pyramid = build_pyramid(clear, tmp_path, max_side=400)
    assert [(lv.width, lv.height, lv.format) for lv in pyramid.levels] == [
        (200, 133, "webp"),
        (100, 67, "webp"),
    ]
    level = pyvips.Image.new_from_file(str(tmp_path / "200"))
    assert level.hasalpha()
    assert level.extract_band(3).max() == level.extract_band(3).min() == 128


def test_an_animation_gets_no_levels(tmp_path):
    gif = animation(tmp_path / "anim.gif", frames=3, width=300, height=200)
    assert build_pyramid(gif, tmp_path, max_side=200).levels == ()


def test_an_already_decoded_image_counts_as_its_original(tmp_path):
    reduced = photo(400, 300)  # as the upload analysis shrank a 4000x3000 one
    pyramid = build_pyramid(reduced, tmp_path, max_side=400, original_side=4000)
    assert [lv.longest for lv in pyramid.levels] == [400, 200, 100]
    assert build_pyramid(reduced, tmp_path, max_side=400).levels[0].longest == 200


# The quality guard ------------------------------------------------------------

PHOTO_SIZE = (3072, 2048)  # levels of 2048, 1024 and 512 px
GUARDED = [
    RenditionOptions(width=256, format="png"),  # from the 512-px level
    RenditionOptions(width=256, height=256, fit="cover", format="png"),
    RenditionOptions(width=800, format="png"),  # from the 2048-px level
    RenditionOptions(crop=(600, 400, 1200, 800), width=300, format="png"),
    RenditionOptions(width=500, rotate=90, grayscale=True, format="png"),
]


@pytest.fixture(scope="module")
def photos_and_pyramids(tmp_path_factory):
    made = []
    for name, make in PHOTOS.items():
        folder = tmp_path_factory.mktemp(name)
        original = folder / "original.jpg"
        make(*PHOTO_SIZE, seed=3).jpegsave(str(original), Q=90)
        levels = build_pyramid(original, folder, max_side=2048).levels
        assert [lv.longest for lv in levels] == [2048, 1024, 512]
        made.append((original, folder, levels))
    return made


@pytest.mark.parametrize("options", GUARDED, ids=lambda o: o.cache_key())
def test_derivatives_from_the_pyramid_match_those_from_the_original(
    photos_and_pyramids, options
):
    """Lossless output (PNG), so the score measures what the pyramid changes:
    two JPEG encodings of the same pixels differ by more than that (see
    docs/processing.md)."""
    scores = []
    for original, folder, levels in photos_and_pyramids:
        level = choose_level(options, PHOTO_SIZE, levels)
        assert level is not None
        reference = decode(render(original, options, timeout_seconds=30).data)
        from_level = decode(
            render(
                folder / str(level.longest),
                options,
                original=PHOTO_SIZE,
                timeout_seconds=30,
            ).data
        )
        assert size(from_level) == size(reference)
        scores.append(ssim(from_level, reference))
    assert statistics.mean(scores) >= 0.99
    assert min(scores) >= 0.985


def test_ssim_would_notice_a_visible_loss(photos_and_pyramids):
    """The threshold means something: a softer or lossier result fails it."""
    original = photos_and_pyramids[0][0]
    options = RenditionOptions(width=800, format="png")
    reference = decode(render(original, options, timeout_seconds=30).data)
    lossy = pyvips.Image.new_from_buffer(reference.jpegsave_buffer(Q=40), "")
    assert ssim(lossy, reference) < 0.99
    assert ssim(reference.gaussblur(0.8), reference) < 0.99
    # So would a level used at less than twice the result's size.
    folder = photos_and_pyramids[0][1]
    too_close = decode(
        render(
            folder / "1024",
            options,
            original=PHOTO_SIZE,
            timeout_seconds=30,
        ).data
    )
    assert ssim(too_close, reference) < 0.99
