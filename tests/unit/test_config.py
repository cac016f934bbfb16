"""Configuration: defaults, user file, environment, validation, secret."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from imageapi.config import Config
from imageapi.config import ConfigError
from imageapi.config import ensure_secret
from imageapi.config import environment_variables
from imageapi.config import load_config


def test_defaults_come_from_packaged_yaml():
    config = load_config(environ={})
    assert (config.host, config.port) == ("127.0.0.1", 8000)
    assert config.auth.cookie_name == "auth_token"
    assert config.limits.max_upload_bytes == 50 * 1024 * 1024
    assert config.resolved_database_url.endswith("data/imageapi.db")


def test_environment_overrides_top_level_and_nested_keys():
    config = load_config(
        environ={
            "IMAGEAPI_PORT": "9001",
            "IMAGEAPI_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "IMAGEAPI_LIMITS_MAX_PIXELS": "1234",
            "IMAGEAPI_AUTH_COOKIE_SECURE": "true",
        }
    )
    assert config.port == 9001
    assert config.database_url == "postgresql+psycopg://u@h/db"
    assert config.limits.max_pixels == 1234
    assert config.auth.cookie_secure is True


def test_user_file_layers_over_defaults_and_env_over_file(tmp_path):
    path = tmp_path / "imageapi.yml"
    path.write_text("port: 7000\nlimits:\n  max_pixels: 99\n")
    config = load_config(path, environ={"IMAGEAPI_PORT": "7001"})
    assert config.port == 7001
    assert config.limits.max_pixels == 99
    assert config.limits.max_upload_bytes == 50 * 1024 * 1024


def test_config_file_named_by_environment(tmp_path):
    path = tmp_path / "imageapi.yml"
    path.write_text("host: 0.0.0.0\n")
    assert load_config(environ={"IMAGEAPI_CONFIG": str(path)}).host == "0.0.0.0"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"IMAGEAPI_PORT": "eighty"}, "IMAGEAPI_PORT"),
        ({"IMAGEAPI_PORT": "70000"}, "IMAGEAPI_PORT"),
        (
            {"IMAGEAPI_LIMITS_MAX_UPLOAD_BYTES": "-1"},
            "IMAGEAPI_LIMITS_MAX_UPLOAD_BYTES",
        ),
        ({"IMAGEAPI_SECRET_KEY": "short"}, "IMAGEAPI_SECRET_KEY"),
        ({"IMAGEAPI_DATABASE_URL": "mysql://x"}, "IMAGEAPI_DATABASE_URL"),
        ({"IMAGEAPI_LOG_LEVEL": "loud"}, "IMAGEAPI_LOG_LEVEL"),
    ],
)
def test_bad_value_names_the_variable(environ, named):
    with pytest.raises(ConfigError) as raised:
        load_config(environ=environ)
    assert named in str(raised.value)
    assert "\n" not in str(raised.value)


def test_unknown_key_in_file_is_refused(tmp_path):
    path = tmp_path / "imageapi.yml"
    path.write_text("limits:\n  max_pixel: 5\n")
    with pytest.raises(ConfigError, match=r"limits\.max_pixel"):
        load_config(path, environ={})


def test_missing_or_broken_file_is_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="config file"):
        load_config(tmp_path / "absent.yml", environ={})
    broken = tmp_path / "broken.yml"
    broken.write_text("port: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken, environ={})


def test_generated_secret_is_kept_private_and_stable(tmp_path):
    config = Config(data_dir=tmp_path)
    first = ensure_secret(config)
    secret_file = tmp_path / "secret_key"
    assert len(first.secret_key) >= 32
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert ensure_secret(config).secret_key == first.secret_key


def test_every_setting_has_an_environment_variable():
    variables = {row[0] for row in environment_variables()}
    assert {"IMAGEAPI_HOST", "IMAGEAPI_DATA_DIR", "IMAGEAPI_LIMITS_MAX_PIXELS"} <= (
        variables
    )


def test_server_refuses_to_start_with_one_line_on_bad_value(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "imageapi"],
        env={"IMAGEAPI_PORT": "not-a-port", "IMAGEAPI_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "IMAGEAPI_PORT" in lines[0]
    assert "Traceback" not in result.stderr


def test_every_setting_is_described_and_in_the_readme():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for variable, key, _default, description in environment_variables():
        assert description, f"{key} has no description"
        assert f"`{variable}`" in readme, f"{variable} missing from README"


def test_processing_presets_come_from_yaml_or_json_and_are_checked():
    config = load_config(environ={})
    assert config.processing.presets["thumb"] == "width=256&height=256&fit=cover"
    assert config.processing.qualities == {"jpeg": 82, "webp": 80, "avif": 55}
    custom = load_config(
        environ={"IMAGEAPI_PROCESSING_PRESETS": '{"tiny": "width=32&format=webp"}'}
    )
    assert custom.processing.presets == {"tiny": "width=32&format=webp"}
    for bad in ('{"big": "width=99999"}', "not json", '{"x": "preset=thumb"}'):
        with pytest.raises(ConfigError, match="IMAGEAPI_PROCESSING_PRESETS"):
            load_config(environ={"IMAGEAPI_PROCESSING_PRESETS": bad})
