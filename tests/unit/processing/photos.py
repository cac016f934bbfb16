"""Generated photographs of different kinds, for quality comparisons.

Each is deterministic for a seed: a city-like scene with hard edges and fine
texture, a grainy camera shot (sensor-like noise over soft shapes) and a
landscape (a smooth sky over a detailed horizon).
"""

from __future__ import annotations

import pyvips

from tests.unit.processing.imaging import photo as city


def grainy(width: int, height: int, *, seed: int = 1) -> pyvips.Image:
    """Soft Perlin shapes per channel, finer detail and Gaussian grain."""
    detail = pyvips.Image.perlin(
        width, height, cell_size=max(width // 40, 1), seed=seed
    )
    grain = pyvips.Image.gaussnoise(width, height, sigma=4, mean=0, seed=seed)
    channels = []
    for band, (cells, level) in enumerate(((6, 128), (5, 120), (7, 110))):
        shapes = pyvips.Image.perlin(
            width, height, cell_size=max(width // cells, 1), seed=seed + band + 1
        )
        channels.append(shapes * 150 + detail * 50 + grain + level)
    return _srgb(channels)


def landscape(width: int, height: int, *, seed: int = 1) -> pyvips.Image:
    """A sky gradient above a rough horizon of textured ground."""
    xy = pyvips.Image.xyz(width, height)
    rows = xy[1].cast("float") / height
    ridge = pyvips.Image.perlin(width, 1, cell_size=max(width // 6, 1), seed=seed)
    horizon = (ridge * 0.15 + 0.55).zoom(1, height) > rows
    ground = pyvips.Image.perlin(width, height, cell_size=16, seed=seed + 1)
    soil = [ground * 60 + 90, ground * 50 + 110, ground * 30 + 50]
    sky = [rows * 120 + 90, rows * 90 + 140, rows * 20 + 225]
    return _srgb([horizon.ifthenelse(s, g) for s, g in zip(sky, soil, strict=True)])


def _srgb(bands: list[pyvips.Image]) -> pyvips.Image:
    return bands[0].bandjoin(bands[1:]).cast("uchar").copy(interpretation="srgb")


PHOTOS = {"city": city, "grainy": grainy, "landscape": landscape}
