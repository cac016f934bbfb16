"""Run ``imageapi`` commands in a subprocess against the test's database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from imageapi.config import Config


@pytest.fixture
def imageapi(config: Config) -> Callable[..., subprocess.CompletedProcess]:
    """``imageapi(*args, input=...)`` with the app's data folder and database."""
    env = {
        **os.environ,
        "IMAGEAPI_DATABASE_URL": config.resolved_database_url,
        "IMAGEAPI_DATA_DIR": str(config.data_dir),
        "IMAGEAPI_SECRET_KEY": config.secret_key,
        "IMAGEAPI_AUTH_ARGON2_TIME_COST": "1",
        "IMAGEAPI_AUTH_ARGON2_MEMORY_KIB": "64",
        "IMAGEAPI_AUTH_ARGON2_PARALLELISM": "1",
    }

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "imageapi", *args],
            input=input,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run
