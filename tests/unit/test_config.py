"""Configuration: defaults, user file, environment, validation, secret."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from imageapi.config import Config
from imageapi.config import ConfigError
from imageapi.config import ensure_secret
from imageapi.config import environment_variables
from imageapi.config import load_config
from imageapi.config import load_config_with_sources
from imageapi.config_listing import MASK
from imageapi.config_listing import render


def test_defaults_come_from_the_models():
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


def test_unknown_key_in_file_is_refused_naming_the_closest(tmp_path):
    path = tmp_path / "imageapi.yml"
    path.write_text("limits:\n  max_pixel: 5\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path, environ={})
    assert "unknown setting limits.max_pixel;" in str(raised.value)
    assert "did you mean limits.max_pixels?" in str(raised.value)
    path.write_text("prot: 80\n")
    with pytest.raises(ConfigError, match=r"prot; did you mean port\?"):
        load_config(path, environ={})


@pytest.mark.parametrize(
    ("variable", "closest"),
    [
        ("IMAGEAPI_PROT", "IMAGEAPI_PORT"),
        ("IMAGEAPI_LIMITS_MAX_PIXEL", "IMAGEAPI_LIMITS_MAX_PIXELS"),
        ("IMAGEAPI_PROCESSING_TIMEOUT", "IMAGEAPI_PROCESSING_TIMEOUT_SECONDS"),
    ],
)
def test_unknown_environment_variable_is_refused_naming_the_closest(variable, closest):
    with pytest.raises(ConfigError) as raised:
        load_config(environ={variable: "1"})
    message = str(raised.value)
    assert message.startswith(f"unknown environment variable {variable};")
    assert message.endswith(f"did you mean {closest}?")


def test_unknown_variable_without_a_close_match_is_still_refused():
    with pytest.raises(ConfigError, match=r"IMAGEAPI_ZZZ$"):
        load_config(environ={"IMAGEAPI_ZZZ": "1"})


def test_tooling_variables_are_not_settings(tmp_path):
    path = tmp_path / "imageapi.yml"
    path.write_text("port: 7000\n")
    environ = {
        "IMAGEAPI_CONFIG": str(path),
        "IMAGEAPI_TEST_DATABASE_URL": "postgresql+psycopg://x@y/z",
        "IMAGEAPI_SCHEMATHESIS_BASE_URL": "http://127.0.0.1:1",
        "OTHER_VARIABLE": "ignored",
    }
    assert load_config(environ=environ).port == 7000


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


def test_readme_table_shows_each_key_and_default():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    rows = {}
    for line in readme.splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("IMAGEAPI_"):
            rows[cells[0]] = cells[1:3]
    for variable, key, default, _description in environment_variables():
        if key in ("processing.presets", "auth.oidc_providers"):
            continue  # mappings, described in words
        assert rows[variable][0] == key, variable
        assert rows[variable][1] == _as_in_readme(default), variable


def _as_in_readme(value) -> str:
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Path):
        return f"./{value}"
    return str(value)


def test_config_listing_says_where_each_value_came_from(tmp_path):
    path = tmp_path / "imageapi.yml"
    path.write_text("port: 7000\nlimits:\n  max_pixels: 99\n")
    loaded = load_config_with_sources(
        path, environ={"IMAGEAPI_LIMITS_MAX_UPLOAD_BYTES": "1000"}
    )
    lines = render(loaded).splitlines()
    assert f"port: 7000  # file {path}" in lines
    assert "host: 127.0.0.1  # default" in lines
    assert (
        "  max_upload_bytes: 1000  # environment IMAGEAPI_LIMITS_MAX_UPLOAD_BYTES"
        in lines
    )
    assert f"  max_pixels: 99  # file {path}" in lines


def test_config_listing_masks_secrets():
    secret = "s" * 40
    environ = {
        "IMAGEAPI_SECRET_KEY": secret,
        "IMAGEAPI_DATABASE_URL": "postgresql+psycopg://app:dbpass@db:5432/images",
        "IMAGEAPI_REDIS_URL": "redis://:redispass@cache:6379/0",
        "IMAGEAPI_STORAGE_S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "IMAGEAPI_STORAGE_S3_SECRET_ACCESS_KEY": "s3secret",
        "IMAGEAPI_AUTH_OIDC_PROVIDERS": '{"kc": {"issuer": "https://sso.example.com",'
        ' "client_id": "imageapi", "client_secret": "oidcsecret"}}',
    }
    listing = render(load_config_with_sources(environ=environ))
    hidden = (secret, "dbpass", "redispass", "AKIAEXAMPLE", "s3secret", "oidcsecret")
    for value in hidden:
        assert value not in listing
    settings = yaml.safe_load(listing)
    assert settings["secret_key"] == MASK
    assert settings["database_url"] == f"postgresql+psycopg://app:{MASK}@db:5432/images"
    assert settings["redis_url"] == f"redis://:{MASK}@cache:6379/0"
    assert settings["storage"]["s3_secret_access_key"] == MASK
    assert settings["auth"]["oidc_providers"]["kc"]["client_secret"] == MASK
    assert settings["auth"]["oidc_providers"]["kc"]["client_id"] == "imageapi"


def test_config_listing_of_the_defaults_is_a_complete_sample_file(tmp_path):
    listing = render(load_config_with_sources(environ={}))
    sample = tmp_path / "sample.yml"
    sample.write_text(listing)
    loaded = load_config_with_sources(sample, environ={})
    assert loaded.config == load_config(environ={})
    assert len(loaded.sources) == len(environment_variables())


def test_oidc_providers_come_from_json_and_are_checked():
    provider = {"issuer": "https://sso.example.com", "client_id": "imageapi"}
    variable = "IMAGEAPI_AUTH_OIDC_PROVIDERS"
    config = load_config(environ={variable: json.dumps({"kc": provider})})
    assert config.auth.oidc_providers["kc"].scopes == "openid email profile"
    refused = (
        ({"Bad Name": provider}, "Bad Name"),
        ({"kc": {**provider, "scopes": "email"}}, "openid"),
        ({"kc": {**provider, "issuer": "sso.example.com"}}, "issuer"),
        ({"kc": {**provider, "client_sercet": "x"}}, "client_sercet"),
    )
    for providers, words in refused:
        with pytest.raises(ConfigError, match=words):
            load_config(environ={variable: json.dumps(providers)})
    with pytest.raises(ConfigError, match="JSON object"):
        load_config(environ={variable: "{not json"})


def test_errors_do_not_repeat_secret_values():
    variable = "IMAGEAPI_AUTH_OIDC_PROVIDERS"
    with pytest.raises(ConfigError) as raised:
        load_config(environ={variable: '{"kc": {"client_secret": "topsecret"'})
    assert "topsecret" not in str(raised.value)
    with pytest.raises(ConfigError) as raised:
        load_config(environ={"IMAGEAPI_SECRET_KEY": "shortsecret"})
    assert "shortsecret" not in str(raised.value)
    assert "IMAGEAPI_SECRET_KEY" in str(raised.value)
