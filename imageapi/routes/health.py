"""Liveness and readiness probes."""

from __future__ import annotations

from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.resources.health import Health
from imageapi.resources.health import Readiness
from imageapi.resources.metrics import Metrics
from imageapi.routes.route import Route
from imageapi.schemas.health import HealthOut
from imageapi.schemas.health import ReadinessOut

ROUTES = (
    Route(
        "health",
        "/healthz",
        lambda ctx: Health(),
        (
            Operation(
                "GET",
                operation_id="getHealth",
                summary="Liveness: the process answers",
                tags=("health",),
                public=True,
                responses={200: Response("Alive.", model=HealthOut)},
            ),
        ),
    ),
    Route(
        "readiness",
        "/readyz",
        lambda ctx: Readiness(ctx.services.health),
        (
            Operation(
                "GET",
                operation_id="getReadiness",
                summary="Readiness: the database, the storage and Redis answer",
                description="Each dependency is checked with a short time "
                "limit; the answer names the ones that failed.",
                tags=("health",),
                public=True,
                responses={
                    200: Response("Ready to serve.", model=ReadinessOut),
                    503: error(
                        "A dependency failed or did not answer in time; the "
                        "description names each one and its result (failed, "
                        "timeout)."
                    ),
                },
            ),
        ),
    ),
    Route(
        "metrics",
        "/metrics",
        lambda ctx: Metrics(ctx.services.metrics, ctx.services.metrics_access),
        (
            Operation(
                "GET",
                operation_id="getMetrics",
                summary="Prometheus metrics, summed over the server's workers",
                description="Without metrics.token, served only while the "
                "server listens on a loopback address; with it, to clients "
                "that send it as a bearer token.",
                tags=("health",),
                public=True,
                responses={
                    200: Response(
                        "The metrics in the Prometheus text format.",
                        content={"text/plain": {"schema": {"type": "string"}}},
                    ),
                    401: error("metrics.token is set and was not sent."),
                    404: error("Metrics are off."),
                },
            ),
        ),
    ),
)
