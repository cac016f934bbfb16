"""Objects in a dict: for tests and throw-away instances."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from typing import BinaryIO

from imageapi.storage.base import ListedObject
from imageapi.storage.base import ObjectNotFound
from imageapi.storage.base import Storage
from imageapi.storage.base import StoredObject
from imageapi.storage.base import check_key


class MemoryStorage(Storage):
    def __init__(self) -> None:
        self._objects: dict[str, bytes] = {}
        self._modified: dict[str, float] = {}
        self._lock = threading.Lock()

    def put(self, key: str, stream: BinaryIO, *, durable: bool = True) -> StoredObject:
        data = stream.read()  # whole object first, so readers never see a part
        with self._lock:
            self._objects[check_key(key)] = data
            self._modified[key] = time.time()
        return StoredObject(key=key, size=len(data))

    def open(
        self, key: str, start: int | None = None, end: int | None = None
    ) -> BinaryIO:
        data = self._get(key)
        if start is not None:
            data = data[start : (end + 1) if end is not None else None]
        return io.BytesIO(data)

    def delete(self, key: str) -> None:
        with self._lock:
            self._objects.pop(key, None)
            self._modified.pop(key, None)

    def delete_folder(self, folder: str) -> None:
        prefix = check_key(folder) + "/"
        with self._lock:
            for key in [key for key in self._objects if key.startswith(prefix)]:
                del self._objects[key]

    def exists(self, key: str) -> bool:
        return key in self._objects

    def size(self, key: str) -> int:
        return len(self._get(key))

    def list_objects(self) -> Iterator[ListedObject]:
        with self._lock:
            listed = [
                ListedObject(key, len(data), self._modified[key])
                for key, data in self._objects.items()
            ]
        return iter(listed)

    def _get(self, key: str) -> bytes:
        try:
            return self._objects[check_key(key)]
        except KeyError:
            raise ObjectNotFound(key) from None
