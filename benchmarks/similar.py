"""GET /images/{id}/similar with 100,000 images per user, on SQLite and PostgreSQL.

Run from the repository root (bounded: fills, queries, stops):

    .venv/bin/python -m benchmarks.similar [--users 10] [--per-user 100000]
        [--queries 300] [--uploads 20] [--postgres URL-of-a-scratch-database]

One signed-up user owns the library under test, other users add bulk; every
row is inserted directly with a synthetic fingerprint (hashes with 32 of 64
bits set, like real ones; a tenth of each library in bursts of 10 near copies,
2-12 bits and a few ΔE from their scene, so answers are not all empty). Then
the in-process app (falcon's WSGI test client: routing, authentication,
service, SQL, representations) answers GET /api/v1/images/{id}/similar for
stored images of that user, at the default max_distance (12) and limit (20).
Each query runs three times: the first as a request would see it, and the
fastest, which keeps what is slow about the query and drops what a busy machine
adds. Finally a few photographs are uploaded into the full library, and the
part of each upload the near-duplicate lookup takes is timed on its own.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import tempfile
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import falcon.testing
from sqlalchemy import insert
from sqlalchemy import text

from benchmarks.server import percentile
from imageapi.app import create_app
from imageapi.auth.tokens import new_id
from imageapi.config import Config
from imageapi.db.engine import make_engine
from imageapi.db.engine import make_session_factories
from imageapi.db.migrate import upgrade
from imageapi.db.models import Image
from imageapi.db.models import User
from imageapi.db.uow import Database
from imageapi.processing.fingerprint import COLOUR_BYTES
from imageapi.processing.fingerprint import DEFAULT_MAX_DISTANCE
from imageapi.processing.fingerprint import Fingerprint
from imageapi.services.duplicates import index_columns
from imageapi.services.duplicates import near_duplicates
from tests.helpers import ApiClient
from tests.helpers import upload
from tests.unit.processing.imaging import photo

BATCH = 20_000
START = datetime(2025, 1, 1, tzinfo=UTC)


def balanced(rng: random.Random) -> int:
    return sum(1 << bit for bit in rng.sample(range(64), 32))


def nudge(rng: random.Random, hash64: int, bits: int) -> int:
    """Move ``bits`` (even) bits, keeping 32 set."""
    ones = [bit for bit in range(64) if hash64 >> bit & 1]
    zeros = [bit for bit in range(64) if not hash64 >> bit & 1]
    for bit in rng.sample(ones, bits // 2) + rng.sample(zeros, bits // 2):
        hash64 ^= 1 << bit
    return hash64


def library(rng: random.Random, count: int) -> list[Fingerprint]:
    prints = []
    while len(prints) < count:
        colour = bytes(rng.randrange(256) for _ in range(COLOUR_BYTES))
        if rng.random() < 0.01:  # a burst of 10 shots of one scene
            scene = balanced(rng)
            for _ in range(10):
                shifted = bytes(min(255, value + rng.randrange(4)) for value in colour)
                bits = rng.choice((2, 4, 6, 8, 10, 12))
                prints.append(Fingerprint(nudge(rng, scene, bits), shifted))
        else:
            prints.append(Fingerprint(balanced(rng), colour))
    return prints[:count]


def row(user_id: str, number: int, print_: Fingerprint) -> dict:
    image_id = new_id()
    return {
        "id": image_id,
        "user_id": user_id,
        "name": f"{number}.jpg",
        "content_type": "image/jpeg",
        "format": "jpeg",
        "size": 100_000,
        "width": 800,
        "height": 600,
        "sha256": secrets.token_hex(32),
        "storage_key": f"originals/{image_id}",
        "created_at": START + timedelta(seconds=number),
        "pages": 1,
        "orientation": 1,
        **index_columns(print_),
    }


def populate(url: str, owner_id: str, users: int, per_user: int) -> list[str]:
    """Fill the table; the ids of the owner's images."""
    rng = random.Random(7)
    engine = make_engine(url)
    owner_ids: list[str] = []
    started = time.perf_counter()
    with engine.begin() as connection:
        others = [new_id() for _ in range(users - 1)]
        if others:
            connection.execute(
                insert(User),
                [
                    {
                        "id": user_id,
                        "email": f"{user_id}@example.com",
                        "email_key": f"{user_id}@example.com",
                        "password_hash": "x",
                        "role": "user",
                        "disabled": False,
                        "created_at": START,
                    }
                    for user_id in others
                ],
            )
        for user_id in [owner_id, *others]:
            prints = library(rng, per_user)
            for start in range(0, per_user, BATCH):
                rows = [
                    row(user_id, start + offset, print_)
                    for offset, print_ in enumerate(prints[start : start + BATCH])
                ]
                connection.execute(insert(Image), rows)
                if user_id == owner_id:
                    owner_ids.extend(r["id"] for r in rows)
        connection.execute(text("ANALYZE"))
    engine.dispose()
    print(
        f"  filled {users} x {per_user:,} rows in {time.perf_counter() - started:.0f} s"
    )
    return owner_ids


def run(url: str, args: argparse.Namespace, work: Path) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    config = Config(
        data_dir=work / "data",
        database_url=url,
        secret_key=secrets.token_urlsafe(48),
        auth={"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1},
        usage={"enabled": False},
        limits={"requests_per_minute": 0},
    )
    client = falcon.testing.TestClient(create_app(config))
    api = ApiClient.signed_up(client, "bench@example.com")
    owner_id = api.get("/api/v1/users/me").json["id"]
    image_ids = populate(url, owner_id, args.users, args.per_user)
    rng = random.Random(11)
    first, best, found = [], [], []
    for image_id in rng.sample(image_ids, args.queries):
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            result = api.get(f"/api/v1/images/{image_id}/similar")
            runs.append((time.perf_counter() - started) * 1000)
            assert result.status_code == 200, result.text
        first.append(runs[0])
        best.append(min(runs))
        found.append(len(result.json["items"]))
    name = make_engine(url).dialect.name
    print(
        f"| {name} | {args.users} x {args.per_user:,} | "
        f"{statistics.median(first):.1f} / {percentile(first, 0.99):.1f} | "
        f"{statistics.median(best):.1f} / {percentile(best, 0.99):.1f} | "
        f"{statistics.mean(found):.2f} |"
    )
    uploads(api, url, owner_id, args.uploads)


def uploads(api: ApiClient, url: str, owner_id: str, count: int) -> None:
    """Upload photographs into the full library; time the lookup on its own."""
    db = Database(*make_session_factories(make_engine(url)))
    totals, lookups = [], []
    for seed in range(count):
        data = photo(1200, 900, seed=seed + 100).write_to_buffer(".jpg", Q=85)
        started = time.perf_counter()
        result = upload(api, data, content_type="image/jpeg")
        totals.append((time.perf_counter() - started) * 1000)
        assert result.status_code == 201, result.text
        with db.read() as uow:
            stored = uow.images.get(owner_id, result.json["id"], with_tags=False)
            print_ = Fingerprint.from_bytes(stored.fingerprint)
            started = time.perf_counter()
            near_duplicates(uow, owner_id, print_, DEFAULT_MAX_DISTANCE)
            lookups.append((time.perf_counter() - started) * 1000)
    print(
        f"  uploads of 1200x900 JPEGs: p50 {statistics.median(totals):.0f} ms; "
        f"of which the near-duplicate lookup p50 {statistics.median(lookups):.1f} ms "
        f"(p99 {percentile(lookups, 0.99):.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--per-user", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--postgres", help="URL of a scratch PostgreSQL database")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    print("| database | users x images | ms p50 / p99 | best of 3: p50 / p99 | found |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="imageapi-similar-") as work:
        urls = [] if args.no_sqlite else [f"sqlite:///{Path(work) / 'bench.db'}"]
        if args.postgres:
            urls.append(args.postgres)
        for url in urls:
            run(url, args, Path(work) / make_engine(url).dialect.name)


if __name__ == "__main__":
    main()
