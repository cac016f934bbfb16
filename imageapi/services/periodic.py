"""A background thread that calls a flush every few seconds.

Buffers that take writes off the request path (usage counters, derivative
uses) share it: the thread starts on first use, so it runs in the worker
process after any fork, and ``stop`` ends it for a last flush by the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class PeriodicFlush:
    def __init__(
        self, flush: Callable[[], None], interval_seconds: float, name: str
    ) -> None:
        self._flush = flush
        self._interval = interval_seconds
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ensure_started(self) -> None:
        """Start the thread unless it runs.

        Callers hold their buffer's lock, so two threads never both start one.
        """
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=self._name, daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """End the thread, waiting for a flush in progress."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._flush()
