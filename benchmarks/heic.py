"""HEIC uploads: which encoding to keep as the render source, and the cost.

Not a test: prints the figures behind the render-source choice in
processing/analysis.py. Encoding the sample HEIC (x265) takes up to a minute.
Run from the repository root:

    .venv/bin/python -m benchmarks.heic
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import PIL.Image
import pillow_heif
import pyvips

from imageapi.processing.analysis import analyse
from imageapi.processing.analysis import make_pyramid
from imageapi.processing.heif import decode
from imageapi.processing.vips import configure_libvips
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import ssim

SIZE = (4032, 3024)  # a 12 MP phone photo
HEIC_QUALITY = 80
SSIM_CROP = 1024  # SSIM on the full frame takes longer than everything else


def timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def analyse_in_child(original: Path, work: Path) -> tuple[float, int]:
    """Upload analysis time and peak memory growth (KiB) of a fresh process."""
    configure_libvips(cache_max_operations=0, concurrency=1)
    pyvips.Image.black(8, 8).avg()  # load libvips before the baseline
    before = peak_kib()

    def upload_and_job() -> None:
        analyse(original, render_source=work / "source")
        levels = work / "levels"
        levels.mkdir(exist_ok=True)
        make_pyramid(work / "source", levels, 2048)

    seconds, _ = timed(upload_and_job)
    return seconds, peak_kib() - before


def peak_kib() -> int:
    """This process's peak resident memory (Linux). Unlike ``ru_maxrss`` it
    starts afresh at exec rather than inheriting the parent's peak."""
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1])


def candidates(image: pyvips.Image) -> dict[str, Callable[[], bytes]]:
    return {
        "JPEG q95 4:4:4": lambda: image.jpegsave_buffer(Q=95, subsample_mode="off"),
        "WebP lossless e0": lambda: image.webpsave_buffer(lossless=True, effort=0),
        "WebP lossless e1": lambda: image.webpsave_buffer(lossless=True, effort=1),
        "PNG level 1": lambda: image.pngsave_buffer(compression=1),
    }


def main() -> None:
    configure_libvips(cache_max_operations=0, concurrency=1)
    work = Path(tempfile.mkdtemp(prefix="imageapi-bench-"))
    scene = photo(*SIZE, seed=7)
    pixels = PIL.Image.frombytes("RGB", SIZE, scene.write_to_memory())
    original = work / "photo.heic"
    pillow_heif.from_pillow(pixels).save(str(original), quality=HEIC_QUALITY)
    print(f"HEIC q{HEIC_QUALITY} {SIZE[0]}x{SIZE[1]}: {original.stat().st_size} B")

    # In a fresh process: this one's peak already holds the encoder's memory.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        seconds, grown_kib = pool.apply(analyse_in_child, (original, work))
    print(f"analyse: {seconds:.2f} s, peak RSS +{grown_kib // 1024} MiB")

    decoded = decode(original).copy_memory()
    reference = decoded.crop(0, 0, SSIM_CROP, SSIM_CROP)
    for name, encode in candidates(decoded).items():
        encode_s, data = timed(encode)
        decode_s, back = timed(lambda d=data: pyvips.Image.new_from_buffer(d, ""))
        decode_s += timed(back.copy_memory)[0]
        thumb_s, _ = timed(
            lambda d=data: pyvips.Image.thumbnail_buffer(d, 256).copy_memory()
        )
        difference = (back - decoded).abs().avg()
        similarity = ssim(back.crop(0, 0, SSIM_CROP, SSIM_CROP), reference)
        print(
            f"  {name:17s} {len(data) / 1e6:5.1f} MB  encode {encode_s:5.2f} s  "
            f"decode {decode_s:4.2f} s  256-px thumb {thumb_s:4.2f} s  "
            f"mean |diff| {difference:4.2f}  SSIM {similarity:.4f}"
        )


if __name__ == "__main__":
    main()
