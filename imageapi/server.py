"""Run the app under gunicorn, configured from our Config."""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

from imageapi.app import configure_logging
from imageapi.app import create_app
from imageapi.config import Config


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
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        configure_logging(self._config.log_level)
        # Workers leave through sys.exit, so atexit flushes their usage buffer.
        return create_app(self._config, flush_usage_at_exit=True)
