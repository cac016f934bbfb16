"""Buffers usage counts in memory and writes them in batches, off the hot path.

Each worker process has one recorder. ``record`` only adds numbers under a lock;
a background thread flushes every ``flush_interval_seconds`` with additive
upserts, and ``close`` flushes what is left (a server worker runs it at
interpreter exit, ``app.finish_at_exit``), so totals stay exact with any
number of workers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from imageapi.services.periodic import PeriodicFlush

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CounterKey:
    user_id: str
    day: date
    api_key_id: str  # "" when the request used a session
    route: str  # "GET /api/v1/images/{image_id}"
    status_class: str  # "2xx", "4xx", ...


@dataclass
class Counts:
    requests: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    processing_ms: float = 0.0
    derivatives_served: int = 0

    def add(self, other: Counts) -> None:
        self.requests += other.requests
        self.bytes_in += other.bytes_in
        self.bytes_out += other.bytes_out
        self.processing_ms += other.processing_ms
        self.derivatives_served += other.derivatives_served


Sink = Callable[[list[dict[str, Any]]], None]


class UsageRecorder:
    def __init__(self, sink: Sink, flush_interval_seconds: float) -> None:
        self._sink = sink
        self._pending: dict[CounterKey, Counts] = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._flusher = PeriodicFlush(self.flush, flush_interval_seconds, "usage-flush")

    def record(
        self,
        key: CounterKey,
        bytes_in: int,
        bytes_out: int,
        processing_ms: float,
        derivative_served: bool,
    ) -> None:
        with self._lock:
            counts = self._pending.get(key)
            if counts is None:
                counts = self._pending[key] = Counts()
            counts.requests += 1
            counts.bytes_in += bytes_in
            counts.bytes_out += bytes_out
            counts.processing_ms += processing_ms
            counts.derivatives_served += derivative_served
            self._flusher.ensure_started()

    def flush(self) -> None:
        """Write everything buffered so far; on failure keep it for next time."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
            if not batch:
                return
            try:
                self._sink([_row(key, counts) for key, counts in batch.items()])
            except IntegrityError:
                self._write_one_by_one(batch)
            except Exception as exc:
                # One line, not a traceback: while the database is down this
                # repeats every flush interval.
                log.warning(
                    "could not write %d usage counters (%s); will retry",
                    len(batch),
                    _brief(exc),
                )
                self._put_back(batch)

    def _write_one_by_one(self, batch: dict[CounterKey, Counts]) -> None:
        # A counter whose user was deleted meanwhile must not block the others.
        for key, counts in batch.items():
            try:
                self._sink([_row(key, counts)])
            except IntegrityError:
                log.warning("dropped usage of a deleted user %s", key.user_id)
            except Exception as exc:
                log.warning(
                    "could not write usage counters (%s); will retry", _brief(exc)
                )
                self._put_back({key: counts})

    def _put_back(self, batch: dict[CounterKey, Counts]) -> None:
        with self._lock:
            for key, counts in batch.items():
                self._pending.setdefault(key, Counts()).add(counts)

    def close(self) -> None:
        """Stop the flush thread and write what is left. Safe to call twice."""
        self._flusher.stop()
        self.flush()


def _brief(exc: Exception) -> str:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {first_line[:200]}"


def _row(key: CounterKey, counts: Counts) -> dict[str, Any]:
    return {
        "user_id": key.user_id,
        "day": key.day,
        "api_key_id": key.api_key_id,
        "route": key.route,
        "status_class": key.status_class,
        "requests": counts.requests,
        "bytes_in": counts.bytes_in,
        "bytes_out": counts.bytes_out,
        "processing_ms": round(counts.processing_ms),
        "derivatives_served": counts.derivatives_served,
    }
