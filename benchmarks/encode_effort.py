"""What an encoder's effort trades: encode time against bytes at equal quality.

Not a test: prints the figures behind the derivatives' WebP and AVIF efforts
(processing/formats.py, processing/steps/encode.py). Each picture, 800 px wide
as in the delivery benchmark's WebP row, is encoded at ten qualities around
the format's default with every effort. The reference is effort 4 at the
default quality: libvips' default effort, and for WebP what thumbor's Pillow
writes (method 4). For each effort the table gives the bytes that reach the
reference's SSIM (interpolated between the two qualities around it), the
bytes and the change in SSIM at the default quality, and the median CPU time
of one encode (AVIF's encoder uses several threads; their time is summed).
Run from the repository root:

    .venv/bin/python -m benchmarks.encode_effort [--format webp|avif]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable

import pyvips

from benchmarks.photos import photo as grainy_photo
from benchmarks.scenes import city
from benchmarks.scenes import landscape
from benchmarks.scenes import marble
from benchmarks.scenes import pebbles
from benchmarks.scenes import terrain
from imageapi.processing.formats import DEFAULT_QUALITIES
from imageapi.processing.vips import configure_libvips
from tests.unit.processing.imaging import ssim

WIDTH = 800
EFFORTS = (0, 1, 2, 3, 4)
REFERENCE_EFFORT = 4
Encoder = Callable[[pyvips.Image, int, int], bytes]  # (image, quality, effort)
ENCODERS: dict[str, Encoder] = {
    "webp": lambda image, quality, effort: image.webpsave_buffer(
        Q=quality, effort=effort
    ),
    "avif": lambda image, quality, effort: image.heifsave_buffer(
        Q=quality, effort=effort, compression="av1"
    ),
}


def qualities(output_format: str) -> tuple[int, ...]:
    """Ten qualities in steps of 5, the default the seventh of them."""
    default = DEFAULT_QUALITIES[output_format]
    return tuple(range(default - 30, default + 16, 5))


def pictures() -> list[tuple[str, pyvips.Image]]:
    """The delivery benchmark's 1920x1080 photo and five generated scenes."""
    found = [("photo 1920x1080", grainy_photo(1920, 1080, seed=9))]
    found += [
        (scene.__name__, scene(seed))
        for scene, seed in (
            (landscape, 11),
            (terrain, 101),
            (marble, 201),
            (pebbles, 301),
            (city, 401),
        )
    ]
    return [(name, image.thumbnail_image(WIDTH).copy_memory()) for name, image in found]


def encode_curve(
    encoder: Encoder, image: pyvips.Image, effort: int, levels: tuple[int, ...]
) -> tuple[list[tuple[float, int]], float]:
    """(SSIM, bytes) at each quality, and the median encode time in ms."""
    points, times = [], []
    for quality in levels:
        started = time.process_time()
        data = encoder(image, quality, effort)
        times.append(time.process_time() - started)
        points.append((ssim(image, pyvips.Image.new_from_buffer(data, "")), len(data)))
    return points, statistics.median(times) * 1000


def bytes_at(points: list[tuple[float, int]], target: float) -> float | None:
    """Bytes at SSIM ``target``, linear between the qualities around it."""
    ordered = sorted(points)
    for (low_ssim, low_bytes), (high_ssim, high_bytes) in itertools.pairwise(ordered):
        if low_ssim <= target <= high_ssim and high_ssim > low_ssim:
            share = (target - low_ssim) / (high_ssim - low_ssim)
            return low_bytes + share * (high_bytes - low_bytes)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=sorted(ENCODERS), default="webp")
    output_format = parser.parse_args().format
    encoder, levels = ENCODERS[output_format], qualities(output_format)
    default = levels.index(DEFAULT_QUALITIES[output_format])
    configure_libvips(cache_max_operations=0, concurrency=1)
    header = " | ".join(f"effort {effort}" for effort in EFFORTS)
    print(f"| picture | SSIM to reach | {header} |")
    print("| --- | --- |" + " --- |" * len(EFFORTS))
    for name, image in pictures():
        curves = {
            effort: encode_curve(encoder, image, effort, levels) for effort in EFFORTS
        }
        target, reference_bytes = curves[REFERENCE_EFFORT][0][default]
        cells = []
        for effort in EFFORTS:
            points, milliseconds = curves[effort]
            reached = bytes_at(points, target)
            size = "-" if reached is None else f"{reached / reference_bytes:.2f}x"
            same_ssim, same_bytes = points[default]
            cells.append(
                f"{size}; {same_bytes / reference_bytes:.2f}x, "
                f"{same_ssim - target:+.4f}; {milliseconds:.1f} ms"
            )
        print(f"| {name} | {target:.4f} | {' | '.join(cells)} |")
    print(
        f"\n{output_format}. Each cell: bytes at the SSIM of effort "
        f"{REFERENCE_EFFORT}, quality {levels[default]} (-: not reached by quality "
        f"{levels[-1]}); bytes and SSIM change at quality {levels[default]}; CPU "
        "time of one encode."
    )


if __name__ == "__main__":
    main()
