"""The apps' clock in tests: it stands still until the test moves it, so
expiry, windows and dates are tested without sleeps or races with midnight."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from tests.rows import NOW


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
