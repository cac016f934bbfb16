"""Background work that yields the CPU to requests."""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

LOWEST_PRIORITY = 19


def lower_thread_priority(work: str) -> None:
    """Nice the calling thread (not its process) to the lowest priority.

    On Linux the nice value belongs to each thread, and threads a library
    starts from this one (libargon2's lanes) inherit it: whenever a request
    wants a core, it gets it first.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)
    except OSError as exc:  # not Linux, or not allowed: normal priority
        log.warning("%s keeps the normal CPU priority: %s", work, exc)
