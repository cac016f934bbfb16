"""Jobs owed to images after their upload was answered, and who runs them.

An upload writes its job in the same transaction as the image row, so an
acknowledged upload always has either its derived objects or a job that makes
them. Whoever runs a job claims it under a lease (``jobs.lease_seconds``); the
handler deletes the job in the transaction that records its result. A crash
at any point therefore repeats a job, never loses it: its lease runs out and
any runner claims it again, and ``release_claims`` (at start, before the
workers) makes a killed server's jobs claimable at once. Handlers must hence
be idempotent: they write objects under fixed keys and rows with upserts.

Each worker process runs ``jobs.runners_per_worker`` runner threads (one by
default): per worker, not one per instance, so that work scales with the
workers and a worker's own uploads can wake its runner without a round trip;
the lease makes it safe for every worker of every instance to claim.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from typing import Protocol

from imageapi.activity import RequestsInFlight
from imageapi.config import JobsConfig
from imageapi.db.repositories.jobs import ClaimedJob
from imageapi.db.repositories.jobs import QueueDepth
from imageapi.db.uow import Database
from imageapi.db.uow import UnitOfWork

log = logging.getLogger(__name__)

# The only kind so far: the pyramid and the near-duplicate pairs.
DERIVE = "derive"
# How long a worker must have answered no request before a runner starts a job.
LULL_SECONDS = 0.05
# A failed job waits this long times its attempts before it runs again.
RETRY_PAUSE_SECONDS = 10


class JobHandler(Protocol):
    def run(self, job: ClaimedJob, finish: Callable[[UnitOfWork], None]) -> None:
        """Do the job; call ``finish(uow)`` in the transaction recording it."""


class JobService:
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        settings: JobsConfig,
        handlers: dict[str, JobHandler],
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._handlers = handlers
        self._wake: Callable[[], None] | None = None

    @staticmethod
    def enqueue(uow: UnitOfWork, kind: str, image_id: str, now: datetime) -> None:
        """Add a job inside the caller's transaction (the image row's)."""
        uow.jobs.add(kind, image_id, now)

    def enqueued(self, image_id: str) -> None:
        """After the enqueuing transaction committed: wake this worker's
        runners, or, without any (commands, tests), run the job now."""
        if self._wake is not None:
            self._wake()
            return
        while self.run_next(image_id=image_id):
            pass

    def attach_runner(self, wake: Callable[[], None]) -> None:
        self._wake = wake

    def run_next(self, image_id: str | None = None) -> ClaimedJob | None:
        """Claim one runnable job and run it; None if there was none."""
        now = self._clock()
        lease = timedelta(seconds=self._settings.lease_seconds)
        with self._db.write() as uow:
            job = uow.jobs.claim(now, now + lease, image_id)
            uow.commit()
        if job is None:
            return None
        try:
            self._handlers[job.kind].run(job, lambda uow: uow.jobs.finish(job.id))
        except Exception:
            log.exception(
                "job %s (%s of image %s) failed", job.id, job.kind, job.image_id
            )
            self._failed(job)
        return job

    def behind(self, job: ClaimedJob) -> bool:
        """Whether derived work is further behind uploads than
        ``jobs.max_deferral_seconds``: the job waited longer than that."""
        waited = (self._clock() - job.created_at).total_seconds()
        return waited > self._settings.max_deferral_seconds

    def _failed(self, job: ClaimedJob) -> None:
        with self._db.write() as uow:
            if job.attempts >= self._settings.max_attempts:
                log.error("giving up job %s after %d attempts", job.id, job.attempts)
                uow.jobs.finish(job.id)
            else:
                pause = timedelta(seconds=RETRY_PAUSE_SECONDS * job.attempts)
                uow.jobs.retry_later(job.id, self._clock() + pause)
            uow.commit()

    def depth(self) -> QueueDepth:
        with self._db.read() as uow:
            return uow.jobs.depth(self._clock())


def release_claims(db: Database) -> int:
    """Make every claimed job claimable now; for the start of a server."""
    with db.write() as uow:
        released = uow.jobs.release_claims()
        uow.commit()
    return released


class JobRunner:
    """The runner threads of one worker process."""

    def __init__(
        self, jobs: JobService, settings: JobsConfig, in_flight: RequestsInFlight
    ) -> None:
        self._jobs = jobs
        self._settings = settings
        self._in_flight = in_flight
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, name=f"job-runner-{n}", daemon=True)
            for n in range(settings.runners_per_worker)
        ]

    def start(self) -> None:
        self._jobs.attach_runner(self._wake.set)
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Let the runners finish their current job and end."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join()

    def _loop(self) -> None:
        if self._stop.wait(self._settings.start_delay_seconds):
            return
        behind = True  # at start, whatever waits runs at once
        while not self._stop.is_set():
            # In a lull between this worker's requests: a job's Python holds
            # the interpreter lock that the requests' threads need, and a
            # burst of uploads is answered first and derived after. Under
            # steady load, one job per yield_seconds still runs, and none
            # waits once derived work has fallen max_deferral_seconds behind.
            if not behind:
                self._in_flight.wait_for_lull(
                    LULL_SECONDS, self._settings.yield_seconds
                )
            try:
                job = self._jobs.run_next()
            except Exception:  # the database is away: try again after a pause
                log.exception("could not claim a job")
                job = None
            behind = job is not None and self._jobs.behind(job)
            if job is None:
                # Woken by an upload in this worker, or after poll_seconds for
                # jobs of other workers and expired leases.
                self._wake.wait(self._settings.poll_seconds)
                self._wake.clear()
