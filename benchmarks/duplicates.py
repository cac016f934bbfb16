"""Near-duplicate detection: recall and precision against imagehash.

Not a test: prints the tables behind the fingerprint's default threshold. The
first run makes ``benchmarks/.work/duplicates-venv`` with scikit-image (its
wheel ships real photographs) and imagehash; nothing is downloaded at run time
after that, and neither becomes a dependency of imageapi.

    .venv/bin/python -m benchmarks.duplicates [--side 32] [--seed-shift 0]

Each of 20 photographs and 25 generated scenes gets four variants: resized to
50 %, re-encoded as JPEG quality 40, brightened by 10 %, and cropped by 5 % at
each edge. Every unordered pair of the 225 files is a duplicate pair when both
come from the same picture. Our fingerprint is computed as the upload analysis
can: from a thumbnail of ``--side`` pixels made while decoding. ``--seed-shift``
draws the generated scenes from other seeds, a set the defaults never saw.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyvips

from benchmarks.scenes import SCENES
from imageapi.processing.fingerprint import COLOUR_TOLERANCE
from imageapi.processing.fingerprint import DEFAULT_MAX_DISTANCE
from imageapi.processing.fingerprint import Fingerprint
from imageapi.processing.fingerprint import colour_distance
from imageapi.processing.fingerprint import distance
from imageapi.processing.fingerprint import fingerprint
from imageapi.processing.fingerprint import is_near_duplicate
from imageapi.processing.hamming_index import hamming
from imageapi.processing.vips import configure_libvips

WORK = Path(__file__).parent / ".work"
PEER_REQUIREMENTS = ("scikit-image==0.26.0", "imagehash==4.3.2")
PEER_SCRIPT = Path(__file__).with_name("duplicates_peer.py")
VARIANTS = ("resized", "jpeg40", "brighter", "cropped")
SWEEP = range(0, 25)


@dataclass(frozen=True)
class Sample:
    picture: str
    variant: str  # "original" or one of VARIANTS
    path: Path


def peer_python() -> Path:
    """A venv with scikit-image and imagehash, made once and reused."""
    venv = WORK / "duplicates-venv"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *PEER_REQUIREMENTS],
            check=True,
        )
        (venv / ".installed").touch()
    return python


def make_samples(python: Path, work: Path, seed_shift: int = 0) -> list[Sample]:
    photos = work / "photos"
    if not photos.exists():
        subprocess.run([str(python), PEER_SCRIPT, "photos", str(photos)], check=True)
    originals = {path.stem: path for path in sorted(photos.glob("*.png"))}
    for scene, seeds in SCENES:
        for seed in seeds:
            name = f"{scene.__name__}-{seed + seed_shift}"
            path = work / "scenes" / f"{name}.png"
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                scene(seed + seed_shift).pngsave(str(path))
            originals[name] = path
    samples = []
    for name, path in originals.items():
        samples.append(Sample(name, "original", path))
        for variant in VARIANTS:
            target = work / "variants" / f"{name}-{variant}"
            target = target.with_suffix(".jpg" if variant == "jpeg40" else ".png")
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                write_variant(pyvips.Image.new_from_file(str(path)), variant, target)
            samples.append(Sample(name, variant, target))
    return samples


def write_variant(image: pyvips.Image, variant: str, target: Path) -> None:
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    if variant == "resized":
        image.resize(0.5).pngsave(str(target))
    elif variant == "jpeg40":
        image.jpegsave(str(target), Q=40)
    elif variant == "brighter":
        (image * 1.1).cast("uchar").pngsave(str(target))  # cast clips at 255
    else:
        dx, dy = round(image.width * 0.05), round(image.height * 0.05)
        image.crop(dx, dy, image.width - 2 * dx, image.height - 2 * dy).pngsave(
            str(target)
        )


def ours(samples: list[Sample], side: int) -> tuple[list[Fingerprint], list[float]]:
    prints, timings = [], []
    for sample in samples:
        decoded = pyvips.Image.thumbnail(str(sample.path), side, height=side)
        decoded = decoded.copy_memory()  # decode outside the timed part
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            value = fingerprint(decoded)
            runs.append((time.perf_counter() - start) * 1000)
        prints.append(value)
        timings.append(statistics.median(runs))
    return prints, timings


def peers(python: Path, samples: list[Sample], work: Path) -> list[dict]:
    listing = work / "listing.txt"
    listing.write_text("\n".join(str(sample.path) for sample in samples))
    output = subprocess.run(
        [str(python), PEER_SCRIPT, "hash", str(listing)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [json.loads(line) for line in output.splitlines()]


def scores(
    samples: list[Sample], matches: Callable[[int, int], bool]
) -> tuple[float, float]:
    """Recall and precision of ``matches`` over every pair of samples."""
    found = true_found = duplicates = 0
    for i, j in itertools.combinations(range(len(samples)), 2):
        same = samples[i].picture == samples[j].picture
        hit = matches(i, j)
        duplicates += same
        found += hit
        true_found += hit and same
    return true_found / duplicates, (true_found / found if found else 1.0)


def f1(recall: float, precision: float) -> float:
    return 2 * recall * precision / (recall + precision) if recall + precision else 0


def recall_by_variant(
    samples: list[Sample], matches: Callable[[int, int], bool]
) -> dict[str, float]:
    originals = {s.picture: i for i, s in enumerate(samples) if s.variant == "original"}
    result = {}
    for variant in VARIANTS:
        pairs = [
            (originals[s.picture], i)
            for i, s in enumerate(samples)
            if s.variant == variant
        ]
        result[variant] = sum(matches(a, b) for a, b in pairs) / len(pairs)
    return result


Matcher = Callable[[int, int], bool]


def within_bits(hashes: list[int], bits: int) -> Matcher:
    return lambda i, j: hamming(hashes[i], hashes[j]) <= bits


def sweep(samples: list[Sample], hashes: dict[str, list[int]]) -> dict[str, int]:
    """Print recall / precision per threshold; return each method's best (F1)."""
    print("\nThreshold sweep, recall / precision over all pairs")
    print("| bits | " + " | ".join(hashes) + " |")
    print("| --- |" + " --- |" * len(hashes))
    best: dict[str, tuple[float, int]] = {}
    for bits in SWEEP:
        cells = []
        for name, values in hashes.items():
            recall, precision = scores(samples, within_bits(values, bits))
            cells.append(f"{recall:.3f} / {precision:.3f}")
            best[name] = max(best.get(name, (-1.0, 0)), (f1(recall, precision), bits))
        print(f"| {bits} | " + " | ".join(cells) + " |")
    return {name: bits for name, (_, bits) in best.items()}


def colour_sweep(samples: list[Sample], prints: list[Fingerprint]) -> None:
    print("\nOurs, hash and colour check: recall / precision")
    radii = (10, 12, 14, 16, 18)
    print("| ΔE ≤ | " + " | ".join(f"≤ {bits} bits" for bits in radii) + " |")
    print("| --- |" + " --- |" * len(radii))
    for limit in (8, 10, 12, 15, 20, 25, 100):
        cells = []
        for bits in radii:
            recall, precision = scores(
                samples,
                lambda i, j, b=bits, c=limit: (
                    distance(prints[i], prints[j]) <= b
                    and colour_distance(prints[i], prints[j]) <= c
                ),
            )
            cells.append(f"{recall:.3f} / {precision:.3f}")
        print(f"| {limit} | " + " | ".join(cells) + " |")


def summary_row(samples: list[Sample], name: str, rule: str, matches: Matcher) -> str:
    recall, precision = scores(samples, matches)
    by_variant = recall_by_variant(samples, matches)
    cells = " | ".join(f"{by_variant[v]:.3f}" for v in VARIANTS)
    return f"| {name} | {rule} | {recall:.3f} | {precision:.3f} | {cells} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=32, help="decoded thumbnail")
    parser.add_argument(
        "--seed-shift",
        type=int,
        default=0,
        help="shift every scene's seed: other pictures than the defaults were tuned on",
    )
    args = parser.parse_args()
    side = args.side
    configure_libvips(cache_max_operations=0, concurrency=1)
    work = WORK / "duplicates"
    work.mkdir(parents=True, exist_ok=True)
    python = peer_python()
    samples = make_samples(python, work, args.seed_shift)
    pictures = len({s.picture for s in samples})
    print(f"{pictures} pictures, {len(samples)} files, thumbnail side {side} px")

    prints, our_ms = ours(samples, side)
    records = peers(python, samples, work)
    hashes = {
        "imagehash pHash": [int(r["phash"], 16) for r in records],
        "imagehash dHash": [int(r["dhash"], 16) for r in records],
        "ours, hash only": [p.hash64 for p in prints],
    }
    best = sweep(samples, hashes)
    colour_sweep(samples, prints)

    print("\nRecall / precision over all pairs; recall of each variant against")
    print("its original. Peers at their best threshold (F1), ours at the default.")
    print("| method | rule | recall | precision | " + " | ".join(VARIANTS) + " |")
    print("| --- | --- | --- | --- |" + " --- |" * len(VARIANTS))
    for name, bits in best.items():
        rule = f"≤ {bits} bits"
        print(summary_row(samples, name, rule, within_bits(hashes[name], bits)))
    default = DEFAULT_MAX_DISTANCE
    ours_hash = hashes["ours, hash only"]
    print(
        summary_row(
            samples,
            "ours, hash only",
            f"≤ {default} bits",
            within_bits(ours_hash, default),
        )
    )
    print(
        summary_row(
            samples,
            "ours, hash + colour (default)",
            f"≤ {default} bits, ΔE ≤ {COLOUR_TOLERANCE:g}",
            lambda i, j: is_near_duplicate(prints[i], prints[j]),
        )
    )
    for bits in (14, 16):
        print(
            summary_row(
                samples,
                "ours, hash + colour",
                f"≤ {bits} bits, ΔE ≤ {COLOUR_TOLERANCE:g}",
                lambda i, j, b=bits: is_near_duplicate(prints[i], prints[j], b),
            )
        )

    print("\nTime per image, already decoded, median of 5 runs (ms)")
    print(
        f"  ours, pyvips, from the {side}-px thumbnail: {statistics.median(our_ms):.2f}"
    )
    for key in ("phash", "dhash"):
        ms = statistics.median(r[f"{key}_ms"] for r in records)
        print(f"  imagehash {key}, Pillow, from the whole image: {ms:.2f}")


if __name__ == "__main__":
    main()
