"""Requests a worker process is answering, for work that waits for a lull."""

from __future__ import annotations

import threading
import time


class RequestsInFlight:
    """Counted by middleware/observation.py from the first middleware to the
    last byte sent; job runners wait for a lull (services/jobs.py)."""

    def __init__(self) -> None:
        self._count = 0
        self._idle_since = time.monotonic()
        self._changed = threading.Condition()

    def started(self) -> None:
        with self._changed:
            self._count += 1

    def finished(self) -> None:
        with self._changed:
            self._count -= 1
            if self._count == 0:
                self._idle_since = time.monotonic()
                self._changed.notify_all()

    def wait_for_lull(self, quiet: float, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds until no request has been in
        flight for ``quiet`` seconds; whether that happened.

        A lull, not a mere gap: between the requests of a busy client there
        are gaps of a fraction of a millisecond, and work started in one
        would hold the interpreter the next request needs.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                now = time.monotonic()
                if self._count == 0 and now - self._idle_since >= quiet:
                    return True
                if now >= deadline:
                    return False
                wait = deadline - now
                if self._count == 0:
                    wait = min(wait, self._idle_since + quiet - now)
                self._changed.wait(wait)
