"""Start failures are one line on stderr and a non-zero exit, no traceback."""

from __future__ import annotations

import socket

from tests.unit.test_cli import run_cli


def assert_one_line(result, *expected: str) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for part in expected:
        assert part in lines[0]
    return lines[0]


def test_port_in_use_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            "serve",
            env={"IMAGEAPI_DATA_DIR": str(tmp_path), "IMAGEAPI_PORT": str(port)},
        )
    assert_one_line(result, f"port {port} is in use; set IMAGEAPI_PORT or --port")


def test_data_folder_that_cannot_be_written_is_one_line(tmp_path):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    data_dir = in_the_way / "data"
    for command in ("serve", "migrate"):
        result = run_cli(command, env={"IMAGEAPI_DATA_DIR": str(data_dir)})
        assert_one_line(result, f"data folder {data_dir} is not writable")


def test_unreachable_database_is_one_line_without_the_password(tmp_path):
    url = "postgresql+psycopg://someone:hunter22@127.0.0.1:1/imageapi"
    result = run_cli(
        "serve",
        env={"IMAGEAPI_DATA_DIR": str(tmp_path), "IMAGEAPI_DATABASE_URL": url},
    )
    line = assert_one_line(result, "cannot use the database", "127.0.0.1:1")
    assert "hunter22" not in line


def test_version_is_printed(tmp_path):
    result = run_cli("--version", env={})
    assert result.returncode == 0
    assert result.stdout.startswith("imageapi ")
