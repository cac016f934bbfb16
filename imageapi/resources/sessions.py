"""Sessions: log in (token and cookie) and log out."""

from __future__ import annotations

import falcon

from imageapi.config import AuthConfig
from imageapi.schemas.accounts import Credentials
from imageapi.services.accounts import AccountService
from imageapi.services.accounts import IssuedToken
from imageapi.web.body import read_body
from imageapi.web.origin import is_https


class SessionCookie:
    """Sets and clears the browser cookie the way every login route needs."""

    def __init__(self, auth: AuthConfig, trust_forwarded_headers: bool) -> None:
        self._auth = auth
        self._trust_forwarded = trust_forwarded_headers

    def set(
        self, req: falcon.Request, resp: falcon.Response, issued: IssuedToken
    ) -> None:
        # Secure whenever the login itself came over HTTPS, so a browser never
        # sends the cookie in clear text later; cookie_secure forces it when a
        # TLS proxy does not say so.
        secure = self._auth.cookie_secure or is_https(req, self._trust_forwarded)
        resp.set_cookie(
            self._auth.cookie_name,
            issued.token,
            max_age=self._auth.token_ttl_seconds,
            path="/",
            secure=secure,
            http_only=True,
            same_site="Lax",
        )

    def clear(self, resp: falcon.Response) -> None:
        resp.unset_cookie(self._auth.cookie_name, path="/", same_site="Lax")


class SessionCollection:
    public_methods = frozenset({"POST"})

    def __init__(self, accounts: AccountService, cookie: SessionCookie) -> None:
        self._accounts = accounts
        self._cookie = cookie

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_body(req, Credentials)
        issued = self._accounts.log_in(body.email, body.password, req.remote_addr)
        self._cookie.set(req, resp, issued)
        resp.set_header("Cache-Control", "no-store")
        resp.media = {"token": issued.token, "expires_at": issued.expires_at}


class CurrentSession:
    def __init__(self, accounts: AccountService, cookie: SessionCookie) -> None:
        self._accounts = accounts
        self._cookie = cookie

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        self._accounts.log_out(req.context.principal)
        self._cookie.clear(resp)
        resp.status = falcon.HTTP_204
