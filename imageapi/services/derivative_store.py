"""Where a derivative is stored, and opening it only when it is whole.

The storage key follows from the image id and the options alone, so a cache
hit needs no index row: ``derivatives/{image id}/{hash of the cache key}``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from typing import BinaryIO

from imageapi.processing.integrity import looks_complete
from imageapi.processing.options import RenditionOptions
from imageapi.services.derivative_memory import DerivativeMemory
from imageapi.services.images import derivative_folder
from imageapi.storage.base import ObjectNotFound
from imageapi.storage.base import Storage

log = logging.getLogger(__name__)


def derivative_digest(options: RenditionOptions) -> tuple[str, str]:
    """The cache key of the options and its SHA-256 (hex)."""
    cache_key = options.cache_key()
    return cache_key, hashlib.sha256(cache_key.encode()).hexdigest()


def derivative_storage_key(image_id: str, digest: str) -> str:
    """Where a derivative lives: known from the image id and options alone."""
    return f"{derivative_folder(image_id)}/{digest[:32]}"


def open_whole(
    storage: Storage, memory: DerivativeMemory, key: str, output_format: str
) -> tuple[BinaryIO, int] | None:
    """(stream, size) of the stored derivative, or None when it is missing or
    torn (written without fsync, it may be after a crash: render it again).
    Small ones are kept in ``memory`` once read, and served from there while
    the stored object is unchanged."""
    data = memory.get(key)
    if data is not None:
        return io.BytesIO(data), len(data)
    try:
        stream = storage.open(key)
    except ObjectNotFound:
        return None
    size = _stream_size(stream)
    if size is None:
        size = storage.size(key)
    if not looks_complete(stream, size, output_format):
        stream.close()
        log.warning("torn derivative %s; rendering it again", key)
        return None
    # Read from the open file, the version is that of the bytes read.
    version = storage.version_of(stream) if memory.keeps(size) else None
    if version is None:
        return stream, size
    with stream:
        data = stream.read()
    memory.remember(key, version, data)
    return io.BytesIO(data), len(data)


def _stream_size(stream: BinaryIO) -> int | None:
    """The size of an open file or memory stream, else None (S3 bodies).

    Files are measured with fstat, not seek: a buffered seek back to 0 may
    not reach the descriptor, whose offset sendfile() starts from.
    """
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError):  # io.UnsupportedOperation is an OSError
        pass
    if not stream.seekable():
        return None
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    return size
