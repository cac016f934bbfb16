"""When a worker sums the derivative cache's size again.

Each sum is a query in a write transaction, so a worker counts the bytes it
added and checks a user's share, or the whole budget, only once it has added
``1 / EVICTION_CHECK_FRACTION`` of it since the last check: a tiny budget is
checked on every insert, a large one rarely, and each overshoots by at most
about that much per process.
"""

from __future__ import annotations

import threading

EVICTION_CHECK_FRACTION = 64
# Users whose added bytes a worker remembers. Past it their counts start
# again (the whole cache's stays): the table stays bounded on a worker that
# serves many users, and each time a user's bytes since its last check
# (under one fraction of the share) go uncounted.
REMEMBERED_USERS = 10_000


class EvictionChecks:
    """Bytes added since the last check, per user and (key None) in all."""

    def __init__(self, remembered_users: int = REMEMBERED_USERS) -> None:
        self._remembered_users = remembered_users
        self._lock = threading.Lock()
        self._added: dict[str | None, int] = {}

    def due(self, key: str | None, added: int, budget: int) -> bool:
        """Count ``added`` bytes for ``key``; True when its check is due,
        which starts its count again."""
        with self._lock:
            total = self._added.pop(key, 0) + added
            if total >= budget // EVICTION_CHECK_FRACTION:
                return True
            if len(self._added) > self._remembered_users:
                whole = self._added.get(None)
                self._added = {} if whole is None else {None: whole}
            self._added[key] = total
            return False
