"""argon2id password hashing, a few hashes at a time.

Each hash takes ``memory_kib`` (64 MiB by default) and tens of milliseconds of
a core, on purpose. A flood of logins would otherwise run one per server
thread at once: the worker's memory grows by that many times 64 MiB and
everyone else's requests queue for the cores. So at most ``parallel`` hashes
run per process, at most ``queued`` more wait, and anything beyond is refused
at once (429 with Retry-After) rather than queued behind the flood.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

from imageapi.errors import TooManyRequests

Result = TypeVar("Result")
RETRY_AFTER_SECONDS = 1  # a hash takes well under a second


class Passwords:
    def __init__(
        self,
        time_cost: int,
        memory_kib: int,
        parallelism: int,
        *,
        parallel: int,
        queued: int,
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self._admitted = threading.BoundedSemaphore(parallel + queued)
        self._running = threading.BoundedSemaphore(parallel)
        # Verified against when the email is unknown, so a wrong email costs
        # as much time as a wrong password and reveals nothing.
        self._decoy = self._hasher.hash("decoy password, never matches")

    def hash(self, password: str) -> str:
        """The argon2id hash of ``password``.

        Raises:
            TooManyRequests: every hashing slot and queue place is taken.
        """
        return self._bounded(lambda: self._hasher.hash(password))

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; a missing hash never matches.

        Raises:
            TooManyRequests: every hashing slot and queue place is taken.
        """
        return self._bounded(lambda: self._matches(password_hash, password))

    def _matches(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    def _bounded(self, hashing: Callable[[], Result]) -> Result:
        if not self._admitted.acquire(blocking=False):
            raise TooManyRequests(
                "The server is busy checking passwords; retry in "
                f"{RETRY_AFTER_SECONDS} s.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        try:
            with self._running:
                return hashing()
        finally:
            self._admitted.release()
