"""Accounts: register, and the current user's profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

import falcon

from imageapi.schemas.accounts import NewUser
from imageapi.services.registration import RegistrationService
from imageapi.web.body import read_body
from imageapi.web.representations import user_document

if TYPE_CHECKING:
    from imageapi.routes.urls import Urls


class UserCollection:
    public_methods = frozenset({"POST"})

    def __init__(self, registration: RegistrationService, urls: Urls) -> None:
        self._registration = registration
        self._urls = urls

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_body(req, NewUser)
        user = self._registration.register(body.email, body.password, body.invite_code)
        resp.status = falcon.HTTP_201
        resp.location = self._urls.url_for("current_user")
        resp.media = user_document(user)


class CurrentUser:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = user_document(req.context.principal.user)
