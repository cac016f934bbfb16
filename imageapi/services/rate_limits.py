"""Rate limits: requests per user per minute, and failed logins.

All are fixed windows counted by the ``limits`` library, in a storage that all
worker processes share: Redis when configured, else the database. When that
storage fails the limit is skipped (logged), rather than failing the request.
"""

from __future__ import annotations

import abc
import hashlib
import logging
import math
import threading
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

# Lockouts each process remembers (to refuse without asking the storage)
# before it forgets them all and asks again.
REMEMBERED_MAX = 10_000


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
    without asking the storage. Each worker counts its users' requests in
    memory and adds them to the shared counter in batches (one atomic
    increment: a Lua call on Redis, one upsert in the database), so most
    requests cost no round trip at all. The first request of a user in a
    window always goes to the storage, so a worker starts from the shared
    count.

    The price is a bounded overshoot: a worker's unsent requests (fewer than
    ``batch``) are unknown to the other workers, so all of them together let
    through at most ``workers x (batch - 1)`` requests past the limit in a
    window, and ``RateLimit-Remaining`` may be as much too high. The batch is
    1 % of the limit (at most ``MAX_BATCH``), so limits under 200 a minute
    are counted exactly. A refusal is never early: a worker refuses only when
    the shared count it saw plus its own unsent requests are past the limit.
    """

    WINDOW_SECONDS = 60
    MAX_BATCH = 50

    def __init__(
        self,
        storage: Storage,
        requests_per_minute: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._storage = storage
        self._limit = requests_per_minute
        self._clock = clock
        self.batch = min(self.MAX_BATCH, max(1, requests_per_minute // 100))
        # user id -> their count in this worker's current window.
        self._counts: dict[str, _UserCount] = {}
        self._lock = threading.Lock()
        # Users known to be over the limit, with the window they are over it
        # in: their further requests in that window are refused without a
        # storage round trip, so a client looping on 429s costs (nearly)
        # nothing. Per process; cleared when it grows past a bound.
        self._over: dict[str, int] = {}

    def hit(self, user_id: str) -> RateLimitState | None:
        """Count one request; raise TooManyRequests past the limit.

        Returns the state for the RateLimit-* headers, or None when the storage
        is unavailable (the request then goes through unlimited).
        """
        now = self._clock()
        window = int(now // self.WINDOW_SECONDS)
        reset = max(1, math.ceil((window + 1) * self.WINDOW_SECONDS - now))
        if self._over.get(user_id) == window:
            self._refuse(RateLimitState(self._limit, 0, reset))
        with self._lock:
            count = self._counts.get(user_id)
            if count is None or count.window != window:
                if len(self._counts) >= REMEMBERED_MAX:
                    self._counts.clear()
                count = self._counts[user_id] = _UserCount(window)
            count.unsent += 1
            send = count.unsent if count.unsent >= self.batch or not count.seen else 0
            count.unsent -= send
            estimate = count.seen + count.unsent
        if send:
            try:
                shared = self._storage.incr(
                    f"requests/{user_id}/{window}", self.WINDOW_SECONDS, amount=send
                )
            except StorageError as exc:
                with self._lock:
                    count.unsent += send  # tried again with the next request
                log.warning("rate limit storage unavailable: %s", exc)
                return None
            with self._lock:
                # Other threads may have answered with a later count already.
                count.seen = max(count.seen, shared)
                estimate = count.seen + count.unsent
        state = RateLimitState(self._limit, max(0, self._limit - estimate), reset)
        if estimate > self._limit:
            if len(self._over) >= REMEMBERED_MAX:
                self._over.clear()
            self._over[user_id] = window
            self._refuse(state)
        return state

    @staticmethod
    def _refuse(state: RateLimitState) -> None:
        raise TooManyRequests(
            f"More than {state.limit} requests in a minute. "
            f"Retry in {state.reset_seconds} s.",
            headers={**state.headers(), "Retry-After": str(state.reset_seconds)},
        )


@dataclass
class _UserCount:
    """One user's requests in one window, as one worker knows them."""

    window: int
    seen: int = 0  # the shared count after this worker's last increment
    unsent: int = 0  # counted here, not yet added to the shared count


class LoginThrottle(abc.ABC):
    """Counts failed logins per client IP + email and locks the pair out."""

    @abc.abstractmethod
    def attempt(self, client_ip: str, email: str) -> None:
        """Count one attempt before the password is checked; raise
        TooManyRequests when it is over the limit."""

    @abc.abstractmethod
    def failed(self, client_ip: str, email: str) -> None:
        """Count a wrong password for the rules that count failures only."""

    @abc.abstractmethod
    def succeeded(self, client_ip: str, email: str) -> None:
        """Forget the pair's failures."""


class DisabledLoginThrottle(LoginThrottle):
    """Used when ``login_failures`` is 0: never locks anyone out."""

    def attempt(self, client_ip: str, email: str) -> None:
        """Never raises."""

    def failed(self, client_ip: str, email: str) -> None:
        """Nothing to count."""

    def succeeded(self, client_ip: str, email: str) -> None:
        """Nothing to clear."""


@dataclass(frozen=True)
class _LoginLimit:
    """One lockout rule: a window, what it counts by, and what it tells."""

    window: _Window
    identify: Callable[[str, str], str]
    reason: str
    cleared_by_success: bool
    counts_attempts: bool  # every attempt, atomically; else failures only


class WindowLoginThrottle(LoginThrottle):
    """Failed logins in fixed windows, counted in the shared rate-limit storage.

    Three counts, each off when 0: per client IP and email (``failures``: one
    guesser at one account), per client IP whatever the email
    (``per_address``: a flood of random emails, or one guesser spraying many
    accounts) and per email from any address (``per_account``: a guesser
    spread over many addresses). A success clears the first and the last; the
    address count is not cleared, or an attacker with one account of their own
    could reset it between guesses.
    """

    def __init__(
        self,
        storage: Storage,
        failures: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
        *,
        per_address: int = 0,
        per_account: int = 0,
    ) -> None:
        rules = (
            (failures, _identifier, "for this account from your address", True, True),
            (per_address, _address_identifier, "from your address", False, False),
            (per_account, _account_identifier, "for this account", True, False),
        )
        self._clock = clock
        # Identifiers known to be locked out, until when (clock seconds): a
        # flood past its lockout is refused without a storage round trip.
        self._locked_until: dict[str, float] = {}
        self._limits = [
            _LoginLimit(
                _Window(storage, RateLimitItemPerSecond(amount, window_seconds), clock),
                identify,
                reason,
                cleared,
                counts_attempts,
            )
            for amount, identify, reason, cleared, counts_attempts in rules
            if amount
        ]

    def attempt(self, client_ip: str, email: str) -> None:
        """Count the attempt and check every rule before the password is.

        The pair rule (this address, this email) counts every attempt in one
        atomic increment, then checks: a separate "test, verify, then count"
        let every request that tested before the others counted through (17
        answers of 401 for a limit of 10). The flood rules only test here and
        count failures (``failed``), so logging in often never locks an
        address out.

        Every lockout this process remembers is checked before any rule
        touches the storage: a flood of random emails from a locked-out
        address would otherwise write a new pair counter (a database write
        without Redis) on every refused attempt.
        """
        now = self._clock()
        for rule in self._limits:
            until = self._locked_until.get(rule.identify(client_ip, email), 0.0)
            if until > now:
                self._refuse(rule, math.ceil(until - now))
        for rule in self._limits:
            identifier = rule.identify(client_ip, email)
            try:
                check = rule.window.hit if rule.counts_attempts else rule.window.test
                if check(identifier):
                    continue
                state = rule.window.state(identifier)
            except StorageError as exc:
                log.warning("rate limit storage unavailable: %s", exc)
                continue
            retry_after = max(state.reset_seconds, 1)
            if len(self._locked_until) >= REMEMBERED_MAX:
                self._locked_until.clear()
            self._locked_until[identifier] = now + retry_after
            self._refuse(rule, retry_after)

    @staticmethod
    def _refuse(rule: _LoginLimit, retry_after: int) -> None:
        raise TooManyRequests(
            f"Too many failed logins {rule.reason}. Retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )

    def failed(self, client_ip: str, email: str) -> None:
        for rule in self._limits:
            if not rule.counts_attempts:
                self._guard(rule.window.hit, rule.identify(client_ip, email))

    def succeeded(self, client_ip: str, email: str) -> None:
        for rule in self._limits:
            if rule.cleared_by_success:
                self._guard(rule.window.clear, rule.identify(client_ip, email))

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


def _address_identifier(client_ip: str, email: str) -> str:
    return "login-ip/" + hashlib.sha256(client_ip.encode()).hexdigest()[:32]


def _account_identifier(client_ip: str, email: str) -> str:
    key = email.strip().lower().encode()
    return "login-account/" + hashlib.sha256(key).hexdigest()[:32]


class CountedLoginThrottle(LoginThrottle):
    """Another throttle, reporting failed and refused logins to the metrics."""

    def __init__(self, inner: LoginThrottle, telemetry: Telemetry) -> None:
        self._inner = inner
        self._telemetry = telemetry

    def attempt(self, client_ip: str, email: str) -> None:
        try:
            self._inner.attempt(client_ip, email)
        except TooManyRequests:
            self._telemetry.login_throttled()
            raise

    def failed(self, client_ip: str, email: str) -> None:
        self._telemetry.login_failed()
        self._inner.failed(client_ip, email)

    def succeeded(self, client_ip: str, email: str) -> None:
        self._inner.succeeded(client_ip, email)
