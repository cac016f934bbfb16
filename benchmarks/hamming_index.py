"""Multi-index hashing at 100,000 hashes per user: candidates and query time.

Not a test: prints how many rows a radius query reads and how long it takes,
in memory and through SQL on a scratch table shaped as the repository's will be
(four indexed band columns led by the owner). Run from the repository root:

    .venv/bin/python -m benchmarks.hamming_index [--users 10] [--postgres URL]

Hashes are 64-bit with exactly 32 bits set, like the fingerprint's. Three
libraries of 100,000: spread evenly; in bursts (5,000 scenes of 20 shots, each
shot 2-12 bits from its scene); and skewed (each bit set with its own
probability, 0.2-0.8, as real photographs favour some frequencies).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from sqlalchemy import TextClause
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import Engine

from imageapi.processing.hamming_index import BANDS
from imageapi.processing.hamming_index import HammingIndex
from imageapi.processing.hamming_index import band_values
from imageapi.processing.hamming_index import probes
from imageapi.processing.hamming_index import within

PER_USER = 100_000
RADII = (4, 8, 10, 12, 14)
QUERIES = 300


def balanced(rng: random.Random) -> int:
    return sum(1 << bit for bit in rng.sample(range(64), 32))


def nudge(rng: random.Random, hash64: int, distance: int) -> int:
    """Move ``distance`` (even) bits, keeping 32 set: swap ones with zeros."""
    ones = [bit for bit in range(64) if hash64 >> bit & 1]
    zeros = [bit for bit in range(64) if not hash64 >> bit & 1]
    for bit in rng.sample(ones, distance // 2) + rng.sample(zeros, distance // 2):
        hash64 ^= 1 << bit
    return hash64


def even(rng: random.Random, count: int) -> list[int]:
    return [balanced(rng) for _ in range(count)]


def bursts(rng: random.Random, count: int) -> list[int]:
    scenes = [balanced(rng) for _ in range(count // 20)]
    return [
        nudge(rng, scene, rng.choice((2, 4, 6, 8, 10, 12)))
        for scene in scenes
        for _ in range(20)
    ]


def skewed(rng: random.Random, count: int) -> list[int]:
    weights = [rng.uniform(0.2, 0.8) for _ in range(64)]
    hashes = []
    for _ in range(count):
        # Draw 32 distinct bits, each bit as likely as its weight says.
        bits: set[int] = set()
        while len(bits) < 32:
            bits.update(rng.choices(range(64), weights=weights, k=32 - len(bits)))
        hashes.append(sum(1 << bit for bit in bits))
    return hashes


LIBRARIES: dict[str, Callable[[random.Random, int], list[int]]] = {
    "even": even,
    "bursts": bursts,
    "skewed": skewed,
}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def in_memory(name: str, hashes: list[int], rng: random.Random) -> None:
    index = HammingIndex()
    for key, hash64 in enumerate(hashes):
        index.add(key, hash64)
    # Queries are stored images, as for GET /images/{id}/similar.
    queries = rng.sample(hashes, QUERIES)
    for radius in RADII:
        counts, found, times = [], [], []
        for query in queries:
            start = time.perf_counter()
            keys = index.candidates(query, radius)
            hits = index.search(query, radius)
            times.append((time.perf_counter() - start) * 1000)
            counts.append(len(keys))
            found.append(len(hits))
        print(
            f"| {name} | {radius} | {statistics.mean(counts):,.0f} "
            f"| {percentile(counts, 0.99):,.0f} | {statistics.mean(found):.1f} "
            f"| {statistics.median(times):.2f} / {percentile(times, 0.99):.2f} |"
        )


def fill(engine: Engine, users: int, hashes: list[int], rng: random.Random) -> None:
    columns = ", ".join(f"b{band} INTEGER NOT NULL" for band in range(BANDS))
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS scratch_fingerprints"))
        connection.execute(
            text(
                "CREATE TABLE scratch_fingerprints (image_id INTEGER PRIMARY KEY, "
                f"user_id INTEGER NOT NULL, hash BIGINT NOT NULL, {columns})"
            )
        )
    rows = []
    for user in range(users):
        # User 0 owns the library under test; the others add bulk and noise.
        library = hashes if user == 0 else even(rng, len(hashes))
        for hash64 in library:
            bands = band_values(hash64)
            rows.append(
                {
                    "image_id": len(rows),
                    "user_id": user,
                    "hash": hash64 - (1 << 63),  # BIGINT is signed
                    **{f"b{band}": bands[band] for band in range(BANDS)},
                }
            )
    insert = text(
        "INSERT INTO scratch_fingerprints VALUES (:image_id, :user_id, :hash, "
        + ", ".join(f":b{band}" for band in range(BANDS))
        + ")"
    )
    with engine.begin() as connection:
        for start in range(0, len(rows), 50_000):
            connection.execute(insert, rows[start : start + 50_000])
        for band in range(BANDS):
            connection.execute(
                text(
                    f"CREATE INDEX scratch_b{band} ON scratch_fingerprints "
                    f"(user_id, b{band})"
                )
            )
        connection.execute(text("ANALYZE"))


def radius_query(engine: Engine, query: int, radius: int) -> tuple[TextClause, dict]:
    """The repository's query shape on the scratch table, for one dialect."""
    lists = {
        band: values for band, values in enumerate(probes(query, radius)) if values
    }
    if engine.dialect.name == "postgresql":
        condition = " OR ".join(f"b{band} = ANY(:p{band})" for band in lists)
        params = {f"p{band}": values for band, values in lists.items()}
    else:  # SQLite: literal integers, fewer than its 32,766 variables allow
        condition = " OR ".join(
            f"b{band} IN ({','.join(map(str, values))})"
            for band, values in lists.items()
        )
        params = {}
    sql = text(
        "SELECT image_id, hash FROM scratch_fingerprints "
        f"WHERE user_id = 0 AND ({condition})"
    )
    return sql, params


def query_sql(engine: Engine, query: int, radius: int) -> list[tuple[int, int]]:
    sql, params = radius_query(engine, query, radius)
    with engine.connect() as connection:
        rows = connection.execute(sql, params).all()
    return within(query, ((key, value + (1 << 63)) for key, value in rows), radius)


def show_plan(engine: Engine, query: int) -> None:
    sql, params = radius_query(engine, query, 12)
    explain = (
        "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    )
    with engine.connect() as connection:
        rows = connection.execute(text(explain + sql.text), params).all()
    print(f"plan on {engine.dialect.name}:")
    for row in rows:
        line = str(row[-1])
        print("    " + (line[:100] + " ..." if len(line) > 100 else line))


def in_sql(engine: Engine, name: str, hashes: list[int], rng: random.Random) -> None:
    queries = rng.sample(hashes, QUERIES)
    for radius in (10, 12):
        first, best = [], []
        for query in queries:
            # Three runs: the first as a request would see it, and the fastest,
            # which keeps what is slow about the query and drops what a busy
            # machine adds.
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                query_sql(engine, query, radius)
                runs.append((time.perf_counter() - start) * 1000)
            first.append(runs[0])
            best.append(min(runs))
        print(
            f"| {engine.dialect.name} | {name} | {radius} "
            f"| {statistics.median(first):.1f} / {percentile(first, 0.99):.1f} "
            f"| {statistics.median(best):.1f} / {percentile(best, 0.99):.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--sql-only", action="store_true")
    parser.add_argument("--postgres", help="URL of a scratch PostgreSQL database")
    args = parser.parse_args()
    rng = random.Random(7)
    libraries = {name: make(rng, PER_USER) for name, make in LIBRARIES.items()}

    print("In memory, 100,000 hashes; queries are stored hashes")
    print("| library | radius | candidates mean | p99 | found mean | ms p50 / p99 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, hashes in libraries.items():
        if not args.sql_only:
            in_memory(name, hashes, rng)

    urls = ["sqlite:////tmp/imageapi-hamming-bench.sqlite3"]
    if args.postgres:
        urls.append(args.postgres)
    print(f"\nSQL, {args.users} users x 100,000; whole query plus exact check")
    print("| database | library | radius | ms p50 / p99 | best of 3: p50 / p99 |")
    print("| --- | --- | --- | --- | --- |")
    for url in urls:
        engine = create_engine(url)
        for name in ("even", "bursts"):
            fill(engine, args.users, libraries[name], rng)
            if name == "even":
                show_plan(engine, libraries[name][0])
            in_sql(engine, name, libraries[name], rng)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE scratch_fingerprints"))
        engine.dispose()


if __name__ == "__main__":
    main()
