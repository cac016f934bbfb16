"""Failures between writing the file and committing the row leave nothing behind."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy import text
from sqlalchemy.orm import Session

from imageapi.db.engine import make_engine
from imageapi.db.models import Image
from imageapi.storage.local import LocalStorage
from tests import samples
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.helpers import upload
from tests.openapi_checker import CheckedClient


def files_under(path) -> list:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def image_rows(config) -> int:
    engine = make_engine(config.resolved_database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM images")).scalar_one()
    engine.dispose()
    return count


@pytest.fixture
def failing_commit():
    """Make the commit that records a new image fail, as a lost database would."""

    def fail_image_commits(session, *args):
        if any(isinstance(obj, Image) for obj in session.new):
            raise RuntimeError("database went away")

    event.listen(Session, "before_flush", fail_image_commits)
    yield
    event.remove(Session, "before_flush", fail_image_commits)


def test_failed_commit_removes_the_stored_file(api, config, failing_commit):
    result = upload(api, samples.png_bytes())
    assert_error(result, 500)
    assert files_under(config.data_dir / "images") == []
    assert files_under(config.data_dir / "uploads") == []
    assert image_rows(config) == 0


class BrokenDisk(LocalStorage):
    def put_file(self, key, path):
        raise OSError(28, "No space left on device")


def test_failed_file_write_records_nothing(config, make_app):
    storage = BrokenDisk(config.data_dir / "images")
    client = CheckedClient(make_app(config, storage=storage))
    api = ApiClient.signed_up(client, "disk@example.com")
    assert_error(upload(api, samples.png_bytes()), 500)
    assert files_under(config.data_dir / "images") == []
    assert files_under(config.data_dir / "uploads") == []
    assert image_rows(config) == 0


def test_refused_upload_leaves_no_temporary_file(api, config):
    assert_error(upload(api, b"not an image at all"), 415)
    assert files_under(config.data_dir / "uploads") == []
