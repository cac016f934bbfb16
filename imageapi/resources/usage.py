"""The current user's usage report."""

from __future__ import annotations

import falcon

from imageapi.services.usage import UsageService
from imageapi.web.usage_representations import usage_document


class UsageSummary:
    """``GET /api/v1/users/me/usage?from=YYYY-MM-DD&to=YYYY-MM-DD``."""

    def __init__(self, usage: UsageService) -> None:
        self._usage = usage

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        summary = self._usage.summary(
            req.context.principal.user.id,
            req.get_param_as_date("from"),
            req.get_param_as_date("to"),
        )
        resp.media = usage_document(summary)
