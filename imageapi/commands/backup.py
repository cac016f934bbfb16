"""``imageapi backup DEST`` and ``imageapi restore SRC`` (SQLite + local storage)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy.engine import make_url

from imageapi.commands.output import fail
from imageapi.commands.output import say
from imageapi.commands.progress import counting
from imageapi.config import Config

UNSUPPORTED = (
    "backup and restore handle SQLite with local storage; for PostgreSQL use "
    "pg_dump, for S3 bucket versioning (see docs/deploy.md, Backups)"
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    backup = commands.add_parser(
        "backup", help="copy the database and the images into a new folder"
    )
    backup.add_argument("destination", type=Path)
    restore = commands.add_parser(
        "restore", help="put a backup into an empty data folder (server stopped)"
    )
    restore.add_argument("source", type=Path)


def run(config: Config, args: argparse.Namespace) -> int:
    from imageapi.services.backup import BackupError
    from imageapi.services.backup import back_up
    from imageapi.services.backup import restore

    url = make_url(config.resolved_database_url)
    if url.get_backend_name() != "sqlite" or config.storage.backend != "local":
        return fail(UNSUPPORTED)
    database = Path(url.database or "")
    try:
        if args.command == "backup":
            with counting("objects copied") as progress:
                done = back_up(config.data_dir, database, args.destination, progress)
            say(f"backed up the database and {done.objects} objects ({done.bytes} B)")
        else:
            with counting("objects restored") as progress:
                done = restore(args.source, config.data_dir, database, progress)
            say(f"restored the database and {done.objects} objects ({done.bytes} B)")
    except (BackupError, OSError) as exc:
        return fail(str(exc))
    return 0
