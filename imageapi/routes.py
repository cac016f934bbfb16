"""The route table: every URL and the resource that answers it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import falcon

from imageapi.resources.admin import AdminUsage
from imageapi.resources.admin import AdminUserCollection
from imageapi.resources.admin import AdminUserItem
from imageapi.resources.api_keys import ApiKeyCollection
from imageapi.resources.api_keys import ApiKeyItem
from imageapi.resources.content import ImageContent
from imageapi.resources.docs import SWAGGER_UI_ASSETS
from imageapi.resources.docs import OpenApiDocument
from imageapi.resources.docs import SwaggerUi
from imageapi.resources.health import Health
from imageapi.resources.health import Readiness
from imageapi.resources.images import ImageCollection
from imageapi.resources.images import ImageItem
from imageapi.resources.images import ImageMetadata
from imageapi.resources.legacy import LegacyImage
from imageapi.resources.legacy import LegacyImageCollection
from imageapi.resources.legacy import LegacyImageTag
from imageapi.resources.legacy import LegacyImageTags
from imageapi.resources.legacy import LegacyLogin
from imageapi.resources.legacy import LegacyRegister
from imageapi.resources.sessions import CurrentSession
from imageapi.resources.sessions import SessionCollection
from imageapi.resources.tags import ImageTag
from imageapi.resources.tags import ImageTags
from imageapi.resources.tags import TagCollection
from imageapi.resources.usage import UsageSummary
from imageapi.resources.users import CurrentUser
from imageapi.resources.users import UserCollection

if TYPE_CHECKING:
    from imageapi.app import Services

API = "/api/v1"
SWAGGER_ASSETS = "/apidoc/static"


def add_routes(app: falcon.App, services: Services, document: dict[str, Any]) -> None:
    """v1, the earlier project's routes, health probes and the API docs."""
    accounts, cookie = services.accounts, services.cookie
    images, renditions, tags = services.images, services.renditions, services.tags
    max_upload = services.max_upload_bytes

    app.add_route("/healthz", Health())
    app.add_route("/readyz", Readiness(services.health))
    app.add_route(f"{API}/users", UserCollection(accounts))
    app.add_route(f"{API}/users/me", CurrentUser())
    app.add_route(f"{API}/sessions", SessionCollection(accounts, cookie))
    app.add_route(f"{API}/sessions/current", CurrentSession(accounts, cookie))

    app.add_route(f"{API}/images", ImageCollection(images, max_upload))
    app.add_route(f"{API}/images/{{image_id}}", ImageItem(images))
    app.add_route(
        f"{API}/images/{{image_id}}/content", ImageContent(images, renditions)
    )
    app.add_route(f"{API}/images/{{image_id}}/metadata", ImageMetadata(images))
    app.add_route(f"{API}/images/{{image_id}}/tags", ImageTags(tags))
    app.add_route(f"{API}/images/{{image_id}}/tags/{{tag}}", ImageTag(tags))
    app.add_route(f"{API}/tags", TagCollection(tags))

    app.add_route(f"{API}/users/me/api-keys", ApiKeyCollection(services.api_keys))
    app.add_route(f"{API}/users/me/api-keys/{{key_id}}", ApiKeyItem(services.api_keys))
    app.add_route(f"{API}/users/me/usage", UsageSummary(services.usage))
    admin, quotas = services.admin, services.quotas
    app.add_route(f"{API}/admin/users", AdminUserCollection(admin, quotas))
    app.add_route(f"{API}/admin/users/{{user_id}}", AdminUserItem(admin, quotas))
    app.add_route(f"{API}/admin/usage", AdminUsage(services.usage))

    app.add_route("/api/user/register", LegacyRegister(accounts))
    app.add_route("/api/user/login", LegacyLogin(accounts, cookie))
    app.add_route("/api/images", LegacyImageCollection(images, max_upload))
    app.add_route("/api/image/{img_id}", LegacyImage(images, renditions))
    app.add_route("/api/{img_id}/tags", LegacyImageTags(tags))
    app.add_route("/api/{img_id}/tags/{tag}", LegacyImageTag(tags))

    openapi = OpenApiDocument(document)
    app.add_route(f"{API}/openapi.json", openapi)
    app.add_route("/apidoc/openapi.json", openapi)
    swagger = SwaggerUi(f"{API}/openapi.json", SWAGGER_ASSETS)
    app.add_route("/apidoc/swagger", swagger)
    app.add_route("/api/apidoc/swagger", swagger)
    app.add_static_route(SWAGGER_ASSETS, str(SWAGGER_UI_ASSETS))
