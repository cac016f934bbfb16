"""Prometheus metrics of one app, summed over every worker of a server.

``imageapi serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh private
folder before it starts the workers (``server.py``): each worker's
prometheus_client then writes its values to files there, and a scrape, which
any worker may answer, adds up the files of all of them. Without that
variable (tests, ``create_app`` in a script) the values stay in the process.

Routes are labelled by their URI template from the route table, never by the
raw path, so the number of series stays bounded whatever clients request.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Callable

from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Gauge
from prometheus_client import Histogram
from prometheus_client import multiprocess
from prometheus_client.exposition import choose_encoder

from imageapi.db.repositories.jobs import QueueDepth
from imageapi.errors import NotAuthenticated
from imageapi.errors import NotFound

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Requests that matched no route share one label value.
UNMATCHED_ROUTE = "unmatched"
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class PrometheusMetrics:
    """The metrics of one app; implements ``services.telemetry.Telemetry``."""

    def __init__(self, render_slots: int) -> None:
        # A registry of our own: several apps in one process (tests) do not
        # collide, and nothing else registered globally is exposed.
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.requests = Counter(
            "imageapi_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.request_seconds = Histogram(
            "imageapi_http_request_duration_seconds",
            "Time from the request to the last byte of the answer.",
            ["method", "route"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.sent_bytes = Counter(
            "imageapi_http_response_body_bytes",
            "Response body bytes handed to the server, by method and route.",
            ["method", "route"],
            registry=registry,
        )
        self.in_flight = Gauge(
            "imageapi_http_requests_in_flight",
            "Requests being answered now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.render_seconds = Histogram(
            "imageapi_render_duration_seconds",
            "Renders of derivatives (the count is the number of renders), "
            "by output format.",
            ["format"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.render_slots = Gauge(
            "imageapi_render_slots",
            "Render slots of the live workers.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.render_slots_in_use = Gauge(
            "imageapi_render_slots_in_use",
            "Render slots taken now; requests past them wait.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.cache_lookups = Counter(
            "imageapi_derivative_cache_lookups",
            "Derivative requests, by result: hit or miss.",
            ["result"],
            registry=registry,
        )
        self.cache_evictions = Counter(
            "imageapi_derivative_cache_evictions",
            "Derivatives evicted from the cache.",
            registry=registry,
        )
        self.cache_bytes = Counter(
            "imageapi_derivative_cache_bytes",
            "Derivative bytes by event: hit (served from the cache), stored, evicted.",
            ["event"],
            registry=registry,
        )
        self.memory_hits = Counter(
            "imageapi_derivative_memory_hits",
            "Cached derivatives found in a worker's memory, without a file read "
            "(processing.derivative_memory_bytes).",
            registry=registry,
        )
        self.memory_bytes = Gauge(
            "imageapi_derivative_memory_bytes",
            "Bytes of derivatives the workers hold in memory.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.uploads = Counter(
            "imageapi_uploads", "Images uploaded and stored.", registry=registry
        )
        self.upload_bytes = Counter(
            "imageapi_upload_bytes",
            "Bytes of uploaded originals stored.",
            registry=registry,
        )
        # Database-wide counts, set by whichever worker answers the scrape.
        self.jobs_waiting = Gauge(
            "imageapi_jobs_waiting",
            "Upload jobs (pyramid levels, near-duplicate pairs) not yet claimed.",
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self.jobs_running = Gauge(
            "imageapi_jobs_running",
            "Upload jobs claimed by a runner whose lease has not expired.",
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self._job_depth: Callable[[], QueueDepth] | None = None
        self.login_failures = Counter(
            "imageapi_login_failures",
            "Logins refused for a wrong email or password, or a disabled account.",
            registry=registry,
        )
        self.login_throttles = Counter(
            "imageapi_login_throttles",
            "Logins refused because of too many failures (429).",
            registry=registry,
        )
        self.render_slots.set(render_slots)
        # Children of labelled metrics, found once: ``labels()`` checks and
        # locks on every call, and every request records a few.
        self._cache_hits = self.cache_lookups.labels("hit")
        self._cache_hit_bytes = self.cache_bytes.labels("hit")
        self._by_route: dict[tuple[str, str], tuple[Histogram, Counter]] = {}
        self._by_status: dict[tuple[str, str, int], Counter] = {}

    # Telemetry ---------------------------------------------------------------

    def rendered(self, output_format: str, seconds: float) -> None:
        self.render_seconds.labels(output_format).observe(seconds)

    def render_slot_taken(self) -> None:
        self.render_slots_in_use.inc()

    def render_slot_released(self) -> None:
        self.render_slots_in_use.dec()

    def derivative_cache_hit(self, size: int) -> None:
        self._cache_hits.inc()
        self._cache_hit_bytes.inc(size)

    def derivative_cache_miss(self) -> None:
        self.cache_lookups.labels("miss").inc()

    def derivative_memory_hit(self) -> None:
        self.memory_hits.inc()

    def derivative_memory_held(self, size: int) -> None:
        self.memory_bytes.set(size)

    def derivative_cached(self, size: int) -> None:
        self.cache_bytes.labels("stored").inc(size)

    def derivatives_evicted(self, count: int, size: int) -> None:
        self.cache_evictions.inc(count)
        self.cache_bytes.labels("evicted").inc(size)

    def uploaded(self, size: int) -> None:
        self.uploads.inc()
        self.upload_bytes.inc(size)

    def login_failed(self) -> None:
        self.login_failures.inc()

    def login_throttled(self) -> None:
        self.login_throttles.inc()

    # HTTP --------------------------------------------------------------------

    def request_started(self) -> None:
        self.in_flight.inc()

    def request_finished(
        self, method: str, route: str, status: int, seconds: float, sent: int
    ) -> None:
        self.in_flight.dec()
        # Bounded: routes are the route table's templates.
        answered = self._by_status.get((method, route, status))
        if answered is None:
            answered = self.requests.labels(method, route, str(status))
            self._by_status[method, route, status] = answered
        answered.inc()
        timed = self._by_route.get((method, route))
        if timed is None:
            timed = (
                self.request_seconds.labels(method, route),
                self.sent_bytes.labels(method, route),
            )
            self._by_route[method, route] = timed
        timed[0].observe(seconds)
        timed[1].inc(sent)

    def watch_jobs(self, depth: Callable[[], QueueDepth]) -> None:
        """Read the job queue's depth (database-wide) at every scrape."""
        self._job_depth = depth

    def exposition(self) -> tuple[bytes, str]:
        """The metrics in the Prometheus text format, and its content type."""
        if self._job_depth is not None:
            depth = self._job_depth()
            self.jobs_waiting.set(depth.waiting)
            self.jobs_running.set(depth.running)
        # Plain text whatever the Accept header: every Prometheus reads it,
        # and the API document describes one format.
        encoder, content_type = choose_encoder("")
        directory = os.environ.get(MULTIPROCESS_VARIABLE)
        if not directory:
            return encoder(self.registry), content_type
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        return encoder(registry), content_type


def mark_worker_dead(pid: int) -> None:
    """Drop a worker's live gauges (in flight, render slots) from the sums."""
    if os.environ.get(MULTIPROCESS_VARIABLE):
        multiprocess.mark_process_dead(pid)


class MetricsAccess:
    """Who may scrape: with ``metrics.token`` set, whoever sends it as a
    bearer token; without one, anyone, but only while the server listens on a
    loopback address (a scraper on the same host). Otherwise the route answers 404,
    as if it did not exist."""

    def __init__(self, enabled: bool, token: str, host: str) -> None:
        self._token = token
        self._open = enabled and (bool(token) or is_loopback(host))

    def check(self, authorization: str | None) -> None:
        if not self._open:
            raise NotFound(
                "Metrics are off: set metrics.token to serve them on a "
                "non-loopback address."
            )
        if not self._token:
            return
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), self._token.encode()
        ):
            raise NotAuthenticated(
                "Send the metrics token as 'Authorization: Bearer <token>'.",
                headers={"WWW-Authenticate": 'Bearer realm="imageapi-metrics"'},
            )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
