"""Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, ...).

S3 writes are atomic by nature: an object becomes visible only once its upload
completes, so a failed put never leaves a partial object under its key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from typing import BinaryIO

from imageapi.storage.base import ListedObject
from imageapi.storage.base import ObjectNotFound
from imageapi.storage.base import Storage
from imageapi.storage.base import StoredObject
from imageapi.storage.base import check_key

if TYPE_CHECKING:
    from imageapi.config import StorageConfig

MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Storage(Storage):
    def __init__(self, client, bucket: str, prefix: str = "") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    @classmethod
    def from_config(cls, config: StorageConfig) -> S3Storage:
        import boto3  # only deployments on S3 pay for importing the SDK

        client = boto3.client(
            "s3",
            endpoint_url=config.s3_endpoint_url or None,
            region_name=config.s3_region or None,
            aws_access_key_id=config.s3_access_key_id or None,
            aws_secret_access_key=config.s3_secret_access_key or None,
        )
        return cls(client, config.s3_bucket, config.s3_prefix)

    def put(self, key: str, stream: BinaryIO, *, durable: bool = True) -> StoredObject:
        # S3 makes every object durable and whole; there is nothing to skip.
        name = self._name(key)
        # upload_fileobj streams in parts for large objects; memory stays flat.
        self._client.upload_fileobj(stream, self._bucket, name)
        return StoredObject(key=key, size=self.size(key))

    def put_file(self, key: str, path: Path) -> StoredObject:
        self._client.upload_file(str(path), self._bucket, self._name(key))
        size = path.stat().st_size
        path.unlink(missing_ok=True)
        return StoredObject(key=key, size=size)

    def open(
        self, key: str, start: int | None = None, end: int | None = None
    ) -> BinaryIO:
        arguments = {"Bucket": self._bucket, "Key": self._name(key)}
        if start is not None:
            arguments["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            return self._client.get_object(**arguments)["Body"]
        except self._client.exceptions.ClientError as exc:
            raise self._translate(exc, key) from None

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=self._name(key))

    def delete_folder(self, folder: str) -> None:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=self._name(folder) + "/"
        )
        for page in pages:  # up to 1000 keys a page, as delete_objects takes
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self._client.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": keys, "Quiet": True}
                )

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=self._name(key))
        except self._client.exceptions.ClientError as exc:
            raise self._translate(exc, key) from None
        return int(head["ContentLength"])

    def list_objects(self) -> Iterator[ListedObject]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=self._prefix
        )
        for page in pages:
            for item in page.get("Contents", ()):
                yield ListedObject(
                    key=item["Key"][len(self._prefix) :],
                    size=item["Size"],
                    modified=item["LastModified"].timestamp(),
                )

    def _name(self, key: str) -> str:
        return self._prefix + check_key(key)

    @staticmethod
    def _translate(exc, key: str) -> Exception:
        if exc.response.get("Error", {}).get("Code") in MISSING:
            return ObjectNotFound(key)
        return exc
