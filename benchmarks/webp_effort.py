"""What WebP's effort setting trades: encode time against bytes at equal quality.

Not a test: prints the figures behind the derivatives' WebP effort
(processing/steps/encode.py). Each picture, 800 px wide as in the delivery
benchmark's WebP row, is encoded at qualities 50-95 with every effort. The
reference is effort 4 at quality 80: libvips' default and what thumbor's
Pillow writes (method 4). For each effort the table gives the bytes that reach
the reference's SSIM (interpolated between the two qualities around it), the
bytes and the change in SSIM at the reference's quality, and the median CPU
time of one encode. Run from the repository root:

    .venv/bin/python -m benchmarks.webp_effort
"""

from __future__ import annotations

import itertools
import statistics
import time

import pyvips

from benchmarks.photos import photo as grainy_photo
from benchmarks.scenes import city
from benchmarks.scenes import landscape
from benchmarks.scenes import marble
from benchmarks.scenes import pebbles
from benchmarks.scenes import terrain
from imageapi.processing.vips import configure_libvips
from tests.unit.processing.imaging import ssim

WIDTH = 800
EFFORTS = (0, 1, 2, 3, 4)
QUALITIES = tuple(range(50, 96, 5))
REFERENCE_EFFORT, REFERENCE_QUALITY = 4, 80


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
    image: pyvips.Image, effort: int
) -> tuple[list[tuple[float, int]], float]:
    """(SSIM, bytes) at each quality, and the median encode time in ms."""
    points, times = [], []
    for quality in QUALITIES:
        started = time.process_time()
        data = image.webpsave_buffer(Q=quality, effort=effort)
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
    configure_libvips(cache_max_operations=0, concurrency=1)
    header = " | ".join(f"effort {effort}" for effort in EFFORTS)
    print(f"| picture | SSIM to reach | {header} |")
    print("| --- | --- |" + " --- |" * len(EFFORTS))
    for name, image in pictures():
        curves = {effort: encode_curve(image, effort) for effort in EFFORTS}
        reference = curves[REFERENCE_EFFORT][0][QUALITIES.index(REFERENCE_QUALITY)]
        target, reference_bytes = reference
        cells = []
        for effort in EFFORTS:
            points, milliseconds = curves[effort]
            reached = bytes_at(points, target)
            size = "-" if reached is None else f"{reached / reference_bytes:.2f}x"
            same_ssim, same_bytes = points[QUALITIES.index(REFERENCE_QUALITY)]
            cells.append(
                f"{size}; {same_bytes / reference_bytes:.2f}x, "
                f"{same_ssim - target:+.4f}; {milliseconds:.1f} ms"
            )
        print(f"| {name} | {target:.4f} | {' | '.join(cells)} |")
    print(
        f"\nEach cell: bytes at the SSIM of effort {REFERENCE_EFFORT}, quality "
        f"{REFERENCE_QUALITY} (-: not reached by quality {QUALITIES[-1]}); bytes "
        f"and SSIM change at quality {REFERENCE_QUALITY}; CPU time of one encode."
    )


if __name__ == "__main__":
    main()
