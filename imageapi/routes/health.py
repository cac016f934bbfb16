"""Liveness and readiness probes."""

from __future__ import annotations

from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.resources.health import Health
from imageapi.resources.health import Readiness
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
                summary="Readiness: the database answers",
                tags=("health",),
                public=True,
                responses={
                    200: Response("Ready to serve.", model=ReadinessOut),
                    503: error("The database cannot be reached."),
                },
            ),
        ),
    ),
)
