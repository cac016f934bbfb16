"""A time limit for one render, enforced between steps and inside libvips.

libvips evaluates lazily: most of a render happens inside the final encode,
where no Python code runs between steps. ``watch`` arms a timer that sets the
image's kill flag when the time is up; libvips checks it for every tile, so the
encode stops within a tile or two instead of running to the end.

A timer rather than libvips' ``eval`` progress signal: the operation cache can
hand the same image to a later render after pyvips has freed the Python
callback a signal handler points to, and the next evaluation then crashes the
process (seen in tests). A timer leaves nothing behind on the image.
"""

from __future__ import annotations

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
        remaining = max(0.0, self._end - self._clock())
        timer = threading.Timer(remaining, image.set_kill, args=(True,))
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            image.set_kill(False)
