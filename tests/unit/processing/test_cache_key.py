"""The cache key: derived from the normalised options, never shared by different
outputs, shared by every spelling of the same output."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import fields
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from imageapi.db.models import Derivative
from imageapi.errors import InvalidParameter
from imageapi.processing.formats import OUTPUT_FORMATS
from imageapi.processing.options import KEY_VERSION
from imageapi.processing.options import RenditionOptions
from imageapi.processing.options import keyed_fields
from imageapi.processing.options import parse_options
from imageapi.processing.options import unkeyed_fields
from imageapi.processing.parameters import FITS
from imageapi.processing.parameters import MAX_DIMENSION
from imageapi.processing.parameters import POSITIONS
from tests.unit.processing.conftest import PRESETS
from tests.unit.processing.conftest import render_params
from tests.unit.processing.imaging import decode
from tests.unit.processing.imaging import quadrants

CHROME = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
# The fields that do not change the output. Adding one here is a decision that
# requests differing only in it may share a cached derivative.
UNKEYED = {"vary_accept"}


def parse(params, *, accept="", source_format="jpeg"):
    return parse_options(
        params,
        presets=PRESETS.parameters,
        accept=accept,
        source_format=source_format,
    )


def key(params, **kwargs) -> str:
    return parse(params, **kwargs).cache_key()


# --- The equivalences, one by one -------------------------------------------


def test_key_starts_with_its_version():
    assert key({"width": "64"}).startswith(f"{KEY_VERSION};")


def test_parameter_order_does_not_matter():
    assert key({"width": "64", "height": "32", "fit": "cover"}) == key(
        {"fit": "cover", "height": "32", "width": "64"}
    )


def test_spelled_out_defaults_are_the_defaults():
    spelled_out = {
        "width": "64",
        "fit": "inside",
        "enlarge": "false",
        "rotate": "0",
        "flip": "false",
        "flop": "0",
        "grayscale": "false",
        "sharpen": "false",
        "format": "jpeg",  # the source's format
        "quality": "82",  # JPEG's default
    }
    assert key(spelled_out) == key({"width": "64"})
    cover = {"width": "64", "height": "64", "fit": "cover"}
    assert key({**cover, "position": "center"}) == key(cover)


def test_a_preset_is_its_parameters():
    explicit = {"width": "256", "height": "256", "fit": "cover", "quality": "82"}
    assert key({"preset": "thumb"}) == key(explicit)
    assert key({"preset": "thumb", "position": "center"}) == key(explicit)
    assert key({"preset": "small"}) == key({"width": "640"})


@pytest.mark.parametrize(
    ("mirrored", "turned"),
    [
        ({"flip": "1", "flop": "1"}, {"rotate": "180"}),
        ({"flip": "1"}, {"flop": "1", "rotate": "180"}),
        ({"flip": "", "rotate": "90"}, {"flop": "true", "rotate": "270"}),
        ({"flip": "1", "flop": "1", "rotate": "180"}, {}),
    ],
)
def test_flip_is_flop_and_half_a_turn(mirrored, turned):
    assert key({"width": "64", **mirrored}) == key({"width": "64", **turned})


@pytest.mark.parametrize(("accept", "chosen"), [(CHROME, "avif"), ("", "png")])
def test_format_auto_is_the_format_it_chose(accept, chosen):
    auto = parse({"format": "auto"}, accept=accept, source_format="png")
    assert auto.vary_accept is True  # a different response header, same bytes
    assert auto.cache_key() == key({"format": chosen}, source_format="png")


@pytest.mark.parametrize("fit", FITS)
@pytest.mark.parametrize("side", ["width", "height"])
def test_the_fit_is_irrelevant_with_one_side(fit, side):
    assert key({side: "64", "fit": fit}) == key({side: "64"})
    cover_top = {side: "64", "fit": "cover", "position": "top"}
    assert key(cover_top) == key({side: "64"})


def test_the_position_matters_only_for_cover():
    cover = {"width": "64", "height": "64", "fit": "cover"}
    assert key({**cover, "position": "top"}) != key(cover)
    # The parser refuses a position without cover; built directly, it is ignored.
    contain = RenditionOptions(width=64, height=64, fit="contain")
    assert replace(contain, position="top").cache_key() == contain.cache_key()


def test_no_background_is_white_where_the_format_has_no_alpha():
    padded = {"width": "64", "height": "64", "fit": "contain"}
    assert key({**padded, "background": "#FFFFFF"}) == key(padded)
    as_png = {**padded, "format": "png"}  # transparent padding, not white
    assert key({**as_png, "background": "ffffff"}) != key(as_png)


def test_every_spelling_of_sharpen_true_is_one_sigma():
    assert key({"sharpen": "1"}) == key({"sharpen": ""}) == key({"sharpen": "true"})
    assert key({"sharpen": "1.0"}) == key({"sharpen": "1"})


def test_different_meaning_gives_a_different_key():
    variants = [
        {"width": "256"},
        {"height": "256"},
        {"width": "256", "enlarge": "1"},
        {"width": "256", "format": "png"},
        {"width": "256", "quality": "81"},
        {"width": "256", "height": "9", "fit": "contain"},
        {"width": "256", "height": "9", "fit": "contain", "background": "000000"},
        {"width": "256", "height": "9", "fit": "cover", "position": "top"},
        {"crop": "0,0,5,5"},
        {"grayscale": ""},
        {"blur": "1"},
        {"sharpen": "1"},
        {"rotate": "90"},
        {"flop": "1"},
        {"flip": "1"},
    ]
    assert len({key(params) for params in variants}) == len(variants)


# --- Every field is keyed unless declared otherwise ---------------------------

# One value per field that differs from BASE in a way that changes the output.
# A new RenditionOptions field fails the test below until it has an entry here.
BASE = RenditionOptions(width=100, height=50, fit="cover", format="png")
CHANGED = {
    "width": 101,
    "height": 51,
    "fit": "contain",
    "enlarge": True,
    "position": "top",
    "background": (0, 0, 0),
    "crop": (0, 0, 10, 10),
    "rotate": 90,
    "flip": True,
    "flop": True,
    "grayscale": True,
    "blur": 1.0,
    "sharpen": 1.0,
    "format": "webp",
    "quality": 50,
    "webp_effort": 2,
    "vary_accept": True,
}
# Fields that change the output only in some formats, with a base in one.
BASE_FOR = {"webp_effort": replace(BASE, format="webp")}


def test_every_field_is_keyed_or_declared_unkeyed():
    names = {option.name for option in fields(RenditionOptions)}
    keyed = {option.name for option in keyed_fields()}
    unkeyed = {option.name for option in unkeyed_fields()}
    assert unkeyed == UNKEYED
    assert keyed | unkeyed == names
    assert not keyed & unkeyed
    assert set(CHANGED) == names, "say how a new field changes the output"


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_changing_a_keyed_field_changes_the_key(name):
    base = BASE_FOR.get(name, BASE)
    changed = replace(base, **{name: CHANGED[name]})
    assert changed != base
    if name in UNKEYED:
        assert changed.cache_key() == base.cache_key()
    else:
        assert changed.cache_key() != base.cache_key()
        assert f"{name}=" in changed.cache_key()


def test_the_webp_effort_matters_only_for_webp():
    for output_format in OUTPUT_FORMATS:
        options = RenditionOptions(width=64, format=output_format)
        changed = replace(options, webp_effort=CHANGED["webp_effort"])
        same = output_format != "webp"
        assert (changed.cache_key() == options.cache_key()) == same


def test_the_longest_key_fits_its_column():
    longest = RenditionOptions(
        width=MAX_DIMENSION,
        height=MAX_DIMENSION,
        fit="cover",
        enlarge=True,
        position="attention",
        background=(255, 255, 255),
        crop=(999_999_999,) * 4,
        rotate=270,
        flop=True,
        grayscale=True,
        blur=12.345678,
        sharpen=1.234567,
        format="webp",
        quality=100,
        webp_effort=6,
    )
    assert len(longest.cache_key()) <= Derivative.__table__.c.cache_key.type.length


# --- Properties: key equality is equality of the normalised options -----------

# Floats a digit or an ulp apart: a key that rounds would give them one key.
NEAR_FLOATS = st.sampled_from([1.0, math.nextafter(1.0, 2.0), 1.000001, 1.5])
# Any value of each field's type that the parser could produce, and more.
FIELD_VALUES = {
    "width": st.none() | st.integers(1, MAX_DIMENSION),
    "height": st.none() | st.integers(1, MAX_DIMENSION),
    "fit": st.sampled_from(FITS),
    "enlarge": st.booleans(),
    "position": st.sampled_from(POSITIONS),
    "background": st.none() | st.tuples(*[st.integers(0, 255)] * 3),
    "crop": st.none() | st.tuples(*[st.integers(0, 99)] * 2, *[st.integers(1, 99)] * 2),
    "rotate": st.sampled_from([0, 90, 180, 270]),
    "flip": st.booleans(),
    "flop": st.booleans(),
    "grayscale": st.booleans(),
    "blur": st.none() | NEAR_FLOATS | st.floats(0.3, 100),
    "sharpen": st.none() | NEAR_FLOATS | st.floats(0.3, 10),
    "format": st.sampled_from(OUTPUT_FORMATS),
    "quality": st.none() | st.integers(1, 100),
    "webp_effort": st.integers(0, 6),
    "vary_accept": st.booleans(),
}
OPTIONS = st.builds(RenditionOptions, **FIELD_VALUES)


def test_every_field_has_a_strategy():
    assert set(FIELD_VALUES) == {option.name for option in fields(RenditionOptions)}


def same_key_means_same_normalised(first, second) -> None:
    same_key = first.cache_key() == second.cache_key()
    assert same_key == (first.normalised() == second.normalised()), (first, second)


@pytest.mark.parametrize("name", sorted(FIELD_VALUES))
@settings(max_examples=40, deadline=None)
@given(options=OPTIONS, data=st.data())
def test_changing_one_field_changes_the_key_unless_normalising_undoes_it(
    name, options, data
):
    neighbour = replace(options, **{name: data.draw(FIELD_VALUES[name])})
    same_key_means_same_normalised(options, neighbour)


@settings(max_examples=200, deadline=None)
@given(OPTIONS, OPTIONS)
def test_key_equality_is_equality_of_the_normalised_options(first, second):
    same_key_means_same_normalised(first, second)


@settings(max_examples=200, deadline=None)
@given(OPTIONS)
def test_normalising_is_idempotent_and_keeps_the_key(options):
    normal = options.normalised()
    assert normal.normalised() == normal
    assert normal.cache_key() == options.cache_key()


def flag() -> st.SearchStrategy[str]:
    return st.sampled_from(["true", "false", "1", "0", ""])


# Query strings from small pools, so that different spellings of one output
# come up often; presets, format=auto and default qualities are resolved.
QUERIES = st.fixed_dictionaries(
    {},
    optional={
        "width": st.sampled_from(["64", "256"]),
        "height": st.sampled_from(["64", "256"]),
        "fit": st.sampled_from(FITS),
        "enlarge": flag(),
        "position": st.sampled_from(["center", "top", "attention"]),
        "background": st.sampled_from(["ffffff", "#FFFFFF", "000000"]),
        "crop": st.just("0,0,8,8"),
        "rotate": st.sampled_from(["0", "90", "180", "270"]),
        "flip": flag(),
        "flop": flag(),
        "grayscale": flag(),
        "blur": st.sampled_from(["0.5", "0.50", "2"]),
        "sharpen": st.sampled_from(["", "1", "true", "false", "1.5"]),
        "format": st.sampled_from(["auto", "jpeg", "png", "webp", "avif"]),
        "quality": st.sampled_from(["55", "80", "82"]),
        "preset": st.sampled_from(sorted(PRESETS)),
    },
)
REQUESTS = st.tuples(
    QUERIES,
    st.sampled_from(["", CHROME, "image/webp,*/*"]),
    st.sampled_from(["jpeg", "png", "gif"]),
)


def parsed(request) -> RenditionOptions | None:
    params, accept, source_format = request
    try:
        return parse(params, accept=accept, source_format=source_format)
    except InvalidParameter:
        return None


@settings(max_examples=100, deadline=None)
@given(st.lists(REQUESTS, min_size=2, max_size=12))
def test_parsed_requests_share_a_key_only_with_the_same_normalised_options(requests):
    options = [parsed(request) for request in requests]
    valid = [option for option in options if option is not None]
    for first, second in itertools.combinations(valid, 2):
        same_key_means_same_normalised(first, second)


# --- Real renders: one key, one picture ---------------------------------------

BOXES = [{"width": "12"}, {"width": "12", "height": "12"}]
FIT_CHOICES = [
    {},
    {"fit": "inside"},
    {"fit": "cover"},
    {"fit": "cover", "position": "center"},
    {"fit": "cover", "position": "left"},
    {"fit": "contain"},
    {"fit": "fill"},
]
TURNS = [
    {"rotate": rotate, "flip": flip, "flop": flop}
    for rotate in ("0", "90", "180", "270")
    for flip in ("false", "true")
    for flop in ("false", "true")
]
OTHER_SPELLINGS = [
    ({"width": "12", "height": "12", "fit": "contain", "format": "jpeg"}, ""),
    (
        {
            "width": "12",
            "height": "12",
            "fit": "contain",
            "format": "jpeg",
            "background": "FFFFFF",
        },
        "",
    ),
    ({"width": "12", "format": "jpeg"}, ""),
    ({"width": "12", "format": "jpeg", "quality": "82"}, ""),
    ({"width": "12", "format": "webp"}, ""),
    ({"width": "12", "format": "auto"}, "image/webp"),
    ({"width": "12", "fit": "outside", "format": "webp", "quality": "80"}, ""),
    ({"preset": "small"}, ""),
    ({"width": "640", "fit": "inside"}, ""),
    ({"width": "640", "enlarge": "false", "sharpen": "false"}, ""),
    ({"sharpen": "1"}, ""),
    ({"sharpen": ""}, ""),
]


def test_options_with_one_key_render_the_same_pixels(tmp_path: Path):
    source = tmp_path / "quadrants.png"  # four colours: every turn looks different
    quadrants(40, 20).pngsave(str(source))
    requests = [
        ({**box, **fit, **turn}, "")
        for box, fit, turn in itertools.product(BOXES, FIT_CHOICES, TURNS)
    ] + OTHER_SPELLINGS
    by_key: dict[str, list[tuple[dict, str]]] = defaultdict(list)
    for params, accept in requests:
        by_key[key(params, accept=accept, source_format="png")].append((params, accept))
    # 8 distinct turns of each shape: one side (every fit alike), and inside,
    # cover, cover on the left, contain and fill in a box; then 5 spellings.
    assert len(by_key) == 8 * (1 + 5) + 5
    assert all(len(group) > 1 for group in by_key.values())

    for group in by_key.values():
        pictures = set()
        for params, accept in group:
            rendition = render_params(source, params, accept=accept)
            image = decode(rendition.data)
            pictures.add(
                (
                    rendition.format,
                    image.width,
                    image.height,
                    bytes(image.write_to_memory()),
                )
            )
        assert len(pictures) == 1, group
