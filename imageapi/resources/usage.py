"""The current user's usage report."""

from __future__ import annotations

import falcon

from imageapi.schemas.usage import UsageQuery
from imageapi.services.usage import UsageService
from imageapi.web.query import read_query
from imageapi.web.usage_representations import usage_document


class UsageSummary:
    """Your usage: ``GET ?from=YYYY-MM-DD&to=YYYY-MM-DD``."""

    def __init__(self, usage: UsageService) -> None:
        self._usage = usage

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = read_query(req, UsageQuery)
        summary = self._usage.summary(
            req.context.principal.user.id, query.first, query.last
        )
        resp.media = usage_document(summary)
