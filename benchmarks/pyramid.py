"""The pyramid's levels: render speed from each, SSIM, and storage per image.

Not a test: prints the figures behind the pyramid's defaults
(processing/pyramid.py). For each photo and each level encoding it builds the
levels (2048, 1024, 512), then renders a few derivative sizes from every level
that is at least as large as the result, and from the original: median render
time in one process (libvips cache off, one thread), SSIM of the luminance
against the same derivative from the original (both JPEG q95), and which
source ``choose_level`` picks. Run from the repository root:

    .venv/bin/python -m benchmarks.pyramid [--rounds 5] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyvips

from benchmarks.photos import photo as grainy_photo
from imageapi.processing import pyramid
from imageapi.processing.options import RenditionOptions
from imageapi.processing.pipeline import render
from imageapi.processing.pyramid import build_pyramid
from imageapi.processing.pyramid import choose_level
from imageapi.processing.vips import configure_libvips
from tests.unit.processing.imaging import photo as city_photo
from tests.unit.processing.imaging import ssim

MAX_SIDE = 2048
# (name, JPEG quality, subsample_mode) of the level encodings compared.
ENCODINGS = (("q90 4:2:0", 90, "on"), ("q95 4:4:4", 95, "off"))
WIDTHS = (256, 400, 800, 1024, 1200)
COMPARE_QUALITY = 95


def photos(work: Path) -> dict[str, Path]:
    """A 4000x3000 camera-like JPEG (q90, grain) and a 12 MP phone-like one."""
    camera = work / "camera-4000x3000.jpg"
    grainy_photo(4000, 3000, seed=7).jpegsave(str(camera), Q=90)
    phone = work / "phone-4032x3024.jpg"
    city_photo(4032, 3024, seed=3).jpegsave(str(phone), Q=92, subsample_mode="on")
    return {"4000x3000 camera": camera, "4032x3024 phone": phone}


def clock(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def build(original: Path, dest: Path, quality: int, subsampling: str):
    pyramid.LEVEL_JPEG_QUALITY = quality
    pyramid.LEVEL_JPEG_SUBSAMPLING = subsampling
    dest.mkdir()
    started = time.perf_counter()
    levels = build_pyramid(original, dest, max_side=MAX_SIDE).levels
    return levels, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one photo only")
    args = parser.parse_args()
    configure_libvips(cache_max_operations=0, concurrency=1)
    work = Path(tempfile.mkdtemp(prefix="imageapi-pyramid-"))
    originals = photos(work)
    if args.quick:
        originals = dict(list(originals.items())[:1])
    for photo_name, original in originals.items():
        header = pyvips.Image.new_from_file(str(original))
        size = (header.width, header.height)
        original_bytes = original.stat().st_size
        print(f"\n## {photo_name}: {original_bytes // 1024} KiB")
        for name, quality, subsampling in ENCODINGS:
            dest = work / f"{original.stem}-{quality}{subsampling}"
            levels, seconds = build(original, dest, quality, subsampling)
            sizes = {
                lv.longest: (dest / str(lv.longest)).stat().st_size for lv in levels
            }
            overhead = sum(sizes.values()) / original_bytes
            print(
                f"\n### levels {name}: "
                + ", ".join(f"{side}: {b // 1024} KiB" for side, b in sizes.items())
                + f"; {overhead:.2f}x the original's bytes; "
                f"built in {seconds * 1000:.0f} ms (with the decode)"
            )
            report(original, size, dest, levels, args.rounds)


def report(original: Path, size: tuple[int, int], dest: Path, levels, rounds: int):
    print("| width | source | JPEG ms | WebP ms | SSIM | SSIM JPEG q95 | chosen |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for width in WIDTHS:
        lossless = RenditionOptions(width=width, format="png")
        jpeg95 = RenditionOptions(width=width, format="jpeg", quality=COMPARE_QUALITY)
        timed = (
            RenditionOptions(width=width, format="jpeg", quality=82),
            RenditionOptions(width=width, format="webp", quality=80),
        )
        chosen = choose_level(lossless, size, levels)
        references = [
            render(original, o, timeout_seconds=60).data for o in (lossless, jpeg95)
        ]
        sources = [(f"level {lv.longest}", dest / str(lv.longest), lv) for lv in levels]
        sources.append(("original", original, None))
        for label, path, level in sources:
            if level is not None and level.width < width:
                continue

            def run(options, p=path, s=size):
                return render(p, options, original=s, timeout_seconds=60).data

            times = [
                statistics.median([clock(lambda o=o: run(o)) for _ in range(rounds)])
                for o in timed
            ]
            scores = [
                ssim(
                    pyvips.Image.new_from_buffer(run(o), ""),
                    pyvips.Image.new_from_buffer(reference, ""),
                )
                for o, reference in zip((lossless, jpeg95), references, strict=True)
            ]
            ratio = f" ({level.width / width:.2f}x)" if level else ""
            mark = "**yes**" if chosen == level else ""
            print(
                f"| {width} | {label}{ratio} | {times[0] * 1000:.1f} | "
                f"{times[1] * 1000:.1f} | {scores[0]:.4f} | {scores[1]:.4f} | {mark} |"
            )


if __name__ == "__main__":
    main()
