"""Requests per minute are counted in windows of the clock's minutes: a test
that counts them must not see a window end in the middle."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime

from imageapi.services.rate_limits import RequestRateLimit

WINDOW_SECONDS = RequestRateLimit.WINDOW_SECONDS
# Where in a window a shifted clock starts: room for a whole test after it.
EARLY = 5.0


def clock_early_in_a_window() -> Callable[[], datetime]:
    """The real clock, shifted to start ``EARLY`` seconds into a window: an
    app built with it counts a test's requests in one window."""
    offset = EARLY - time.time() % WINDOW_SECONDS
    return lambda: datetime.fromtimestamp(time.time() + offset, UTC)


def wait_for_room_in_this_window(needed: float = 20.0) -> None:
    """For a live server, which keeps the real clock: when less than ``needed``
    seconds of the window are left, sleep into the next one."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < needed:
        time.sleep(left + 0.1)
