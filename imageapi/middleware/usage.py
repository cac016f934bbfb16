"""Usage accounting: count every authenticated request for its user and key."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import falcon

from imageapi.services.usage_recorder import CounterKey
from imageapi.services.usage_recorder import UsageRecorder


class UsageAccounting:
    """Hands each authenticated request's numbers to the per-worker recorder.

    Put it first in the middleware list: its ``process_request`` then starts the
    clock before anything else and its ``process_response`` runs last, when the
    status and body are final. Requests without a principal (401s, public
    routes, unknown paths) are not counted, except signed URLs, which count
    for the image's owner.
    """

    def __init__(self, recorder: UsageRecorder, clock: Callable[[], datetime]) -> None:
        self._recorder = recorder
        self._clock = clock

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.usage_started = time.perf_counter()

    def process_response(self, req, resp: falcon.Response, resource, succeeded):
        principal = getattr(req.context, "principal", None)
        # Signed URLs name the owner instead: their bytes count as the owner's.
        owner = getattr(req.context, "usage_user_id", None)
        if principal is None and owner is None:
            return
        elapsed_ms = (time.perf_counter() - req.context.usage_started) * 1000
        status = falcon.http_status_to_code(resp.status)
        key = CounterKey(
            user_id=principal.user.id if principal else owner,
            day=self._clock().date(),
            api_key_id=(principal.api_key_id if principal else None) or "",
            route=f"{req.method} {req.uri_template}",
            status_class=f"{status // 100}xx",
        )
        self._recorder.record(
            key,
            bytes_in=req.content_length or 0,
            bytes_out=_bytes_out(req, resp),
            processing_ms=elapsed_ms,
            derivative_served=bool(getattr(req.context, "derivative_served", False)),
        )


def _bytes_out(req: falcon.Request, resp: falcon.Response) -> int:
    if req.method == "HEAD":
        return 0  # Content-Length announces a body that is not sent
    if resp.stream is not None:
        # Streamed bodies (image content) are not read here; they declare a length.
        return int(resp.get_header("Content-Length") or 0)
    body = resp.render_body()  # media is rendered once and cached by Falcon
    return len(body) if body else 0
