"""The composition root: ``create_app`` wires collaborators it is given or builds.

``create_app(config)`` opens nothing at import time and touches no environment;
``get_app()`` is the one place that reads the environment, prepares the data
directory and the schema, and then calls ``create_app``.
"""

from __future__ import annotations

import atexit
import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import falcon
import falcon.media
from limits.storage import Storage as RateLimitStorage
from sqlalchemy import Engine

from imageapi.activity import RequestsInFlight
from imageapi.auth.oidc import OidcClient
from imageapi.auth.passwords import Passwords
from imageapi.config import Config
from imageapi.config import ensure_secret
from imageapi.config import load_config
from imageapi.db.base import utcnow
from imageapi.db.engine import make_engine
from imageapi.db.engine import make_session_factories
from imageapi.db.uow import Database
from imageapi.limits import Limits
from imageapi.logs import configure_logging
from imageapi.metrics import MetricsAccess
from imageapi.metrics import PrometheusMetrics
from imageapi.middleware.auth import Authentication
from imageapi.middleware.cross_site import RefuseCrossSiteRequests
from imageapi.middleware.header_size import RefuseLargeHeaders
from imageapi.middleware.nul import RefuseNulInPath
from imageapi.middleware.observation import RequestObservation
from imageapi.middleware.rate_limit import RateLimiting
from imageapi.middleware.request_id import RequestId
from imageapi.middleware.security_headers import SecurityHeaders
from imageapi.middleware.usage import UsageAccounting
from imageapi.middleware.utf8 import RefuseInvalidUtf8
from imageapi.processing.vips import configure_libvips
from imageapi.resources.oidc import LoginStateCookie
from imageapi.resources.sessions import SessionCookie
from imageapi.routes import ROUTES
from imageapi.routes import add_routes
from imageapi.routes.document import api_document
from imageapi.routes.urls import Urls
from imageapi.services.accounts import AccountService
from imageapi.services.admin import AdminService
from imageapi.services.api_keys import ApiKeyService
from imageapi.services.cursors import Cursors
from imageapi.services.derived_work import DerivedWork
from imageapi.services.duplicates import DuplicateService
from imageapi.services.fingerprints import FingerprintBackfill
from imageapi.services.health import HealthService
from imageapi.services.image_facts import ImageFacts
from imageapi.services.images import ImageService
from imageapi.services.integrity import IntegrityService
from imageapi.services.jobs import DERIVE
from imageapi.services.jobs import JobRunner
from imageapi.services.jobs import JobService
from imageapi.services.jobs import release_claims
from imageapi.services.oidc import SingleSignOnService
from imageapi.services.publishing import PublishService
from imageapi.services.quotas import QuotaService
from imageapi.services.rate_limits import CountedLoginThrottle
from imageapi.services.rate_limits import DisabledLoginThrottle
from imageapi.services.rate_limits import LoginThrottle
from imageapi.services.rate_limits import RequestRateLimit
from imageapi.services.rate_limits import WindowLoginThrottle
from imageapi.services.rate_limits import create_rate_limit_storage
from imageapi.services.registration import RegistrationService
from imageapi.services.renditions import RenditionService
from imageapi.services.tags import TagService
from imageapi.services.uploads import remove_stale_spools
from imageapi.services.usage import UsageService
from imageapi.services.usage_recorder import UsageRecorder
from imageapi.storage import create_storage
from imageapi.storage.base import Storage
from imageapi.web.errors import install_error_handlers
from imageapi.web.media import install_media_handlers

# On SIGTERM a worker stops accepting and finishes the requests in flight,
# those whose client has gone included (finish_at_exit); the server kills a
# worker still running after this long.
GRACEFUL_SECONDS = 10


@dataclass(frozen=True)
class Services:
    """Everything the routes call into, built once per worker."""

    accounts: AccountService
    cookie: SessionCookie
    images: ImageService
    duplicates: DuplicateService
    tags: TagService
    renditions: RenditionService
    usage: UsageService
    quotas: QuotaService
    admin: AdminService
    api_keys: ApiKeyService
    health: HealthService
    publishing: PublishService
    max_upload_bytes: int
    sign_on: SingleSignOnService
    login_state: LoginStateCookie
    sign_on_base_url: str
    metrics: PrometheusMetrics
    metrics_access: MetricsAccess
    integrity: IntegrityService
    registration: RegistrationService
    jobs: JobService


def create_app(
    config: Config,
    *,
    clock: Callable[[], datetime] = utcnow,
    storage: Storage | None = None,
    usage_recorder: UsageRecorder | None = None,
    exits_with_process: bool = False,
    oidc_clients: dict[str, OidcClient] | None = None,
    run_jobs_in_background: bool = False,
) -> falcon.App:
    """Build the WSGI app for ``config``; the schema must already be migrated.

    ``usage_recorder`` lets a caller own the usage buffer (tests flush it); by
    default the app builds one that flushes every few seconds. An app that
    ``exits_with_process`` (a server worker's) also finishes its requests and
    writes that buffer when the process exits (``finish_at_exit``).
    ``oidc_clients`` replaces the single sign-on providers' clients by name.
    ``run_jobs_in_background`` starts this process's job runners (server
    workers); without them an upload runs its job before answering.
    """
    if not config.secret_key:
        raise ValueError("config.secret_key must be set (see ensure_secret)")
    configure_libvips(
        cache_max_operations=config.processing.cache_max_operations,
        concurrency=config.processing.concurrency,
    )
    engine = make_engine(config.resolved_database_url)
    rate_limit_storage = create_rate_limit_storage(config, engine)
    metrics = PrometheusMetrics(config.processing.max_parallel_renders)
    services = _build_services(
        config,
        engine,
        rate_limit_storage,
        storage or create_storage(config),
        clock,
        oidc_clients or _oidc_clients(config, clock),
        metrics,
    )
    metrics.watch_jobs(services.jobs.depth)
    in_flight = RequestsInFlight()
    if run_jobs_in_background:
        JobRunner(services.jobs, config.jobs, in_flight).start()
    trust_forwarded = config.trust_forwarded_headers
    middleware = [
        RequestId(),
        SecurityHeaders(trust_forwarded),
        RefuseLargeHeaders(config.limits.max_header_bytes),
        RefuseInvalidUtf8(),
        RefuseCrossSiteRequests(trust_forwarded),
        Authentication(services.accounts, config.auth.cookie_name),
        RefuseNulInPath(),
    ]
    recorder = None
    if config.usage.enabled:
        recorder = usage_recorder or make_usage_recorder(config, services.usage)
        # First, so that it times the whole request and sees the final response.
        middleware.insert(0, UsageAccounting(recorder, clock))
    # Outermost: times everything and logs the status the client gets.
    middleware.insert(0, RequestObservation(metrics, in_flight))
    if config.limits.requests_per_minute:
        limit = RequestRateLimit(
            rate_limit_storage,
            config.limits.requests_per_minute,
            clock=lambda: clock().timestamp(),
        )
        middleware.append(RateLimiting(limit))
    app = falcon.App(middleware=middleware)
    app.req_options.strip_url_path_trailing_slash = True
    install_media_handlers(app)
    _limit_multipart_forms(app, config.limits)
    install_error_handlers(app)
    urls = Urls(ROUTES)
    add_routes(app, services, urls, api_document(config, urls))
    if exits_with_process:
        atexit.register(finish_at_exit, in_flight, recorder)
    return app


def finish_at_exit(in_flight: RequestsInFlight, recorder: UsageRecorder | None) -> None:
    """A server worker's last steps, in this order.

    The server stops waiting for a request whose client has gone, but the
    thread answering it runs on. Were the interpreter to finalize under that
    thread, its next call into Python would end it half-way (and granian
    would print a Rust panic). So such requests end first; then the usage
    they and all others counted is written.
    """
    in_flight.wait_for_lull(0.0, timeout=GRACEFUL_SECONDS)
    if recorder is not None:
        recorder.close()


def _limit_multipart_forms(app: falcon.App, limits: Limits) -> None:
    """Cap upload forms; past a cap Falcon's parser fails, which is a 400."""
    handler = falcon.media.MultipartFormHandler()
    handler.parse_options.max_body_part_count = limits.max_form_parts
    handler.parse_options.max_body_part_headers_size = limits.max_part_header_bytes
    handler.parse_options.max_body_part_buffer_size = limits.max_form_field_bytes
    app.req_options.media_handlers[falcon.MEDIA_MULTIPART] = handler


def _build_services(
    config: Config,
    engine: Engine,
    rate_limit_storage: RateLimitStorage,
    storage: Storage,
    clock: Callable[[], datetime],
    oidc_clients: dict[str, OidcClient],
    metrics: PrometheusMetrics,
) -> Services:
    db = Database(*make_session_factories(engine))
    quotas = QuotaService(db, config.quotas, clock)
    accounts = AccountService(
        db,
        _passwords(config),
        timedelta(seconds=config.auth.token_ttl_seconds),
        clock,
        login_throttle=CountedLoginThrottle(
            _login_throttle(config, rate_limit_storage), metrics
        ),
        password_login=config.auth.password_login,
    )
    facts = ImageFacts(db)  # shared: a deletion forgets the image for both
    derived = DerivedWork(
        db,
        storage,
        upload_dir(config),
        config.processing.working_copy_max_side,
        facts,
        parallel=config.jobs.runners_per_worker,
    )
    jobs = JobService(db, clock, config.jobs, {DERIVE: derived})
    images = ImageService(
        db,
        storage,
        Cursors(config.secret_key),
        config.limits,
        upload_dir=upload_dir(config),
        clock=clock,
        quotas=quotas,
        jobs=jobs,
        facts=facts,
        telemetry=metrics,
    )
    renditions = RenditionService(
        db,
        storage,
        config.processing,
        config.limits,
        clock,
        lock_dir=config.data_dir / "locks",
        facts=facts,
        telemetry=metrics,
    )
    return Services(
        accounts=accounts,
        cookie=SessionCookie(config.auth, config.trust_forwarded_headers),
        images=images,
        duplicates=DuplicateService(db, Cursors(config.secret_key)),
        tags=TagService(db),
        renditions=renditions,
        usage=UsageService(db, clock),
        quotas=quotas,
        admin=AdminService(db),
        api_keys=ApiKeyService(db, clock),
        health=HealthService(engine, storage, config.redis_url),
        publishing=PublishService(
            db, renditions, config.secret_key, config.signing, clock
        ),
        max_upload_bytes=config.limits.max_upload_bytes,
        sign_on=SingleSignOnService(
            db,
            accounts,
            config.auth.oidc_providers,
            oidc_clients,
            config.secret_key,
            clock,
            create_accounts=config.auth.oidc_create_accounts
            and config.auth.registration == "open",
        ),
        login_state=LoginStateCookie(config.auth),
        sign_on_base_url=config.auth.oidc_redirect_base_url,
        metrics=metrics,
        metrics_access=MetricsAccess(
            config.metrics.enabled, config.metrics.token, config.host
        ),
        integrity=IntegrityService(db, storage, config.data_dir / "uploads"),
        registration=RegistrationService(db, accounts, config.auth.registration, clock),
        jobs=jobs,
    )


def _oidc_clients(
    config: Config, clock: Callable[[], datetime]
) -> dict[str, OidcClient]:
    """One client per configured provider; each reads its discovery document
    and keys on first use, so a provider that is down delays no start."""
    if not config.auth.oidc_providers:
        return {}
    # Here, not at the top: its libraries cost each worker ~17 MiB, and most
    # servers configure no provider.
    from imageapi.auth.oidc_authlib import AuthlibOidcClient

    return {
        name: AuthlibOidcClient(settings, lambda: int(clock().timestamp()))
        for name, settings in config.auth.oidc_providers.items()
    }


def make_command_services(config: Config) -> Services:
    """The services without the web app, for the command line."""
    engine = make_engine(config.resolved_database_url)
    return _build_services(
        config,
        engine,
        create_rate_limit_storage(config, engine),
        create_storage(config),
        utcnow,
        _oidc_clients(config, utcnow),
        PrometheusMetrics(config.processing.max_parallel_renders),
    )


def make_fingerprint_backfill(config: Config, batch_size: int) -> FingerprintBackfill:
    """The fingerprint backfill without the web app, for the command line."""
    engine = make_engine(config.resolved_database_url)
    return FingerprintBackfill(
        Database(*make_session_factories(engine)), create_storage(config), batch_size
    )


def _passwords(config: Config) -> Passwords:
    return Passwords(
        config.auth.argon2_time_cost,
        config.auth.argon2_memory_kib,
        config.auth.argon2_parallelism,
        parallel=config.limits.max_parallel_password_hashes,
        queued=config.limits.max_queued_password_hashes,
    )


def make_usage_recorder(config: Config, usage: UsageService) -> UsageRecorder:
    return UsageRecorder(usage.save_counts, config.usage.flush_interval_seconds)


def _login_throttle(config: Config, storage: RateLimitStorage) -> LoginThrottle:
    limits = config.limits
    if not (
        limits.login_failures
        or limits.login_failures_per_address
        or limits.login_failures_per_account
    ):
        return DisabledLoginThrottle()
    return WindowLoginThrottle(
        storage,
        limits.login_failures,
        limits.login_failure_window_seconds,
        per_address=limits.login_failures_per_address,
        per_account=limits.login_failures_per_account,
    )


def upload_dir(config: Config) -> Path:
    """Where uploads are spooled while they are received and checked."""
    return config.data_dir / "uploads"


def prepare(config: Config) -> Config:
    """Create the data directory and secret, remove stale upload spool files
    and migrate the schema."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    removed = remove_stale_spools(upload_dir(config), time.time())
    if removed:
        logging.getLogger(__name__).info("removed %d stale upload files", removed)
    config = ensure_secret(config)
    # Here, not at the top: workers never migrate, and Alembic would cost each
    # of them ~11 MiB.
    from imageapi.db.migrate import upgrade

    engine = make_engine(config.resolved_database_url)
    try:
        upgrade(engine, lock_dir=config.data_dir)
    finally:
        engine.dispose()
    return config


def release_job_claims(config: Config) -> None:
    """At the start of a server: the jobs a killed server held would wait for
    their leases to run out; make them claimable now (a job still running in
    another instance only runs twice, which jobs allow)."""
    engine = make_engine(config.resolved_database_url)
    try:
        released = release_claims(Database(*make_session_factories(engine)))
    finally:
        engine.dispose()
    if released:
        logging.getLogger(__name__).info("released %d unfinished jobs", released)


def get_app() -> falcon.App:
    """Entry point for any WSGI server: ``imageapi.wsgi:application``."""
    config = prepare(load_config())
    configure_logging(config.log_level, config.log_format)
    return create_worker_app(config)


def create_worker_app(config: Config) -> falcon.App:
    """The app as a server process runs it, once per worker."""
    # Workers leave through sys.exit, so atexit runs finish_at_exit.
    app = create_app(config, exits_with_process=True, run_jobs_in_background=True)
    # Everything built so far lives as long as the worker: move it out of the
    # garbage collector's sight, so full collections scan only what requests
    # allocate (they took ~45 ms, the p99 of a listing, before this).
    gc.freeze()
    return app
