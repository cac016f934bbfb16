"""Generated scenes for the near-duplicate benchmark: each one a different picture.

Landscapes (a noisy horizon under a sky gradient, with a sun), fractal-noise
"terrain" and "marble", cell patterns like pebbles, and pages of text. Every
scene takes a seed, so the set is the same on every run.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pyvips

from benchmarks.photos import photo as grainy_photo
from tests.unit.processing.imaging import photo as city_photo

Scene = Callable[[int], pyvips.Image]

# Pages of text laid out differently: a letter, a two-column recipe, a table.
# (Pages in one layout that differ only in their words look alike to any
# whole-image fingerprint at thumbnail size; docs/processing.md says so.)
LETTER = (
    "<big><b>Minutes of the annual meeting</b></big>\n\nPresent: the board, the "
    "auditors and forty-two members. The treasurer reported a small surplus; "
    "the roof repairs are paid for and the hall will reopen in spring."
)
RECIPE = (
    "two cups of flour\none egg\na pinch of salt\nwarm water\n\n"
    "Knead for ten minutes, rest the dough under a damp cloth, roll thin."
)
TIMETABLE = "\n".join(
    f"{hour:02}:{minute:02}   platform {platform}   {town}"
    for hour, minute, platform, town in (
        (6, 5, 3, "Harbour"),
        (6, 40, 1, "Northfield"),
        (7, 15, 2, "Eastgate"),
        (8, 0, 3, "Harbour"),
        (9, 30, 4, "Old Mill"),
        (11, 10, 1, "Northfield"),
        (12, 45, 2, "Eastgate"),
        (14, 20, 3, "Harbour"),
        (16, 55, 4, "Old Mill"),
    )
)


def _fractal(width: int, height: int, seed: int) -> pyvips.Image:
    """Four octaves of Perlin noise, roughly -1..1."""
    total = pyvips.Image.black(width, height)
    for octave in range(4):
        cells = max(4, width // (3 * 2**octave))
        noise = pyvips.Image.perlin(width, height, cell_size=cells, seed=seed + octave)
        total += noise / 2**octave
    return total


def _srgb(bands: list[pyvips.Image]) -> pyvips.Image:
    return bands[0].bandjoin(bands[1:]).cast("uchar").copy(interpretation="srgb")


def landscape(seed: int) -> pyvips.Image:
    rng = random.Random(seed)
    width, height = rng.choice(((800, 600), (1024, 683), (640, 480), (900, 600)))
    xyz = pyvips.Image.xyz(width, height)
    y = xyz[1]
    sky_top = [rng.randint(20, 120), rng.randint(60, 160), rng.randint(150, 255)]
    sky = _srgb([y * (255 - c) / height + c for c in sky_top])
    ground_colour = [rng.randint(30, 140), rng.randint(60, 160), rng.randint(10, 80)]
    texture = _fractal(width, height, seed) * 40
    ground = _srgb([texture + c for c in ground_colour])
    horizon = height * rng.uniform(0.4, 0.7)
    ridge = pyvips.Image.perlin(width, height, cell_size=width // 4, seed=seed) * (
        height * 0.15
    )
    scene = (y + ridge > horizon).ifthenelse(ground, sky)
    sun_x, sun_y = rng.randint(0, width), rng.randint(0, int(horizon * 0.6))
    radius = rng.randint(width // 20, width // 8)
    sun = ((xyz[0] - sun_x) ** 2 + (xyz[1] - sun_y) ** 2) < radius**2
    return (sun & (y + ridge <= horizon)).ifthenelse([255, 240, 200], scene)


def terrain(seed: int) -> pyvips.Image:
    rng = random.Random(seed)
    width, height = rng.choice(((640, 640), (800, 600), (600, 800)))
    height_field = _fractal(width, height, seed)
    bands = [
        height_field * rng.uniform(-90, 90) + rng.randint(70, 180) for _ in range(3)
    ]
    return _srgb(bands)


def marble(seed: int) -> pyvips.Image:
    rng = random.Random(seed)
    width, height = 720, 540
    xyz = pyvips.Image.xyz(width, height)
    turbulence = _fractal(width, height, seed) * rng.uniform(200, 400)
    # libvips' sin() takes degrees.
    veins = ((xyz[0] * rng.uniform(0.6, 2.0) + turbulence).sin() + 1) * 0.5
    base = [rng.randint(120, 230) for _ in range(3)]
    return _srgb([veins * rng.randint(60, 140) + c - 60 for c in base])


def pebbles(seed: int) -> pyvips.Image:
    rng = random.Random(seed)
    width, height = 640, 480
    cells = pyvips.Image.worley(width, height, cell_size=rng.randint(30, 90), seed=seed)
    shade = cells / cells.max()
    tint = [rng.randint(60, 200) for _ in range(3)]
    return _srgb([shade * 120 + c - 40 for c in tint])


def page(seed: int) -> pyvips.Image:
    width, height = 640, 820
    layout = seed % 3
    if layout == 0:  # a letter: heading and a paragraph at the top
        ink = pyvips.Image.text(LETTER, width=540, dpi=110).embed(50, 60, width, height)
    elif layout == 1:  # a recipe: a title over two columns
        title = pyvips.Image.text("<big><b>Country bread</b></big>", dpi=160)
        column = pyvips.Image.text(RECIPE, width=260, dpi=120)
        ink = (
            title.embed((width - title.width) // 2, 40, width, height)
            | column.embed(40, 160, width, height)
            | column.embed(340, 160, width, height)
        )
    else:  # a timetable filling the page, ruled every line
        table = pyvips.Image.text(TIMETABLE, dpi=150, spacing=38)
        ink = table.embed(60, 80, width, height)
        rules = (pyvips.Image.xyz(width, height)[1] % 54 == 70 % 54).ifthenelse(160, 0)
        ink = ink | rules.cast("uchar")
    ink = ink.cast("float") / 255 * 220
    return _srgb([250 - ink, 248 - ink, 240 - ink])


def city(seed: int) -> pyvips.Image:
    return city_photo(800, 600, seed=seed)


def grainy(seed: int) -> pyvips.Image:
    return grainy_photo(900, 675, seed=seed)


# Each scene with its seeds; the benchmark can shift every seed to draw a
# second, held-out set of pictures.
SCENES: list[tuple[Scene, tuple[int, ...]]] = [
    (landscape, (11, 23, 37, 41, 53, 67)),
    (terrain, (101, 113, 127, 139)),
    (marble, (201, 211, 223)),
    (pebbles, (301, 313, 331)),
    (page, (0, 1, 2)),
    (city, (401, 419, 433)),
    (grainy, (501, 521, 541)),
]
