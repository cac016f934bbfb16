"""Readiness: can we reach the database?"""

from __future__ import annotations

import logging

from sqlalchemy import Engine
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from imageapi.errors import ServiceUnavailable

log = logging.getLogger(__name__)


class HealthService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def check_ready(self) -> None:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("readiness check failed: %s", exc.__class__.__name__)
            raise ServiceUnavailable("The database is unreachable.") from None
