"""Checks before serving: a problem is one line that says what to fix.

``imageapi serve`` and ``imageapi migrate`` stop with that line and exit
code 1 rather than a traceback (from every worker).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from imageapi.config import Config


class StartupError(Exception):
    """The server cannot start; the message names the cause and the fix."""


def prepare_checked(config: Config) -> Config:
    """``app.prepare`` after checking the data folder; explains failures."""
    from imageapi.app import prepare

    check_data_dir(config.data_dir)
    try:
        return prepare(config)
    except OperationalError as exc:
        url = make_url(config.resolved_database_url)
        where = url.render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StartupError(
            f"cannot use the database {where}: {reason}; check "
            "IMAGEAPI_DATABASE_URL and that the server is up"
        ) from None


def check_data_dir(data_dir: Path) -> None:
    """Create the folder if needed and write (then remove) a file in it."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise StartupError(
            f"the data folder {data_dir} is not writable ({exc.strerror}); "
            "set IMAGEAPI_DATA_DIR or --config to a folder this user can write"
        ) from None
