"""GET /readyz checks the database, the storage and Redis; names what failed."""

from __future__ import annotations

import shutil
import time
from typing import BinaryIO

from imageapi.db.engine import make_engine
from imageapi.services.health import CHECK_TIMEOUT_SECONDS
from imageapi.storage.base import StoredObject
from imageapi.storage.local import LocalStorage
from tests.helpers import assert_error
from tests.openapi_checker import CheckedClient

REDIS_URL = "redis://127.0.0.1:6379/0"
NOTHING_LISTENS = "redis://127.0.0.1:1/0"


def test_readyz_checks_database_and_storage(client, config):
    result = client.simulate_get("/readyz")
    assert result.status_code == 200
    assert result.json == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
        "redis": "not configured",
    }
    # The probe object is gone again.
    probes = config.data_dir / "images" / "readiness"
    assert not probes.exists() or list(probes.iterdir()) == []


def test_readyz_is_503_naming_the_database(config, make_app, tmp_path):
    missing = tmp_path / "no-such-dir" / "db.sqlite"
    broken = config.with_overrides(database_url=f"sqlite:///{missing}")
    result = CheckedClient(make_app(broken)).simulate_get("/readyz")
    body = assert_error(result, 503)
    assert body["description"] == (
        "Not ready: database failed (storage ok, redis not configured)."
    )


def test_readyz_is_503_naming_the_storage(config, make_app, tmp_path):
    root = tmp_path / "objects"
    storage = LocalStorage(root)
    client = CheckedClient(make_app(config, storage=storage))
    assert client.simulate_get("/readyz").status_code == 200
    shutil.rmtree(root)
    root.write_text("the volume is gone; a file is in its place")
    body = assert_error(client.simulate_get("/readyz"), 503)
    assert body["description"] == (
        "Not ready: storage failed (database ok, redis not configured)."
    )


class SlowFlushStorage(LocalStorage):
    """A disk busy with other writes: forcing bytes to it outlasts the probe."""

    def put(self, key: str, stream: BinaryIO, *, durable: bool = True) -> StoredObject:
        if durable:
            time.sleep(CHECK_TIMEOUT_SECONDS + 0.5)
        return super().put(key, stream, durable=durable)


def test_readyz_does_not_wait_for_a_busy_disk_to_flush(config, make_app, tmp_path):
    storage = SlowFlushStorage(tmp_path / "objects")
    result = CheckedClient(make_app(config, storage=storage)).simulate_get("/readyz")
    assert result.status_code == 200, result.text
    assert result.json["storage"] == "ok"


def test_readyz_does_not_wait_for_a_writer(client, config):
    """A long write transaction (on SQLite, the database's one write lock)
    does not make the probe time out."""
    engine = make_engine(config.resolved_database_url)
    try:
        with engine.begin():
            result = client.simulate_get("/readyz")
    finally:
        engine.dispose()
    assert result.status_code == 200, result.text
    assert result.json["database"] == "ok"


def test_readyz_checks_redis_when_configured(config, make_app):
    working = CheckedClient(make_app(config.with_overrides(redis_url=REDIS_URL)))
    assert working.simulate_get("/readyz").json["redis"] == "ok"
    down = CheckedClient(make_app(config.with_overrides(redis_url=NOTHING_LISTENS)))
    body = assert_error(down.simulate_get("/readyz"), 503)
    assert body["description"] == ("Not ready: redis failed (database ok, storage ok).")
