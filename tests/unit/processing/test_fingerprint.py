"""Fingerprints of generated photographs, their copies and other pictures."""

from __future__ import annotations

import itertools
from array import array

import pytest
import pyvips

from imageapi.processing import fingerprint as fingerprint_module
from imageapi.processing.fingerprint import COLOUR_BYTES
from imageapi.processing.fingerprint import COLOUR_TOLERANCE
from imageapi.processing.fingerprint import DEFAULT_MAX_DISTANCE
from imageapi.processing.fingerprint import Fingerprint
from imageapi.processing.fingerprint import colour_distance
from imageapi.processing.fingerprint import distance
from imageapi.processing.fingerprint import fingerprint
from imageapi.processing.fingerprint import is_near_duplicate
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import quadrants

SIDE = 32  # the upload analysis' thumbnail for the blurhash


def as_uploaded(image: pyvips.Image, *, suffix: str = ".png", **options) -> Fingerprint:
    """Encode, then decode shrunk on load to the analysis' thumbnail."""
    data = image.write_to_buffer(suffix, **options)
    return fingerprint(pyvips.Image.thumbnail_buffer(data, SIDE, height=SIDE))


def cropped(image: pyvips.Image, fraction: float) -> pyvips.Image:
    dx, dy = round(image.width * fraction), round(image.height * fraction)
    return image.crop(dx, dy, image.width - 2 * dx, image.height - 2 * dy)


@pytest.fixture(scope="module")
def original() -> pyvips.Image:
    return photo(480, 360, seed=1).copy_memory()


@pytest.mark.parametrize(
    ("variant", "make"),
    [
        ("resized to 50 %", lambda image: as_uploaded(image.resize(0.5))),
        ("JPEG quality 40", lambda image: as_uploaded(image, suffix=".jpg", Q=40)),
        ("brightened 10 %", lambda image: as_uploaded((image * 1.1).cast("uchar"))),
        ("cropped 5 % at each edge", lambda image: as_uploaded(cropped(image, 0.05))),
    ],
)
def test_fingerprint_matches_copies_of_a_photo(original, variant, make):
    copy = make(original)

    assert is_near_duplicate(as_uploaded(original), copy), variant


def test_fingerprint_from_a_large_decode_matches_the_thumbnail(original):
    assert is_near_duplicate(fingerprint(original), as_uploaded(original))


def test_fingerprint_keeps_different_pictures_apart():
    pictures = [photo(480, 360, seed=seed) for seed in (1, 3, 4, 5)]
    pictures.append(quadrants(64, 48))
    prints = [as_uploaded(picture) for picture in pictures]

    for first, second in itertools.combinations(prints, 2):
        assert distance(first, second) > DEFAULT_MAX_DISTANCE
        assert not is_near_duplicate(first, second)


def test_colour_check_tells_apart_the_same_layout_in_other_colours(original):
    # Same lightness everywhere, vivid colours, then every hue turned around.
    lch = original.colourspace("lch")
    chroma = lch[1] * 0 + 60

    def coloured(hue_turn: int) -> pyvips.Image:
        hue = (lch[2] + hue_turn) % 360
        image = lch[0].bandjoin([chroma, hue]).copy(interpretation="lch")
        return image.colourspace("srgb").cast("uchar")

    first, second = as_uploaded(coloured(0)), as_uploaded(coloured(180))

    assert distance(first, second) <= DEFAULT_MAX_DISTANCE  # the hash is blind
    assert colour_distance(first, second) > COLOUR_TOLERANCE
    assert not is_near_duplicate(first, second)


def test_flat_images_share_a_hash_and_differ_by_colour():
    def flat(colour: list[int]) -> Fingerprint:
        image = (pyvips.Image.black(64, 48, bands=3) + colour).cast("uchar")
        return fingerprint(image.copy(interpretation="srgb"))

    red, blue, also_red = flat([200, 10, 10]), flat([10, 10, 200]), flat([205, 10, 10])

    assert red.hash64 == blue.hash64 == 0  # no structure: no bit above the median
    assert not is_near_duplicate(red, blue)
    assert is_near_duplicate(red, also_red)


def test_fingerprint_hash_has_half_its_bits_set(original):
    assert as_uploaded(original).hash64.bit_count() == 32


def test_fingerprint_flattens_transparency_onto_white():
    opaque = photo(200, 150, seed=2)
    transparent = opaque.bandjoin(255).copy(interpretation="srgb")

    assert fingerprint(transparent) == fingerprint(opaque)


def test_fingerprint_accepts_grey_images(original):
    grey = original.colourspace("b-w")

    assert distance(fingerprint(grey), fingerprint(original)) <= 2


def test_fingerprint_round_trips_through_bytes(original):
    value = as_uploaded(original)
    stored = value.to_bytes()

    assert len(stored) == 9 + COLOUR_BYTES
    assert Fingerprint.from_bytes(stored) == value


@pytest.mark.parametrize(
    "stored",
    [b"", bytes(9 + COLOUR_BYTES), b"\x01" + bytes(8 + COLOUR_BYTES - 1)],
    ids=["empty", "unknown version", "short"],
)
def test_fingerprint_from_bytes_refuses_other_layouts(stored):
    with pytest.raises(ValueError):
        Fingerprint.from_bytes(stored)


def test_fingerprint_refuses_hashes_outside_64_bits():
    with pytest.raises(ValueError):
        Fingerprint(hash64=1 << 64, colour=bytes(COLOUR_BYTES))


def stored_by_earlier_releases(image: pyvips.Image) -> Fingerprint:
    """The fingerprint as releases before the pure-Python sums made it, all in
    libvips: the DCT as two matrix products, the grid by libvips' shrink.
    Fingerprints stored then are compared with new ones, so both must agree."""
    square = image.colourspace("srgb").thumbnail_image(SIDE, height=SIDE, size="force")
    lab = square.colourspace("lab").copy_memory()
    lightness = lab[0]
    grey = lightness - lightness.avg()
    basis = pyvips.Image.new_from_list(fingerprint_module._BASIS)
    transposed = pyvips.Image.new_from_list(
        [list(column) for column in zip(*fingerprint_module._BASIS, strict=True)]
    )
    block = basis.matrixmultiply(grey).matrixmultiply(transposed).tolist()
    coefficients = [block[u][v] for u, v in fingerprint_module._ZIGZAG]
    median = sorted(coefficients)[fingerprint_module.HASH_BITS // 2 - 1]
    hash64 = 0
    for coefficient in coefficients:
        hash64 = (hash64 << 1) | (coefficient > median)
    cells = array("f")
    cells.frombytes(lab.shrink(SIDE / 3, SIDE / 3).write_to_memory())
    offsets = (0, 128, 128)
    colour = bytes(
        max(0, min(255, round(value + offsets[index % 3])))
        for index, value in enumerate(cells)
    )
    return Fingerprint(hash64=hash64, colour=colour)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("size", [(480, 360), (300, 500), (97, 61)])
def test_same_fingerprint_as_earlier_releases_stored(seed, size):
    small = pyvips.Image.thumbnail_buffer(
        photo(*size, seed=seed).write_to_buffer(".png"), SIDE, height=SIDE
    ).copy_memory()
    assert fingerprint(small) == stored_by_earlier_releases(small)
