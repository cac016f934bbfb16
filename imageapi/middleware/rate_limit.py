"""Per-user request rate limit, applied right after authentication."""

from __future__ import annotations

import falcon

from imageapi.services.rate_limits import RequestRateLimit


class RateLimiting:
    """429 with ``Retry-After`` past the limit; ``RateLimit-*`` headers always.

    Must come after ``Authentication`` in the middleware list: it limits
    authenticated users and leaves anonymous requests alone.
    """

    def __init__(self, limit: RequestRateLimit) -> None:
        self._limit = limit

    def process_resource(self, req: falcon.Request, resp, resource, params) -> None:
        principal = getattr(req.context, "principal", None)
        if principal is None:
            return
        state = self._limit.hit(principal.user.id)
        if state is not None:
            resp.set_headers(state.headers())
