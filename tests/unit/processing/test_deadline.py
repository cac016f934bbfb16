"""The per-render time limit: a 503 instead of a busy worker."""

from __future__ import annotations

import threading
import time

import pytest
import pyvips

from imageapi.processing.deadline import Deadline
from imageapi.processing.deadline import RenderTimeout
from tests.unit.processing.conftest import render_params

# A tiny source blown up to 8192x8192 and blurred with sigma 100: many seconds
# of work, all of it inside the final encode, where only libvips' kill can stop.
HUGE_WORK = {"width": "8192", "enlarge": "1", "blur": "100", "format": "png"}


def test_a_render_past_its_time_limit_is_killed_with_503(quadrants_png):
    with pytest.raises(RenderTimeout) as raised:
        render_params(quadrants_png, HUGE_WORK, timeout_seconds=0.2)
    assert raised.value.status == 503
    assert "0.2 s" in raised.value.description


def test_work_done_before_the_encode_is_killed_too(quadrants_png):
    """A rotation holds the resized image in memory first: also watched."""
    # rotate=90: the box describes the result, so the height is the long side.
    params = {"height": "8192", "enlarge": "1", "blur": "100", "rotate": "90"}
    with pytest.raises(RenderTimeout):
        render_params(quadrants_png, params, timeout_seconds=0.2)


def test_the_same_work_renders_again_after_a_timeout(quadrants_png):
    with pytest.raises(RenderTimeout):
        render_params(quadrants_png, HUGE_WORK, timeout_seconds=0.1)
    small = render_params(quadrants_png, {"width": "20", "blur": "1"})
    assert small.width == 20


def test_deadline_checks_between_steps():
    now = [0.0]
    deadline = Deadline(5, clock=lambda: now[0])
    deadline.check()
    now[0] = 5.0
    assert deadline.expired
    with pytest.raises(RenderTimeout):
        deadline.check()


def test_renders_share_one_watchdog_thread(quadrants_png):
    """No thread per render: none appears over many renders."""
    render_params(quadrants_png, {"width": "20"})
    # Compared as sets: threads of other tests' pools may end meanwhile.
    before = set(threading.enumerate())
    for width in range(21, 61):
        render_params(quadrants_png, {"width": str(width)})
    assert set(threading.enumerate()) - before == set()
    names = [thread.name for thread in threading.enumerate()]
    assert names.count("render-watchdog") == 1


def test_a_watch_that_ended_in_time_never_kills_its_image():
    """Disarmed before its time: the watchdog leaves the image alone."""
    image = pyvips.Image.black(64, 64)
    with Deadline(0.05).watch(image):
        pass
    time.sleep(0.2)
    assert image.avg() == 0  # a killed image would fail to evaluate
