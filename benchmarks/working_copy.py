"""In-process speed of derivatives from the original vs from the working copy.

Not a test: prints the timings and SSIM figures behind the working-copy
defaults. Run from the repository root (one process, libvips cache off):

    .venv/bin/python -m benchmarks.working_copy
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyvips

from imageapi.processing.analysis import analyse
from imageapi.processing.analysis import make_working_copy
from imageapi.processing.options import RenditionOptions
from imageapi.processing.pipeline import render
from imageapi.processing.source import copy_scale
from imageapi.processing.vips import configure_libvips
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import ssim

ORIGINAL = (4000, 3000)
SIDES = (1024, 1536, 2048)
THUMB = RenditionOptions(width=256, format="jpeg", quality=82)
ROUNDS = 20


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:5.1f} ms"


def clock(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    configure_libvips(cache_max_operations=0, concurrency=1)
    work = Path(tempfile.mkdtemp(prefix="imageapi-bench-"))
    original = work / "original.jpg"
    photo(*ORIGINAL, seed=7).jpegsave(str(original), Q=90)
    size_kib = original.stat().st_size // 1024
    print(f"original: {ORIGINAL[0]}x{ORIGINAL[1]} JPEG q90, {size_kib} KiB")

    sources = {"original": (original, 1.0)}
    uploads: dict[str, list[float]] = {"no copy": []}
    for side in SIDES:
        path = work / f"copy-{side}"
        copy = make_working_copy(original, path, side)
        sources[f"copy {side}"] = (
            path,
            copy_scale(ORIGINAL, (copy.width, copy.height)),
        )
        uploads[f"copy {side}"] = []
    # Interleaved rounds, so a busy neighbour slows every variant alike.
    renders: dict[str, list[float]] = {name: [] for name in sources}
    for _ in range(ROUNDS):
        for name, (path, scale) in sources.items():
            renders[name].append(
                clock(
                    lambda p=path, s=scale: render(
                        p, THUMB, source_scale=s, timeout_seconds=60
                    )
                )
            )
        for name in uploads:
            side = 0 if name == "no copy" else int(name.split()[1])
            uploads[name].append(
                clock(
                    lambda m=side: (
                        analyse(original, render_source=work / "s"),
                        make_working_copy(original, work / "u", m),
                    )
                )
            )
    print("\n256-px JPEG thumbnail, median of", ROUNDS)
    for name, samples in renders.items():
        path = sources[name][0]
        print(
            f"  from {name:10s} ({path.stat().st_size // 1024:5d} KiB): "
            f"{median_ms(samples)}"
        )
    print("\nupload analysis (metadata + blurhash + copy), median of", ROUNDS)
    for name, samples in uploads.items():
        print(f"  {name:10s}: {median_ms(samples)}")

    print("\nSSIM of a derivative from the copy vs from the original")
    for side in SIDES:
        path, scale = sources[f"copy {side}"]
        for factor in (8.0, 2.0, 1.6, 1.25, 1.0):
            options = RenditionOptions(width=round(side / factor), format="png")
            reference = render(original, options, timeout_seconds=60).data
            candidate = render(
                path, options, source_scale=scale, timeout_seconds=60
            ).data
            score = ssim(
                pyvips.Image.new_from_buffer(reference, ""),
                pyvips.Image.new_from_buffer(candidate, ""),
            )
            print(
                f"  copy {side}, width {options.width:4d} "
                f"({factor:.2f}x below the copy): {score:.4f}"
            )


if __name__ == "__main__":
    main()
