"""The per-worker usage buffer: aggregation, retries, close."""

from __future__ import annotations

import threading
from datetime import date

from imageapi.services.usage_recorder import CounterKey
from imageapi.services.usage_recorder import UsageRecorder

KEY = CounterKey("u1", date(2030, 1, 1), "", "GET /api/v1/users/me", "2xx")
OTHER = CounterKey("u1", date(2030, 1, 1), "k1", "GET /api/v1/users/me", "2xx")


class ListSink:
    """Collects flushed batches; can be told to fail a number of times."""

    def __init__(self, failures: int = 0) -> None:
        self.batches: list[list[dict]] = []
        self.failures = failures

    def __call__(self, rows: list[dict]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database unavailable")
        self.batches.append(rows)


def test_records_are_aggregated_per_key_until_flushed():
    sink = ListSink()
    recorder = UsageRecorder(sink, 3600)
    recorder.record(KEY, 10, 100, 1.4, False)
    recorder.record(KEY, 5, 50, 1.4, True)
    recorder.record(OTHER, 0, 7, 0.2, False)
    assert sink.batches == []
    recorder.flush()
    rows = {row["api_key_id"]: row for row in sink.batches[0]}
    assert rows[""] == {
        "user_id": "u1",
        "day": date(2030, 1, 1),
        "api_key_id": "",
        "route": "GET /api/v1/users/me",
        "status_class": "2xx",
        "requests": 2,
        "bytes_in": 15,
        "bytes_out": 150,
        "processing_ms": 3,
        "derivatives_served": 1,
    }
    assert rows["k1"]["requests"] == 1
    recorder.flush()
    assert len(sink.batches) == 1  # nothing new, nothing written
    recorder.close()


def test_a_failed_flush_keeps_the_counts_for_the_next_one(caplog):
    sink = ListSink(failures=1)
    recorder = UsageRecorder(sink, 3600)
    recorder.record(KEY, 1, 1, 0, False)
    recorder.flush()
    assert sink.batches == []
    recorder.record(KEY, 1, 1, 0, False)
    recorder.flush()
    assert sink.batches[0][0]["requests"] == 2
    assert "will retry" in caplog.text
    recorder.close()


def test_close_writes_what_is_left():
    sink = ListSink()
    recorder = UsageRecorder(sink, 3600)
    recorder.record(KEY, 0, 0, 0, False)
    recorder.close()
    assert sink.batches[0][0]["requests"] == 1
    recorder.close()
    assert len(sink.batches) == 1


def test_parallel_records_lose_nothing():
    sink = ListSink()
    recorder = UsageRecorder(sink, 3600)

    def hammer() -> None:
        for _ in range(2000):
            recorder.record(KEY, 1, 2, 0, False)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    # Flushing while records arrive must neither drop nor double-count any.
    while any(thread.is_alive() for thread in threads):
        recorder.flush()
    recorder.close()
    rows = [row for batch in sink.batches for row in batch]
    assert sum(row["requests"] for row in rows) == 16_000
    assert sum(row["bytes_out"] for row in rows) == 32_000


def test_the_background_thread_flushes_on_its_own():
    flushed = threading.Event()

    def sink(rows: list[dict]) -> None:
        flushed.set()

    recorder = UsageRecorder(sink, 0.01)
    recorder.record(KEY, 0, 0, 0, False)
    assert flushed.wait(timeout=30)
    recorder.close()
