"""Authentication: cookie, bearer token or API key -> ``req.context.principal``.

Every route needs a principal unless its resource lists the method in
``public_methods``; an unknown route or method stays a 404 or 405, not a 401.
Resources with ``admin_only = True`` answer 403 to anyone but admins.
"""

from __future__ import annotations

import falcon

from imageapi.errors import Forbidden
from imageapi.errors import NotAuthenticated
from imageapi.services.accounts import AccountService


class Authentication:
    def __init__(self, accounts: AccountService, cookie_name: str) -> None:
        self._accounts = accounts
        self._cookie_name = cookie_name

    def process_resource(self, req: falcon.Request, resp, resource, params) -> None:
        req.context.principal = None
        responder = f"on_{req.method.lower()}"
        if resource is None or not hasattr(resource, responder):
            return  # let Falcon answer 404 or 405 rather than 401
        if getattr(resource, "ignores_credentials", False):
            return  # public by design (signed URLs): no lookup, no database
        token = self._token_from(req)
        principal = self._accounts.authenticate(token) if token else None
        if principal is None:
            if req.method in getattr(resource, "public_methods", ()):
                return
            raise NotAuthenticated(
                "Missing, expired or revoked credentials. Log in and send the "
                f"{self._cookie_name} cookie or an 'Authorization: Bearer' header.",
                headers={"WWW-Authenticate": 'Bearer realm="imageapi"'},
            )
        req.context.principal = principal
        if getattr(resource, "admin_only", False) and principal.user.role != "admin":
            raise Forbidden("Only administrators may use this route.")

    def _token_from(self, req: falcon.Request) -> str | None:
        header = req.get_header("Authorization")
        if header:
            scheme, _, credentials = header.partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
            return None
        api_key = req.get_header("X-API-Key")
        if api_key and api_key.strip():
            return api_key.strip()
        values = req.get_cookie_values(self._cookie_name)
        return values[0] if values else None
