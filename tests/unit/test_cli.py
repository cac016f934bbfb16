"""The command line: migrate, and the settings serve hands to granian."""

from __future__ import annotations

import os
import subprocess
import sys

import pyvips
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import text

from imageapi.app import GRACEFUL_SECONDS
from imageapi.app import create_app
from imageapi.config import Config
from imageapi.db.base import Base
from imageapi.db.migrate import alembic_config
from imageapi.server import HEADER_READ_TIMEOUT_MS
from imageapi.server import make_server


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "imageapi", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_creates_the_schema_once_and_is_idempotent(tmp_path):
    env = {"IMAGEAPI_DATA_DIR": str(tmp_path)}
    first = run_cli("migrate", env=env)
    assert first.returncode == 0, first.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'imageapi.db'}")
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version"))
        version = head.scalar_one()
    engine.dispose()
    again = run_cli("migrate", env=env)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "secret_key").exists()
    assert (
        version
        == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    )


def test_config_command_prints_the_settings_and_their_origins(tmp_path):
    result = run_cli(
        "config",
        env={"IMAGEAPI_DATA_DIR": str(tmp_path), "IMAGEAPI_SECRET_KEY": "k" * 40},
    )
    assert result.returncode == 0, result.stderr
    assert f"data_dir: {tmp_path}  # environment IMAGEAPI_DATA_DIR" in result.stdout
    assert "secret_key: '********'  # environment IMAGEAPI_SECRET_KEY" in (
        result.stdout
    )
    assert "k" * 40 not in result.stdout
    assert "  max_pixels: 100000000  # default" in result.stdout


def test_unknown_variable_stops_any_command_with_one_line(tmp_path):
    result = run_cli(
        "migrate",
        env={"IMAGEAPI_DATA_DIR": str(tmp_path), "IMAGEAPI_LIMITS_MAX_PIXEL": "9"},
    )
    assert result.returncode == 2
    assert result.stderr == (
        "imageapi: unknown environment variable IMAGEAPI_LIMITS_MAX_PIXEL; "
        "did you mean IMAGEAPI_LIMITS_MAX_PIXELS?\n"
    )
    assert not (tmp_path / "imageapi.db").exists()


def test_bad_value_in_a_config_file_is_one_line(tmp_path):
    settings = tmp_path / "imageapi.yml"
    settings.write_text("limits:\n  max_pixels: lots\n")
    result = run_cli("--config", str(settings), "migrate", env={})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "limits.max_pixels" in result.stderr


def test_serve_settings_reach_granian():
    config = Config(host="127.0.0.9", port=8123, workers=3)
    server = make_server(config, reload=True)
    assert (server.bind_addr, server.bind_port) == ("127.0.0.9", 8123)
    assert server.workers == 3
    assert server.interface == "wsgi"
    assert server.http1_settings.keep_alive is True
    assert server.http1_settings.header_read_timeout == HEADER_READ_TIMEOUT_MS
    assert server.workers_kill_timeout == GRACEFUL_SECONDS
    assert server.log_access is False  # ours replaces it (imageapi.access)
    assert server.reload_on_changes is True
    assert make_server(config).reload_on_changes is False


def test_serve_defaults_to_one_worker_per_cpu():
    assert make_server(Config(workers=0)).workers == (os.cpu_count() or 1)


def test_libvips_limits_come_from_config(config):
    bounded = config.with_overrides(
        processing={"concurrency": 3, "cache_max_operations": 7}
    )
    try:
        create_app(bounded)
        assert pyvips.concurrency_get() == 3
        assert pyvips.cache_get_max() == 7
    finally:
        create_app(config)  # back to the defaults for the other tests
    assert pyvips.cache_get_max() == config.processing.cache_max_operations
