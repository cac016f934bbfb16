"""One contract every storage backend passes."""

from __future__ import annotations

import io
import threading
import uuid

import pytest

from imageapi.config import StorageConfig
from imageapi.storage.base import ObjectNotFound
from imageapi.storage.local import LocalStorage
from imageapi.storage.memory import MemoryStorage
from imageapi.storage.s3 import S3Storage
from tests.s3server import CREDENTIALS
from tests.s3server import make_bucket
from tests.s3server import s3_server


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture(params=["memory", "local", "s3"])
def storage(request, tmp_path):
    if request.param == "memory":
        return MemoryStorage()
    if request.param == "local":
        return LocalStorage(tmp_path / "objects")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"test-{uuid.uuid4().hex[:12]}"
    make_bucket(endpoint, bucket)
    config = StorageConfig(
        backend="s3",
        s3_bucket=bucket,
        s3_prefix="imageapi",
        s3_endpoint_url=endpoint,
        s3_region=CREDENTIALS["region_name"],
        s3_access_key_id=CREDENTIALS["aws_access_key_id"],
        s3_secret_access_key=CREDENTIALS["aws_secret_access_key"],
    )
    return S3Storage.from_config(config)


def test_put_then_read_back(storage):
    stored = storage.put("ab/object-1", io.BytesIO(b"hello world"))
    assert stored.size == 11
    assert storage.exists("ab/object-1")
    assert storage.size("ab/object-1") == 11
    with storage.open("ab/object-1") as handle:
        assert handle.read() == b"hello world"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(0, 4, b"hello"), (6, None, b"world"), (10, 10, b"d")],
)
def test_open_byte_range(storage, start, end, expected):
    storage.put("k", io.BytesIO(b"hello world"))
    with storage.open("k", start, end) as handle:
        assert handle.read() == expected


def test_put_replaces_whole_object(storage):
    storage.put("k", io.BytesIO(b"first version"))
    storage.put("k", io.BytesIO(b"2nd"))
    with storage.open("k") as handle:
        assert handle.read() == b"2nd"


def test_missing_object(storage):
    assert not storage.exists("nope")
    with pytest.raises(ObjectNotFound):
        storage.open("nope")
    with pytest.raises(ObjectNotFound):
        storage.size("nope")
    storage.delete("nope")  # not an error


def test_delete(storage):
    storage.put("k", io.BytesIO(b"x"))
    storage.delete("k")
    assert not storage.exists("k")


@pytest.mark.parametrize("key", ["../escape", "/abs", "a/../../b", "", "a b", "a\\b"])
def test_refuses_keys_that_could_escape(storage, key):
    with pytest.raises(ValueError):
        storage.put(key, io.BytesIO(b"x"))


class FailingStream(io.RawIOBase):
    """Yields some bytes, then fails like a dropped connection."""

    def __init__(self) -> None:
        self._sent = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._sent:
            raise ConnectionError("client went away")
        self._sent = True
        buffer[:4] = b"half"
        return 4


def test_failed_put_leaves_nothing_behind(storage, tmp_path):
    with pytest.raises(ConnectionError):
        storage.put("k", FailingStream())
    assert not storage.exists("k")
    if isinstance(storage, LocalStorage):
        leftovers = [p for p in (tmp_path / "objects").rglob("*") if p.is_file()]
        assert leftovers == []


def test_readers_never_see_a_partial_object(storage):
    big = b"a" * 2_000_000
    storage.put("k", io.BytesIO(big))
    seen = []

    def read_repeatedly():
        for _ in range(20):
            with storage.open("k") as handle:
                seen.append(len(handle.read()))

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    for _ in range(5):
        storage.put("k", io.BytesIO(big))
    reader.join()
    assert set(seen) == {len(big)}


def test_put_file_consumes_the_file(storage, tmp_path):
    source = tmp_path / "spooled"
    source.write_bytes(b"x" * 5000)
    stored = storage.put_file("from-file", source)
    assert stored.size == 5000
    assert not source.exists()
    with storage.open("from-file") as handle:
        assert handle.read() == b"x" * 5000


def test_as_file_gives_a_readable_path(storage):
    storage.put("dir/object", io.BytesIO(b"pixels"))
    with storage.as_file("dir/object") as path:
        assert path.read_bytes() == b"pixels"
    with pytest.raises(ObjectNotFound), storage.as_file("missing"):
        pass


def test_delete_folder_removes_everything_under_it_and_nothing_else(storage):
    for key in ("derivatives/a/1", "derivatives/a/2", "derivatives/ab/1", "other/a"):
        storage.put(key, io.BytesIO(b"x"))
    storage.delete_folder("derivatives/a")
    assert not storage.exists("derivatives/a/1")
    assert not storage.exists("derivatives/a/2")
    assert storage.exists("derivatives/ab/1") and storage.exists("other/a")
    storage.delete_folder("derivatives/none")  # nothing there: not an error


def test_local_storage_forces_to_disk_only_durable_objects(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr("imageapi.storage.local.os.fsync", synced.append)
    storage = LocalStorage(tmp_path / "objects")
    storage.put("originals/a", io.BytesIO(b"kept"))
    assert len(synced) == 1
    storage.put("derivatives/a/1", io.BytesIO(b"rebuildable"), durable=False)
    assert len(synced) == 1
    with storage.open("derivatives/a/1") as handle:
        assert handle.read() == b"rebuildable"


def test_list_objects_gives_every_key_with_its_size(storage):
    storage.put("originals/a", io.BytesIO(b"12345"))
    storage.put("derivatives/a/b", io.BytesIO(b"12"))
    listed = {item.key: item.size for item in storage.list_objects()}
    assert listed == {"originals/a": 5, "derivatives/a/b": 2}
    assert all(item.modified > 0 for item in storage.list_objects())
    storage.delete("originals/a")
    assert [item.key for item in storage.list_objects()] == ["derivatives/a/b"]
