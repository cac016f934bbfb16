"""A time limit for one render, enforced between steps and inside libvips.

libvips evaluates lazily: most of a render happens inside the final encode,
where no Python code runs between steps. ``watch`` hands the image to the
process's watchdog thread, which sets its kill flag when the time is up;
libvips checks it for every tile, so the encode stops within a tile or two
instead of running to the end.

A watchdog rather than libvips' ``eval`` progress signal: the operation cache
can hand the same image to a later render after pyvips has freed the Python
callback a signal handler points to, and the next evaluation then crashes the
process (seen in tests). A watchdog leaves nothing behind on the image. One
thread for all renders rather than a timer thread each: starting a thread
cost about a quarter of a millisecond per render.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager

import pyvips

from imageapi.errors import ServiceUnavailable


class RenderTimeout(ServiceUnavailable):
    title = "Processing took too long"


class Deadline:
    def __init__(
        self, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._seconds = seconds
        self._end = clock() + seconds

    @property
    def expired(self) -> bool:
        return self._clock() >= self._end

    def check(self) -> None:
        """Raise ``RenderTimeout`` if the time is up."""
        if self.expired:
            raise self.error()

    def error(self) -> RenderTimeout:
        return RenderTimeout(
            f"Rendering took longer than {self._seconds:g} s; try a smaller size."
        )

    @contextmanager
    def watch(self, image: pyvips.Image) -> Iterator[None]:
        """While in the block, kill ``image``'s evaluation once time is up.

        The image may be shared through libvips' operation cache, so its kill
        flag is cleared again on the way out.
        """
        ticket = _watchdog().arm(time.monotonic() + self._remaining(), image)
        try:
            yield
        finally:
            _watchdog().disarm(ticket)
            image.set_kill(False)

    def _remaining(self) -> float:
        return max(0.0, self._end - self._clock())


class _Watchdog:
    """Sets the kill flag of images whose time ran out; one thread per process."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._due: list[tuple[float, int]] = []  # (monotonic time, ticket)
        self._images: dict[int, pyvips.Image] = {}
        self._tickets = itertools.count()
        threading.Thread(target=self._run, name="render-watchdog", daemon=True).start()

    def arm(self, at: float, image: pyvips.Image) -> int:
        with self._condition:
            ticket = next(self._tickets)
            self._images[ticket] = image
            heapq.heappush(self._due, (at, ticket))
            if self._due[0][1] == ticket:
                self._condition.notify()
            return ticket

    def disarm(self, ticket: int) -> None:
        with self._condition:
            self._images.pop(ticket, None)  # its heap entry is skipped later

    def _run(self) -> None:
        with self._condition:
            while True:
                while self._due and self._due[0][1] not in self._images:
                    heapq.heappop(self._due)
                if not self._due:
                    self._condition.wait()
                    continue
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                _, ticket = heapq.heappop(self._due)
                self._images.pop(ticket).set_kill(True)


_watchdogs: dict[int, _Watchdog] = {}
_watchdogs_lock = threading.Lock()


def _watchdog() -> _Watchdog:
    """This process's watchdog (a thread does not survive a fork)."""
    pid = os.getpid()
    watchdog = _watchdogs.get(pid)
    if watchdog is None:
        with _watchdogs_lock:
            watchdog = _watchdogs.get(pid)
            if watchdog is None:  # the first render of this process
                watchdog = _watchdogs[pid] = _Watchdog()
    return watchdog
