"""Admin routes: users (list, disable, role, quotas) and everyone's usage."""

from __future__ import annotations

import falcon

from imageapi.schemas.usage import AdminUserQuery
from imageapi.schemas.usage import UsageQuery
from imageapi.schemas.usage import UserPatch
from imageapi.services.admin import AdminService
from imageapi.services.quotas import QuotaService
from imageapi.services.usage import UsageService
from imageapi.web.body import read_body
from imageapi.web.query import read_query
from imageapi.web.usage_representations import admin_user_document
from imageapi.web.usage_representations import all_usage_document


class AdminUserCollection:
    admin_only = True

    def __init__(self, admin: AdminService, quotas: QuotaService) -> None:
        self._admin = admin
        self._quotas = quotas

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = read_query(req, AdminUserQuery)
        users = self._admin.list_users(query.limit, query.offset)
        resp.media = {
            "items": [
                admin_user_document(user, self._quotas.quotas_for(user))
                for user in users
            ]
        }


class AdminUserItem:
    admin_only = True

    def __init__(self, admin: AdminService, quotas: QuotaService) -> None:
        self._admin = admin
        self._quotas = quotas

    def on_patch(
        self, req: falcon.Request, resp: falcon.Response, user_id: str
    ) -> None:
        body = read_body(req, UserPatch)
        acting = req.context.principal.user.id
        user = self._admin.update_user(acting, user_id, body.changes())
        resp.media = admin_user_document(user, self._quotas.quotas_for(user))


class AdminUsage:
    admin_only = True

    def __init__(self, usage: UsageService) -> None:
        self._usage = usage

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = read_query(req, UsageQuery)
        first, last, users = self._usage.all_users(query.first, query.last)
        resp.media = all_usage_document(first, last, users)
