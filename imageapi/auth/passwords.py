"""argon2id password hashing, a few hashes at a time, at the lowest CPU priority.

Each hash takes ``memory_kib`` (64 MiB by default) and tens of milliseconds of
a core, on purpose. A flood of logins would otherwise run one per server
thread at once: the worker's memory grows by that many times 64 MiB and
everyone else's requests queue for the cores. So at most ``parallel`` hashes
run per process, at most ``queued`` more wait, and anything beyond is refused
at once (429 with Retry-After) rather than queued behind the flood.

The hashes run in threads of their own, niced to 19: on Linux the nice value
belongs to a thread, and the threads libargon2 starts for its lanes inherit
it. Whenever another request wants a core, the kernel gives it that core
before a hash; a login waits longer on a busy machine, nobody else does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

from imageapi.errors import TooManyRequests
from imageapi.priority import lower_thread_priority

log = logging.getLogger(__name__)

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
        # Never more threads than hashes allowed to run: the admitted ones
        # beyond that wait in the pool's queue.
        self._hashing = ThreadPoolExecutor(
            max_workers=parallel,
            thread_name_prefix="password-hash",
            initializer=lower_thread_priority,
            initargs=("password hashing",),
        )
        # Verified against when the email is unknown, so a wrong email costs
        # as much time as a wrong password and reveals nothing.
        self._decoy = self._hasher.hash("decoy password, never matches")

    def hash(self, password: str) -> str:
        """The argon2id hash of ``password``.

        Raises:
            TooManyRequests: every hashing slot and queue place is taken.
        """
        with self.admitted() as hashing:
            return hashing.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; a missing hash never matches.

        Raises:
            TooManyRequests: every hashing slot and queue place is taken.
        """
        with self.admitted() as hashing:
            return hashing.verify(password_hash, password)

    @contextmanager
    def admitted(self) -> Iterator[Hashing]:
        """A place among the hashes running or queued, for one caller.

        Taken before a login looks the account up, so that a flood past the
        bound is refused without a query.

        Raises:
            TooManyRequests: every hashing slot and queue place is taken.
        """
        if not self._admitted.acquire(blocking=False):
            raise TooManyRequests(
                "The server is busy checking passwords; retry in "
                f"{RETRY_AFTER_SECONDS} s.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        try:
            yield Hashing(self._hasher, self._hashing, self._decoy)
        finally:
            self._admitted.release()


@dataclass(frozen=True)
class Hashing:
    """Hashes run for a caller that holds a place (``Passwords.admitted``)."""

    _hasher: PasswordHasher
    _threads: ThreadPoolExecutor
    _decoy: str

    def hash(self, password: str) -> str:
        return self._threads.submit(self._hasher.hash, password).result()

    def verify(self, password_hash: str | None, password: str) -> bool:
        return self._threads.submit(self._matches, password_hash, password).result()

    def _matches(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False
