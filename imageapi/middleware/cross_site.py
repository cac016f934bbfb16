"""Cross-site request forgery: refuse changes a browser sends for another site.

A browser attaches our session cookie to requests that another site's page
makes (a form POST, a fetch). Such a request names the other site in its
``Origin`` header, and current browsers also say ``Sec-Fetch-Site:
cross-site``. Any request that may change something (every method but GET,
HEAD and OPTIONS), and that is not authenticated by an explicit header
(``Authorization`` or ``X-API-Key``, which no other site can make a browser
send), is refused with 403 when either header says it comes from elsewhere.
Login and logout included: a forged login would sign the victim into the
attacker's account. Requests without ``Origin`` (curl, SDKs, servers) pass.
The ``SameSite=Lax`` cookie is a second line for browsers without these
headers.
"""

from __future__ import annotations

import falcon

from imageapi.errors import Forbidden
from imageapi.web.origin import is_own_origin

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RefuseCrossSiteRequests:
    def __init__(self, trust_forwarded_headers: bool) -> None:
        self._trust_forwarded = trust_forwarded_headers

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.method in SAFE_METHODS:
            return
        if req.get_header("Authorization") or req.get_header("X-API-Key"):
            return
        if (req.get_header("Sec-Fetch-Site") or "").lower() == "cross-site":
            raise Forbidden("Cross-site requests may not change anything here.")
        origin = req.get_header("Origin")
        if origin is None:
            return
        if not is_own_origin(req, origin, self._trust_forwarded):
            raise Forbidden(
                f"Requests from {origin!r} may not change anything here; "
                "only this service's own pages may."
            )
