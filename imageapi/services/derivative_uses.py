"""Which cached derivatives were served, buffered and written off the request path.

Eviction needs each derivative's last use, but a cache hit should not write
(nor even read) its row. Hits are noted in memory; a background thread writes
them every few seconds, and eviction writes them first, so its order is right.
What a worker noted in its last seconds is lost when it exits: that only makes
those derivatives look a little older to eviction.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from datetime import timedelta

from imageapi.db.uow import Database
from imageapi.services.periodic import PeriodicFlush

log = logging.getLogger(__name__)

FLUSH_INTERVAL_SECONDS = 5.0
# A row's last_used_at is rewritten only when older than this: order to the
# minute is plenty for eviction and most flushes then change nothing.
TOUCH_INTERVAL = timedelta(minutes=1)


class DerivativeUses:
    def __init__(
        self, db: Database, interval_seconds: float = FLUSH_INTERVAL_SECONDS
    ) -> None:
        self._db = db
        self._pending: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._flusher = PeriodicFlush(self.flush, interval_seconds, "derivative-uses")

    def note(self, image_id: str, cache_key: str, when: datetime) -> None:
        with self._lock:
            self._pending[(image_id, cache_key)] = when
            self._flusher.ensure_started()

    def flush(self) -> None:
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
            if not batch:
                return
            uses = [
                {"image": image_id, "key": key, "when": when}
                for (image_id, key), when in batch.items()
            ]
            try:
                with self._db.write() as uow:
                    uow.derivatives.touch_many(uses, TOUCH_INTERVAL)
                    uow.commit()
            except Exception as exc:  # the next flush tries again
                log.warning("could not record %d derivative uses (%s)", len(uses), exc)
                with self._lock:
                    for key, when in batch.items():
                        self._pending.setdefault(key, when)
