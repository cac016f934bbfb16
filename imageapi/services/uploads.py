"""Receiving an upload: streamed to a temporary file under a hard size cap."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from imageapi.errors import PayloadTooLarge

CHUNK_BYTES = 256 * 1024
SPOOL_PREFIX = "upload-"
# A spool file lives only while its request runs, and is written to (its
# modification time renewed) at every chunk. One untouched for this long
# belongs to no running request: its worker was killed before it could
# delete it. Age, not "no worker runs", is the test, because other processes
# (other workers started with this data folder, another instance during a
# rolling restart) may be receiving uploads while one starts.
STALE_SPOOL_SECONDS = 600


@dataclass
class SpooledUpload:
    """The received bytes on disk, with their size and SHA-256."""

    path: Path
    size: int
    sha256: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def spool(stream: BinaryIO, directory: Path, max_bytes: int) -> SpooledUpload:
    """Copy ``stream`` to a temporary file in fixed-size chunks.

    Fails with 413 as soon as the limit is crossed, without reading further,
    and never holds more than one chunk in memory.
    """
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=directory, prefix=SPOOL_PREFIX)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(
                        f"The image is larger than this server's limit of "
                        f"{max_bytes} bytes."
                    )
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return SpooledUpload(path=path, size=size, sha256=digest.hexdigest())


def remove_stale_spools(directory: Path, now: float) -> int:
    """Delete spool files (and the pyramid folders of upload jobs) left by
    killed workers (see STALE_SPOOL_SECONDS); how many were removed."""
    removed = 0
    for path in directory.glob(f"{SPOOL_PREFIX}*"):
        try:
            if now - path.stat().st_mtime > STALE_SPOOL_SECONDS:
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # another process removed it first
    return removed
