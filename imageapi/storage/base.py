"""The storage interface: put from a stream, read (optionally a byte range), delete.

Keys are chosen by imageapi (random ids plus a fixed suffix), never by clients;
backends still refuse keys that could escape their root.
"""

from __future__ import annotations

import abc
import re
import shutil
import tempfile
from collections.abc import Hashable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-.]+)*$")


class ObjectNotFound(LookupError):
    """Nothing is stored under the key. A storage outcome, not an answer to a
    client: the services decide what it means (``errors.StoredObjectNotFound``
    for an image whose bytes are gone)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"No stored object {key!r}.")
        self.key = key


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int


@dataclass(frozen=True)
class ListedObject:
    key: str
    size: int
    modified: float  # seconds since the epoch


class Storage(abc.ABC):
    """Where image bytes live. One implementation per backend module."""

    @abc.abstractmethod
    def put(self, key: str, stream: BinaryIO, *, durable: bool = True) -> StoredObject:
        """Store everything ``stream`` yields under ``key``, atomically.

        Readers see either the whole object or none of it, never a partial one.
        ``durable=False`` may skip forcing the bytes to disk, for objects that
        can be rebuilt (derivatives): a crash can then leave a torn object
        under the final key, which readers must detect.
        """

    def put_file(self, key: str, path: Path) -> StoredObject:
        """Store the file at ``path``, which the call consumes (moves or deletes)."""
        with open(path, "rb") as handle:
            stored = self.put(key, handle)
        path.unlink(missing_ok=True)
        return stored

    @contextmanager
    def as_file(self, key: str) -> Iterator[Path]:
        """A local file with the object's bytes, for readers that need a path
        (libvips). Backends that keep files on disk yield the file itself; the
        default copies the object to a temporary file removed afterwards.

        Raises ObjectNotFound when there is no such object.
        """
        with (
            self.open(key) as source,
            tempfile.NamedTemporaryFile(prefix="imageapi-object-") as copy,
        ):
            shutil.copyfileobj(source, copy, 1024 * 1024)
            copy.flush()
            yield Path(copy.name)

    @abc.abstractmethod
    def open(
        self, key: str, start: int | None = None, end: int | None = None
    ) -> BinaryIO:
        """A readable stream of the object, or of bytes ``start``..``end`` inclusive.

        Raises ObjectNotFound when there is no such object.
        """

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""

    @abc.abstractmethod
    def delete_folder(self, folder: str) -> None:
        """Remove every object whose key starts with ``folder + "/"``."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """The object's size in bytes; raises ObjectNotFound when missing."""

    def version(self, key: str) -> Hashable | None:
        """A value that changes whenever the object is replaced, read without
        opening it; None when the backend has none that cheap (nothing of it
        is then kept in memory: services/derivative_memory.py).

        Raises ObjectNotFound when a backend that has versions has no such
        object.
        """
        return None

    def version_of(self, stream: BinaryIO) -> Hashable | None:
        """``version`` of the object ``stream`` (from ``open``) reads: the
        version of the very bytes read, whatever has replaced it since."""
        return None

    def list_objects(self) -> Iterator[ListedObject]:
        """Every stored object, in no particular order (for ``imageapi fsck``)."""
        raise NotImplementedError(f"{type(self).__name__} cannot list its objects")

    def temporary_files(self) -> Iterator[Path]:
        """Leftovers of writes a crash interrupted; none for most backends."""
        return iter(())


def check_key(key: str) -> str:
    if not KEY_PATTERN.match(key) or ".." in key:
        raise ValueError(f"invalid storage key {key!r}")
    return key
