"""Additive upserts: several writers (workers) end with exact totals."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import select

from imageapi.db.base import utcnow
from imageapi.db.models import UsageCounter
from imageapi.services.usage import UsageService
from imageapi.services.usage_recorder import CounterKey
from imageapi.services.usage_recorder import UsageRecorder
from tests.rows import add_user


def test_parallel_workers_flushing_the_same_counters_add_up_exactly(db):
    user = add_user(db)
    service = UsageService(db, utcnow)
    routes = [f"GET /api/v1/route{number}" for number in range(5)]
    recorders = [UsageRecorder(service.save_counts, 3600) for _ in range(4)]

    def worker(recorder: UsageRecorder) -> None:
        for round_number in range(10):
            for route in routes:
                key = CounterKey(user.id, date(2030, 1, 1), "", route, "2xx")
                recorder.record(key, 3, 5, 0.5, round_number % 2 == 0)
            recorder.flush()

    threads = [threading.Thread(target=worker, args=(r,)) for r in recorders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for recorder in recorders:
        recorder.close()

    with db.read() as uow:
        rows = list(uow.session.scalars(select(UsageCounter)))
    assert sorted(row.route for row in rows) == sorted(routes)
    for row in rows:
        assert row.requests == 4 * 10
        assert row.bytes_in == 4 * 10 * 3
        assert row.bytes_out == 4 * 10 * 5
        assert row.derivatives_served == 4 * 5


def test_counters_of_a_deleted_user_do_not_block_the_others(db, caplog):
    kept, gone = add_user(db), add_user(db)
    service = UsageService(db, utcnow)
    recorder = UsageRecorder(service.save_counts, 3600)
    for user in (kept, gone):
        recorder.record(
            CounterKey(user.id, date(2030, 1, 1), "", "GET /x", "2xx"), 0, 0, 0, False
        )
    with db.write() as uow:
        uow.session.delete(uow.users.get(gone.id))
        uow.commit()
    recorder.close()
    with db.read() as uow:
        rows = list(uow.session.scalars(select(UsageCounter)))
    assert [row.user_id for row in rows] == [kept.id]
    assert "deleted user" in caplog.text
