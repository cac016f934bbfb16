"""An administrator for a live server, made with the command an operator uses."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import PASSWORD


def create_admin(
    server, database_url: str, email: str, password: str = PASSWORD
) -> None:
    """``imageapi users create EMAIL --admin`` against ``server``'s database."""
    env = {
        **os.environ,
        "IMAGEAPI_DATABASE_URL": database_url,
        "IMAGEAPI_DATA_DIR": str(server.data_dir),
        "IMAGEAPI_AUTH_ARGON2_TIME_COST": "1",
        "IMAGEAPI_AUTH_ARGON2_MEMORY_KIB": "64",
        "IMAGEAPI_AUTH_ARGON2_PARALLELISM": "1",
    }
    created = subprocess.run(
        [sys.executable, "-m", "imageapi", "users", "create", email, "--admin"],
        input=password + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert created.returncode == 0, created.stderr
