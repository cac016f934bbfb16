"""The current user's usage report."""

from __future__ import annotations

import falcon

from imageapi.schemas.usage import UsageQuery
from imageapi.services.quotas import QuotaService
from imageapi.services.usage import UsageService
from imageapi.web.query import read_query
from imageapi.web.usage_representations import usage_document


class UsageSummary:
    """Your usage: ``GET ?from=YYYY-MM-DD&to=YYYY-MM-DD``."""

    def __init__(self, usage: UsageService, quotas: QuotaService) -> None:
        self._usage = usage
        self._quotas = quotas

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = read_query(req, UsageQuery)
        user = req.context.principal.user
        summary = self._usage.summary(user.id, query.first, query.last)
        # The principal's user row already holds its quotas: no second query.
        resp.media = usage_document(summary, self._quotas.quotas_for(user))
