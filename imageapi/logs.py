"""Log records as one JSON object per line, or as plain text for a terminal.

Every record goes to stdout, where containers and process managers collect
it. ``log_format: auto`` writes JSON unless stdout is a terminal. A record
may carry ``extra={"fields": {...}}`` (the access log does): those keys are
added to the JSON object as they are; the text format shows the message only.

libvips reports through GLib, which pyvips hands to the ``pyvips`` logger;
its warnings are about single images (and the request fails with its own
message), so they are kept at debug.
"""

from __future__ import annotations

import logging
import logging.config
import sys
from datetime import UTC
from datetime import datetime
from typing import Any

import orjson

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class QuietPyvips(logging.Filter):
    """Moves libvips' own messages down to debug."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return record.levelno >= logging.getLogger().getEffectiveLevel()


def resolved_format(log_format: str) -> str:
    """``json`` or ``text``; ``auto`` is text on a terminal, JSON otherwise."""
    if log_format != "auto":
        return log_format
    return "text" if sys.stdout.isatty() else "json"


def logging_config(level: str, log_format: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for us and for granian's own loggers."""
    formatter: dict[str, Any] = (
        {"()": "imageapi.logs.JsonFormatter"}
        if resolved_format(log_format) == "json"
        else {"format": TEXT_FORMAT}
    )
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
        "formatter": "imageapi",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"imageapi": formatter},
        "filters": {"quiet_pyvips": {"()": "imageapi.logs.QuietPyvips"}},
        "handlers": {"stdout": handler},
        "root": {"handlers": ["stdout"], "level": level.upper()},
        "loggers": {
            "_granian": {"level": level.upper()},
            # Ours (imageapi.access) replaces granian's access log.
            "granian.access": {"level": "WARNING"},
            # Below debug, libvips' messages are dropped by level, before a
            # record is made: a render sends a dozen of them.
            "pyvips": {
                "level": "DEBUG" if level.upper() == "DEBUG" else logging.CRITICAL + 1,
                "filters": ["quiet_pyvips"],
            },
        },
    }


def configure_logging(level: str, log_format: str = "auto") -> None:
    logging.config.dictConfig(logging_config(level, log_format))
