"""`imageapi fingerprints backfill`: images stored without a fingerprint get one."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update

from imageapi.db.models import Image
from imageapi.db.models import ImageDuplicate
from imageapi.processing.fingerprint import Fingerprint
from imageapi.processing.fingerprint import distance
from tests.api.test_duplicates import picture
from tests.api.test_duplicates import png
from tests.api.test_duplicates import similar
from tests.api.test_duplicates import upload_id


def backfill(config, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "IMAGEAPI_DATA_DIR": str(config.data_dir),
        "IMAGEAPI_DATABASE_URL": config.resolved_database_url,
        "IMAGEAPI_SECRET_KEY": config.secret_key,
    }
    return subprocess.run(
        [sys.executable, "-m", "imageapi", "fingerprints", "backfill", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def fingerprints(db) -> dict[str, bytes | None]:
    with db.read() as uow:
        rows = uow.session.execute(select(Image.id, Image.fingerprint))
        return {image_id: data for image_id, data in rows}


def forget_fingerprints(db) -> None:
    """Make the rows look as they did before fingerprints existed."""
    with db.write() as uow:
        uow.session.execute(delete(ImageDuplicate))
        uow.session.execute(
            update(Image).values(
                fingerprint=None, band0=None, band1=None, band2=None, band3=None
            )
        )
        uow.commit()


def test_backfill_fingerprints_old_images_and_finds_their_duplicates(
    api, other_api, db, config
):
    original = picture()
    first = upload_id(api, png(original))
    copy = upload_id(api, original.write_to_buffer(".jpg", Q=40), "image/jpeg")
    other = upload_id(api, png(picture(3)))
    bobs = upload_id(other_api, png(original))
    at_upload = fingerprints(db)
    forget_fingerprints(db)
    assert similar(api, first)["items"] == []

    result = backfill(config, "--batch-size", "3")

    assert result.returncode == 0, result.stderr
    assert "4 images fingerprinted, 0 could not be read" in result.stdout
    assert "3 of 4 images processed" in result.stdout  # plain lines, no terminal
    backfilled = fingerprints(db)
    for image_id, data in backfilled.items():
        assert data is not None
        # From the same kind of 32-px thumbnail as at upload.
        before = Fingerprint.from_bytes(at_upload[image_id])
        assert distance(before, Fingerprint.from_bytes(data)) <= 2
    assert [item["image"]["id"] for item in similar(api, first)["items"]] == [copy]
    assert similar(api, other)["items"] == []
    assert similar(other_api, bobs)["items"] == []
    groups = api.get("/api/v1/duplicates").json["items"]
    assert [{image["id"] for image in g["images"]} for g in groups] == [{first, copy}]

    again = backfill(config)
    assert again.returncode == 0, again.stderr
    assert "0 images fingerprinted" in again.stdout
    assert fingerprints(db) == backfilled
    assert len(api.get("/api/v1/duplicates").json["items"]) == 1


def test_backfill_reports_images_it_cannot_read(api, db, config):
    kept = upload_id(api, png(picture()))
    lost = upload_id(api, png(picture(3)))
    forget_fingerprints(db)
    with db.read() as uow:
        key = uow.session.get(Image, lost).storage_key
    stored = [
        path for path in config.data_dir.rglob(key.rsplit("/", 1)[-1]) if path.is_file()
    ]
    assert len(stored) == 1
    stored[0].unlink()

    result = backfill(config)

    assert result.returncode == 1
    assert "1 images fingerprinted, 1 could not be read" in result.stdout
    assert fingerprints(db) == {kept: fingerprints(db)[kept], lost: None}
    assert fingerprints(db)[kept] is not None
