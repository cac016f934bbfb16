"""The peers' side of benchmarks/duplicates.py, run in its own venv.

Needs scikit-image (photographs shipped inside its wheel) and imagehash with
Pillow; imports nothing from imageapi. Two commands:

    photos DIR        write the offline skimage photographs to DIR as PNG
    hash LIST         for each path in the file LIST, print one JSON line with
                      imagehash's pHash and dHash and the time each took
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

# Photographs that scikit-image ships in its wheel (no download at run time),
# each a different scene. ``cat`` is ``chelsea`` under another name, and the
# stereo pair's right view would be a near-duplicate of its left one.
PHOTOS = (
    "astronaut",
    "brick",
    "camera",
    "cell",
    "chelsea",
    "clock",
    "coffee",
    "coins",
    "colorwheel",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "logo",
    "moon",
    "page",
    "retina",
    "rocket",
    "text",
)


def photos(directory: Path) -> None:
    import numpy
    import skimage.data
    from PIL import Image

    directory.mkdir(parents=True, exist_ok=True)
    for name in PHOTOS:
        pixels = getattr(skimage.data, name)()
        Image.fromarray(numpy.asarray(pixels)).save(directory / f"{name}.png")
    left, _right, _disparity = skimage.data.stereo_motorcycle()
    Image.fromarray(left).save(directory / "motorcycle.png")


def hashes(listing: Path) -> None:
    import imagehash
    from PIL import Image

    for path in listing.read_text().split():
        with Image.open(path) as opened:
            image = opened.convert("RGB")  # decode outside the timed part
        record: dict[str, str | float] = {"path": path}
        for name, function in (("phash", imagehash.phash), ("dhash", imagehash.dhash)):
            runs = []
            for _ in range(5):
                start = time.perf_counter()
                value = function(image)
                runs.append((time.perf_counter() - start) * 1000)
            record[name] = str(value)
            record[f"{name}_ms"] = statistics.median(runs)
        print(json.dumps(record))


def main() -> None:
    command, argument = sys.argv[1], Path(sys.argv[2])
    {"photos": photos, "hash": hashes}[command](argument)


if __name__ == "__main__":
    main()
