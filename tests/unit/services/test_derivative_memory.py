"""Derivatives kept in a worker's memory: served only while their file is
unchanged, the least recently served dropped past the budget."""

from __future__ import annotations

import io

import pytest

from imageapi.limits import DERIVATIVE_MEMORY_ENTRY_MAX_BYTES as ENTRY_MAX_BYTES
from imageapi.services.derivative_memory import DerivativeMemory
from imageapi.services.derivative_store import open_whole
from imageapi.storage.local import LocalStorage
from imageapi.storage.memory import MemoryStorage

KEY = "derivatives/abc/0123"
JPEG_LIKE = b"\xff\xd8 pixels \xff\xd9"  # ends as a whole JPEG does


@pytest.fixture
def storage(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path)


def stored(storage, key: str, data: bytes):
    """Store ``data`` as the derivative writer does; its version."""
    storage.put(key, io.BytesIO(data), durable=False)
    return storage.version(key)


def test_a_kept_derivative_is_served_while_its_file_is_unchanged(storage):
    memory = DerivativeMemory(storage, 1024)
    memory.remember(KEY, stored(storage, KEY, b"first"), b"first")
    assert memory.get(KEY) == b"first"
    assert memory.get(KEY) == b"first"


def test_a_replaced_or_deleted_derivative_is_not_served_from_memory(storage):
    memory = DerivativeMemory(storage, 1024)
    memory.remember(KEY, stored(storage, KEY, b"first"), b"first")
    stored(storage, KEY, b"again")  # rendered again: the same size, a new file
    assert memory.get(KEY) is None
    memory.remember(KEY, storage.version(KEY), b"again")
    assert memory.get(KEY) == b"again"
    storage.delete(KEY)  # evicted, or its image deleted
    assert memory.get(KEY) is None


def test_the_least_recently_served_go_first_past_the_budget(storage):
    memory = DerivativeMemory(storage, 10)
    for name in "abc":
        data = name.encode() * 4
        memory.remember(f"k/{name}", stored(storage, f"k/{name}", data), data)
        if name == "b":
            assert memory.get("k/a") == b"aaaa"  # now a was served after b
    assert memory.get("k/b") is None
    assert memory.get("k/a") == b"aaaa"
    assert memory.get("k/c") == b"cccc"


def test_large_derivatives_and_a_zero_budget_keep_nothing(storage):
    big = bytes(ENTRY_MAX_BYTES + 1)
    memory = DerivativeMemory(storage, 4 * ENTRY_MAX_BYTES)
    memory.remember(KEY, stored(storage, KEY, big), big)
    assert memory.get(KEY) is None
    off = DerivativeMemory(storage, 0)
    off.remember(KEY, stored(storage, KEY, b"small"), b"small")
    assert off.get(KEY) is None


def test_open_whole_keeps_a_whole_derivative_it_read_and_never_a_torn_one(storage):
    memory = DerivativeMemory(storage, 1024)
    stored(storage, KEY, JPEG_LIKE)
    stream, size = open_whole(storage, memory, KEY, "jpeg")
    assert (stream.read(), size) == (JPEG_LIKE, len(JPEG_LIKE))
    assert memory.get(KEY) == JPEG_LIKE
    torn = "derivatives/abc/torn"
    stored(storage, torn, JPEG_LIKE[:-2])
    assert open_whole(storage, memory, torn, "jpeg") is None
    assert memory.get(torn) is None


def test_open_whole_hands_a_derivative_too_large_to_keep_over_as_its_file(storage):
    memory = DerivativeMemory(storage, 4 * ENTRY_MAX_BYTES)
    large = b"\xff\xd8" + bytes(ENTRY_MAX_BYTES) + b"\xff\xd9"
    stored(storage, KEY, large)
    stream, size = open_whole(storage, memory, KEY, "jpeg")
    with stream:
        assert stream.fileno() >= 0  # the file itself, read as it is sent
        assert (stream.read(), size) == (large, len(large))
    assert memory.get(KEY) is None


def test_a_backend_without_versions_is_read_every_time():
    storage = MemoryStorage()
    memory = DerivativeMemory(storage, 1024)
    storage.put(KEY, io.BytesIO(JPEG_LIKE))
    stream, _ = open_whole(storage, memory, KEY, "jpeg")
    assert stream.read() == JPEG_LIKE
    assert memory.get(KEY) is None
    storage.put(KEY, io.BytesIO(JPEG_LIKE[:-2]))  # now torn: seen at once
    assert open_whole(storage, memory, KEY, "jpeg") is None
