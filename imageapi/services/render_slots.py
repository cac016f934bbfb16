"""Who may render now: bounded slots, a per-user share, a lane for cheap work.

A worker process renders at most ``max_parallel_renders`` images at once.
Without more than that, one user looping huge blurred enlargements fills every
slot and everyone else's thumbnails wait seconds behind them. So:

* expensive renders (estimated work over ``cheap_render_pixels``) may take
  all slots but one: the last slot is kept for cheap ones, so a thumbnail never
  queues behind a ten-second render;
* each user runs at most ``max_user_parallel_renders`` expensive renders, and
  at most ``max_user_queued_renders`` more wait; past that the user gets 429
  at once rather than a growing queue that holds server threads.

Cheap renders are not counted per user: a page of thumbnails loads in
parallel, each takes milliseconds, and the per-user request rate bounds them.

The counts are per worker process, not shared: a shared count (Redis or the
database) would cost a round trip on every render and leave stale counts when
a worker dies mid-render. With W workers a user can run W times the per-worker
share, which still leaves every worker's reserved slot to others.

One count is shared by the workers of a host, cheaply: expensive renders also
take one of ``max_host_expensive_renders`` lock files (``flock``), so however
many workers there are, expensive work leaves cores to the cheap. The kernel
releases a dead worker's locks, so nothing goes stale.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from imageapi.errors import TooManyRequests
from imageapi.processing.deadline import RenderTimeout

# What a refused user is told to wait: renders take from milliseconds to the
# time limit; a second is a polite retry interval either way.
RETRY_AFTER_SECONDS = 1
# How often a render waiting for a host-wide lock tries again.
LOCK_POLL_SECONDS = 0.025


class HostLane:
    """At most ``count`` holders among every process of this host.

    Each holder locks one of ``count`` files with ``flock``; a file is opened
    for every attempt, so threads of one process exclude each other too.
    """

    def __init__(self, directory: Path, count: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._paths = [directory / f"expensive-render-{n}.lock" for n in range(count)]

    @contextmanager
    def hold(self, deadline: float) -> Iterator[None]:
        """Hold a place until the block ends; RenderTimeout past ``deadline``."""
        descriptor = self._acquire(deadline)
        try:
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def _acquire(self, deadline: float) -> int:
        while True:
            for path in self._paths:
                descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(descriptor)
                    continue
                return descriptor
            if time.monotonic() >= deadline:
                raise _busy()
            time.sleep(LOCK_POLL_SECONDS)


def _busy() -> RenderTimeout:
    return RenderTimeout(
        "Every render slot stayed busy for the whole time limit; try again."
    )


class RenderSlots:
    def __init__(
        self,
        parallel: int,
        user_parallel: int,
        user_queued: int,
        host_lane: HostLane,
    ) -> None:
        self._host_lane = host_lane
        self._parallel = parallel
        # With a single slot there is nothing to reserve.
        self._expensive_parallel = max(1, parallel - 1)
        self._user_parallel = user_parallel
        self._user_queued = user_queued
        self._condition = threading.Condition()
        self._running = 0
        self._running_expensive = 0
        self._expensive_by_user: Counter[str] = Counter()
        self._waiting_by_user: Counter[str] = Counter()

    @contextmanager
    def slot(self, user_id: str, *, expensive: bool, timeout: float) -> Iterator[None]:
        """Hold a render slot for ``user_id`` for the duration of the block.

        Raises:
            TooManyRequests: an expensive render, and the user already has
                its share running and its queue full (429, Retry-After).
            RenderTimeout: no slot freed up within ``timeout`` seconds (503).
        """
        deadline = time.monotonic() + timeout
        with self._condition:
            if not self._may_start(user_id, expensive):
                if expensive and self._waiting_by_user[user_id] >= self._user_queued:
                    raise TooManyRequests(
                        "You have too many images rendering at once; retry "
                        f"in {RETRY_AFTER_SECONDS} s.",
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                    )
                self._wait(user_id, expensive, deadline)
            self._running += 1
            self._running_expensive += expensive
            self._expensive_by_user[user_id] += expensive
        try:
            if expensive:
                with self._host_lane.hold(deadline):
                    yield
            else:
                yield
        finally:
            with self._condition:
                self._running -= 1
                self._running_expensive -= expensive
                self._expensive_by_user[user_id] -= expensive
                if not self._expensive_by_user[user_id]:
                    del self._expensive_by_user[user_id]
                self._condition.notify_all()

    def _wait(self, user_id: str, expensive: bool, deadline: float) -> None:
        self._waiting_by_user[user_id] += expensive
        try:
            while not self._may_start(user_id, expensive):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _busy()
                self._condition.wait(remaining)
        finally:
            self._waiting_by_user[user_id] -= expensive
            if not self._waiting_by_user[user_id]:
                del self._waiting_by_user[user_id]

    def _may_start(self, user_id: str, expensive: bool) -> bool:
        if self._running >= self._parallel:
            return False
        if not expensive:
            return True
        return (
            self._running_expensive < self._expensive_parallel
            and self._expensive_by_user[user_id] < self._user_parallel
        )
