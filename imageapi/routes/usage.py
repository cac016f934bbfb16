"""API keys, usage reports and the admin routes."""

from __future__ import annotations

from imageapi.openapi.operation import Body
from imageapi.openapi.operation import Header
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.resources.admin import AdminUsage
from imageapi.resources.admin import AdminUserCollection
from imageapi.resources.admin import AdminUserItem
from imageapi.resources.api_keys import ApiKeyCollection
from imageapi.resources.api_keys import ApiKeyItem
from imageapi.resources.usage import UsageSummary
from imageapi.routes.route import Route
from imageapi.routes.route import v1
from imageapi.schemas.usage import AdminUserOut
from imageapi.schemas.usage import AdminUserPage
from imageapi.schemas.usage import AdminUserQuery
from imageapi.schemas.usage import AllUsageOut
from imageapi.schemas.usage import ApiKeyOut
from imageapi.schemas.usage import IssuedApiKeyOut
from imageapi.schemas.usage import NewApiKey
from imageapi.schemas.usage import UsageOut
from imageapi.schemas.usage import UsageQuery
from imageapi.schemas.usage import UserPatch

ADMINS_ONLY = error("Only administrators may use this route.")
BAD_RANGE = error(
    "A date is not YYYY-MM-DD, `from` is after `to`, or the range is over 366 days."
)

ROUTES = (
    Route(
        "api_keys",
        v1("/users/me/api-keys"),
        lambda ctx: ApiKeyCollection(ctx.services.api_keys, ctx.urls),
        (
            Operation(
                "GET",
                operation_id="listApiKeys",
                summary="Your API keys (never the keys themselves)",
                tags=("api-keys",),
                responses={
                    200: Response("Your keys, newest first.", model=list[ApiKeyOut])
                },
            ),
            Operation(
                "POST",
                operation_id="createApiKey",
                summary="Create an API key",
                description="The answer holds the key, once: send it as `X-API-Key` "
                "(or as a bearer token). It works until revoked.",
                tags=("api-keys",),
                body=Body(NewApiKey, accepts_form=True),
                responses={
                    201: Response(
                        "The new key.",
                        model=IssuedApiKeyOut,
                        headers={
                            "Location": Header("`/api/v1/users/me/api-keys/{id}`."),
                            "Cache-Control": Header(
                                "`no-store`: the body holds a key."
                            ),
                        },
                        links={
                            "RevokeApiKey": {
                                "operationId": "revokeApiKey",
                                "parameters": {"key_id": "$response.body#/id"},
                            }
                        },
                    ),
                    403: error(
                        "Sent with an API key: keys cannot create keys (log in "
                        "with the password), or a cross-site browser request."
                    ),
                },
            ),
        ),
    ),
    Route(
        "api_key",
        v1("/users/me/api-keys/{key_id}"),
        lambda ctx: ApiKeyItem(ctx.services.api_keys),
        (
            Operation(
                "DELETE",
                operation_id="revokeApiKey",
                summary="Revoke an API key",
                tags=("api-keys",),
                responses={
                    204: Response("Revoked, at once."),
                    404: error("No key with this id among yours."),
                },
            ),
        ),
    ),
    Route(
        "usage",
        v1("/users/me/usage"),
        lambda ctx: UsageSummary(ctx.services.usage, ctx.services.quotas),
        (
            Operation(
                "GET",
                operation_id="getUsage",
                summary="Your usage: totals, per day and per route",
                tags=("usage",),
                query=UsageQuery,
                responses={
                    200: Response("Your usage.", model=UsageOut),
                    400: BAD_RANGE,
                },
            ),
        ),
    ),
    Route(
        "admin_users",
        v1("/admin/users"),
        lambda ctx: AdminUserCollection(ctx.services.admin, ctx.services.quotas),
        (
            Operation(
                "GET",
                operation_id="adminListUsers",
                summary="Every account, with its quotas (admins)",
                tags=("admin",),
                query=AdminUserQuery,
                responses={
                    200: Response("A page of accounts.", model=AdminUserPage),
                    403: ADMINS_ONLY,
                },
            ),
        ),
    ),
    Route(
        "admin_user",
        v1("/admin/users/{user_id}"),
        lambda ctx: AdminUserItem(ctx.services.admin, ctx.services.quotas),
        (
            Operation(
                "PATCH",
                operation_id="adminUpdateUser",
                summary="Disable, promote or set quotas of an account (admins)",
                tags=("admin",),
                body=Body(UserPatch, accepts_form=True),
                responses={
                    200: Response("The account.", model=AdminUserOut),
                    403: ADMINS_ONLY,
                    404: error("No account with this id."),
                    422: error(
                        "A field is invalid or null where it may not be, no field was "
                        "given, or you tried to disable or demote yourself."
                    ),
                },
            ),
        ),
    ),
    Route(
        "admin_usage",
        v1("/admin/usage"),
        lambda ctx: AdminUsage(ctx.services.usage),
        (
            Operation(
                "GET",
                operation_id="adminGetUsage",
                summary="Every account's usage totals (admins)",
                tags=("admin",),
                query=UsageQuery,
                responses={
                    200: Response("Totals per account.", model=AllUsageOut),
                    400: BAD_RANGE,
                    403: ADMINS_ONLY,
                },
            ),
        ),
    ),
)
