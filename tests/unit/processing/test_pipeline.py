"""Each parameter's effect, checked on the decoded output."""

from __future__ import annotations

import pytest
import pyvips

from imageapi.errors import InvalidParameter
from imageapi.processing.pipeline import UnprocessableImage
from tests.unit.processing.conftest import render_params
from tests.unit.processing.imaging import BLUE
from tests.unit.processing.imaging import GREEN
from tests.unit.processing.imaging import RED
from tests.unit.processing.imaging import WHITE
from tests.unit.processing.imaging import decode
from tests.unit.processing.imaging import near
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import pixel
from tests.unit.processing.imaging import quadrants
from tests.unit.processing.imaging import size
from tests.unit.processing.imaging import ssim

LOADERS = {
    "jpeg": "jpegload_buffer",
    "png": "pngload_buffer",
    "webp": "webpload_buffer",
    "avif": "heifload_buffer",
    "gif": "gifload_buffer",
    "tiff": "tiffload_buffer",
}


def corners(image):
    """Colours near the four corners: top-left, top-right, bottom-left, -right."""
    w, h = image.width, image.height
    return [
        pixel(image, x, y) for x, y in [(2, 2), (w - 3, 2), (2, h - 3), (w - 3, h - 3)]
    ]


@pytest.mark.parametrize("output", sorted(LOADERS))
def test_format_is_what_was_asked(photo_jpeg, output):
    result = render_params(photo_jpeg, {"format": output, "width": "64"})
    decoded = decode(result.data)
    assert decoded.get("vips-loader") == LOADERS[output]
    assert result.content_type == f"image/{output}"
    assert (decoded.width, decoded.height) == (result.width, result.height) == (64, 48)


def test_width_and_height_keep_the_aspect_ratio_inside_the_box(photo_jpeg):
    assert size(decode(render_params(photo_jpeg, {"width": "100"}).data)) == (
        100,
        75,
    )
    boxed = render_params(photo_jpeg, {"width": "100", "height": "100"})
    assert (boxed.width, boxed.height) == (100, 75)


def test_no_upscaling_unless_enlarge(quadrants_png):
    assert render_params(quadrants_png, {"width": "80"}).width == 40
    enlarged = render_params(quadrants_png, {"width": "80", "enlarge": ""})
    assert size(decode(enlarged.data)) == (80, 40)


def test_cover_fills_the_box_and_position_picks_the_part(quadrants_png):
    params = {"width": "10", "height": "20", "fit": "cover"}
    left = decode(render_params(quadrants_png, {**params, "position": "left"}).data)
    right = decode(render_params(quadrants_png, {**params, "position": "right"}).data)
    assert size(left) == size(right) == (10, 20)
    assert near(pixel(left, 5, 2), RED) and near(pixel(left, 5, 17), BLUE)
    assert near(pixel(right, 5, 2), GREEN) and near(pixel(right, 5, 17), WHITE)


def test_smart_positions_crop_to_the_box(photo_jpeg):
    for position in ("entropy", "attention"):
        params = {"width": "50", "height": "50", "fit": "cover", "position": position}
        assert size(decode(render_params(photo_jpeg, params).data)) == (50, 50)


def test_contain_pads_with_background_or_transparency(quadrants_png):
    params = {"width": "40", "height": "40", "fit": "contain"}
    padded = decode(render_params(quadrants_png, {**params, "format": "png"}).data)
    assert size(padded) == (40, 40) and padded.bands == 4
    assert padded.getpoint(20, 2)[3] == 0  # transparent band above
    assert padded.getpoint(5, 15)[3] == 255
    red = {**params, "format": "jpeg", "background": "ff0000"}
    on_red = decode(render_params(quadrants_png, red).data)
    assert near(pixel(on_red, 20, 2), RED) and near(pixel(on_red, 30, 25), WHITE)
    default = decode(render_params(quadrants_png, {**params, "format": "jpeg"}).data)
    assert near(pixel(default, 20, 2), WHITE)


def test_fill_stretches_to_the_box(quadrants_png):
    params = {"width": "30", "height": "10", "fit": "fill"}
    assert size(decode(render_params(quadrants_png, params).data)) == (30, 10)
    params = {"width": "30", "height": "30", "fit": "fill", "enlarge": "1"}
    assert size(decode(render_params(quadrants_png, params).data)) == (30, 30)


def test_outside_covers_the_box_without_cropping(quadrants_png):
    params = {"width": "10", "height": "20", "fit": "outside"}
    assert size(decode(render_params(quadrants_png, params).data)) == (40, 20)


def test_crop_takes_a_region_of_the_original(quadrants_png):
    green = decode(render_params(quadrants_png, {"crop": "20,0,20,10"}).data)
    assert size(green) == (20, 10)
    assert all(near(colour, GREEN, 0) for colour in corners(green))
    scaled = render_params(quadrants_png, {"crop": "0,0,20,20", "width": "10"})
    assert size(decode(scaled.data)) == (10, 10)


def test_crop_outside_the_image_names_crop(quadrants_png):
    with pytest.raises(InvalidParameter, match=r"^crop:"):
        render_params(quadrants_png, {"crop": "30,0,20,10"})


@pytest.mark.parametrize(
    ("params", "dimensions", "expected"),
    [
        ({"rotate": "90"}, (20, 40), [BLUE, RED, WHITE, GREEN]),
        ({"rotate": "180"}, (40, 20), [WHITE, BLUE, GREEN, RED]),
        ({"rotate": "270"}, (20, 40), [GREEN, WHITE, RED, BLUE]),
        ({"flip": "1"}, (40, 20), [BLUE, WHITE, RED, GREEN]),
        ({"flop": "1"}, (40, 20), [GREEN, RED, WHITE, BLUE]),
        ({"flip": "1", "flop": "1"}, (40, 20), [WHITE, BLUE, GREEN, RED]),
        ({"rotate": "90", "flop": "1"}, (20, 40), [RED, BLUE, GREEN, WHITE]),
    ],
)
def test_rotate_flip_and_flop_move_the_quadrants(
    quadrants_png, params, dimensions, expected
):
    result = decode(render_params(quadrants_png, {**params, "format": "png"}).data)
    assert size(result) == dimensions
    assert [tuple(map(int, colour)) for colour in corners(result)] == expected


def test_width_and_height_describe_the_rotated_result(quadrants_png):
    params = {"rotate": "90", "width": "10", "height": "20", "fit": "fill"}
    assert size(decode(render_params(quadrants_png, params).data)) == (10, 20)


def test_grayscale_has_equal_channels(photo_jpeg):
    # Lossy WebP stores colour as subsampled YUV: channels differ by rounding.
    for output, tolerance in (("jpeg", 0), ("png", 0), ("webp", 2)):
        result = render_params(photo_jpeg, {"grayscale": "", "format": output})
        rgb = decode(result.data).colourspace("srgb")
        assert (rgb[0] - rgb[1]).abs().max() <= tolerance
        assert (rgb[1] - rgb[2]).abs().max() <= tolerance
    coloured = decode(render_params(photo_jpeg, {"format": "png"}).data)
    assert (coloured[0] - coloured[1]).abs().max() > 0


def test_blur_removes_detail_and_sharpen_adds_it(photo_jpeg):
    def edges(params):
        data = render_params(photo_jpeg, {**params, "format": "png"}).data
        grey = decode(data).colourspace("b-w").cast("float")
        return (grey - grey.gaussblur(1)).abs().avg()  # fine detail

    plain = edges({})
    assert edges({"blur": "3"}) < plain * 0.7
    assert edges({"sharpen": "2"}) > plain * 1.05


def test_lower_quality_is_smaller(photo_jpeg):
    for output in ("jpeg", "webp"):
        low = render_params(photo_jpeg, {"format": output, "quality": "10"}).data
        high = render_params(photo_jpeg, {"format": output, "quality": "95"}).data
        assert len(low) < len(high)


def test_transparency_is_flattened_onto_the_background_for_jpeg(tmp_path):
    path = tmp_path / "clear.png"
    (pyvips.Image.black(20, 20, bands=4)).cast("uchar").copy(
        interpretation="srgb"
    ).pngsave(str(path))
    red = decode(render_params(path, {"format": "jpeg", "background": "ff0000"}).data)
    assert red.bands == 3 and near(pixel(red, 10, 10), RED, 8)
    white = decode(render_params(path, {"format": "jpeg"}).data)
    assert near(pixel(white, 10, 10), WHITE, 8)


def test_exif_orientation_is_applied_to_every_derivative(tmp_path):
    path = tmp_path / "sideways.jpg"
    image = quadrants(40, 20).copy()
    image.set_type(pyvips.GValue.gint_type, "orientation", 6)
    image.jpegsave(str(path), Q=95)
    assert size(pyvips.Image.new_from_file(str(path))) == (40, 20)
    for params in ({"format": "png"}, {"width": "10"}, {"crop": "0,0,20,30"}):
        result = decode(render_params(path, params, source_format="jpeg").data)
        assert result.height > result.width  # 6: turned 90° clockwise
    upright = decode(render_params(path, {"format": "png"}).data)
    assert near(pixel(upright, 2, 2), BLUE)  # bottom-left came to the top-left


def test_output_is_srgb_and_keeps_only_the_icc_profile(tmp_path):
    path = tmp_path / "p3.jpg"
    source = pyvips.Image.black(16, 16).new_from_image([200, 30, 40]).cast("uchar")
    source = source.copy(interpretation="srgb").icc_transform("p3")  # P3 profile
    source.set_type(pyvips.GValue.gstr_type, "exif-ifd0-Make", "TestCam")
    source.jpegsave(str(path), Q=98)
    result = decode(render_params(path, {"format": "jpeg"}, source_format="jpeg").data)
    assert result.get_typeof("icc-profile-data")
    assert not result.get_typeof("exif-data")
    assert near(pixel(result, 8, 8), (200, 30, 40), 6)  # back in sRGB values


def test_cmyk_and_16_bit_sources_become_8_bit_srgb(tmp_path):
    cmyk = tmp_path / "cmyk.jpg"
    photo(32, 32).icc_transform("cmyk").jpegsave(str(cmyk))
    deep = tmp_path / "deep.png"
    photo(32, 32).colourspace("rgb16").pngsave(str(deep))
    for path in (cmyk, deep):
        result = decode(render_params(path, {"format": "png"}).data)
        assert (result.interpretation, result.bands, result.format) == (
            "srgb",
            3,
            "uchar",
        )


def test_working_from_a_smaller_copy_maps_the_crop(tmp_path, quadrants_png):
    """With the original's size: sizes and crops stay in original pixels."""
    from imageapi.processing.options import RenditionOptions
    from imageapi.processing.pipeline import render

    half = tmp_path / "half.png"
    quadrants(20, 10).pngsave(str(half))
    options = RenditionOptions(crop=(20, 0, 20, 10), format="png")
    from_copy = decode(render(half, options, original=(40, 20), timeout_seconds=9).data)
    assert size(from_copy) == (20, 10)  # original pixels, whatever the source
    assert near(pixel(from_copy, 5, 2), GREEN, 0)
    options = RenditionOptions(crop=(20, 0, 20, 10), width=8, format="png")
    from_copy = decode(render(half, options, original=(40, 20), timeout_seconds=9).data)
    from_original = decode(render(quadrants_png, options, timeout_seconds=9).data)
    assert size(from_copy) == size(from_original) == (8, 4)


def test_broken_file_is_unprocessable(tmp_path, photo_jpeg):
    path = tmp_path / "truncated.jpg"
    path.write_bytes(photo_jpeg.read_bytes()[:2000])
    with pytest.raises(UnprocessableImage) as raised:
        render_params(path, {"width": "50"}, source_format="jpeg")
    assert raised.value.status == 422


def test_quality_comparison_helper_sees_differences(photo_jpeg):
    image = decode(render_params(photo_jpeg, {"format": "png"}).data)
    assert ssim(image, image) == pytest.approx(1.0)
    assert ssim(image, image.gaussblur(2)) < 0.95
