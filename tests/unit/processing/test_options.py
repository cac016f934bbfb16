"""Parsing rendition parameters: values, presets, formats, errors."""

from __future__ import annotations

import pytest

from imageapi.config import DEFAULT_PRESETS
from imageapi.config import ProcessingConfig
from imageapi.errors import InvalidParameter
from imageapi.processing.options import RenditionOptions
from imageapi.processing.options import load_presets
from imageapi.processing.options import parse_options
from imageapi.processing.parameters import PARAMETERS
from imageapi.processing.parameters import openapi_parameters

PRESETS = load_presets(DEFAULT_PRESETS)
CHROME = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"


def parse(params, *, accept="", source_format="jpeg", **kwargs):
    return parse_options(
        params,
        presets=PRESETS.parameters,
        accept=accept,
        source_format=source_format,
        **kwargs,
    )


def test_no_transform_parameter_means_the_original():
    assert parse({}) is None


def test_parameters_of_the_web_layer_are_unknown_here():
    """``download`` is an HTTP matter (Content-Disposition): the resource keeps
    it, and the options never see it."""
    with pytest.raises(InvalidParameter, match="download: unknown parameter"):
        parse({"download": "1"})


def test_values_are_typed_and_defaults_explicit():
    options = parse({"width": "300", "height": "200", "fit": "cover"})
    assert options == RenditionOptions(
        width=300, height=200, fit="cover", format="jpeg", quality=82
    )


def test_every_flag_spelling():
    for raw, expected in [("true", True), ("1", True), ("", True), ("TRUE", True)]:
        assert parse({"grayscale": raw}).grayscale is expected
    for raw in ("false", "0"):
        assert parse({"flip": raw}).flip is False


def test_sharpen_is_a_flag_or_a_sigma():
    assert parse({"sharpen": ""}).sharpen == 1.0
    assert parse({"sharpen": "1"}).sharpen == parse({"sharpen": "true"}).sharpen
    assert parse({"sharpen": "2.5"}).sharpen == 2.5
    assert parse({"sharpen": "false"}).sharpen is None


def test_crop_background_rotate_and_blur():
    options = parse(
        {"crop": "1,2,30,40", "background": "#00FF80", "rotate": "270", "blur": "0.5"}
    )
    assert options.crop == (1, 2, 30, 40)
    assert options.background == (0, 255, 128)
    assert options.rotate == 270
    assert options.blur == 0.5
    assert parse({"background": "102030"}).background == (16, 32, 48)


def test_a_single_element_list_counts_as_one_value():
    assert parse({"width": ["64"]}).width == 64


def test_preset_expands_and_explicit_parameters_win():
    thumb = parse({"preset": "thumb"})
    assert (thumb.width, thumb.height, thumb.fit) == (256, 256, "cover")
    wider = parse({"preset": "thumb", "width": "300", "format": "png"})
    assert (wider.width, wider.height, wider.format) == (300, 256, "png")
    assert parse({"preset": "small"}).width == 640


def test_preset_position_is_dropped_with_its_fit():
    presets = load_presets({"face": "width=99&height=99&fit=cover&position=attention"})
    options = parse_options(
        {"preset": "face", "fit": "contain"},
        presets=presets.parameters,
        accept="",
        source_format="png",
    )
    assert (options.fit, options.position) == ("contain", "center")


def test_default_format_is_the_sources_and_heic_becomes_jpeg():
    assert parse({"width": "9"}, source_format="png").format == "png"
    assert parse({"width": "9"}, source_format="heic").format == "jpeg"


@pytest.mark.parametrize(
    ("accept", "source_format", "expected"),
    [
        (CHROME, "jpeg", "avif"),
        ("image/webp,*/*", "jpeg", "webp"),
        ("image/avif;q=0,image/webp;q=0.5", "png", "webp"),
        ("image/*,*/*;q=0.8", "png", "png"),
        ("", "tiff", "tiff"),
        (CHROME, "gif", "webp"),  # animated GIFs keep frames in WebP, not AVIF
        ("image/png", "heic", "jpeg"),
    ],
)
def test_format_auto_negotiates_and_marks_vary(accept, source_format, expected):
    options = parse({"format": "auto"}, accept=accept, source_format=source_format)
    assert options.format == expected
    assert options.vary_accept is True
    assert parse({"format": expected}).vary_accept is False


def test_quality_defaults_per_format_and_is_none_when_lossless():
    assert parse({"format": "webp"}).quality == 80
    assert parse({"format": "avif"}).quality == 55
    assert parse({"format": "jpeg"}, qualities={"jpeg": 90}).quality == 90
    assert parse({"format": "jpeg", "quality": "40"}).quality == 40
    assert parse({"format": "png"}).quality is None
    # With auto the client did not choose png, so a quality is simply unused.
    auto = parse({"format": "auto", "quality": "50"}, source_format="png")
    assert (auto.format, auto.quality) == ("png", None)


BAD = [
    ({"colour": "red"}, "colour"),
    ({"Width": "10"}, "Width"),
    ({"width": ["10", "20"]}, "width"),
    ({"preset": ["thumb", "small"]}, "preset"),
    ({"width": "0"}, "width"),
    ({"width": "8193"}, "width"),
    ({"width": "-5"}, "width"),
    ({"width": "1.5"}, "width"),
    ({"width": "abc"}, "width"),
    ({"width": ""}, "width"),
    ({"height": "99999"}, "height"),
    ({"height": " 10"}, "height"),
    ({"width": "10", "fit": "stretch"}, "fit"),
    ({"fit": "cover"}, "fit"),
    ({"enlarge": "true"}, "enlarge"),
    ({"width": "10", "enlarge": "yes"}, "enlarge"),
    ({"width": "10", "height": "10", "fit": "cover", "position": "middle"}, "position"),
    ({"width": "10", "height": "10", "position": "top"}, "position"),
    ({"width": "10", "fit": "contain", "position": "entropy"}, "position"),
    ({"position": "top"}, "position"),
    ({"background": "zzzzzz"}, "background"),
    ({"background": "fff"}, "background"),
    ({"background": "#12345"}, "background"),
    ({"crop": "1,2,3"}, "crop"),
    ({"crop": "a,b,c,d"}, "crop"),
    ({"crop": "0,0,0,10"}, "crop"),
    ({"crop": "-1,0,10,10"}, "crop"),
    ({"rotate": "45"}, "rotate"),
    ({"rotate": "-90"}, "rotate"),
    ({"rotate": "360"}, "rotate"),
    ({"flip": "yes"}, "flip"),
    ({"flop": "2"}, "flop"),
    ({"grayscale": "on"}, "grayscale"),
    ({"blur": "0.1"}, "blur"),
    ({"blur": "101"}, "blur"),
    ({"blur": "soft"}, "blur"),
    ({"sharpen": "-1"}, "sharpen"),
    ({"sharpen": "50"}, "sharpen"),
    ({"format": "bmp"}, "format"),
    ({"format": "JPEG"}, "format"),
    ({"quality": "0"}, "quality"),
    ({"quality": "101"}, "quality"),
    ({"quality": "high"}, "quality"),
    ({"format": "png", "quality": "80"}, "quality"),
    ({"format": "gif", "quality": "80"}, "quality"),
    ({"preset": "huge"}, "preset"),
]


@pytest.mark.parametrize(("params", "named"), BAD)
def test_bad_parameters_are_refused_naming_the_parameter(params, named):
    with pytest.raises(InvalidParameter) as raised:
        parse(params)
    assert raised.value.status == 400
    assert raised.value.description.startswith(f"{named}:")


def test_presets_keep_the_configured_strings_and_are_parsed_once():
    presets = load_presets({"card": "width=300&height=200&fit=cover&format=webp"})
    assert presets == {"card": "width=300&height=200&fit=cover&format=webp"}
    assert presets.parameters == {
        "card": {"width": "300", "height": "200", "fit": "cover", "format": "webp"}
    }


def test_validated_settings_hold_the_parsed_presets():
    default = ProcessingConfig()
    assert default.presets == DEFAULT_PRESETS
    assert default.presets.parameters == load_presets(DEFAULT_PRESETS).parameters
    custom = ProcessingConfig(presets={"tiny": "width=32"})
    assert custom.presets.parameters == {"tiny": {"width": "32"}}
    assert custom.model_dump()["presets"] == {"tiny": "width=32"}


def test_presets_are_checked_when_loaded():
    with pytest.raises(ValueError, match="width"):
        load_presets({"bad": "width=0"})
    with pytest.raises(ValueError, match="preset name"):
        load_presets({"Bad Name": "width=10"})
    with pytest.raises(ValueError, match="presets"):
        load_presets({"loop": "preset=thumb"})
    with pytest.raises(ValueError, match="query string"):
        load_presets({"odd": "width"})


def test_the_parameter_table_feeds_openapi():
    documented = openapi_parameters(tuple(PRESETS))
    assert [item["name"] for item in documented] == [p.name for p in PARAMETERS]
    by_name = {item["name"]: item for item in documented}
    assert by_name["width"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 8192,
    }
    assert by_name["preset"]["schema"]["enum"] == ["thumb", "small", "large"]
    assert by_name["grayscale"]["allowEmptyValue"] is True
    assert all(item["description"] for item in documented)
