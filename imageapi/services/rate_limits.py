"""Rate limits: requests per user per minute, and failed logins per IP + email.

Both are fixed windows counted by the ``limits`` library, in a storage that all
worker processes share: Redis when configured, else the database. When that
storage fails the limit is skipped (logged), rather than failing the request.
"""

from __future__ import annotations

import abc
import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine

from imageapi.config import Config
from imageapi.db.rate_limit_storage import DatabaseRateLimitStorage
from imageapi.errors import TooManyRequests
from imageapi.services.telemetry import Telemetry

log = logging.getLogger(__name__)


def create_rate_limit_storage(config: Config, engine: Engine) -> Storage:
    """Redis when ``redis_url`` is set, else the database behind ``engine``."""
    prefix = config.limits.key_prefix
    if config.redis_url:
        return RedisStorage(config.redis_url, key_prefix=prefix, wrap_exceptions=True)
    return DatabaseRateLimitStorage(engine, prefix, wrap_exceptions=True)


@dataclass(frozen=True)
class RateLimitState:
    """Where a client stands in its current window."""

    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


class _Window:
    """One fixed-window limit over the shared storage."""

    def __init__(
        self, storage: Storage, item: RateLimitItem, clock: Callable[[], float]
    ) -> None:
        self._limiter = FixedWindowRateLimiter(storage)
        self.item = item
        self._clock = clock

    def hit(self, identifier: str) -> bool:
        return self._limiter.hit(self.item, identifier)

    def test(self, identifier: str) -> bool:
        return self._limiter.test(self.item, identifier)

    def clear(self, identifier: str) -> None:
        self._limiter.clear(self.item, identifier)

    def state(self, identifier: str) -> RateLimitState:
        stats = self._limiter.get_window_stats(self.item, identifier)
        reset = max(0, math.ceil(stats.reset_time - self._clock()))
        return RateLimitState(self.item.amount, stats.remaining, reset)


class RequestRateLimit:
    """``requests_per_minute`` per user; the caller skips it when that is 0.

    Windows are aligned to the clock's minutes, so the window's end is known
    without asking the storage: each request costs exactly one atomic
    increment on the shared counter (a Lua call on Redis, one upsert in the
    database) instead of an increment plus reads for the headers.
    """

    WINDOW_SECONDS = 60

    def __init__(
        self,
        storage: Storage,
        requests_per_minute: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._storage = storage
        self._limit = requests_per_minute
        self._clock = clock

    def hit(self, user_id: str) -> RateLimitState | None:
        """Count one request; raise TooManyRequests past the limit.

        Returns the state for the RateLimit-* headers, or None when the storage
        is unavailable (the request then goes through unlimited).
        """
        now = self._clock()
        window = int(now // self.WINDOW_SECONDS)
        try:
            count = self._storage.incr(
                f"requests/{user_id}/{window}", self.WINDOW_SECONDS
            )
        except StorageError as exc:
            log.warning("rate limit storage unavailable: %s", exc)
            return None
        reset = max(1, math.ceil((window + 1) * self.WINDOW_SECONDS - now))
        state = RateLimitState(self._limit, max(0, self._limit - count), reset)
        if count > self._limit:
            raise TooManyRequests(
                f"More than {state.limit} requests in a minute. "
                f"Retry in {state.reset_seconds} s.",
                headers={**state.headers(), "Retry-After": str(state.reset_seconds)},
            )
        return state


class LoginThrottle(abc.ABC):
    """Counts failed logins per client IP + email and locks the pair out."""

    @abc.abstractmethod
    def check(self, client_ip: str, email: str) -> None:
        """Raise TooManyRequests while the pair is locked out."""

    @abc.abstractmethod
    def failed(self, client_ip: str, email: str) -> None:
        """Count one failed attempt."""

    @abc.abstractmethod
    def succeeded(self, client_ip: str, email: str) -> None:
        """Forget the pair's failures."""


class DisabledLoginThrottle(LoginThrottle):
    """Used when ``login_failures`` is 0: never locks anyone out."""

    def check(self, client_ip: str, email: str) -> None:
        """Never raises."""

    def failed(self, client_ip: str, email: str) -> None:
        """Counts nothing."""

    def succeeded(self, client_ip: str, email: str) -> None:
        """Nothing to clear."""


class WindowLoginThrottle(LoginThrottle):
    """Allows ``failures`` failed logins per pair in a fixed window, counted in
    the shared rate-limit storage."""

    def __init__(
        self,
        storage: Storage,
        failures: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        item = RateLimitItemPerSecond(failures, window_seconds)
        self._window = _Window(storage, item, clock)

    def check(self, client_ip: str, email: str) -> None:
        """Raise TooManyRequests while the pair is locked out."""
        identifier = _identifier(client_ip, email)
        try:
            if self._window.test(identifier):
                return
            state = self._window.state(identifier)
        except StorageError as exc:
            log.warning("rate limit storage unavailable: %s", exc)
            return
        retry_after = max(state.reset_seconds, 1)
        raise TooManyRequests(
            f"Too many failed logins for this account from your address. "
            f"Retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )

    def failed(self, client_ip: str, email: str) -> None:
        self._guard(self._window.hit, _identifier(client_ip, email))

    def succeeded(self, client_ip: str, email: str) -> None:
        self._guard(self._window.clear, _identifier(client_ip, email))

    @staticmethod
    def _guard(action: Callable[[str], object], identifier: str) -> None:
        try:
            action(identifier)
        except StorageError as exc:
            log.warning("rate limit storage unavailable: %s", exc)


def _identifier(client_ip: str, email: str) -> str:
    # Hashed: keeps keys short and keeps addresses and emails out of the storage.
    pair = f"{client_ip}\n{email.strip().lower()}"
    return "login/" + hashlib.sha256(pair.encode()).hexdigest()[:32]


class CountedLoginThrottle(LoginThrottle):
    """Another throttle, reporting failed and refused logins to the metrics."""

    def __init__(self, inner: LoginThrottle, telemetry: Telemetry) -> None:
        self._inner = inner
        self._telemetry = telemetry

    def check(self, client_ip: str, email: str) -> None:
        try:
            self._inner.check(client_ip, email)
        except TooManyRequests:
            self._telemetry.login_throttled()
            raise

    def failed(self, client_ip: str, email: str) -> None:
        self._telemetry.login_failed()
        self._inner.failed(client_ip, email)

    def succeeded(self, client_ip: str, email: str) -> None:
        self._inner.succeeded(client_ip, email)
