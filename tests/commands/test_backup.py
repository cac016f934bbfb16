"""``imageapi backup`` and ``restore``: a copy that serves the same images."""

from __future__ import annotations

import pytest

from imageapi.config import Config
from tests import samples
from tests.helpers import upload
from tests.openapi_checker import CheckedClient
from tests.unit.test_cli import run_cli


@pytest.fixture
def sqlite_only(config: Config) -> None:
    if not config.resolved_database_url.startswith("sqlite"):
        pytest.skip("backup handles SQLite only")


def test_backup_then_restore_serves_identical_images(
    sqlite_only, imageapi, api, config, tmp_path, make_app
):
    originals = {}
    for width in (64, 120, 1200):  # the widest has pyramid levels
        data = samples.png_bytes(width, 40)
        originals[upload(api, data, tags=[f"w{width}"]).json["id"]] = data
    destination = tmp_path / "backup"

    backed_up = imageapi("backup", str(destination))
    assert backed_up.returncode == 0, backed_up.stderr
    assert "objects" in backed_up.stdout
    again = imageapi("backup", str(destination))
    assert again.returncode == 1
    assert "not empty" in again.stderr

    restored_dir = tmp_path / "restored"
    restored = run_cli(
        "restore", str(destination), env={"IMAGEAPI_DATA_DIR": str(restored_dir)}
    )
    assert restored.returncode == 0, restored.stderr
    twice = run_cli(
        "restore", str(destination), env={"IMAGEAPI_DATA_DIR": str(restored_dir)}
    )
    assert twice.returncode == 1
    assert "empty data folder" in twice.stderr

    restored_config = config.with_overrides(data_dir=restored_dir, database_url="")
    client = CheckedClient(make_app(restored_config))
    for image_id, data in originals.items():
        content = client.simulate_get(
            f"/api/v1/images/{image_id}/content", headers=api.auth
        )
        assert content.status_code == 200, content.text
        assert content.content == data
    # The levels came along: a derivative renders without the original.
    wide_id = list(originals)[-1]
    (restored_dir / "images" / "originals" / wide_id).unlink()
    thumbnail = client.simulate_get(
        f"/api/v1/images/{wide_id}/content?width=200", headers=api.auth
    )
    assert thumbnail.status_code == 200, thumbnail.text


def test_postgres_or_s3_is_refused_with_a_pointer_to_the_docs(tmp_path):
    result = run_cli(
        "backup",
        str(tmp_path / "b"),
        env={
            "IMAGEAPI_DATA_DIR": str(tmp_path),
            "IMAGEAPI_STORAGE_BACKEND": "s3",
            "IMAGEAPI_STORAGE_S3_BUCKET": "photos",
        },
    )
    assert result.returncode == 1
    assert "pg_dump" in result.stderr and "docs/deploy.md" in result.stderr
