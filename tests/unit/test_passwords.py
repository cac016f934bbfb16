"""Password hashing runs a bounded number of hashes and refuses past its queue."""

from __future__ import annotations

import os
import threading

import pytest

from imageapi.auth.passwords import Passwords
from imageapi.errors import TooManyRequests


def test_hashing_past_the_slots_and_queue_is_refused_at_once():
    # A deliberately slow hash (64 MiB, 3 passes) keeps the one slot busy.
    passwords = Passwords(3, 64 * 1024, 1, parallel=1, queued=0)
    slow_hash = passwords.hash("a password")
    stop = threading.Event()

    def keep_busy() -> None:
        while not stop.is_set():
            passwords.verify(slow_hash, "a password")

    busy = threading.Thread(target=keep_busy)
    busy.start()
    refusals = 0
    try:
        for _ in range(200):
            try:
                passwords.verify(slow_hash, "wrong password")
            except TooManyRequests as exc:
                assert exc.headers["Retry-After"] == "1"
                refusals += 1
                break
    finally:
        stop.set()
        busy.join(60)
    assert refusals == 1
    assert passwords.verify(slow_hash, "a password")  # free again


def test_hash_and_verify_within_the_bound():
    passwords = Passwords(1, 64, 1, parallel=1, queued=0)
    assert passwords.verify(passwords.hash("secret password"), "secret password")
    assert not passwords.verify(None, "secret password")


@pytest.mark.parametrize("queued", [0, 3])
def test_parallel_callers_within_slots_and_queue_all_succeed(queued):
    passwords = Passwords(1, 64, 1, parallel=1, queued=queued)
    stored = passwords.hash("secret password")
    results: list[bool] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(passwords.verify(stored, "secret password"))
        )
        for _ in range(queued + 1)
    ]
    for thread in threads:
        thread.start()
        thread.join(30)  # one at a time: never over the bound
    assert results == [True] * (queued + 1)


def test_hashes_run_at_the_lowest_cpu_priority():
    passwords = Passwords(1, 64, 1, parallel=1, queued=0)
    assert passwords.verify(passwords.hash("secret password"), "secret password")
    hashing = [
        thread.native_id
        for thread in threading.enumerate()
        if thread.name.startswith("password-hash")
    ]
    assert hashing
    assert {os.getpriority(os.PRIO_PROCESS, native) for native in hashing} == {19}
    # The nice value is the hashing thread's own, not the process's.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < 19
