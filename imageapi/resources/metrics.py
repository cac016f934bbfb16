"""Prometheus metrics of the whole server (its own access rule, not a login)."""

from __future__ import annotations

import falcon

from imageapi.metrics import MetricsAccess
from imageapi.metrics import PrometheusMetrics


class Metrics:
    public_methods = frozenset({"GET"})

    def __init__(self, metrics: PrometheusMetrics, access: MetricsAccess) -> None:
        self._metrics = metrics
        self._access = access

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self._access.check(req.get_header("Authorization"))
        body, content_type = self._metrics.exposition()
        resp.content_type = content_type
        resp.data = body
