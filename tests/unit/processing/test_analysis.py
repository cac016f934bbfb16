"""Upload analysis (metadata, EXIF, blurhash, corrupt files) and the pyramid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import blurhash
import pytest
import pyvips

from imageapi.errors import UnsupportedImage
from imageapi.processing import analysis
from imageapi.processing.pyramid import Pyramid
from tests.unit.processing.imaging import animation
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import quadrants
from tests.unit.processing.imaging import ssim


@dataclass(frozen=True)
class Analysed:
    metadata: analysis.ImageMetadata
    blurhash: str
    pyramid: Pyramid


def analyse(path, *, pyramid_dir, max_side):
    """The upload's analysis, then its job's pyramid; only HEIC writes a
    render source, and none comes here."""
    pyramid_dir.mkdir(exist_ok=True)
    source = pyramid_dir.with_name("source")
    result = analysis.analyse(path, render_source=source)
    assert not result.render_source and not source.exists()
    pyramid = analysis.make_pyramid(path, pyramid_dir, max_side)
    return Analysed(result.metadata, result.blurhash, pyramid)


def set_text(image, field, value):
    image.set_type(pyvips.GValue.gstr_type, field, value)


@pytest.fixture
def camera_jpeg(tmp_path):
    image = photo(300, 200).copy()
    image.set_type(pyvips.GValue.gint_type, "orientation", 6)
    set_text(image, "exif-ifd0-Make", "Acme")
    set_text(image, "exif-ifd0-Model", "Snapper 3000")
    set_text(image, "exif-ifd2-DateTimeOriginal", "2023:05:17 14:03:22")
    set_text(image, "exif-ifd2-OffsetTimeOriginal", "+02:00")
    set_text(image, "exif-ifd3-GPSLatitude", "52/1 31/1 1234/100")
    set_text(image, "exif-ifd3-GPSLatitudeRef", "S")
    set_text(image, "exif-ifd3-GPSLongitude", "13/1 24/1 36/1")
    set_text(image, "exif-ifd3-GPSLongitudeRef", "W")
    path = tmp_path / "camera.jpg"
    image.jpegsave(str(path))
    return path


def test_metadata_and_exif_are_extracted(camera_jpeg, tmp_path):
    result = analyse(camera_jpeg, pyramid_dir=tmp_path / "levels", max_side=0)
    meta = result.metadata
    assert (meta.width, meta.height, meta.orientation) == (200, 300, 6)
    assert (meta.format, meta.pages, meta.has_alpha) == ("jpeg", 1, False)
    assert meta.colour_space == "srgb"
    assert (meta.camera_make, meta.camera_model) == ("Acme", "Snapper 3000")
    assert meta.taken_at == datetime(
        2023, 5, 17, 14, 3, 22, tzinfo=timezone(timedelta(hours=2))
    )
    assert meta.latitude == pytest.approx(-(52 + 31 / 60 + 12.34 / 3600))
    assert meta.longitude == pytest.approx(-(13 + 24 / 60 + 36 / 3600))


def test_time_without_offset_is_utc_and_missing_exif_is_none(tmp_path):
    image = photo(40, 30).copy()
    set_text(image, "exif-ifd2-DateTimeOriginal", "2020:01:02 03:04:05")
    path = tmp_path / "plain.jpg"
    image.jpegsave(str(path))
    meta = analyse(path, pyramid_dir=tmp_path / "levels", max_side=0).metadata
    assert meta.taken_at == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert meta.camera_make is meta.latitude is meta.longitude is None


def test_alpha_grey_and_animation_are_reported(tmp_path):
    clear = tmp_path / "clear.png"
    quadrants().bandjoin_const([128]).pngsave(str(clear))
    grey = tmp_path / "grey.png"
    quadrants().colourspace("b-w").pngsave(str(grey))
    gif = animation(tmp_path / "anim.gif", frames=4, width=30, height=20)
    copy = tmp_path / "levels"
    assert analyse(clear, pyramid_dir=copy, max_side=0).metadata.has_alpha
    assert analyse(grey, pyramid_dir=copy, max_side=0).metadata.colour_space == "b-w"
    animated = analyse(gif, pyramid_dir=copy, max_side=0).metadata
    assert (animated.pages, animated.width, animated.height) == (4, 30, 20)


def test_blurhash_is_valid_and_follows_the_aspect_ratio(camera_jpeg, tmp_path):
    portrait = analyse(
        camera_jpeg, pyramid_dir=tmp_path / "levels", max_side=0
    ).blurhash
    assert len(portrait) == 4 + 2 * 4 * 3
    assert blurhash.components(portrait) == (3, 4)  # upright: taller than wide
    decoded = blurhash.decode(portrait, 6, 8)
    assert len(decoded) == 8 and len(decoded[0]) == 6


def test_blurhash_reflects_the_colours(tmp_path):
    path = tmp_path / "red.png"
    red = pyvips.Image.black(64, 32, bands=3).new_from_image([220, 20, 20])
    red.cast("uchar").pngsave(str(path))
    result = analyse(path, pyramid_dir=tmp_path / "levels", max_side=0).blurhash
    red, green, blue = blurhash.decode(result, 1, 1)[0][0][:3]
    assert red > 200 and green < 50 and blue < 50


def test_pyramid_levels_are_upright_reduced_and_opaque_jpeg(camera_jpeg, tmp_path):
    levels_dir = tmp_path / "levels"
    result = analyse(camera_jpeg, pyramid_dir=levels_dir, max_side=120)
    levels = [(lv.width, lv.height, lv.format) for lv in result.pyramid.levels]
    assert levels == [(80, 120, "jpeg"), (40, 60, "jpeg")]
    written = pyvips.Image.new_from_file(str(levels_dir / "120"))
    assert (written.width, written.height) == (80, 120)
    assert written.get("vips-loader") == "jpegload"
    assert not written.get_typeof("exif-data")  # orientation already applied


def test_pyramid_levels_with_alpha_are_lossless_webp(tmp_path):
    path = tmp_path / "clear.png"
    quadrants(200, 100).bandjoin_const([128]).pngsave(str(path))
    levels_dir = tmp_path / "levels"
    result = analyse(path, pyramid_dir=levels_dir, max_side=100)
    levels = [(lv.width, lv.height, lv.format) for lv in result.pyramid.levels]
    assert levels == [(100, 50, "webp"), (50, 25, "webp")]
    written = pyvips.Image.new_from_file(str(levels_dir / "100"))
    assert written.hasalpha() and written.get("vips-loader") == "webpload"


def test_no_pyramid_when_small_animated_or_switched_off(camera_jpeg, tmp_path):
    gif = animation(tmp_path / "anim.gif", frames=2, width=300, height=20)
    levels = tmp_path / "levels"
    # Levels of 1200, 600 and 300 px: the 300-px photo needs none.
    assert analyse(camera_jpeg, pyramid_dir=levels, max_side=1200).pyramid.levels == ()
    assert analyse(camera_jpeg, pyramid_dir=levels, max_side=0).pyramid.levels == ()
    assert analyse(gif, pyramid_dir=levels, max_side=100).pyramid.levels == ()
    assert not any(levels.iterdir())


@pytest.mark.parametrize("max_side", [0, 100])
def test_truncated_file_is_refused(camera_jpeg, tmp_path, max_side):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(camera_jpeg.read_bytes()[:3000])
    with pytest.raises(UnsupportedImage, match="truncated or corrupt"):
        analyse(broken, pyramid_dir=tmp_path / "levels", max_side=max_side)


def test_large_strip_tiff_is_reduced_row_first_like_thumbnail(tmp_path):
    xyz = pyvips.Image.xyz(6000, 4500)
    image = (xyz[0] / 24).bandjoin([xyz[1] / 18, (xyz[0] + xyz[1]) / 42])
    image = image.cast("uchar").copy(interpretation="srgb").copy()
    image.set_type(pyvips.GValue.gint_type, "orientation", 6)
    path = tmp_path / "large.tif"
    image.tiffsave(str(path), compression="deflate")

    result = analyse(path, pyramid_dir=tmp_path / "levels", max_side=1000)
    assert (result.metadata.width, result.metadata.height) == (4500, 6000)
    assert [lv.longest for lv in result.pyramid.levels] == [1000, 500, 250]
    copy = pyvips.Image.new_from_file(str(tmp_path / "levels" / "1000"))
    assert (copy.width, copy.height) == (750, 1000)  # upright
    reference = pyvips.Image.thumbnail(str(path), 1000, height=1000)
    assert ssim(copy, reference) >= 0.99
