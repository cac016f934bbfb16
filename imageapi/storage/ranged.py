"""A reader that stops after a fixed number of bytes (for Range responses)."""

from __future__ import annotations

import io
from typing import BinaryIO


class RangeReader(io.RawIOBase):
    def __init__(self, inner: BinaryIO, length: int | None) -> None:
        self._inner = inner
        self._remaining = length

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._remaining is None:
            return self._inner.read(size)
        if self._remaining <= 0:
            return b""
        if size < 0 or size > self._remaining:
            size = self._remaining
        data = self._inner.read(size)
        self._remaining -= len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()
