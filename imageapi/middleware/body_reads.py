"""Bound the request bodies a worker reads at once, per client address and in all.

granian hands a request to a server thread as soon as its headers are in, and
reading the body then blocks that thread until the bytes arrive: it has no
timeout for bodies, and the read cannot be interrupted from Python (reading
from a thread of our own, to give up after a deadline, stalls the whole
worker until that read ends). A few hundred clients sending their bodies a
byte at a time would hold every thread. So:

* the server runs ``max_parallel_body_reads`` threads per worker on top of
  the ones that work (``server.py``), and at most ``working`` requests do
  work at once: a request gives its working place up while it waits for body
  bytes and takes one again before it goes on. Waiting for a slow client
  then costs a thread, never one of the places that do the work, and the
  memory each working request may use is bounded as before;
* a body read needs a place: at most ``max_parallel_body_reads`` per worker
  process (503 past it), at most ``max_address_body_reads`` of them for one
  client address (429), so one address cannot take them all.

A request takes its body place on its first read and gives it back once the
body is read to its end, or when the request is over. Requests that never
read their body (refused before, like an upload without credentials) take
none.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse
from wsgiref.types import WSGIApplication
from wsgiref.types import WSGIEnvironment

from imageapi.errors import ServiceUnavailable
from imageapi.errors import TooManyRequests
from imageapi.limits import Limits

RETRY_AFTER_SECONDS = 1


class BodyReadPlaces:
    """Counts of bodies being read, in all and per client address."""

    def __init__(self, limit: int, per_address: int) -> None:
        self._limit = limit
        self._per_address = per_address
        self._lock = threading.Lock()
        self._total = 0
        self._by_address: Counter[str] = Counter()

    def take(self, address: str) -> None:
        """Take a place for a body from ``address``, or refuse at once.

        Raises:
            TooManyRequests: this address has its share of places.
            ServiceUnavailable: every place is taken.
        """
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        with self._lock:
            if self._per_address and self._by_address[address] >= self._per_address:
                raise TooManyRequests(
                    "Too many request bodies are arriving from your address at "
                    f"once; retry in {RETRY_AFTER_SECONDS} s.",
                    headers=retry,
                )
            if self._total >= self._limit:
                raise ServiceUnavailable(
                    "The server is reading as many request bodies as it can; "
                    f"retry in {RETRY_AFTER_SECONDS} s.",
                    headers=retry,
                )
            self._total += 1
            self._by_address[address] += 1

    def give_back(self, address: str) -> None:
        with self._lock:
            self._total -= 1
            self._by_address[address] -= 1
            if not self._by_address[address]:
                del self._by_address[address]


class PlacedBody:
    """``wsgi.input`` that takes a body place on its first read, until the end,
    and gives the request's working place up while it waits for bytes."""

    def __init__(
        self,
        stream: Any,
        places: BodyReadPlaces,
        working: threading.Semaphore,
        address: str,
        length: int | None,
    ) -> None:
        self._stream = stream
        self._places = places
        self._working = working
        self._address = address
        self._unread = length  # None: chunked, the end is known when it comes
        self._state = "unread"  # then "reading", then "done"

    def read(self, size: int | None = -1) -> bytes:
        if self._state == "unread":
            self._places.take(self._address)
            self._state = "reading"
        whole = size is None or size < 0
        self._working.release()
        try:
            data = self._stream.read(None if whole else size)
        finally:
            self._working.acquire()
        if self._unread is not None:
            self._unread -= len(data)
        # granian returns less than asked only at the end of the body.
        if whole or len(data) < size or self._unread == 0:
            self.finish()
        return data

    def finish(self) -> None:
        if self._state == "reading":
            self._places.give_back(self._address)
        self._state = "done"


class BodyReadGuard:
    """WSGI wrapper: a working place per request, a ``PlacedBody`` per body."""

    def __init__(self, app: WSGIApplication, limits: Limits, working: int) -> None:
        self._app = app
        self._places = BodyReadPlaces(
            limits.max_parallel_body_reads, limits.max_address_body_reads
        )
        self._working = threading.Semaphore(working)

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        with self._working:
            if not has_body(environ):
                return self._app(environ, start_response)
            body = PlacedBody(
                environ["wsgi.input"],
                self._places,
                self._working,
                environ.get("REMOTE_ADDR", ""),
                content_length(environ),
            )
            environ["wsgi.input"] = body
            try:
                return self._app(environ, start_response)
            finally:
                body.finish()


def has_body(environ: WSGIEnvironment) -> bool:
    length = environ.get("CONTENT_LENGTH", "")
    return length not in ("", "0") or "HTTP_TRANSFER_ENCODING" in environ


def content_length(environ: WSGIEnvironment) -> int | None:
    """The announced length, or None when the body is chunked."""
    if "HTTP_TRANSFER_ENCODING" in environ:
        return None
    try:
        return int(environ.get("CONTENT_LENGTH", ""))
    except ValueError:
        return None
