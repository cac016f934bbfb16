"""The composition root: ``create_app`` wires collaborators it is given or builds.

``create_app(config)`` opens nothing at import time and touches no environment;
``get_app()`` is the one place that reads the environment, prepares the data
directory and the schema, and then calls ``create_app``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta

import falcon

from imageapi.auth.passwords import Passwords
from imageapi.config import Config
from imageapi.config import ensure_secret
from imageapi.config import load_config
from imageapi.db.base import utcnow
from imageapi.db.engine import make_engine
from imageapi.db.engine import make_session_factories
from imageapi.db.migrate import upgrade
from imageapi.db.uow import Database
from imageapi.middleware.auth import Authentication
from imageapi.middleware.nul import RefuseNulInPath
from imageapi.middleware.rate_limit import RateLimiting
from imageapi.middleware.request_id import RequestId
from imageapi.middleware.usage import UsageAccounting
from imageapi.openapi.api import api_document
from imageapi.processing.vips import configure_libvips
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
from imageapi.resources.sessions import SessionCookie
from imageapi.resources.tags import ImageTag
from imageapi.resources.tags import ImageTags
from imageapi.resources.tags import TagCollection
from imageapi.resources.usage import UsageSummary
from imageapi.resources.users import CurrentUser
from imageapi.resources.users import UserCollection
from imageapi.services.accounts import AccountService
from imageapi.services.admin import AdminService
from imageapi.services.api_keys import ApiKeyService
from imageapi.services.cursors import Cursors
from imageapi.services.health import HealthService
from imageapi.services.images import ImageService
from imageapi.services.quotas import QuotaService
from imageapi.services.rate_limits import LoginThrottle
from imageapi.services.rate_limits import NoLoginThrottle
from imageapi.services.rate_limits import RequestRateLimit
from imageapi.services.rate_limits import create_rate_limit_storage
from imageapi.services.renditions import RenditionService
from imageapi.services.usage import UsageService
from imageapi.services.usage_recorder import UsageRecorder
from imageapi.storage import create_storage
from imageapi.storage.base import Storage
from imageapi.web.errors import install_error_handlers
from imageapi.web.media import install_media_handlers

API = "/api/v1"
SWAGGER_ASSETS = "/apidoc/static"


def create_app(
    config: Config,
    *,
    clock: Callable[[], datetime] = utcnow,
    storage: Storage | None = None,
    usage_recorder: UsageRecorder | None = None,
    flush_usage_at_exit: bool = False,
) -> falcon.App:
    """Build the WSGI app for ``config``; the schema must already be migrated.

    ``usage_recorder`` lets a caller own the usage buffer (tests flush it); by
    default the app builds one that flushes every few seconds and, for server
    processes (``flush_usage_at_exit``), once more when the process exits.
    """
    if not config.secret_key:
        raise ValueError("config.secret_key must be set (see ensure_secret)")
    engine = make_engine(config.resolved_database_url)
    db = Database(*make_session_factories(engine))
    passwords = Passwords(
        config.auth.argon2_time_cost,
        config.auth.argon2_memory_kib,
        config.auth.argon2_parallelism,
    )
    rate_limit_storage = create_rate_limit_storage(config, engine)
    accounts = AccountService(
        db,
        passwords,
        timedelta(seconds=config.auth.token_ttl_seconds),
        clock,
        login_throttle=_login_throttle(config, rate_limit_storage),
    )
    cookie = SessionCookie(config.auth)
    usage = UsageService(db, clock)
    quotas = QuotaService(db, config.quotas, clock)
    admin = AdminService(db)
    api_keys = ApiKeyService(db, clock)
    configure_libvips(
        cache_max_operations=config.processing.cache_max_operations,
        concurrency=config.processing.concurrency,
    )
    storage = storage or create_storage(config)
    images = ImageService(
        db,
        storage,
        Cursors(config.secret_key),
        config.limits,
        upload_dir=config.data_dir / "uploads",
        clock=clock,
        quotas=quotas,
        working_copy_max_side=config.processing.working_copy_max_side,
    )
    renditions = RenditionService(db, storage, config.processing, config.limits, clock)
    max_upload = config.limits.max_upload_bytes

    middleware = [
        RequestId(),
        Authentication(accounts, config.auth.cookie_name),
        RefuseNulInPath(),
    ]
    if config.usage.enabled:
        recorder = usage_recorder or make_usage_recorder(
            config, usage, flush_at_exit=flush_usage_at_exit
        )
        # First, so that it times the whole request and sees the final response.
        middleware.insert(0, UsageAccounting(recorder, clock))
    if config.limits.requests_per_minute:
        limit = RequestRateLimit(rate_limit_storage, config.limits.requests_per_minute)
        middleware.append(RateLimiting(limit))
    app = falcon.App(middleware=middleware)
    app.req_options.strip_url_path_trailing_slash = True
    install_media_handlers(app)
    install_error_handlers(app)

    app.add_route("/healthz", Health())
    app.add_route("/readyz", Readiness(HealthService(engine)))
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
    app.add_route(f"{API}/images/{{image_id}}/tags", ImageTags(images))
    app.add_route(f"{API}/images/{{image_id}}/tags/{{tag}}", ImageTag(images))
    app.add_route(f"{API}/tags", TagCollection(images))

    app.add_route(f"{API}/users/me/api-keys", ApiKeyCollection(api_keys))
    app.add_route(f"{API}/users/me/api-keys/{{key_id}}", ApiKeyItem(api_keys))
    app.add_route(f"{API}/users/me/usage", UsageSummary(usage))
    app.add_route(f"{API}/admin/users", AdminUserCollection(admin, quotas))
    app.add_route(f"{API}/admin/users/{{user_id}}", AdminUserItem(admin, quotas))
    app.add_route(f"{API}/admin/usage", AdminUsage(usage))

    app.add_route("/api/user/register", LegacyRegister(accounts))
    app.add_route("/api/user/login", LegacyLogin(accounts, cookie))
    app.add_route("/api/images", LegacyImageCollection(images, max_upload))
    app.add_route("/api/image/{img_id}", LegacyImage(images, renditions))
    app.add_route("/api/{img_id}/tags", LegacyImageTags(images))
    app.add_route("/api/{img_id}/tags/{tag}", LegacyImageTag(images))
    _add_docs_routes(app, config)
    return app


def _add_docs_routes(app: falcon.App, config: Config) -> None:
    document = OpenApiDocument(api_document(config))
    app.add_route(f"{API}/openapi.json", document)
    app.add_route("/apidoc/openapi.json", document)
    swagger = SwaggerUi(f"{API}/openapi.json", SWAGGER_ASSETS)
    app.add_route("/apidoc/swagger", swagger)
    app.add_route("/api/apidoc/swagger", swagger)
    app.add_static_route(SWAGGER_ASSETS, str(SWAGGER_UI_ASSETS))


def make_account_service(config: Config) -> AccountService:
    """Accounts without the web app, for the command line."""
    engine = make_engine(config.resolved_database_url)
    passwords = Passwords(
        config.auth.argon2_time_cost,
        config.auth.argon2_memory_kib,
        config.auth.argon2_parallelism,
    )
    ttl = timedelta(seconds=config.auth.token_ttl_seconds)
    return AccountService(
        Database(*make_session_factories(engine)), passwords, ttl, utcnow
    )


def make_usage_recorder(
    config: Config, usage: UsageService, *, flush_at_exit: bool = False
) -> UsageRecorder:
    return UsageRecorder(
        usage.save_counts,
        config.usage.flush_interval_seconds,
        flush_at_exit=flush_at_exit,
    )


def _login_throttle(config: Config, storage) -> NoLoginThrottle:
    if not config.limits.login_failures:
        return NoLoginThrottle()
    return LoginThrottle(
        storage,
        config.limits.login_failures,
        config.limits.login_failure_window_seconds,
    )


def prepare(config: Config) -> Config:
    """Create the data directory and secret, and migrate the schema."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    config = ensure_secret(config)
    engine = make_engine(config.resolved_database_url)
    try:
        upgrade(engine, lock_dir=config.data_dir)
    finally:
        engine.dispose()
    return config


def get_app() -> falcon.App:
    """Entry point for ``gunicorn imageapi.wsgi:application``."""
    config = prepare(load_config())
    configure_logging(config.log_level)
    return create_app(config, flush_usage_at_exit=True)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
    )
