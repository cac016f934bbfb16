"""Files under a root folder; written to a temporary file, then renamed into place."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from imageapi.storage.base import ListedObject
from imageapi.storage.base import ObjectNotFound
from imageapi.storage.base import Storage
from imageapi.storage.base import StoredObject
from imageapi.storage.base import check_key
from imageapi.storage.ranged import RangeReader

CHUNK_BYTES = 1024 * 1024
TEMPORARY_PREFIX = ".partial-"


class LocalStorage(Storage):
    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        self._root.mkdir(parents=True, exist_ok=True)
        self._root_prefix = f"{self._root}{os.sep}"

    def put(self, key: str, stream: BinaryIO, *, durable: bool = True) -> StoredObject:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # The temporary file sits in the final folder so the rename is atomic
        # (same file system); a crash leaves only a dot-file, never a half file
        # under the final name.
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed below)
            dir=path.parent, prefix=TEMPORARY_PREFIX, delete=False
        )
        try:
            with handle:
                shutil.copyfileobj(stream, handle, CHUNK_BYTES)
                handle.flush()
                if durable:  # else the page cache writes it back when it can
                    os.fsync(handle.fileno())
            size = os.path.getsize(handle.name)
            os.replace(handle.name, path)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return StoredObject(key=key, size=size)

    def put_file(self, key: str, path: Path) -> StoredObject:
        """Move the file into place: no copy when it is on the same file system."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(path, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            return super().put_file(key, path)
        return StoredObject(key=key, size=target.stat().st_size)

    def open(
        self, key: str, start: int | None = None, end: int | None = None
    ) -> BinaryIO:
        try:
            handle = open(self._file(key), "rb")  # noqa: SIM115  (caller closes it)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        if start is None:
            return handle
        handle.seek(start)
        return RangeReader(handle, (end - start + 1) if end is not None else None)

    @contextmanager
    def as_file(self, key: str) -> Iterator[Path]:
        """The stored file itself: objects are replaced by rename, never
        rewritten in place, so an open reader keeps a consistent file."""
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        yield path

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_folder(self, folder: str) -> None:
        shutil.rmtree(self._path(folder), ignore_errors=True)

    def exists(self, key: str) -> bool:
        return os.path.isfile(self._file(key))

    def version(self, key: str) -> tuple[int, int, int]:
        """Inode, size and modification time: objects are replaced by rename,
        never rewritten in place, so a replaced object has a new inode."""
        try:
            return _version(os.stat(self._file(key)))
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def version_of(self, stream: BinaryIO) -> tuple[int, int, int]:
        return _version(os.fstat(stream.fileno()))

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def list_objects(self) -> Iterator[ListedObject]:
        for path in self._root.rglob("*"):
            if path.name.startswith(TEMPORARY_PREFIX) or not path.is_file():
                continue
            stat = path.stat()
            key = path.relative_to(self._root).as_posix()
            yield ListedObject(key=key, size=stat.st_size, modified=stat.st_mtime)

    def temporary_files(self) -> Iterator[Path]:
        return self._root.rglob(f"{TEMPORARY_PREFIX}*")

    def _path(self, key: str) -> Path:
        return Path(self._file(key))

    def _file(self, key: str) -> str:
        """The key's file, under the root: ``check_key`` admits no ``..``, no
        leading ``/`` and no backslash, so no key can name a place outside it.

        Spelled as a string, without resolving symlinks: a cache hit opens a
        file by its key, and resolving every folder of its path cost more than
        the rest of the hit's storage work.
        """
        return self._root_prefix + check_key(key)


def _version(stat: os.stat_result) -> tuple[int, int, int]:
    return stat.st_ino, stat.st_size, stat.st_mtime_ns
