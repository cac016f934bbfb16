"""Run the app under granian, configured from our Config.

granian parses HTTP in Rust, on an event loop: idle keep-alive connections
and clients that trickle their headers cost a socket and a small task, not
one of the threads that run the WSGI app (docs/benchmarks.md, "Server
choice"). Requests it cannot parse never reach the app: it answers them
with a bare 400, 414 or 431 and an empty body (docs/security.md, "Slow and
malformed requests"). Bodies have no read timeout: middleware/body_reads.py
bounds the slow ones instead.
"""

from __future__ import annotations

import atexit
import errno
import multiprocessing
import os
import shutil
import socket
import tempfile
from functools import partial
from pathlib import Path
from wsgiref.types import WSGIApplication

from granian import Granian
from granian.constants import HTTPModes
from granian.constants import Interfaces
from granian.http import HTTP1Settings

from imageapi import malloc
from imageapi.app import GRACEFUL_SECONDS
from imageapi.app import create_worker_app
from imageapi.config import Config
from imageapi.logs import configure_logging
from imageapi.logs import logging_config
from imageapi.metrics import MULTIPROCESS_VARIABLE
from imageapi.metrics import mark_worker_dead
from imageapi.middleware.body_reads import BodyReadGuard
from imageapi.startup import StartupError

# Requests per worker that run the app at once, so libvips and the database
# calls. Each worker has limits.max_parallel_body_reads threads more, for
# requests waiting for their bodies' bytes (middleware/body_reads.py).
APP_THREADS = 4
# A client has this long to send its request line and headers, then the
# connection is closed.
HEADER_READ_TIMEOUT_MS = 10_000


class PortInUse(StartupError):
    """Another process listens on the configured address and port."""


def serve(config: Config, *, reload: bool = False) -> None:
    """Serve until SIGINT or SIGTERM, then exit 0 once the workers are done.

    Raises:
        PortInUse: before any worker starts, rather than a traceback per worker.
    """
    check_port_free(config.host, config.port)
    # Spawned rather than forked workers import the code afresh (so --reload
    # sees changes) and leave through sys.exit, so atexit flushes their usage
    # counters; a forked multiprocessing child ends in os._exit.
    multiprocessing.set_start_method("spawn", force=True)
    # The workers inherit the variable and keep their metric values in files
    # there, so that any of them can answer a scrape with the sums. A fresh
    # folder per run: values of an earlier run must not be added in.
    metrics_dir = tempfile.mkdtemp(prefix="imageapi-metrics-")
    os.environ[MULTIPROCESS_VARIABLE] = metrics_dir
    try:
        make_server(config, reload=reload).serve(
            target_loader=partial(load_worker_app, config), wrap_loader=False
        )
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def check_port_free(host: str, port: int) -> None:
    """Bind and release the address, so a busy port is one clear error."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the server will: a port left in TIME_WAIT is free to listen on.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"port {port} is in use; set IMAGEAPI_PORT or --port"
                ) from None
            raise


def make_server(config: Config, *, reload: bool = False) -> Granian:
    return Granian(
        # Named for the logs only: each worker calls load_worker_app.
        "imageapi.server:load_worker_app",
        address=config.host,
        port=config.port,
        interface=Interfaces.WSGI,
        http=HTTPModes.http1,
        workers=config.workers or os.cpu_count() or 1,
        blocking_threads=APP_THREADS + config.limits.max_parallel_body_reads,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS),
        log_level=config.log_level,
        log_dictconfig=logging_config(config.log_level, config.log_format),
        # Our access log (middleware/observation.py) knows the route and user.
        log_access=False,
        workers_kill_timeout=GRACEFUL_SECONDS,
        reload=reload,
        reload_paths=[Path(__file__).parent],
    )


def load_worker_app(config: Config) -> WSGIApplication:
    """Runs in each worker process, before it accepts a connection."""
    malloc.tune()
    configure_logging(config.log_level, config.log_format)
    # A worker that leaves normally takes its live gauges out of the sums; the
    # files of one that was killed stay until the server stops.
    atexit.register(mark_worker_dead, os.getpid())
    return BodyReadGuard(create_worker_app(config), config.limits, APP_THREADS)
