"""Apply Alembic migrations, once, even when several processes start together."""

from __future__ import annotations

import fcntl
import logging
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy import text

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every imageapi process.
POSTGRES_MIGRATION_LOCK = 0x1A6E_A91


def alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option(
        "script_location", str(resources.files("imageapi.db") / "migrations")
    )
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, lock_dir: Path | None = None) -> None:
    """Bring the schema to the newest revision this release knows.

    A database at a revision this release does not know was migrated by a
    newer release: during a rolling upgrade, or after a rollback. That
    release's migrations only added to the schema (expand, then contract:
    docs/deploy.md, "Upgrading without downtime"), so this release runs on it
    as it is instead of refusing to start.
    """
    config = alembic_config(engine)
    with _migration_lock(engine, lock_dir):
        newer = _unknown_revisions(engine, config)
        if newer:
            log.warning(
                "the database schema is at %s, newer than this release: "
                "leaving it as it is",
                ", ".join(newer),
            )
            return
        command.upgrade(config, "head")


def _unknown_revisions(engine: Engine, config: AlembicConfig) -> list[str]:
    known = {
        script.revision
        for script in ScriptDirectory.from_config(config).walk_revisions()
    }
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return sorted(set(current) - known)


@contextmanager
def _migration_lock(engine: Engine, lock_dir: Path | None):
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(
                text("SELECT pg_advisory_lock(:key)"), {"key": POSTGRES_MIGRATION_LOCK}
            )
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"),
                    {"key": POSTGRES_MIGRATION_LOCK},
                )
        return
    if lock_dir is None:
        yield
        return
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / ".migrate.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
