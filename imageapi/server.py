"""Run the app under gunicorn, configured from our Config."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

from gunicorn.app.base import BaseApplication

from imageapi.app import configure_logging
from imageapi.app import create_worker_app
from imageapi.config import Config

M_ARENA_MAX = -8  # mallopt parameter, from glibc's malloc.h
MALLOC_ARENAS = 2


def limit_malloc_arenas(_server: object, _worker: object) -> None:
    """Give the worker's threads 2 malloc arenas instead of up to 8 per core.

    With gunicorn's threads and libvips' own, glibc creates an arena per
    thread and seldom returns freed image buffers from them; two arenas took
    about 30 MiB off a worker's RSS after a few hundred thumbnails (see
    docs/benchmarks.md). A no-op where the C library has no ``mallopt``.
    """
    name = ctypes.util.find_library("c")
    mallopt = getattr(ctypes.CDLL(name), "mallopt", None) if name else None
    if mallopt is not None:
        mallopt(M_ARENA_MAX, MALLOC_ARENAS)


class GunicornServer(BaseApplication):
    """Each worker builds its own app (and engine) after the fork."""

    def __init__(self, config: Config, *, reload: bool = False) -> None:
        self._config = config
        self._reload = reload
        super().__init__()

    def load_config(self) -> None:
        workers = self._config.workers or os.cpu_count() or 1
        settings = {
            "bind": f"{self._config.host}:{self._config.port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            # gunicorn's largest; longer request lines get its HTML 414, as
            # the OpenAPI document says (openapi/document.py URI_TOO_LONG).
            "limit_request_line": 8190,
            "reload": self._reload,
            "accesslog": "-",
            "loglevel": self._config.log_level,
            "graceful_timeout": 10,
            "proc_name": "imageapi",
            "post_fork": limit_malloc_arenas,
            # One shared socket in $HOME would clash between instances; the
            # admin API and `imageapi serve` flags cover what it offers.
            "control_socket_disable": True,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        configure_logging(self._config.log_level)
        return create_worker_app(self._config)
