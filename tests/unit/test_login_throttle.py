"""The login throttle on the limits library's in-memory storage."""

from __future__ import annotations

import pytest
from limits.storage import MemoryStorage

from imageapi.errors import TooManyRequests
from imageapi.services.rate_limits import WindowLoginThrottle


def test_a_locked_out_address_is_refused_without_touching_the_storage():
    storage = MemoryStorage()
    throttle = WindowLoginThrottle(storage, 10, 900, per_address=3)
    for number in range(3):
        throttle.attempt("10.0.0.9", f"random{number}@example.com")
        throttle.failed("10.0.0.9", f"random{number}@example.com")
    with pytest.raises(TooManyRequests, match="from your address"):
        throttle.attempt("10.0.0.9", "random3@example.com")
    counters = dict(storage.storage)
    for number in range(4, 50):
        with pytest.raises(TooManyRequests, match="from your address"):
            throttle.attempt("10.0.0.9", f"random{number}@example.com")
    # No pair counter per refused email: the flood writes nothing more.
    assert dict(storage.storage) == counters
    throttle.attempt("10.0.0.10", "random4@example.com")  # others go on
