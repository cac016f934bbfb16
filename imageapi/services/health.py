"""Readiness: can this worker reach the database, the storage and Redis?

Each check runs in a thread of a small pool and gets ``CHECK_TIMEOUT_SECONDS``;
a hung dependency makes the probe answer "timeout" instead of hanging the
orchestrator's probe. The answer names each check, never the error: the
probe is public, the details go to the log.
"""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy import text

from imageapi.db.engine import SQLITE_BEGIN_OPTION
from imageapi.storage.base import Storage

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0
# Probes one worker answers at once with a thread for each of their checks:
# a check queued behind another probe's slow one would spend its time limit
# waiting for a thread.
PARALLEL_PROBES = 4
PROBE_PREFIX = "readiness"
OK, FAILED, TIMEOUT, NOT_CONFIGURED = "ok", "failed", "timeout", "not configured"


@dataclass(frozen=True)
class Readiness:
    """Each dependency's result: ok, failed, timeout (or not configured)."""

    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(result in (OK, NOT_CONFIGURED) for result in self.checks.values())

    @property
    def summary(self) -> str:
        """``Not ready: storage failed (database ok, redis not configured).``"""
        bad = [
            f"{name} {result}"
            for name, result in self.checks.items()
            if result not in (OK, NOT_CONFIGURED)
        ]
        good = [
            f"{name} {result}"
            for name, result in self.checks.items()
            if result in (OK, NOT_CONFIGURED)
        ]
        rest = f" ({', '.join(good)})" if good else ""
        return f"Not ready: {', '.join(bad)}{rest}."


class HealthService:
    def __init__(self, engine: Engine, storage: Storage, redis_url: str = "") -> None:
        # A plain read: on SQLite the default transaction takes the write
        # lock, and the probe would then wait behind every writer.
        self._engine = engine.execution_options(**{SQLITE_BEGIN_OPTION: None})
        self._storage = storage
        self._checks: dict[str, Callable[[], None]] = {
            "database": self._check_database,
            "storage": self._check_storage,
        }
        if redis_url:
            redis = _redis_client(
                redis_url,
                socket_timeout=CHECK_TIMEOUT_SECONDS,
                socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
            )
            self._checks["redis"] = redis.ping
        # A hung dependency holds its own threads only.
        self._pool = ThreadPoolExecutor(
            len(self._checks) * PARALLEL_PROBES, thread_name_prefix="readiness"
        )

    def check_ready(self) -> Readiness:
        running = {
            name: self._pool.submit(check) for name, check in self._checks.items()
        }
        results = {
            name: self._outcome(name, future) for name, future in running.items()
        }
        results.setdefault("redis", NOT_CONFIGURED)
        return Readiness(results)

    @staticmethod
    def _outcome(name: str, future) -> str:
        try:
            future.result(timeout=CHECK_TIMEOUT_SECONDS)
        except FutureTimeout:
            log.warning("readiness: %s did not answer in time", name)
            return TIMEOUT
        except Exception as exc:
            log.warning("readiness: %s failed: %s: %s", name, type(exc).__name__, exc)
            return FAILED
        return OK

    def _check_database(self) -> None:
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def _check_storage(self) -> None:
        """Write, read back and delete a small object under its own key.

        The write is not forced to disk: the probe asks whether storage
        answers, and a flush queued behind a busy disk's writes can take
        seconds, which would take a working server out of rotation exactly
        when it is busiest.
        """
        key = f"{PROBE_PREFIX}/{secrets.token_hex(8)}"
        payload = secrets.token_bytes(16)
        try:
            self._storage.put(key, io.BytesIO(payload), durable=False)
            with self._storage.open(key) as stream:
                if stream.read() != payload:
                    raise OSError("the probe object read back differs")
        finally:
            self._storage.delete(key)


def _redis_client(url: str, **options):
    """Imported only when Redis is configured: ~5 MiB per worker otherwise."""
    import redis

    return redis.Redis.from_url(url, **options)
