"""Synthetic photographs: smooth shapes and fine texture, like a camera JPEG."""

from __future__ import annotations

import pyvips


def photo(width: int, height: int, seed: int = 1) -> pyvips.Image:
    """Layered Perlin noise per channel plus a little sensor-like grain."""
    detail = pyvips.Image.perlin(
        width, height, cell_size=max(width // 40, 1), seed=seed
    )
    grain = pyvips.Image.gaussnoise(width, height, sigma=4, mean=0)
    channels = []
    for offset, (cells, level) in enumerate(((6, 128), (5, 120), (7, 110))):
        shapes = pyvips.Image.perlin(
            width, height, cell_size=max(width // cells, 1), seed=seed + offset + 1
        )
        channels.append(shapes * 150 + detail * 50 + grain + level)
    image = channels[0].bandjoin(channels[1:])
    return image.cast("uchar").copy(interpretation="srgb")


def photo_jpeg(width: int, height: int, seed: int = 1) -> bytes:
    return photo(width, height, seed).jpegsave_buffer(Q=90)
