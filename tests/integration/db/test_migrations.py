"""Migrations match the models (no autogenerate drift) and downgrade cleanly."""

from __future__ import annotations

import os
import secrets

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import text
from sqlalchemy.engine import make_url

from imageapi.db.base import Base
from imageapi.db.engine import make_engine
from imageapi.db.migrate import alembic_config
from imageapi.db.migrate import upgrade
from tests.conftest import POSTGRES_URL_VARIABLE


def test_migrated_schema_has_no_drift_from_the_models(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True}
            )
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


@pytest.fixture
def empty_database_url(tmp_path):
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"imageapi_migrations_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(empty_database_url):
    """An engine on a database with no schema yet."""
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def insert_user(connection) -> None:
    """User u1, with only the columns of the first schema."""
    connection.execute(
        text(
            "INSERT INTO users (id, email, email_key, password_hash, role, "
            "disabled, created_at) VALUES ('u1', 'a@x.org', 'a@x.org', 'h', "
            "'user', false, CURRENT_TIMESTAMP)"
        )
    )


def insert_image(connection, image_id: str) -> None:
    """An image of u1, with only the columns of the first schema."""
    connection.execute(
        text(
            "INSERT INTO images (id, user_id, name, content_type, format, size, "
            "width, height, sha256, storage_key, created_at) VALUES "
            f"('{image_id}', 'u1', 'a.jpg', 'image/jpeg', 'jpeg', 1, 2, 3, 'x', "
            f"'originals/{image_id}', CURRENT_TIMESTAMP)"
        )
    )


def test_0002_upgrades_downgrades_and_upgrades_again(engine):
    config = alembic_config(engine)
    command.upgrade(config, "0001")
    with engine.begin() as connection:
        insert_user(connection)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"api_keys", "usage_counters", "rate_limit_counters"} <= tables
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT max_images FROM users")).all()
    assert kept == [(None,)]
    command.downgrade(config, "0001")
    inspector = inspect(engine)
    assert "api_keys" not in inspector.get_table_names()
    columns = {column["name"] for column in inspector.get_columns("users")}
    assert "max_images" not in columns
    upgrade(engine)


def test_0004_keeps_images_and_downgrades_cleanly(engine):
    config = alembic_config(engine)
    command.upgrade(config, "0003")
    with engine.begin() as connection:
        insert_user(connection)
        insert_image(connection, "i1")
    upgrade(engine)
    with engine.connect() as connection:
        kept = connection.execute(
            text("SELECT id, render_source_key FROM images")
        ).all()
    assert kept == [("i1", None)]
    command.downgrade(config, "0003")
    columns = {column["name"] for column in inspect(engine).get_columns("images")}
    assert "render_source_key" not in columns
    upgrade(engine)


def test_0006_adds_fingerprints_and_pairs_and_downgrades_cleanly(engine):
    config = alembic_config(engine)
    command.upgrade(config, "0004")
    with engine.begin() as connection:
        insert_user(connection)
        for image_id in ("i1", "i2"):
            insert_image(connection, image_id)
    command.upgrade(config, "0006")
    with engine.connect() as connection:
        kept = connection.execute(
            text("SELECT id, fingerprint, band0, band3 FROM images ORDER BY id")
        ).all()
    assert kept == [("i1", None, None, None), ("i2", None, None, None)]
    indexes = {index["name"] for index in inspect(engine).get_indexes("images")}
    assert {f"ix_images_user_band{band}" for band in range(4)} <= indexes
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO image_duplicates (image_id, other_id, user_id, "
                "distance) VALUES ('i2', 'i1', 'u1', 4)"
            )
        )
        # Either image's deletion takes the pair with it.
        connection.execute(text("DELETE FROM images WHERE id = 'i1'"))
        pairs = connection.execute(text("SELECT * FROM image_duplicates")).all()
    assert pairs == []
    command.downgrade(config, "0004")
    inspector = inspect(engine)
    assert "image_duplicates" not in inspector.get_table_names()
    columns = {column["name"] for column in inspector.get_columns("images")}
    assert not {"fingerprint", "band0", "band1", "band2", "band3"} & columns
    upgrade(engine)


def test_a_schema_migrated_by_a_newer_release_is_left_as_it_is(engine):
    """The release before a rolling upgrade still starts on the new schema."""
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE alembic_version SET version_num = '0099_newer_release'")
        )
    upgrade(engine)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version"))
        assert version.scalar_one() == "0099_newer_release"
        assert "images" in inspect(connection).get_table_names()


def test_0009_and_0010_keep_images_and_downgrade_cleanly(engine):
    config = alembic_config(engine)
    command.upgrade(config, "0008")
    with engine.begin() as connection:
        insert_user(connection)
        insert_image(connection, "i1")
    upgrade(engine)
    with engine.begin() as connection:
        kept = connection.execute(text("SELECT id, pyramid FROM images")).all()
        assert kept == [("i1", None)]  # old images keep their working copy
        connection.execute(
            text(
                "INSERT INTO jobs (kind, image_id, created_at, run_after, "
                "attempts) VALUES ('derive', 'i1', CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP, 0)"
            )
        )
        # The image's deletion takes its job with it.
        connection.execute(text("DELETE FROM images WHERE id = 'i1'"))
        assert connection.execute(text("SELECT * FROM jobs")).all() == []
    command.downgrade(config, "0008")
    inspector = inspect(engine)
    assert "jobs" not in inspector.get_table_names()
    columns = {column["name"] for column in inspector.get_columns("images")}
    assert "pyramid" not in columns
    upgrade(engine)
