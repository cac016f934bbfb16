"""Backups of a SQLite + local storage instance: the database and the objects.

``back_up`` copies the database with SQLite's online backup API while holding
its write lock, and then the objects, so the copy is consistent with a
running server (whose writes wait meanwhile). Objects are hard-linked when
the target is on the same file system: stored files are replaced by rename,
never rewritten, so a link is as good as a copy. ``restore`` puts such a
copy into an empty data folder.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path

from imageapi.db.snapshot import copy_database
from imageapi.db.snapshot import writes_paused

DATABASE_FILE = "imageapi.db"
OBJECTS_FOLDER = "images"
SECRET_FILE = "secret_key"
MANIFEST_FILE = "imageapi-backup.json"
FORMAT_VERSION = 1


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why."""


@dataclass(frozen=True)
class BackupSummary:
    objects: int
    bytes: int


def back_up(
    data_dir: Path, database: Path, target: Path, progress: Callable[[str], None]
) -> BackupSummary:
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; back up into a new folder")
    if not database.is_file():
        raise BackupError(f"no database at {database}")
    target.mkdir(parents=True, exist_ok=True)
    objects = data_dir / OBJECTS_FOLDER
    count = size = 0
    with writes_paused(database):
        copy_database(database, target / DATABASE_FILE)
        for source in sorted(objects.rglob("*")) if objects.is_dir() else ():
            if not source.is_file() or source.name.startswith("."):
                continue  # temporary files of writes in progress
            relative = source.relative_to(objects)
            _link_or_copy(source, target / OBJECTS_FOLDER / relative)
            count += 1
            size += source.stat().st_size
            progress(relative.as_posix())
    secret = data_dir / SECRET_FILE
    if secret.is_file():
        shutil.copy2(secret, target / SECRET_FILE)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "objects": count,
        "bytes": size,
    }
    (target / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return BackupSummary(count, size)


def restore(
    source: Path, data_dir: Path, database: Path, progress: Callable[[str], None]
) -> BackupSummary:
    manifest_path = source / MANIFEST_FILE
    if not manifest_path.is_file():
        raise BackupError(f"{source} is not an imageapi backup (no {MANIFEST_FILE})")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{source} has an unknown backup format")
    objects = data_dir / OBJECTS_FOLDER
    if database.exists() or (objects.is_dir() and any(objects.iterdir())):
        raise BackupError(
            f"{data_dir} already holds a database or images; restore into an "
            "empty data folder (move the current one aside, server stopped)"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    copy_database(source / DATABASE_FILE, database)
    count = size = 0
    backed_up = source / OBJECTS_FOLDER
    for item in sorted(backed_up.rglob("*")) if backed_up.is_dir() else ():
        if item.is_file():
            relative = item.relative_to(backed_up)
            _link_or_copy(item, objects / relative)
            count += 1
            size += item.stat().st_size
            progress(relative.as_posix())
    secret = source / SECRET_FILE
    if secret.is_file() and not (data_dir / SECRET_FILE).exists():
        shutil.copy2(secret, data_dir / SECRET_FILE)
        os.chmod(data_dir / SECRET_FILE, 0o600)
    return BackupSummary(count, size)


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
