"""The current user's API keys: create (key shown once), list, revoke."""

from __future__ import annotations

from typing import TYPE_CHECKING

import falcon

from imageapi.schemas.usage import NewApiKey
from imageapi.services.api_keys import ApiKeyService
from imageapi.web.body import read_body
from imageapi.web.usage_representations import api_key_document
from imageapi.web.usage_representations import issued_api_key_document

if TYPE_CHECKING:
    from imageapi.routes.urls import Urls


class ApiKeyCollection:
    def __init__(self, api_keys: ApiKeyService, urls: Urls) -> None:
        self._api_keys = api_keys
        self._urls = urls

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        user_id = req.context.principal.user.id
        resp.media = [api_key_document(key) for key in self._api_keys.list_for(user_id)]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_body(req, NewApiKey)
        issued = self._api_keys.create(req.context.principal, body.name)
        resp.status = falcon.HTTP_201
        resp.location = self._urls.url_for("api_key", key_id=issued.api_key.id)
        resp.set_header("Cache-Control", "no-store")
        resp.media = issued_api_key_document(issued)


class ApiKeyItem:
    def __init__(self, api_keys: ApiKeyService) -> None:
        self._api_keys = api_keys

    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, key_id: str
    ) -> None:
        self._api_keys.revoke(req.context.principal.user.id, key_id)
        resp.status = falcon.HTTP_204
