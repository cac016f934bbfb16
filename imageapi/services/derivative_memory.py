"""The most recently served small derivatives, kept in each worker's memory.

Reading a stored derivative costs a dozen system calls (open, stat, the
completeness check, read, close), and each one lets another request's thread
take the interpreter lock: on a busy worker those handovers cost more than the
reads (docs/benchmarks.md, "Cache hits from memory"). A hit found here costs
one ``stat`` instead: an entry is served only while the stored object's
version (inode, size, modification time) is still the one it was read at, so
a derivative that was deleted with its image, evicted or rendered again is
never answered from memory. Backends with no cheap version (S3) keep nothing
here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from imageapi.limits import DERIVATIVE_MEMORY_ENTRY_MAX_BYTES
from imageapi.services.telemetry import NO_TELEMETRY
from imageapi.services.telemetry import Telemetry
from imageapi.storage.base import ObjectNotFound
from imageapi.storage.base import Storage


class DerivativeMemory:
    """Derivatives' bytes by storage key, least recently served dropped first."""

    def __init__(
        self, storage: Storage, budget_bytes: int, telemetry: Telemetry = NO_TELEMETRY
    ) -> None:
        self._storage = storage
        self._budget = budget_bytes
        self._telemetry = telemetry
        self._entries: OrderedDict[str, tuple[Hashable, bytes]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The derivative's bytes, if they are here and still what is stored."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
        version, data = entry
        try:
            current = self._storage.version(key)
        except ObjectNotFound:
            current = None
        if current != version:
            self._forget(key, entry)
            return None
        self._telemetry.derivative_memory_hit()
        return data

    def keeps(self, size: int) -> bool:
        """Whether a derivative of ``size`` bytes would be kept."""
        return size <= DERIVATIVE_MEMORY_ENTRY_MAX_BYTES and size <= self._budget

    def remember(self, key: str, version: Hashable, data: bytes) -> None:
        """Keep ``data``, read from the object at ``version``."""
        if not self.keeps(len(data)):
            return
        with self._lock:
            replaced = self._entries.pop(key, None)
            if replaced is not None:
                self._total -= len(replaced[1])
            self._entries[key] = (version, data)
            self._total += len(data)
            while self._total > self._budget:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._total -= len(dropped)
            self._telemetry.derivative_memory_held(self._total)

    def _forget(self, key: str, entry: tuple[Hashable, bytes]) -> None:
        with self._lock:
            if self._entries.get(key) is entry:
                del self._entries[key]
                self._total -= len(entry[1])
                self._telemetry.derivative_memory_held(self._total)
