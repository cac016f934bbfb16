"""A time limit for one render, enforced between steps and inside libvips.

libvips evaluates lazily: most of a render happens inside the final encode,
where no Python code runs between steps. ``watch`` turns on libvips' progress
signal for that image and sets its kill flag once the time is up, so the encode
stops within a tile or two instead of running to the end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pyvips

from imageapi.errors import ServiceUnavailable


class RenderTimeout(ServiceUnavailable):
    title = "Processing took too long"


class Deadline:
    def __init__(self, seconds: float, clock=time.monotonic) -> None:
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

        libvips' operation cache may hand the same image to a later render, so
        the handler only acts while this block runs, and a killed image is
        revived afterwards for whoever uses it next.
        """
        watching = True

        def on_eval(evaluated: pyvips.Image, _progress) -> None:
            if watching and self.expired:
                evaluated.set_kill(True)

        image.set_progress(True)
        image.signal_connect("eval", on_eval)
        try:
            yield
        finally:
            watching = False
            image.set_kill(False)
