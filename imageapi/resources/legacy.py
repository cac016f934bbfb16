"""The earlier project's routes, kept working on top of the same services."""

from __future__ import annotations

import falcon

from imageapi.resources.sessions import SessionCookie
from imageapi.schemas.accounts import Credentials
from imageapi.schemas.accounts import NewUser
from imageapi.services.accounts import AccountService
from imageapi.web.body import read_body
from imageapi.web.representations import user_document


class LegacyRegister:
    """``POST /api/user/register``: 201, or 409 when the email is taken."""

    public_methods = frozenset({"POST"})

    def __init__(self, accounts: AccountService) -> None:
        self._accounts = accounts

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_body(req, NewUser)
        user = self._accounts.register(body.email, body.password)
        resp.status = falcon.HTTP_201
        resp.media = user_document(user)


class LegacyLogin:
    """``POST /api/user/login``: 200 and the auth cookie, or 401."""

    public_methods = frozenset({"POST"})

    def __init__(self, accounts: AccountService, cookie: SessionCookie) -> None:
        self._accounts = accounts
        self._cookie = cookie

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_body(req, Credentials)
        issued = self._accounts.log_in(body.email, body.password, req.remote_addr)
        self._cookie.set(resp, issued)
        resp.set_header("Cache-Control", "no-store")
        resp.media = {"token": issued.token, "expires_at": issued.expires_at}
