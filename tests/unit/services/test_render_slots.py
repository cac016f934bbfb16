"""Render slots: a per-user share, a bounded per-user queue, a cheap lane."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from imageapi.errors import TooManyRequests
from imageapi.processing.deadline import RenderTimeout
from imageapi.services.render_slots import HostLane
from imageapi.services.render_slots import RenderSlots

WAIT = 30  # seconds; only reached if the code under test hangs


@contextmanager
def held(slots: RenderSlots, user: str, *, expensive: bool) -> Iterator[None]:
    """Hold a slot in another thread until the block ends."""
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with slots.slot(user, expensive=expensive, timeout=WAIT):
            entered.set()
            release.wait(WAIT)

    thread = threading.Thread(target=hold)
    thread.start()
    assert entered.wait(WAIT)
    try:
        yield
    finally:
        release.set()
        thread.join(WAIT)


@pytest.fixture
def lane(tmp_path) -> HostLane:
    return HostLane(tmp_path / "locks", 4)


def test_a_user_over_its_share_with_a_full_queue_gets_429_at_once(lane):
    slots = RenderSlots(parallel=4, user_parallel=1, user_queued=0, host_lane=lane)
    with held(slots, "greedy", expensive=True):
        with (
            pytest.raises(TooManyRequests) as refused,
            slots.slot("greedy", expensive=True, timeout=WAIT),
        ):
            pass
        assert refused.value.headers["Retry-After"] == "1"
        with slots.slot("other", expensive=True, timeout=WAIT):
            pass  # another user is served meanwhile
        with slots.slot("greedy", expensive=False, timeout=WAIT):
            pass  # cheap renders are not counted per user


def test_a_queued_render_starts_when_the_users_slot_frees(lane):
    slots = RenderSlots(parallel=4, user_parallel=1, user_queued=1, host_lane=lane)
    started = threading.Event()

    def queued() -> None:
        with slots.slot("user", expensive=True, timeout=WAIT):
            started.set()

    with held(slots, "user", expensive=True):
        thread = threading.Thread(target=queued)
        thread.start()
        assert not started.wait(0.2)  # waits behind the held slot
    thread.join(WAIT)
    assert started.is_set()


def test_the_last_slot_is_kept_for_cheap_renders(lane):
    slots = RenderSlots(parallel=2, user_parallel=2, user_queued=4, host_lane=lane)
    with held(slots, "greedy", expensive=True):
        with (
            pytest.raises(RenderTimeout),
            slots.slot("other", expensive=True, timeout=0.1),
        ):
            pass
        with slots.slot("other", expensive=False, timeout=WAIT):
            pass  # a thumbnail goes past the expensive render


def test_a_single_slot_is_not_reserved(lane):
    slots = RenderSlots(parallel=1, user_parallel=1, user_queued=0, host_lane=lane)
    with slots.slot("user", expensive=True, timeout=WAIT):
        pass


def test_the_host_lane_is_shared_by_every_holder_of_its_files(tmp_path):
    """Two lanes over one directory stand for two worker processes."""
    first, second = HostLane(tmp_path, 1), HostLane(tmp_path, 1)
    slots = RenderSlots(parallel=4, user_parallel=4, user_queued=4, host_lane=first)
    other_worker = RenderSlots(
        parallel=4, user_parallel=4, user_queued=4, host_lane=second
    )
    with held(slots, "greedy", expensive=True):
        with (
            pytest.raises(RenderTimeout),
            other_worker.slot("other", expensive=True, timeout=0.1),
        ):
            pass
        with other_worker.slot("other", expensive=False, timeout=WAIT):
            pass  # cheap renders take no host lock
    with other_worker.slot("other", expensive=True, timeout=WAIT):
        pass  # released with the first worker's render
