"""One access log line and the HTTP metrics for every request.

Put it first in the middleware list: its ``process_request`` starts the clock
before anything else and its ``process_response`` sees the final status. A
streamed body (image bytes) is counted as the server reads it, and the request
is finished when the server closes the stream: the line then carries the bytes
really sent (fewer when the client went away) and the time to the last byte.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from typing import BinaryIO

import falcon

from imageapi.activity import RequestsInFlight
from imageapi.metrics import UNMATCHED_ROUTE
from imageapi.metrics import PrometheusMetrics

access_log = logging.getLogger("imageapi.access")


class RequestObservation:
    def __init__(self, metrics: PrometheusMetrics, in_flight: RequestsInFlight) -> None:
        self._metrics = metrics
        self._in_flight = in_flight

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.observed_since = time.perf_counter()
        self._metrics.request_started()
        self._in_flight.started()

    def process_response(self, req, resp: falcon.Response, resource, succeeded):
        since = getattr(req.context, "observed_since", None)
        if since is None:  # process_request never ran
            return

        def finish(sent: int) -> None:
            self._finish(req, resp, since, sent)

        if resp.stream is not None and req.method != "HEAD":
            resp.stream = CountingStream(resp.stream, finish)
            return
        body = None if req.method == "HEAD" else resp.render_body()
        finish(len(body) if body else 0)

    def _finish(self, req, resp: falcon.Response, since: float, sent: int) -> None:
        seconds = time.perf_counter() - since
        status = falcon.http_status_to_code(resp.status)
        route = req.uri_template or UNMATCHED_ROUTE
        self._metrics.request_finished(req.method, route, status, seconds, sent)
        self._in_flight.finished()
        if not access_log.isEnabledFor(logging.INFO):
            return
        principal = getattr(req.context, "principal", None)
        fields: dict[str, Any] = {
            "request_id": getattr(req.context, "request_id", None),
            "method": req.method,
            "route": route,
            "status": status,
            "bytes_sent": sent,
            "duration_ms": round(seconds * 1000, 3),
            "user_id": principal.user.id if principal is not None else None,
            "remote_addr": req.remote_addr,
        }
        # What info() does, without its search of the stack for the caller's
        # file and line, which the access line never shows.
        access_log.handle(
            access_log.makeRecord(
                access_log.name,
                logging.INFO,
                __file__,
                0,
                "%s %s %d %d B %.1f ms",
                (req.method, route, status, sent, seconds * 1000),
                None,
                extra={"fields": fields},
            )
        )


class CountingStream:
    """A readable stream that counts what is read and reports once on close."""

    def __init__(self, stream: BinaryIO, on_close: Callable[[int], None]) -> None:
        self._stream = stream
        self._on_close: Callable[[int], None] | None = on_close
        self._count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._count += len(data)
        return data

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            report, self._on_close = self._on_close, None
            if report is not None:
                report(self._count)
