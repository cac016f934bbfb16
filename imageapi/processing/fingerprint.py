"""Perceptual fingerprints: find the same picture after resizing or re-encoding.

A fingerprint is a 64-bit DCT hash of the CIELAB lightness, tapered towards
the borders (a pHash that survives crops), plus the mean colour of a 3x3 grid.
The hash survives resizing, JPEG re-encoding, a brightness change and a small
crop, and is what the index searches by Hamming distance; the colour grid
re-checks the candidates, since a hash of the grey structure alone cannot tell
a red rose from a blue one.

Both come from an image that is already decoded and small, such as the 32-px
thumbnail the upload analysis makes for the blurhash, so fingerprinting never
decodes the original a second time.
"""

from __future__ import annotations

import functools
import math
import operator
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import pyvips

from imageapi.errors import UnsupportedImage
from imageapi.processing.hamming_index import hamming

HASH_INPUT_SIDE = 32  # pixels: the DCT runs on a 32x32 luminance square
HASH_BITS = 64
# The 64 lowest AC frequencies in zigzag order (by u+v) reach u+v = 10.
_FREQUENCIES = 11
# Tapering the square towards its borders makes the hash survive crops: what a
# crop removes weighs little, and the scale change it causes matters less near
# the centre. sin^1.5 sits between a sine and a Hann window; on the benchmark
# (benchmarks/duplicates.py) it separates crops from other pictures best.
_WINDOW_POWER = 1.5
COLOUR_GRID = 3  # cells per side of the colour descriptor
COLOUR_BYTES = COLOUR_GRID * COLOUR_GRID * 3
FORMAT_VERSION = 1  # first byte of to_bytes(), so the layout can change later
# Tuned with benchmarks/duplicates.py (docs/processing.md, "Near-duplicates"):
# copies of one picture came within 12 bits, different pictures no nearer than
# 14; no copy's colours moved by more than 13.
DEFAULT_MAX_DISTANCE = 12
COLOUR_TOLERANCE = 15.0


def _windowed_basis() -> list[list[float]]:
    """DCT-II basis (frequency by position) times the tapering window.

    Unnormalised: only the order of the coefficients matters.
    """
    side = HASH_INPUT_SIDE
    window = [
        math.sin(math.pi * (x + 0.5) / side) ** _WINDOW_POWER for x in range(side)
    ]
    return [
        [
            math.cos(math.pi * (2 * x + 1) * u / (2 * side)) * window[x]
            for x in range(side)
        ]
        for u in range(_FREQUENCIES)
    ]


_BASIS = _windowed_basis()
_ZIGZAG = sorted(
    ((u, v) for u in range(_FREQUENCIES) for v in range(_FREQUENCIES)),
    key=lambda uv: (uv[0] + uv[1], uv[0]),
)[1 : HASH_BITS + 1]  # without the DC term, which is the mean brightness


@dataclass(frozen=True)
class Fingerprint:
    """A 64-bit perceptual hash and a coarse colour layout.

    Attributes:
        hash64: the hash as an unsigned 64-bit integer; bit 63 is the lowest
            AC frequency, then the others in zigzag order (by u+v).
        colour: ``COLOUR_BYTES`` bytes, row-major over the 3x3 grid, each cell
            L*, a*+128, b*+128 rounded and clipped to 0..255.
    """

    hash64: int
    colour: bytes

    def __post_init__(self) -> None:
        if not 0 <= self.hash64 < 1 << HASH_BITS:
            raise ValueError("hash64 must be an unsigned 64-bit integer")
        if len(self.colour) != COLOUR_BYTES:
            raise ValueError(f"colour must be {COLOUR_BYTES} bytes")

    def to_bytes(self) -> bytes:
        """36 bytes: format version, the hash (big-endian), the colour grid."""
        return bytes([FORMAT_VERSION]) + self.hash64.to_bytes(8, "big") + self.colour

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        if len(data) != 9 + COLOUR_BYTES or data[0] != FORMAT_VERSION:
            raise ValueError("not a stored fingerprint of this version")
        return cls(hash64=int.from_bytes(data[1:9], "big"), colour=bytes(data[9:]))


@dataclass(frozen=True)
class Square:
    """An image squashed to 32x32, as 8-bit sRGB and as CIELAB, row-major."""

    rgb: bytes  # 3 bytes a pixel
    lab: array  # 3 floats a pixel


def square_of(image: pyvips.Image) -> Square:
    """Squash an upright, decoded image of any size to the 32x32 square.

    The aspect ratio is dropped on purpose, so the same picture at another
    size or shape of pixel grid lands on the same square. Transparency is
    flattened onto white.
    """
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    # In memory: both forms below read it, and a lazy square would be partly
    # computed again for the second (2 ms of an upload's 18 of analysis).
    square = (
        image.colourspace("srgb")
        .thumbnail_image(HASH_INPUT_SIDE, height=HASH_INPUT_SIDE, size="force")
        .copy_memory()
    )
    # One pass through libvips for both forms, then plain Python on the 1,024
    # pixels: each further libvips operation on so small an image costs more
    # in thread hand-offs than its arithmetic (3-4x more on a busy server).
    both = square[:3].cast("float").bandjoin(square.colourspace("lab"))
    pixels = array("f")
    pixels.frombytes(both.write_to_memory())
    rgb = array("B", [0]) * (len(pixels) // 2)
    lab = array("f", [0.0]) * (len(pixels) // 2)
    for band in range(3):
        rgb[band::3] = array("B", map(int, pixels[band::6]))
        lab[band::3] = pixels[band + 3 :: 6]
    return Square(rgb=rgb.tobytes(), lab=lab)


def fingerprint(image: pyvips.Image) -> Fingerprint:
    """The fingerprint of an upright, decoded image of any size."""
    return fingerprint_square(square_of(image))


def fingerprint_square(square: Square) -> Fingerprint:
    return Fingerprint(
        hash64=_dct_hash(square.lab[0::3]), colour=_colour_grid(square.lab)
    )


def _dct_hash(lightness: array) -> int:
    """The hash of the 32x32 square's CIELAB lightness, row by row."""
    side = HASH_INPUT_SIDE
    # The window breaks the basis' orthogonality to a constant: without the
    # mean taken out, overall brightness would leak into the even frequencies.
    mean = sum(lightness) / len(lightness)
    rows = [
        [value - mean for value in lightness[y * side : (y + 1) * side]]
        for y in range(side)
    ]
    # The low block of the 2-D DCT is basis . image . basis^T: first each row
    # against each frequency, then each column of that against each frequency,
    # for the 64 coefficients the hash keeps.
    by_row = [[dot(row, basis) for basis in _BASIS] for row in rows]
    columns = [[row[v] for row in by_row] for v in range(_FREQUENCIES)]
    coefficients = [dot(_BASIS[u], columns[v]) for u, v in _ZIGZAG]
    # Above or below the median: 32 bits are set (fewer only when coefficients
    # tie, as in a flat image), so a brightness or contrast change moves no
    # bit, and distances are even.
    median = sorted(coefficients)[HASH_BITS // 2 - 1]
    value = 0
    for coefficient in coefficients:
        value = (value << 1) | (coefficient > median)
    return value


def dot(first: Iterable[float], second: Iterable[float]) -> float:
    """The sum of products, pairwise (math.sumprod before Python 3.12)."""
    return sum(map(operator.mul, first, second))


def _colour_grid(lab: array) -> bytes:
    """Mean L*, a*, b* of each cell of the 32x32 square (cells of 10 or 11
    pixels a side, weighed as libvips' shrink weighs them), row-major."""
    side = HASH_INPUT_SIDE
    weights = _cell_weights()
    # Along each row first (per band and cell column), then down the columns.
    across = [
        [
            [
                dot(cell, lab[y * side * 3 + band : (y + 1) * side * 3 : 3])
                for cell in weights
            ]
            for band in range(3)
        ]
        for y in range(side)
    ]
    offsets = (0, 128, 128)  # a* and b* are signed; bytes are not
    values = [
        dot(row_cell, [across[y][band][column] for y in range(side)]) + offsets[band]
        for row_cell in weights
        for column in range(COLOUR_GRID)
        for band in range(3)
    ]
    return bytes(max(0, min(255, round(value))) for value in values)


@functools.cache
def _cell_weights() -> list[list[float]]:
    """Each cell's weight of each of the 32 pixels along a side.

    Fingerprints stored so far averaged the cells with libvips' shrink, whose
    fractional box weighs the pixels at the cells' edges its own way. Its
    weights are read back once, by shrinking an image whose band ``x`` is 1
    in column ``x`` only, so the sums here give the same bytes.
    """
    side = HASH_INPUT_SIDE
    impulses = array("f", [0.0]) * (side * side * side)
    for y in range(side):
        for x in range(side):
            impulses[(y * side + x) * side + x] = 1.0
    image = pyvips.Image.new_from_memory(impulses.tobytes(), side, side, side, "float")
    factor = side / COLOUR_GRID
    shrunk = array("f")
    shrunk.frombytes(image.shrink(factor, factor).write_to_memory())
    # Row 0 of the result: cell j's weight of column x is band x of pixel j.
    return [list(shrunk[j * side : (j + 1) * side]) for j in range(COLOUR_GRID)]


def distance(first: Fingerprint, second: Fingerprint) -> int:
    """Hamming distance between the hashes: 0 (same) to 64 bits.

    Hashes have 32 bits set, so bits move in pairs: distances are even (bar
    flat images, whose hash has fewer bits). Unrelated pictures
    sit around 32; resized or re-encoded copies within 0-6, crops within 12.
    """
    return hamming(first.hash64, second.hash64)


def colour_distance(first: Fingerprint, second: Fingerprint) -> float:
    """Mean CIELAB distance (CIE76 delta E) over the 3x3 grid's cells.

    About 2.3 is a just-noticeable difference; a 10 % brightening moves a
    photograph by 3-7, a 5 % crop by up to 13.
    """
    total = 0.0
    for cell in range(0, COLOUR_BYTES, 3):
        total += math.dist(
            first.colour[cell : cell + 3], second.colour[cell : cell + 3]
        )
    return total / (COLOUR_GRID * COLOUR_GRID)


def is_near_duplicate(
    first: Fingerprint, second: Fingerprint, max_distance: int = DEFAULT_MAX_DISTANCE
) -> bool:
    """Whether two fingerprints show the same picture.

    The hashes must be within ``max_distance`` bits and the colour grids within
    ``COLOUR_TOLERANCE``: the colour check rejects pictures that share a layout
    in grey but not their colours, which lets the hash radius stay generous.
    """
    return (
        distance(first, second) <= max_distance
        and colour_distance(first, second) <= COLOUR_TOLERANCE
    )


def fingerprint_file(path: str) -> Fingerprint:
    """The fingerprint of a stored image file, as its upload would have made it.

    ``thumbnail`` shrinks on load and applies the EXIF orientation, and the
    fingerprint comes from the same 32-px thumbnail as at upload.

    Raises:
        UnsupportedImage: the file cannot be decoded.
    """
    try:
        small = pyvips.Image.thumbnail(path, HASH_INPUT_SIDE, height=HASH_INPUT_SIDE)
        return fingerprint(small)
    except pyvips.Error:
        raise UnsupportedImage("The image cannot be decoded.") from None
