"""Liveness and readiness probes (no authentication)."""

from __future__ import annotations

import falcon

from imageapi.errors import ServiceUnavailable
from imageapi.services.health import HealthService


class Health:
    public_methods = frozenset({"GET", "HEAD"})

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"status": "ok"}


class Readiness:
    public_methods = frozenset({"GET", "HEAD"})

    def __init__(self, health: HealthService) -> None:
        self._health = health

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        readiness = self._health.check_ready()
        if not readiness.ready:
            raise ServiceUnavailable(readiness.summary)
        resp.media = {"status": "ok", **readiness.checks}
