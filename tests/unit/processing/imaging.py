"""Test images made with pyvips, and ways to compare decoded results."""

from __future__ import annotations

from pathlib import Path

import pyvips

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def photo(width: int, height: int, *, seed: int = 1) -> pyvips.Image:
    """Photograph-like content: smooth shapes, fine texture and sharp edges."""
    bands = []
    for band in range(3):
        cells = max(8, width // (6 + 3 * band))
        smooth = pyvips.Image.perlin(width, height, cell_size=cells, seed=seed + band)
        detail = pyvips.Image.perlin(width, height, cell_size=8, seed=seed + 10 + band)
        bands.append(smooth * 90 + detail * 25 + 128)
    image = bands[0].bandjoin(bands[1:])
    # A few hard-edged blocks, like buildings against a sky.
    xy = pyvips.Image.xyz(width, height)
    edges = (xy[0] % max(1, width // 5) < width // 12) & (xy[1] > height // 2)
    image = edges.ifthenelse([40, 35, 30], image)
    return image.cast("uchar").copy(interpretation="srgb")


def quadrants(width: int = 40, height: int = 20) -> pyvips.Image:
    """Red top-left, green top-right, blue bottom-left, white bottom-right."""
    half_w, half_h = width // 2, height // 2

    def block(colour):
        return (pyvips.Image.black(half_w, half_h, bands=3) + list(colour)).cast(
            "uchar"
        )

    top = block(RED).join(block(GREEN), "horizontal")
    bottom = block(BLUE).join(block(WHITE), "horizontal")
    return top.join(bottom, "vertical").copy(interpretation="srgb")


def animation(path: Path, *, frames: int = 3, width: int = 40, height: int = 30):
    """An animated GIF whose frames are solid red, green, blue, ..."""
    colours = [RED, GREEN, BLUE, WHITE]
    strip = pyvips.Image.arrayjoin(
        [
            (pyvips.Image.black(width, height, bands=3) + list(colours[i % 4])).cast(
                "uchar"
            )
            for i in range(frames)
        ],
        across=1,
    ).copy(interpretation="srgb")
    strip.set_type(pyvips.GValue.gint_type, "page-height", height)
    strip.set_type(pyvips.GValue.array_int_type, "delay", [80] * frames)
    strip.set_type(pyvips.GValue.gint_type, "loop", 0)
    strip.gifsave(str(path))
    return path


def decode(data: bytes, *, all_frames: bool = False) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "[n=-1]" if all_frames else "")


def size(image: pyvips.Image) -> tuple[int, int]:
    return (image.width, image.height)


def pixel(image: pyvips.Image, x: int, y: int) -> list[float]:
    return image.colourspace("srgb").getpoint(x, y)[:3]


def near(actual: list[float], expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def ssim(first: pyvips.Image, second: pyvips.Image) -> float:
    """Mean SSIM of the luminance, with the usual 11x11 Gaussian window (sigma 1.5)."""
    x = first.colourspace("b-w")[0].cast("float")
    y = second.colourspace("b-w")[0].cast("float")
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(image):
        return image.gaussblur(1.5, precision="float")

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x * mu_x
    var_y = blur(y * y) - mu_y * mu_y
    covariance = blur(x * y) - mu_x * mu_y
    numerator = (mu_x * mu_y * 2 + c1) * (covariance * 2 + c2)
    denominator = (mu_x * mu_x + mu_y * mu_y + c1) * (var_x + var_y + c2)
    return (numerator / denominator).avg()
