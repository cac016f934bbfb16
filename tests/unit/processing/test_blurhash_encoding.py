"""Our blurhash encoder gives the ``blurhash`` package's strings, faster."""

from __future__ import annotations

import blurhash
import pytest

from imageapi.processing import blurhash_encoding
from tests.unit.processing.photos import PHOTOS


def package_blurhash(rgb: bytes, width: int, height: int, x: int, y: int) -> str:
    rows = [
        [
            rgb[(row * width + col) * 3 : (row * width + col) * 3 + 3]
            for col in range(width)
        ]
        for row in range(height)
    ]
    return blurhash.encode(rows, components_x=x, components_y=y)


@pytest.mark.parametrize("name", sorted(PHOTOS))
@pytest.mark.parametrize(
    ("size", "components"),
    [((16, 12), (4, 3)), ((12, 16), (3, 4)), ((16, 16), (4, 4)), ((7, 5), (9, 1))],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_string_as_the_package(name, size, components, seed):
    width, height = size
    image = PHOTOS[name](width * 8, height * 8, seed=seed)
    small = image.thumbnail_image(width, height=height, size="force")
    rgb = bytes(small.colourspace("srgb").cast("uchar").write_to_memory())
    assert blurhash_encoding.encode(rgb, width, height, *components) == (
        package_blurhash(rgb, width, height, *components)
    )


@pytest.mark.parametrize("level", [0, 128, 255])
def test_flat_images_too(level):
    flat = bytes([level, level, level]) * (16 * 12)
    text = blurhash_encoding.encode(flat, 16, 12, 4, 3)
    assert text == package_blurhash(flat, 16, 12, 4, 3)
