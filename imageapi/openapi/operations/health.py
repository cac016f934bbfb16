"""Liveness and readiness probes."""

from __future__ import annotations

from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.schemas.health import HealthOut
from imageapi.schemas.health import ReadinessOut

OPERATIONS = (
    Operation(
        "GET",
        "/healthz",
        operation_id="getHealth",
        summary="Liveness: the process answers",
        tags=("health",),
        public=True,
        responses={200: Response("Alive.", model=HealthOut)},
    ),
    Operation(
        "GET",
        "/readyz",
        operation_id="getReadiness",
        summary="Readiness: the database answers",
        tags=("health",),
        public=True,
        responses={
            200: Response("Ready to serve.", model=ReadinessOut),
            503: error("The database cannot be reached."),
        },
    ),
)
