"""Helpers for the transform tests: upload generated images, fetch derivatives."""

from __future__ import annotations

import falcon.testing
import pyvips
from sqlalchemy import text

from imageapi.config import Config
from imageapi.db.engine import make_engine
from tests.helpers import ApiClient
from tests.helpers import upload
from tests.openapi_checker import CheckedClient

CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif"}


def upload_image(api: ApiClient, image: pyvips.Image, suffix: str = ".png") -> dict:
    """Upload ``image`` encoded as ``suffix``; returns the image resource."""
    data = image.write_to_buffer(suffix)
    result = upload(
        api, data, name=f"sample{suffix}", content_type=CONTENT_TYPES[suffix]
    )
    assert result.status_code == 201, result.text
    return result.json


def fetch(api: ApiClient, image: dict, query: str, **kwargs) -> falcon.testing.Result:
    return api.get(f"{image['links']['content']}?{query}", **kwargs)


def decoded(result: falcon.testing.Result, *, all_frames: bool = False):
    assert result.status_code == 200, result.text
    return pyvips.Image.new_from_buffer(result.content, "[n=-1]" if all_frames else "")


def app_with(
    make_app, config: Config, clock=None, **sections
) -> falcon.testing.TestClient:
    """A client for an app whose config differs in some sections."""
    app_config = config.with_overrides(**sections)
    extra = {"clock": clock} if clock else {}
    return CheckedClient(make_app(app_config, **extra))


def derivative_rows(config: Config) -> list[tuple[str, str, int]]:
    """(image id, storage key, size) of every indexed derivative, oldest first."""
    engine = make_engine(config.resolved_database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT image_id, storage_key, size FROM derivatives ORDER BY id")
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def stored_keys(config: Config) -> set[str]:
    """Keys of every object in the local storage under data_dir/images."""
    root = config.data_dir / "images"
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }
