"""libvips' own messages: silent unless the service logs at debug level."""

from __future__ import annotations

import itertools
import logging

import pytest
import pyvips

from imageapi.logs import configure_logging

_widths = itertools.count(101)


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("pyvips").setLevel(logging.NOTSET)
    logging.getLogger("pyvips").filters.clear()


def libvips_messages(caplog) -> list[logging.LogRecord]:
    """What reaches the handlers while libvips makes a thumbnail (it reports
    its steps as info messages)."""
    # dictConfig replaced the root's handlers, the test's capture among them.
    logging.getLogger().addHandler(caplog.handler)
    caplog.clear()
    # A size no other test uses: libvips' operation cache would answer a
    # repeated call without running (or reporting) anything.
    width = next(_widths)
    pyvips.Image.black(400 + width, 300).thumbnail_image(width).avg()
    return [r for r in caplog.records if r.getMessage().startswith("VIPS:")]


def test_libvips_messages_are_dropped_below_debug(restore_logging, caplog):
    configure_logging("info", "text")
    assert libvips_messages(caplog) == []
    # By the logger's level, before a record is made (not by a filter after).
    assert not logging.getLogger("pyvips").isEnabledFor(logging.CRITICAL)


def test_libvips_messages_are_debug_lines_at_debug(restore_logging, caplog):
    configure_logging("debug", "text")
    messages = libvips_messages(caplog)
    assert messages and {record.levelname for record in messages} == {"DEBUG"}
