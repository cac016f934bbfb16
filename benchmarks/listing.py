"""Listing latency with 100,000 images and 1,000 tags, on SQLite and PostgreSQL.

Run: .venv/bin/python -m benchmarks.listing [--images 100000] [--postgres URL]

One user owns every image; each image carries 1-3 of 1,000 tags. The rows are
inserted directly (the point is the query, not the upload path), then a real
server (1 gunicorn worker) answers:
  - GET /api/v1/images?tag=X&limit=50 for random tags,
  - the page reached after following 50 cursors (limit=50, no filter),
  - the same 50-deep page with a tag filter on a popular tag.
Prints p50/p99 in milliseconds per query and database.
"""

from __future__ import annotations

import argparse
import random
import secrets
import tempfile
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.server import percentile
from benchmarks.server import running_server
from benchmarks.server import sign_up
from imageapi.db.engine import make_engine
from imageapi.db.migrate import upgrade
from imageapi.db.models import Image
from imageapi.db.models import ImageTag
from imageapi.db.models import Tag
from imageapi.db.models import User

TAGS = 1000
SAMPLES = 300


def populate(database_url: str, user_email: str, images: int) -> None:
    engine = make_engine(database_url)
    rng = random.Random(7)
    with engine.begin() as connection:
        user_id = connection.execute(
            select(User.id).where(User.email_key == user_email)
        ).scalar_one()
        connection.execute(
            insert(Tag),
            [
                {"user_id": user_id, "name": f"tag{n}", "key": f"tag{n}"}
                for n in range(TAGS)
            ],
        )
        tag_ids = list(
            connection.execute(select(Tag.id).where(Tag.user_id == user_id)).scalars()
        )
        start = datetime(2020, 1, 1, tzinfo=UTC)
        batch_images, batch_links = [], []
        for number in range(images):
            image_id = secrets.token_urlsafe(16)
            batch_images.append(
                {
                    "id": image_id,
                    "user_id": user_id,
                    "name": f"photo {number}.jpg",
                    "content_type": "image/jpeg",
                    "format": "jpeg",
                    "size": 1000,
                    "width": 10,
                    "height": 10,
                    "sha256": "0" * 64,
                    "storage_key": f"originals/{image_id}",
                    "created_at": start + timedelta(seconds=number * 37),
                }
            )
            for position, tag_id in enumerate(rng.sample(tag_ids, rng.randint(1, 3))):
                batch_links.append(
                    {"image_id": image_id, "tag_id": tag_id, "position": position}
                )
            if len(batch_images) >= 5000:
                connection.execute(insert(Image), batch_images)
                connection.execute(insert(ImageTag), batch_links)
                batch_images, batch_links = [], []
        if batch_images:
            connection.execute(insert(Image), batch_images)
            connection.execute(insert(ImageTag), batch_links)
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
    engine.dispose()


def timed(session: requests.Session, url: str, params: dict) -> tuple[float, dict]:
    began = time.perf_counter()
    response = session.get(url, params=params)
    elapsed = (time.perf_counter() - began) * 1000
    response.raise_for_status()
    return elapsed, response.json()


def measure(base: str, token: str) -> dict[str, list[float]]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    url = f"{base}/api/v1/images"
    rng = random.Random(11)
    results: dict[str, list[float]] = {
        "tag=X&limit=50": [],
        "50 cursors deep": [],
        "tag=X, 50 cursors deep": [],
    }
    for _ in range(SAMPLES):
        elapsed, page = timed(
            session, url, {"tag": f"tag{rng.randrange(TAGS)}", "limit": 50}
        )
        assert page["items"], "tag filter found nothing"
        results["tag=X&limit=50"].append(elapsed)
    cursor = None
    for _ in range(50):
        _, page = timed(
            session, url, {"limit": 50, **({"cursor": cursor} if cursor else {})}
        )
        cursor = page["next_cursor"]
    for _ in range(SAMPLES):
        elapsed, page = timed(session, url, {"limit": 50, "cursor": cursor})
        assert len(page["items"]) == 50
        results["50 cursors deep"].append(elapsed)
    # A deep page inside one tag needs a tag with many images: all three of
    # the rare "popular" filters below walk its cursor chain.
    _, cloud = timed(session, f"{base}/api/v1/tags", {})
    popular = cloud[0]["tag"]
    cursor = None
    for _ in range(min(50, cloud[0]["count"] // 10 - 1)):
        _, page = timed(
            session,
            url,
            {"tag": popular, "limit": 10, **({"cursor": cursor} if cursor else {})},
        )
        cursor = page["next_cursor"]
    for _ in range(SAMPLES):
        elapsed, _ = timed(
            session, url, {"tag": popular, "limit": 10, "cursor": cursor}
        )
        results["tag=X, 50 cursors deep"].append(elapsed)
    return results


def run(label: str, database_url: str, images: int, work: Path) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    # Hundreds of requests from one user: lift the rate limit out of reach but
    # keep counting, so its cost stays in the figures.
    with running_server(
        work / label, database_url, limits_requests_per_minute=10**9
    ) as (base, _process):
        token = sign_up(base, "bench@example.com")
        began = time.perf_counter()
        populate(database_url, "bench@example.com", images)
        print(
            f"[{label}] inserted {images} images in {time.perf_counter() - began:.1f} s"
        )
        for name, samples in measure(base, token).items():
            print(
                f"[{label}] {name:<24} p50 {percentile(samples, 0.5):6.2f} ms"
                f"   p99 {percentile(samples, 0.99):6.2f} ms   (n={len(samples)})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="server URL; a scratch database is created there and dropped",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        run("sqlite", f"sqlite:///{work / 'bench.db'}", args.images, work)
        name = f"imageapi_bench_{secrets.token_hex(4)}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.postgres).set(database=name)
            run(
                "postgresql",
                url.render_as_string(hide_password=False),
                args.images,
                work,
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
