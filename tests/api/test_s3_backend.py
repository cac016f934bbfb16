"""The whole image lifecycle on S3 storage, against a real S3 API process."""

from __future__ import annotations

import boto3
import pytest

from imageapi.config import ConfigError
from imageapi.config import load_config
from tests import samples
from tests.helpers import ApiClient
from tests.helpers import upload
from tests.openapi_checker import CheckedClient
from tests.s3server import CREDENTIALS
from tests.s3server import make_bucket
from tests.s3server import s3_server


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3_server() as endpoint:
        make_bucket(endpoint, "images")
        yield endpoint


def test_upload_download_range_and_delete_on_s3(config, make_app, s3_endpoint):
    on_s3 = config.with_overrides(
        storage={
            "backend": "s3",
            "s3_bucket": "images",
            "s3_endpoint_url": s3_endpoint,
            "s3_region": CREDENTIALS["region_name"],
            "s3_access_key_id": CREDENTIALS["aws_access_key_id"],
            "s3_secret_access_key": CREDENTIALS["aws_secret_access_key"],
        }
    )
    api = ApiClient.signed_up(CheckedClient(make_app(on_s3)), "s@x.io")
    data = samples.jpeg_bytes(50, 40)
    image = upload(api, data, name="s3.jpg").json
    bucket = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    keys = [obj["Key"] for obj in bucket.list_objects_v2(Bucket="images")["Contents"]]
    assert f"originals/{image['id']}" in keys
    assert api.get(image["links"]["content"]).content == data
    part = api.get(image["links"]["content"], headers={"Range": "bytes=2-9"})
    assert (part.status_code, part.content) == (206, data[2:10])
    assert api.delete(image["links"]["self"]).status_code == 204
    left = bucket.list_objects_v2(Bucket="images").get("Contents", [])
    assert all(image["id"] not in obj["Key"] for obj in left)


def test_s3_backend_without_bucket_is_a_config_error():
    with pytest.raises(ConfigError, match="s3_bucket"):
        load_config(environ={"IMAGEAPI_STORAGE_BACKEND": "s3"})
